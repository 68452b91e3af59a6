"""Transparency-log benchmark: proofs and appends on a large log, against a one-query floor.

    python bench/transparency_log.py [--sizes 100000,1000000] [--repeat 50]

For each size it fills the log's tables with that many synthetic leaves (their subtrees stored as
audit_append would store them, and one signed head over them) in PostgreSQL (``DATABASE_URL``,
default postgres://postgres@127.0.0.1:5432/attest_bench_log, created and migrated if missing; the
log's tables are emptied first, their append-only triggers switched off for the filling), then
times, median of ``--repeat``:

- floor: one ``SELECT`` of one stored subtree by primary key (the cheapest query a proof needs);
- inclusion: ``logproofs.inclusion_proof`` of a random leaf in the newest head;
- consistency: ``logproofs.consistency_proof`` from a random older size to the newest;
- append: ``audit_append`` of one entry (its subtrees, its root, an Ed25519-signed head), in a
  transaction that is rolled back.

Each figure is also given as a ratio to the floor: a proof costs a handful of queries whatever the
size, so the ratios should stay flat from 10^5 to 10^6. Ends with one JSON line of the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/attest_bench_log")

import django  # noqa: E402


def _median_ms(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return round(statistics.median(times) * 1000, 3)


def _fill(size: int) -> None:
    from django.db import connection, transaction

    from attest import logkeys, merkle
    from attest.audit import AuditNode, TreeHead, node_position

    leaves = [merkle.leaf_hash(i.to_bytes(8, "big")) for i in range(size)]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("TRUNCATE attest_auditentry, attest_auditnode, attest_treehead")
        batch: list[AuditNode] = []
        for (level, index), h in merkle.subtrees_of(leaves):
            batch.append(AuditNode(position=node_position(level, index), hash=h.hex()))
            if len(batch) == 20000:
                AuditNode.objects.bulk_create(batch)
                batch = []
        AuditNode.objects.bulk_create(batch)
        root, ts = merkle.root_of(leaves).hex(), int(time.time() * 1000)
        signer = logkeys.signer()
        message = logkeys.head_message(tree_size=size, root_hash=root, timestamp=ts)
        TreeHead.objects.create(
            tree_size=size, root_hash=root, timestamp=ts, key_id=signer.key_id, signature=signer.sign(message)
        )
    # audit_append needs the newest entry: a synthetic last row standing for the filled log.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        from django.utils import timezone

        from attest.audit import AuditEntry

        AuditEntry.objects.create(
            seq=size, at=timezone.now(), actor="bench", action="bench", object_type="bench", object_id="0",
            payload={}, prev_hash="0" * 64, entry_hash=os.urandom(32).hex(), leaf_hash=leaves[-1].hex(),
        )  # fmt: skip


class _Rollback(Exception):
    pass


def measure(size: int, repeat: int) -> dict[str, float]:
    from django.db import transaction

    from attest import logproofs
    from attest.audit import AuditNode, audit_append

    fill_start = time.perf_counter()
    _fill(size)
    filled = time.perf_counter() - fill_start

    def floor() -> None:
        AuditNode.objects.filter(position=random.randrange(size)).first()

    def inclusion() -> None:
        logproofs.inclusion_proof(index=random.randrange(size))

    def consistency() -> None:
        logproofs.consistency_proof(first=random.randrange(1, size))

    def append() -> None:
        try:
            with transaction.atomic():
                audit_append(actor="bench", action="bench", object_type="bench", object_id=1)
                raise _Rollback
        except _Rollback:
            pass

    figures = {"fill_s": round(filled, 1)}
    for name, fn in (("floor", floor), ("inclusion", inclusion), ("consistency", consistency), ("append", append)):
        fn()  # warm
        figures[f"{name}_ms"] = _median_ms(fn, repeat)
    for name in ("inclusion", "consistency", "append"):
        figures[f"{name}_ratio"] = round(figures[f"{name}_ms"] / figures["floor_ms"], 1)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    from bench.api_seed import ensure_database

    ensure_database(os.environ["DATABASE_URL"])
    django.setup()
    from django.core.management import call_command

    call_command("migrate", "--noinput", verbosity=0)
    results = {}
    for size in (int(s) for s in args.sizes.split(",")):
        results[str(size)] = measure(size, args.repeat)
        print(f"{size:>9} entries: {results[str(size)]}", flush=True)
    print(json.dumps({"bench": "transparency_log", "sizes": results}))


if __name__ == "__main__":
    main()
