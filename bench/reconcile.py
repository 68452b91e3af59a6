"""Reconciliation at market scale: 1,000 coins on 3 chains, each with a daily statement and a month of redemptions.

    python bench/reconcile.py [--coins 1000] [--redemptions 30]

Uses its own database (``DATABASE_URL``, default postgres://postgres@127.0.0.1:5432/attest_bench_reconcile),
dropped, created and migrated on every run. It seeds, with bulk inserts, ``--coins`` coins (licences
cycling through HK, US GENIUS, NYDFS, MiCA and MAS), a deployment and a supply reading on each of 3
chains, a standing daily statement (two holdings, issuer figures per chain), a custodian confirmation at
its cut-off, and ``--redemptions`` redemptions spread over the last 30 days. Then it times
``reserves.batch.judge_many`` over every coin: every run's inputs gathered in bulk and every rule of
every pack computed (best of 3), counting its queries. The floor, in the same run, is reading the same
rows with plain SELECTs and no work; the ratio is ours over it.

Target: reconciling all coins in <= 2 s wall time, with the queries per coin falling (a fixed number
of queries for the whole batch). It also counts the queries of one coin's full path (run stored,
flags, publication: ``reserves.services.stablecoin_reconcile``) for 5 and for 20 coins, to show
that path is constant per coin. The last line is one JSON object of the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/attest_bench_reconcile")

import django  # noqa: E402

PROFILES = [("HK", "HKD"), ("US_GENIUS", "USD"), ("US_NYDFS", "USD"), ("EU_MICA", "EUR"), ("SG_MAS", "SGD")]
CHAINS = (910001, 910002, 910003)


def fresh_database() -> None:
    import psycopg

    url = urlsplit(os.environ["DATABASE_URL"])
    if url.scheme not in {"postgres", "postgresql"}:
        sys.exit("the benchmark measures PostgreSQL: set DATABASE_URL=postgres://...")
    name = url.path.lstrip("/")
    with psycopg.connect(url._replace(path="/postgres").geturl(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def seed(coins: int, redemptions: int) -> None:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from attest.models import (
        Attestation,
        ConfirmedBalance,
        CustodianConfirmation,
        Holding,
        Issuer,
        IssuerFigure,
        Licence,
        Redemption,
        Stablecoin,
    )
    from chain.models import Deployment, Network, SupplyReading

    now = timezone.now()
    user = get_user_model().objects.create_user("bench", password="bench-pass-123")  # noqa: S106 - a throwaway bench user
    networks = Network.objects.bulk_create([Network(name=f"bench-{c}", chain_id=c) for c in CHAINS])
    issuers = Issuer.objects.bulk_create([Issuer(name=f"Bench Issuer {i}") for i in range(coins)])
    stablecoins = Stablecoin.objects.bulk_create(
        [
            Stablecoin(issuer=issuers[i], symbol=f"B{i:05d}", name=f"Bench {i}", currency=PROFILES[i % 5][1])
            for i in range(coins)
        ]
    )
    Licence.objects.bulk_create(
        [Licence(stablecoin=c, profile=PROFILES[i % 5][0], licence_id=f"L-{i}") for i, c in enumerate(stablecoins)]
    )
    deployments = Deployment.objects.bulk_create(
        [
            Deployment(stablecoin=c, network=n, address=f"0x{i * 3 + k + 1:040x}", decimals=6)
            for i, c in enumerate(stablecoins)
            for k, n in enumerate(networks)
        ]
    )
    SupplyReading.objects.bulk_create(
        [
            SupplyReading(
                deployment=d,
                chain_id=d.network.chain_id,
                block_number=1000,
                block_hash="0x" + f"{d.pk:064x}",
                block_time=now - timedelta(seconds=30),
                total_supply=1_000_000 * 10**6,
                balances=[],
                read_at=now,
            )
            for d in deployments
        ],
        batch_size=2000,
    )
    cut_off = now - timedelta(hours=2)
    statements = Attestation.objects.bulk_create(
        [
            Attestation(
                stablecoin=c,
                version=1,
                status="submitted",
                report_type="daily_statement",
                as_of=cut_off,
                created_by=user,
                submitted_at=cut_off,
            )
            for c in stablecoins
        ]
    )
    Holding.objects.bulk_create(
        [
            Holding(
                attestation=a,
                line=line,
                asset_class=cls,
                custodian=f"Bench Bank {line}",
                custodian_type="bank",
                account_type="trust",
                currency=a.stablecoin.currency,
                market_value=Decimal(value),
            )
            for a in statements
            for line, cls, value in ((1, "demand_deposit", "1500000"), (2, "tbill", "1520000"))
        ],
        batch_size=2000,
    )
    IssuerFigure.objects.bulk_create(
        [IssuerFigure(attestation=a, chain_id=c, outstanding=Decimal(1_000_000)) for a in statements for c in CHAINS],
        batch_size=3000,
    )
    confirmations = CustodianConfirmation.objects.bulk_create(
        [
            CustodianConfirmation(
                stablecoin=c, custodian="Bench Bank 1", cut_off=cut_off, confirmed_by=user, payload_sha256="0" * 64
            )
            for c in stablecoins
        ]
    )
    ConfirmedBalance.objects.bulk_create(
        [
            ConfirmedBalance(confirmation=x, currency=x.stablecoin.currency, amount=Decimal(1500000))
            for x in confirmations
        ]
    )
    span = timedelta(days=30) / redemptions
    Redemption.objects.bulk_create(
        [
            Redemption(
                stablecoin=c,
                request_id=f"R-{k}",
                amount=Decimal(10_000 + k),
                reported_by=user,
                fee=Decimal(0),
                received_at=now - timedelta(days=30) + span * k,
                settled_at=now - timedelta(days=30) + span * k + timedelta(hours=3),
            )
            for c in stablecoins
            for k in range(redemptions)
        ],
        batch_size=5000,
    )


def floor_read() -> int:
    """The same rows the batch reads, fetched with plain SELECTs and nothing done with them."""
    from django.db import connection

    rows = 0
    with connection.cursor() as cursor:
        for table in (
            "attest_licence",
            "attest_attestation",
            "attest_holding",
            "attest_issuerfigure",
            "chain_deployment",
            "chain_supplyreading",
            "attest_redemption",
            "attest_custodianconfirmation",
            "attest_confirmedbalance",
        ):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - fixed table names
            rows += len(cursor.fetchall())
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--coins", type=int, default=1000)
    parser.add_argument("--redemptions", type=int, default=30)
    options = parser.parse_args()
    fresh_database()
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from attest.models import Stablecoin
    from reserves.batch import judge_many
    from reserves.services import stablecoin_reconcile

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    seed(options.coins, options.redemptions)
    print(f"seeded {options.coins} coins on {len(CHAINS)} chains in {time.perf_counter() - started:.1f} s")

    coins = list(Stablecoin.objects.order_by("pk"))
    timings, floors = [], []
    for _ in range(3):
        t0 = time.perf_counter()
        floor_rows = floor_read()
        floors.append(time.perf_counter() - t0)
        with CaptureQueriesContext(connection) as queries:
            t0 = time.perf_counter()
            judged = judge_many(stablecoins=coins)
            timings.append(time.perf_counter() - t0)
    seconds, floor = min(timings), min(floors)
    batch_queries = len(queries)
    outcomes: dict[str, int] = {}
    for _, outputs in judged:
        for r in outputs["results"]:
            outcomes[r["outcome"]] = outcomes.get(r["outcome"], 0) + 1
    results = sum(len(o["results"]) for _, o in judged)
    print(f"judged {len(judged)} coin-licences, {results} rule results, in {seconds:.3f} s (best of 3)")
    print(f"  {batch_queries} queries for the batch: {batch_queries / len(coins):.3f} per coin")
    print(f"  floor (plain SELECT of the same {floor_rows} rows): {floor:.3f} s; ours / floor = {seconds / floor:.1f}")
    print(f"  outcomes: {outcomes}")
    print(f"target <= 2 s: {'met' if seconds <= 2 else 'MISSED'}")

    full: dict[int, float] = {}
    for size in (5, 20):
        with CaptureQueriesContext(connection) as queries:
            for coin in coins[:size]:
                stablecoin_reconcile(stablecoin=coin, trigger="manual")
        full[size] = len(queries) / size
    print(f"full path (run stored, flags, publication) per coin: {full[5]:.1f} queries (5 coins), {full[20]:.1f} (20)")
    print(
        json.dumps(
            {
                "bench": "reconcile",
                "coins": len(coins),
                "chains": len(CHAINS),
                "redemptions_per_coin": options.redemptions,
                "seconds": round(seconds, 4),
                "queries": batch_queries,
                "queries_per_coin": round(batch_queries / len(coins), 4),
                "floor_seconds": round(floor, 4),
                "ratio_to_floor": round(seconds / floor, 2),
                "full_path_queries_per_coin": {str(k): round(v, 1) for k, v in full.items()},
                "target_met": seconds <= 2,
            }
        )
    )


if __name__ == "__main__":
    main()
