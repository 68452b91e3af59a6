"""Indexing the ledger: each deployment's supply events stored incrementally behind a cursor.

Steps of one indexing run on a network (``ledger_index_network``):

1. Fetch a window with no database transaction open (``chain.ledger.logs.fetch_window``; cross-checked
   against the network's other URLs when it has them), or take the one fetched early (step 3).
2. If a cursor's block is no longer canonical, stop: the reorg check rewinds it first.
3. Start fetching the window that will follow, on a second thread, then write in one short
   transaction: compare-and-set the cursors (a concurrent rewind wins), COPY the rows in (a
   duplicate falls back to ``ON CONFLICT DO NOTHING``), advance the cursors.
"""

from __future__ import annotations

import copy
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from psycopg.adapt import PyFormat

from chain.blocks import Block
from chain.crosscheck import ReadingDisagreement, asking_second, second_source
from chain.ledger.logs import Window, fetch_window
from chain.ledger.successor import Switch, switch_over, switches
from chain.models import Deployment, LedgerCursor, LedgerEntry, Network
from chain.rpc import RpcClient, RpcError, RpcTransportError, hex_int


class CursorOrphaned(RpcError):
    """A cursor stands on a block that left the canonical chain: the reorg check must rewind it first."""


def _cursors(network: Network) -> dict[int, LedgerCursor]:
    deployment_ids = list(Deployment.objects.filter(network=network).values_list("pk", flat=True))
    existing = {c.deployment_id: c for c in LedgerCursor.objects.filter(deployment_id__in=deployment_ids)}
    missing = [LedgerCursor(deployment_id=pk) for pk in deployment_ids if pk not in existing]
    if missing:
        LedgerCursor.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {c.deployment_id: c for c in LedgerCursor.objects.filter(deployment_id__in=deployment_ids)}
    return existing


_COLUMNS = (
    "deployment_id",
    "chain_id",
    "block_number",
    "block_hash",
    "tx_hash",
    "log_index",
    "event",
    "account",
    "amount",
    "direction",
    "counted",
    "confirmed",
)
Row = tuple[int, int, int, bytes, bytes, int, str, str, int, int, bool, bool]


_COPY_TYPES = [
    "int8",
    "int8",
    "int8",
    "bytea",
    "bytea",
    "int4",
    "varchar",
    "varchar",
    "numeric",
    "int2",
    "bool",
    "bool",
]


def _copy(cursor: Any, statement: str, rows: list[Row]) -> None:
    # Binary COPY: PostgreSQL parses no text, and psycopg's C dumpers write the rows. For bytea,
    # set_types would pick the last dumper registered for its oid, a pure-Python one for DB-API
    # ``Binary`` objects (2.6 us a value here): register the C dumper for bytes again so it wins.
    raw = cursor.cursor
    raw.adapters.register_dumper(bytes, raw.adapters.get_dumper(bytes, PyFormat.BINARY))
    with raw.copy(statement + " (FORMAT BINARY)") as copy:
        copy.set_types(_COPY_TYPES)
        for row in rows:
            copy.write_row(row)


def _insert_entries(rows: list[Row]) -> None:
    """Insert ledger rows, skipping any already stored (same deployment, block and log index).

    Must run inside the transaction that holds the rows' cursors locked. On PostgreSQL the rows are
    COPYed straight into the table: the indexer only writes blocks above a cursor it holds, and the
    reorg check deletes every row above a cursor it rewinds, so a duplicate cannot normally exist.
    If one does (a cursor moved back by hand), the COPY is rolled back to a savepoint and the rows
    go through a temporary table and ``INSERT ... ON CONFLICT DO NOTHING`` instead. Measured here,
    ``bulk_create`` spends ~0.5 ms per row building SQL and binding parameters, 10-20x the COPY
    (docs/benchmarks-ledger.md). Elsewhere (the SQLite demo) it is ``bulk_create(ignore_conflicts=True)``.
    """
    if not rows:
        return
    if connection.vendor != "postgresql":
        LedgerEntry.objects.bulk_create(
            [LedgerEntry(**dict(zip(_COLUMNS, row, strict=True))) for row in rows],
            ignore_conflicts=True,
            batch_size=1000,
        )
        return
    columns = ", ".join(_COLUMNS)
    table = LedgerEntry._meta.db_table
    try:
        # wrap_database_errors: the raw psycopg COPY raises psycopg's errors, not Django's.
        with transaction.atomic(), connection.cursor() as cursor, connection.wrap_database_errors:
            _copy(cursor, f'COPY "{table}" ({columns}) FROM STDIN', rows)
        return
    except IntegrityError:
        pass  # some rows exist already: insert the rest, skipping conflicts
    with connection.cursor() as cursor:
        # Lives as long as the connection; emptied at every commit, so a reused connection starts clean.
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS attest_ledger_incoming ("
            "deployment_id bigint, chain_id bigint, block_number bigint, block_hash bytea, "
            "tx_hash bytea, log_index integer, event varchar(24), account varchar(42), "
            "amount numeric(78,0), direction smallint, counted boolean, confirmed boolean"
            ") ON COMMIT DELETE ROWS"
        )
        _copy(cursor, f"COPY attest_ledger_incoming ({columns}) FROM STDIN", rows)
        cursor.execute(
            f'INSERT INTO "{table}" ({columns}) SELECT {columns} FROM attest_ledger_incoming '  # noqa: S608 - fixed names
            "ON CONFLICT DO NOTHING"
        )
        cursor.execute("TRUNCATE attest_ledger_incoming")


def _store_window(
    network: Network, participants: list[LedgerCursor], window: Window, by_address: dict[str, int]
) -> int:
    """Insert a window's rows and advance its cursors, unless a cursor moved meanwhile. Returns rows offered."""
    # A cursor that joins a window late (its start_block is higher) takes only blocks above its own position.
    keep_after = {c.deployment_id: c.block_number for c in participants}
    chain_id = network.chain_id
    rows: list[Row] = []
    for log in window.logs:
        deployment_id = by_address.get(log.address)
        if deployment_id is None or log.block_number <= keep_after[deployment_id]:
            continue
        rows.append(
            (
                deployment_id,
                chain_id,
                log.block_number,
                bytes.fromhex(log.block_hash[2:]),  # stored as bytes (chain/fields.py)
                bytes.fromhex(log.tx_hash[2:]),
                log.log_index,
                log.event,
                log.account,
                log.amount,
                log.direction,
                log.counted,
                False,
            )
        )
    with transaction.atomic():
        locked = LedgerCursor.objects.select_for_update().in_bulk([c.pk for c in participants])
        for cursor in participants:
            now = locked.get(cursor.pk)
            if now is None or (now.block_number, now.block_hash) != (cursor.block_number, cursor.block_hash):
                return -1  # rewound or advanced by someone else: drop this window, re-plan
        _insert_entries(rows)
        LedgerCursor.objects.filter(pk__in=[c.pk for c in participants]).update(
            block_number=window.end.number, block_hash=window.end.hash, updated_at=timezone.now()
        )
    return len(rows)


# What fetch_window is asked: addresses, first and last block, the cursor blocks whose hashes to check.
Fetch = tuple[tuple[str, ...], int, int, tuple[int, ...]]


@dataclass(frozen=True)
class _Plan:
    """The next window: the cursors taking part, the address of each deployment's events, and what to
    fetch (equal fetches, equal answers)."""

    participants: list[LedgerCursor]
    by_address: dict[str, int]
    fetch: Fetch


def _plan(
    cursors: dict[int, LedgerCursor], addresses: dict[int, str], switched: dict[int, Switch], target: int, size: int
) -> _Plan | None:
    plan = [c for c in cursors.values() if max(c.block_number, c.start_block - 1) < target]
    if not plan:
        return None
    start = min(max(c.block_number, c.start_block - 1) for c in plan) + 1
    end = min(start + size - 1, target)
    participants = [c for c in plan if max(c.block_number, c.start_block - 1) < end]
    by_address = {addresses[c.deployment_id].lower(): c.deployment_id for c in participants}
    # A deprecated deployment's events come from its successor (chain/ledger/successor.py).
    by_address |= {
        switched[c.deployment_id].successor: c.deployment_id for c in participants if c.deployment_id in switched
    }
    check = sorted({c.block_number for c in participants if c.block_number >= 0 and c.block_hash})
    return _Plan(participants, by_address, (tuple(by_address), start, end, tuple(check)))


def _advanced(
    cursors: dict[int, LedgerCursor], participants: list[LedgerCursor], end: Block
) -> dict[int, LedgerCursor]:
    """The cursors as they will stand once this window is stored (copies; the originals are untouched)."""
    moved = {c.deployment_id for c in participants}
    ahead = {}
    for deployment_id, cursor in cursors.items():
        if deployment_id in moved:
            cursor = copy.copy(cursor)
            cursor.block_number, cursor.block_hash = end.number, end.hash
        ahead[deployment_id] = cursor
    return ahead


def _served_head(client: RpcClient, network: Network) -> int:
    chain_id, head = client.batch([("eth_chainId", []), ("eth_blockNumber", [])])  # one round trip
    served = hex_int(chain_id)
    if served != network.chain_id:
        raise RpcError(f"{client.last_url} serves chain id {served}, but {network.name} is {network.chain_id}")
    return hex_int(head)


def ledger_index_network(*, network: Network, to_block: int | None = None, window: int | None = None) -> int:
    """Index every deployment of ``network`` up to ``to_block`` (default: head). Returns ledger rows offered.

    Rows above head - confirmations are provisional; the reorg check confirms or discards them.
    Safe to run twice: a second run finds the cursors at the target and fetches nothing.

    While a window is written to the database the next one is already being fetched, on a second
    thread that touches no database: the node's work and the database's overlap. The early fetch
    is used only if the plan made after the write asks for exactly the same thing (same addresses,
    blocks and cursor checks); otherwise it is dropped and the window fetched again.
    """
    cursors = _cursors(network)
    if not cursors:
        return 0
    addresses = dict(Deployment.objects.filter(network=network).values_list("pk", "address"))
    follow = set(Deployment.objects.filter(network=network, follow_successor=True).values_list("pk", flat=True))
    switched = switches(follow)
    rpc = network.rpc()
    head = _served_head(rpc, network)
    second = second_source(rpc, enabled=network.cross_check)
    if second is not None:
        with asking_second(f"the ledger of {network.name}"):
            head = min(head, _served_head(second, network))  # both nodes must hold every block asked about
    target = head if to_block is None else min(to_block, head)
    size = window or settings.LEDGER_WINDOW
    stored = 0
    early: tuple[Fetch, Future[Window]] | None = None
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ledger-prefetch") as prefetch:
        for _attempt in range(10_000):  # bounded: each pass advances a window, shrinks it, or re-plans once
            plan = _plan(cursors, addresses, switched, target, size)
            if plan is None:
                break
            participants, by_address = plan.participants, plan.by_address
            try:
                if early is not None and early[0] == plan.fetch:
                    fetched = early[1].result()
                else:
                    if early is not None:
                        wait([early[1]])  # a guess that missed: let it finish, one request at a time per client
                    fetched = fetch_window(rpc, *plan.fetch, second=second)
            except (RpcTransportError, ReadingDisagreement):
                raise
            except RpcError:
                if size == 1:
                    raise
                size = max(1, size // 2)  # a node limiting results per call: ask for fewer blocks
                continue
            finally:
                early = None
            for c in participants:
                if c.block_hash and fetched.canonical.get(c.block_number) != c.block_hash:
                    raise CursorOrphaned(
                        f"ledger cursor of deployment {c.deployment_id} is on orphaned block {c.block_number}"
                    )
            followed = {a: d for a, d in by_address.items() if d in follow and a == addresses[d].lower()}
            fetched, new_switches = switch_over(rpc, fetched, followed, switched, second=second)
            by_address |= {s.successor: d for d, s in new_switches.items()}
            after = _plan(
                _advanced(cursors, participants, fetched.end), addresses, switched | new_switches, target, size
            )
            if after is not None:
                early = (after.fetch, prefetch.submit(partial(fetch_window, rpc, *after.fetch, second=second)))
            offered = _store_window(network, participants, fetched, by_address)
            if offered < 0:
                cursors = {c.deployment_id: c for c in LedgerCursor.objects.filter(deployment_id__in=list(cursors))}
                continue
            stored += offered
            switched |= new_switches
            for c in participants:
                c.block_number, c.block_hash = fetched.end.number, fetched.end.hash
    return stored
