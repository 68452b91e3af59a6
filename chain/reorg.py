"""Reorg check: confirm provisional readings and ledger rows, or discard what a reorg orphaned.

Steps of one check on a network (``reorg_check_network``):

1. Collect, from the database, the (block number, block hash) of every provisional reading, every
   unconfirmed ledger row and every ledger cursor of the network, and of every reading and ledger
   row already confirmed within ``CHAIN_REORG_HORIZON`` blocks of head: a reorg deeper than the
   finality depth (``Network.finality``: the node's finalized block, or head - confirmations) is
   still caught, not left standing as "confirmed".
2. Ask the node, with no transaction open, for the canonical header at each of those numbers, and
   for the block it treats as settled (its finalized block, or head - confirmations). On a network
   that cross-checks, ask the other URLs too: the lower settled block counts, and a different hash
   at any number changes nothing (``ReadingDisagreement``): one node's word neither orphans nor
   confirms a row.
3. In one short transaction, with the network's cursors locked:
   - a reading whose hash differs from the canonical one becomes ``orphaned`` (kept for the audit
     trail, never published), and ledger checks built on it are deleted;
   - the ledger is rewound to the last block known to be on the canonical chain below the lowest
     orphaned block: a block hash commits to all its ancestors, so any verified block is a safe
     point. Ledger rows above it are deleted and the cursors set back, so the next indexing run
     reads that range again from the new chain;
   - rows whose hash matches and whose block is settled become confirmed; they are checked again
     only while within the horizon.
The outcome names the coins whose readings were orphaned. The caller (``jobs.workflows.reorg_check``)
has them judged again, redoes the attestation runs that stood on them, then reads the network's
supply again at the new finalised head.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from chain.blocks import finalised_head
from chain.crosscheck import CrossCheckUnavailable, ReadingDisagreement, asking_second, second_source
from chain.models import LedgerCheck, LedgerCursor, LedgerEntry, Network, ReadingStatus, SupplyReading
from chain.rpc import RpcClient, RpcError, RpcTransportError, hex_int

log = logging.getLogger(__name__)


@dataclass
class ReorgOutcome:
    checked_blocks: int = 0
    confirmed_readings: int = 0
    confirmed_ledger_rows: int = 0
    orphaned_readings: list[int] = field(default_factory=list)
    # Of those, the ones that had been confirmed: a reorg deeper than the network's finality depth.
    orphaned_confirmed: list[int] = field(default_factory=list)
    # The coins of the orphaned readings: to be judged again from their remaining readings.
    stablecoin_ids: list[int] = field(default_factory=list)
    discarded_ledger_rows: int = 0
    rewound_to: int | None = None
    reread: int = 0  # readings taken by the re-read that follows (jobs.workflows.reorg_check)


def canonical_hashes(rpc: RpcClient, numbers: list[int], *, batch_size: int) -> dict[int, str | None]:
    """The canonical block hash at each number; None where the chain (now) ends below it."""
    hashes: dict[int, str | None] = {}
    for start in range(0, len(numbers), batch_size):
        chunk = numbers[start : start + batch_size]
        answers = rpc.batch([("eth_getBlockByNumber", [hex(n), False]) for n in chunk])
        for n, answer in zip(chunk, answers, strict=True):
            block_hash = answer.get("hash") if isinstance(answer, dict) else None
            hashes[n] = block_hash.lower() if isinstance(block_hash, str) else None
    return hashes


def _rewind_point(network: Network, below: int, verified: dict[int, str]) -> tuple[int, str]:
    """The newest block under ``below`` known to be canonical: verified just now, or confirmed before."""
    candidates = [(n, h) for n, h in verified.items() if n < below]
    # Confirmed rows were checked at confirmation depth; the policy treats them as final.
    confirmed_reading = (
        SupplyReading.objects.filter(
            deployment__network=network, status=ReadingStatus.CONFIRMED, block_number__lt=below
        )
        .order_by("-block_number")
        .values_list("block_number", "block_hash")
        .first()
    )
    confirmed_entry = (
        LedgerEntry.objects.filter(deployment__network=network, confirmed=True, block_number__lt=below)
        .order_by("-block_number")
        .values_list("block_number", "block_hash")
        .first()
    )
    final_point = (
        LedgerCursor.objects.filter(deployment__network=network, final_block__gte=0, final_block__lt=below)
        .order_by("-final_block")
        .values_list("final_block", "final_hash")
        .first()
    )
    candidates += [c for c in (confirmed_reading, confirmed_entry, final_point) if c is not None]
    if not candidates:
        return -1, ""
    number, block_hash = max(candidates)
    return int(number), str(block_hash)


def reorg_check_network(*, network: Network) -> ReorgOutcome:
    """Confirm or orphan the network's provisional rows against the canonical chain (see the module doc)."""
    outcome = ReorgOutcome()
    held = SupplyReading.objects.filter(deployment__network=network).exclude(status=ReadingStatus.ORPHANED)
    if not held.exists() and not LedgerCursor.objects.filter(deployment__network=network, block_number__gte=0).exists():
        return outcome  # nothing to check: spare the node
    rpc = network.rpc()
    served = hex_int(rpc.call("eth_chainId"))
    if served != network.chain_id:
        raise RpcError(f"{rpc.last_url} serves chain id {served}, but {network.name} is {network.chain_id}")
    head = hex_int(rpc.call("eth_blockNumber"))
    horizon = max(0, head - int(settings.CHAIN_REORG_HORIZON))
    readings = list(
        SupplyReading.objects.filter(deployment__network=network)
        .filter(Q(status=ReadingStatus.PROVISIONAL) | Q(status=ReadingStatus.CONFIRMED, block_number__gte=horizon))
        .values_list("pk", "block_number", "block_hash", "status")
    )
    entry_blocks = set(
        LedgerEntry.objects.filter(deployment__network=network)
        .filter(Q(confirmed=False) | Q(block_number__gte=horizon))
        .values_list("block_number", "block_hash")
        .distinct()
    )
    cursors_seen = {
        pk: (n, h)
        for pk, n, h in LedgerCursor.objects.filter(deployment__network=network, block_number__gte=0)
        .exclude(block_hash="")
        .values_list("pk", "block_number", "block_hash")
    }
    stored = {(n, h) for _pk, n, h, _s in readings} | entry_blocks | set(cursors_seen.values())
    if not stored:
        return outcome

    settled = finalised_head(rpc, network.confirmations, tag=network.uses_finalized_tag).number
    second = second_source(rpc, enabled=network.cross_check)
    if second is not None:
        with asking_second("the reorg check"):
            settled = min(settled, finalised_head(second, network.confirmations, tag=network.uses_finalized_tag).number)
    numbers = sorted({n for n, _h in stored} | ({settled} if cursors_seen and settled >= 0 else set()))
    canonical = canonical_hashes(rpc, numbers, batch_size=settings.CHAIN_BATCH_SIZE)
    outcome.checked_blocks = len(canonical)

    if any(canonical.get(n) is None for n, _h in stored):
        # A node that has not reached a block yet is behind, not evidence of a reorg: orphaning
        # good rows on its word would rewind the ledger for nothing. Retry, or fail over.
        raise RpcTransportError(f"{rpc.last_url} is behind: it lacks blocks we hold (its head is {head})")
    if second is not None:
        with asking_second("the reorg check"):
            theirs = canonical_hashes(second, numbers, batch_size=settings.CHAIN_BATCH_SIZE)
        if any(theirs.get(n) is None for n, _h in stored):
            raise CrossCheckUnavailable(f"{second.last_url} is behind: it lacks blocks we hold", url=second.last_url)
        differ = [n for n in numbers if theirs.get(n) != canonical.get(n)]
        if differ:
            raise ReadingDisagreement(
                f"reorg check of {network.name}: block {differ[0]} is {canonical.get(differ[0])} at {rpc.last_url} "
                f"but {theirs.get(differ[0])} at {second.last_url} ({len(differ)} block(s) differ)",
                url=second.last_url,
            )
    orphaned = {(n, h) for n, h in stored if canonical[n] != h}
    verified = {n: h for n, h in canonical.items() if h is not None and (n, h) in stored}
    deep = [h for n, h in verified.items() if n <= settled]
    orphaned_pks = [pk for pk, n, h, _s in readings if (n, h) in orphaned]
    outcome.orphaned_confirmed = [pk for pk, n, h, s in readings if (n, h) in orphaned and s == ReadingStatus.CONFIRMED]

    with transaction.atomic():
        cursors = list(LedgerCursor.objects.select_for_update().filter(deployment__network=network))
        if orphaned:
            low = min(n for n, _h in orphaned)
            rewind, rewind_hash = _rewind_point(network, low, verified)
            outcome.rewound_to = rewind
            if orphaned_pks:
                SupplyReading.objects.filter(pk__in=orphaned_pks).update(status=ReadingStatus.ORPHANED)
                outcome.stablecoin_ids = sorted(
                    set(
                        SupplyReading.objects.filter(pk__in=orphaned_pks).values_list(
                            "deployment__stablecoin_id", flat=True
                        )
                    )
                )
                LedgerCheck.objects.filter(
                    Q(reading_from_id__in=orphaned_pks) | Q(reading_to_id__in=orphaned_pks)
                ).delete()
            outcome.discarded_ledger_rows, _ = LedgerEntry.objects.filter(
                deployment__network=network, block_number__gt=rewind
            ).delete()
            for cursor in cursors:
                if cursor.block_number > rewind:
                    cursor.block_number, cursor.block_hash = rewind, rewind_hash
                    if cursor.final_block > rewind:  # a reorg deeper than the confirmation depth
                        cursor.final_block, cursor.final_hash = rewind, rewind_hash
                    cursor.save(update_fields=["block_number", "block_hash", "final_block", "final_hash", "updated_at"])
            log.warning(
                "reorg on %s: %d block(s) orphaned from %d; ledger rewound to %d, %d reading(s) orphaned%s",
                network.name,
                len(orphaned),
                low,
                rewind,
                len(orphaned_pks),
                f", {len(outcome.orphaned_confirmed)} of them confirmed: deeper than the finality depth"
                if outcome.orphaned_confirmed
                else "",
            )
        outcome.orphaned_readings = orphaned_pks
        for cursor in cursors:
            # A canonical cursor vouches for every block below it: remember the deepest settled one.
            if cursors_seen.get(cursor.pk) != (cursor.block_number, cursor.block_hash):
                continue  # rewound just now, or moved by the indexer since we looked
            if (cursor.block_number, cursor.block_hash) not in verified.items():
                continue
            final = (cursor.block_number, cursor.block_hash) if cursor.block_number <= settled else None
            if final is None and canonical.get(settled):
                final = (settled, str(canonical[settled]))
            if final is not None and final[0] > cursor.final_block:
                cursor.final_block, cursor.final_hash = final
                cursor.save(update_fields=["final_block", "final_hash", "updated_at"])
        outcome.confirmed_readings = SupplyReading.objects.filter(
            deployment__network=network, status=ReadingStatus.PROVISIONAL, block_hash__in=deep
        ).update(status=ReadingStatus.CONFIRMED)
        outcome.confirmed_ledger_rows = LedgerEntry.objects.filter(
            deployment__network=network, confirmed=False, block_hash__in=deep
        ).update(confirmed=True)
    return outcome
