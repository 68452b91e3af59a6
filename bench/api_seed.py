"""Seeding for bench/api.py: its own PostgreSQL database, N coins and a year of daily runs and publications.

Rows go straight into the tables in bulk (the benchmark measures reads, not the writing path); each
coin's runs are computed once with the real ``compute`` and each gets the publication
``reserves.publish`` would write for it.
"""

from __future__ import annotations

import secrets
import time
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlsplit


def ensure_database(db_url: str) -> None:
    import psycopg

    parts = urlsplit(db_url)
    name = parts.path.lstrip("/")
    admin = f"host={parts.hostname} port={parts.port or 5432} user={parts.username} dbname=postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def seed(coins: int, days: int) -> None:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from attest.models import Attestation, AttestationStatus, Holding, Issuer, Stablecoin
    from chain.models import DeductionAddress, Deployment, Network, SupplyReading
    from reserves.compute import compute
    from reserves.documents import coin_document_refresh, history_point_text
    from reserves.inputs import run_inputs
    from reserves.models import Flag, Publication, PublicationHead, ReconciliationRun
    from reserves.publish import FIGURE_KEYS, blocks_of
    from reserves.verdict import judge

    call_command("migrate", verbosity=0)
    if Stablecoin.objects.count() >= coins:  # seeded once per database (BENCH_DATABASE_URL)
        return
    started = time.monotonic()
    now = timezone.now()
    with transaction.atomic():
        network, _ = Network.objects.get_or_create(chain_id=31337, defaults={"name": "bench"})
        user = get_user_model().objects.get_or_create(username="bench")[0]
        issuers = Issuer.objects.bulk_create([Issuer(name=f"Bench Issuer {i:04d}") for i in range(coins)])
        stablecoins = Stablecoin.objects.bulk_create(
            [
                Stablecoin(issuer=iss, symbol=f"C{i:04d}", name=f"Coin {i}", currency="USD")
                for i, iss in enumerate(issuers)
            ]
        )
        deployments = Deployment.objects.bulk_create(
            [
                Deployment(stablecoin=c, network=network, address="0x" + secrets.token_hex(20), decimals=6)
                for c in stablecoins
            ]
        )
        DeductionAddress.objects.bulk_create(
            [
                DeductionAddress(deployment=d, bucket="treasury", address="0x" + secrets.token_hex(20))
                for d in deployments
            ]
        )
        readings = SupplyReading.objects.bulk_create(
            [
                SupplyReading(
                    deployment=d,
                    chain_id=31337,
                    block_number=1000,
                    block_hash="0x" + secrets.token_hex(32),
                    block_time=now,
                    total_supply=6_000_000 * 10**6,
                    balances=[{"bucket": "treasury", "address": "0x" + "11" * 20, "raw": str(10**12)}],
                    read_at=now,
                )
                for d in deployments
            ]
        )
        attestations = Attestation.objects.bulk_create(
            [
                Attestation(
                    stablecoin=c, status=AttestationStatus.SUBMITTED, as_of=now, created_by=user, submitted_at=now
                )
                for c in stablecoins
            ]
        )
        Holding.objects.bulk_create(
            [
                Holding(
                    attestation=a,
                    line=1,
                    asset_class="tbill",
                    custodian="Bench Custody",
                    currency="USD",
                    market_value=Decimal(4_800_000 if i % 10 == 0 else 5_100_000),
                )
                for i, a in enumerate(attestations)
            ]
        )
    for i, (coin, reading, attestation) in enumerate(zip(stablecoins, readings, attestations, strict=True)):
        reading.deployment = deployments[i]
        inputs = run_inputs(stablecoin=coin, attestation=attestation, readings=[reading], profile="")
        out = compute(inputs)
        runs = [
            ReconciliationRun(
                stablecoin=coin,
                attestation=attestation,
                rulepack_version=inputs["rulepack_version"],
                trigger="schedule",
                inputs=inputs,
                input_hash=f"{day:04d}" + secrets.token_hex(30),
                status=out["status"],
                outstanding=out["outstanding"],
                par_outstanding=out["par_outstanding"],
                reserves=out["reserves"],
                ratio=out["ratio"],
                headroom=out["headroom"],
                results=out["results"],
                outputs=out,
            )
            for day in range(days)
        ]
        with transaction.atomic():
            created = ReconciliationRun.objects.bulk_create(runs, batch_size=1000)
            for day, run in enumerate(created):
                run.created_at = now - timedelta(days=days - 1 - day)
            ReconciliationRun.objects.bulk_update(created, ["created_at"], batch_size=1000)
            findings = []
            if out["status"] == "under_collateralised":
                flag = Flag.objects.create(
                    stablecoin=coin,
                    rule="R1",
                    severity="critical",
                    message=out["results"][0]["message"],
                    opened_at=now,
                    opened_by_run=created[-1],
                    last_run=created[-1],
                )
                findings = [
                    {
                        "id": flag.pk,
                        "rule": "R1",
                        "severity": "critical",
                        "status": "open",
                        "message": flag.message,
                        "opened_at": now.isoformat(),
                    }
                ]
            # One publication per run, as reserves.publish writes them (a year of daily answers).
            judgement = judge(outputs=out, attestation_status="submitted", attestation_version=1)
            publications = Publication.objects.bulk_create(
                [
                    Publication(
                        stablecoin=coin,
                        run=run,
                        rulepack_version=run.rulepack_version,
                        input_hash=run.input_hash,
                        published_at=run.created_at,
                        evaluated_at=run.created_at,
                        verdict=judgement.verdict,
                        reasons=[r.as_json() for r in judgement.reasons],
                        figures={k: out.get(k) for k in FIGURE_KEYS},
                        blocks=blocks_of(inputs),
                        read_at=now,
                        freshness="fresh",
                        attestation=attestation,
                        attestation_version=1,
                        attestation_as_of=now,
                        attestation_status="submitted",
                        results=out["results"],
                        findings=findings,
                        content_hash=secrets.token_hex(32),
                    )
                    for run in created
                ],
                batch_size=1000,
            )
            for publication in publications:
                publication.point = history_point_text(publication)
            Publication.objects.bulk_update(publications, ["point"], batch_size=1000)
            PublicationHead.objects.create(stablecoin=coin, profile="", publication=publications[-1])
            coin_document_refresh(stablecoin=coin)
        if i % 100 == 99:
            print(f"  seeded {i + 1} coins ({time.monotonic() - started:.0f} s)", flush=True)
