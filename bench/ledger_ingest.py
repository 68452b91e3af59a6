"""Ledger ingest benchmark: our indexer (fetch + decode + PostgreSQL) against a raw eth_getLogs fetch.

    python bench/ledger_ingest.py [--events 20000] [--per-block 500] [--gap 140]

Starts its own anvil, generates mint/burn/transfer traffic (an AttestStablecoin: Mint + Transfer
from 0x0, Burn + Transfer to 0x0, ordinary transfers; a LegacyToken: Issue and Redeem with no
Transfer) as raw batched ``eth_sendTransaction`` with explicit nonces, automine off and
``evm_mine`` (stack-notes §2.4), until at least ``--events`` supply events exist. ``--gap`` empty
blocks (``anvil_mine``) follow each full block, so the range spans several ``LEDGER_WINDOW`` windows,
as a first index of a real deployment does: about 4,100 blocks, 3 windows of 2,000 by default (not
more: anvil mines ever slower as its chain grows). Then it times:

1. raw: the same three ``eth_getLogs`` filters the indexer sends, over the same range, as one
   JSON-RPC batch per window, answers parsed as JSON and nothing more (best of 3);
2. ours: ``chain.ledger.index.ledger_index_network`` from an empty ledger: fetch, decode, count, and
   insert into PostgreSQL (``DATABASE_URL``, default postgres://postgres@127.0.0.1:5432/attest_bench,
   created and migrated if missing).

It prints both rates and the ratio (target: ours >= 0.5 of raw), checks that Σ ledger equals the
change in totalSupply, and removes the rows it created.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/attest_bench")

import django  # noqa: E402

from chain.rpc import RpcClient  # noqa: E402


def ensure_database() -> None:
    from urllib.parse import urlsplit

    import psycopg

    url = urlsplit(os.environ["DATABASE_URL"])
    if url.scheme not in {"postgres", "postgresql"}:
        sys.exit("the benchmark measures PostgreSQL: set DATABASE_URL=postgres://...")
    name = url.path.lstrip("/")
    admin = url._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')


def generate(rpc: RpcClient, *, events: int, per_block: int, gap: int) -> dict[str, Any]:
    from devtools.devchain import DEV_ACCOUNTS, deploy_legacy_token, deploy_stablecoin, encode_call, send

    owner, alice, bob = DEV_ACCOUNTS[:3]
    token = deploy_stablecoin(rpc, name="Bench USD", symbol="BUSD", decimals=6, owner=owner, proxied=False)
    legacy = deploy_legacy_token(rpc, owner=owner, initial_supply=10**15)
    send(rpc, token, "mint(address,uint256)", [owner, 10**15], sender=owner)
    send(rpc, token, "mint(address,uint256)", [alice, 10**15], sender=owner)
    first_block = int(rpc.call("eth_blockNumber"), 16) + 1
    nonces = {a: int(rpc.call("eth_getTransactionCount", [a, "latest"]), 16) for a in (owner, alice)}
    holders = DEV_ACCOUNTS[3:9]
    # Cycle of 10 transactions: 4 mints (2 logs each), 2 burns (2 each), 2 transfers (none), issue, redeem.
    cycle = ["mint", "mint", "transfer", "mint", "burn", "issue", "mint", "transfer", "burn", "redeem"]
    logs_per = {"mint": 2, "burn": 2, "transfer": 0, "issue": 1, "redeem": 1}
    counts = dict.fromkeys(logs_per, 0)
    supply_logs = 0
    pending: list[dict[str, str]] = []
    rpc.call("evm_setAutomine", [False])

    def flush() -> None:
        answers = rpc.batch_answers([("eth_sendTransaction", [tx]) for tx in pending])
        refused = [a for a in answers if not isinstance(a, str)]
        if refused:
            raise SystemExit(f"{len(refused)} transactions refused, first: {refused[0]}")
        rpc.call("evm_mine")
        if gap:
            rpc.call("anvil_mine", [hex(gap)])
        pending.clear()

    i = 0
    while supply_logs < events:
        kind = cycle[i % len(cycle)]
        amount = 1 + (i * 7919) % 1_000_000
        if kind == "mint":
            to, data = token, encode_call("mint(address,uint256)", [holders[i % len(holders)], amount])
            sender = owner
        elif kind == "burn":
            to, data, sender = token, encode_call("burn(uint256)", [amount]), owner
        elif kind == "transfer":
            to, data, sender = token, encode_call("transfer(address,uint256)", [bob, amount]), alice
        else:
            to, data, sender = legacy, encode_call(f"{kind}(uint256)", [amount]), owner
        pending.append({"from": sender, "to": to, "data": data, "gas": hex(150_000), "nonce": hex(nonces[sender])})
        nonces[sender] += 1
        counts[kind] += 1
        supply_logs += logs_per[kind]
        i += 1
        if len(pending) == per_block:
            flush()
    if pending:
        flush()
    # Anything that did not fit a block's gas is still pending: mine until the pool is empty.
    while int(rpc.call("txpool_status")["pending"], 16):
        rpc.call("evm_mine")
    rpc.call("evm_setAutomine", [True])
    last_block = int(rpc.call("eth_blockNumber"), 16)
    return {
        "token": token,
        "legacy": legacy,
        "first_block": first_block,
        "last_block": last_block,
        "transactions": i,
        "supply_logs": supply_logs,
        **{f"{k}s": v for k, v in counts.items()},
    }


def raw_fetch(rpc: RpcClient, addresses: list[str], first: int, last: int, window: int) -> int:
    from chain.ledger.logs import log_filters

    found = 0
    for start in range(first, last + 1, window):
        for answer in rpc.batch(log_filters(addresses, start, min(start + window - 1, last))):
            found += len(answer)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20_000, help="supply events to generate (default 20000)")
    parser.add_argument("--per-block", type=int, default=500, help="transactions per mined block (default 500)")
    parser.add_argument(
        "--gap", type=int, default=140, help="empty blocks after each full block, to span several windows (140)"
    )
    args = parser.parse_args()

    ensure_database()
    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from attest.models import Issuer, Stablecoin
    from chain.ledger.checks import ledger_delta
    from chain.ledger.index import ledger_index_network
    from chain.models import Deployment, LedgerCheck, LedgerCursor, LedgerEntry, Network, SupplyReading
    from devtools.devchain import Anvil, call_uint

    call_command("migrate", verbosity=0)
    assert connection.vendor == "postgresql"

    def cleanup() -> None:
        networks = Network.objects.filter(name="bench-ledger")
        deployments = Deployment.objects.filter(network__in=networks)
        LedgerCheck.objects.filter(deployment__in=deployments).delete()
        LedgerEntry.objects.filter(deployment__in=deployments).delete()
        LedgerCursor.objects.filter(deployment__in=deployments).delete()
        SupplyReading.objects.filter(deployment__in=deployments).delete()
        coins = list(Stablecoin.objects.filter(deployments__in=deployments).values_list("pk", flat=True))
        deployments.delete()
        Stablecoin.objects.filter(pk__in=coins).delete()
        Issuer.objects.filter(name="Bench Issuer").delete()
        networks.delete()

    with Anvil(chain_id=31999, extra_args=["--gas-limit", "100000000", "--no-request-size-limit"]) as node:
        rpc = node.rpc
        t0 = time.perf_counter()
        made = generate(rpc, events=args.events, per_block=args.per_block, gap=args.gap)
        generated_in = time.perf_counter() - t0
        first, last = made["first_block"], made["last_block"]
        print(
            f"generated {made['transactions']:,} transactions ({made['mints']:,} mints, {made['burns']:,} burns, "
            f"{made['transfers']:,} transfers, {made['issues']:,} issues, {made['redeems']:,} redeems) "
            f"= {made['supply_logs']:,} supply events in blocks {first}-{last} in {generated_in:.1f} s"
        )

        addresses = [str(made["token"]), str(made["legacy"])]
        window = settings.LEDGER_WINDOW
        raw_times: list[float] = []
        raw_count = 0
        for _ in range(3):
            t0 = time.perf_counter()
            raw_count = raw_fetch(rpc, addresses, 0, last, window)
            raw_times.append(time.perf_counter() - t0)
        raw_time = min(raw_times)

        cleanup()
        network = Network.objects.create(name="bench-ledger", chain_id=node.chain_id, rpc_urls=[node.url])
        issuer = Issuer.objects.create(name="Bench Issuer")
        deployments = []
        for symbol, address in (("BUSD", made["token"]), ("BLEG", made["legacy"])):
            coin = Stablecoin.objects.create(issuer=issuer, symbol=symbol, name=symbol, currency="USD")
            deployments.append(Deployment.objects.create(stablecoin=coin, network=network, address=address, decimals=6))
        try:
            ours_times: list[float] = []
            for _ in range(3):
                # Each run starts from an empty ledger, like the first index of a new deployment.
                LedgerEntry.objects.filter(deployment__network=network).delete()
                LedgerCursor.objects.filter(deployment__network=network).delete()
                t0 = time.perf_counter()
                rows = ledger_index_network(network=network)
                ours_times.append(time.perf_counter() - t0)
            ours_time = min(ours_times)
            t0 = time.perf_counter()
            again = ledger_index_network(network=network)
            again_time = time.perf_counter() - t0

            stored = LedgerEntry.objects.filter(deployment__network=network).count()
            token_dep, legacy_dep = deployments
            token_ok = ledger_delta(deployment=token_dep, after_block=-1, through_block=last) == call_uint(
                rpc, str(made["token"]), "totalSupply()", []
            )
            legacy_ok = (
                ledger_delta(deployment=legacy_dep, after_block=-1, through_block=last)
                == call_uint(rpc, str(made["legacy"]), "totalSupply()", []) - 10**15
            )
        finally:
            cleanup()

    raw_rate = raw_count / raw_time
    ours_rate = rows / ours_time
    print(
        f"raw eth_getLogs (3 filters, {window}-block windows): {raw_count:,} events in {raw_time:.3f} s "
        f"= {raw_rate:,.0f} events/s (best of 3; all: {', '.join(f'{t:.3f}' for t in raw_times)})"
    )
    print(
        f"ours (fetch + decode + count + PostgreSQL insert): {rows:,} events in {ours_time:.3f} s "
        f"= {ours_rate:,.0f} events/s (best of 3; all: {', '.join(f'{t:.3f}' for t in ours_times)}); "
        f"{stored:,} rows stored"
    )
    print(f"second run (nothing new): {again} rows in {again_time * 1000:.1f} ms")
    ratio = ours_rate / raw_rate
    print(f"ratio ours/raw: {ratio:.2f} (target >= 0.5: {'met' if ratio >= 0.5 else 'NOT met'})")
    print(f"Σ ledger == totalSupply change: stablecoin {token_ok}, legacy token {legacy_ok}")
    consistent = token_ok and legacy_ok and stored == rows == raw_count and again == 0
    print(
        json.dumps(
            {
                "events": rows,
                "blocks": last + 1,
                "windows": -(-(last + 1) // window),
                "raw_events_per_s": round(raw_rate),
                "ours_events_per_s": round(ours_rate),
                "ours_vs_raw": round(ratio, 3),
                "second_run_rows": again,
                "consistent": consistent,
            }
        )
    )
    if not consistent:
        sys.exit("benchmark consistency check failed")


if __name__ == "__main__":
    main()
