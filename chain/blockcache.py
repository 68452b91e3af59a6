"""Block-at-or-before-time lookups with a header cache in the database, shared by all workers and hosts.

An uncached lookup bisects over block headers (about log2(head) RPC calls). Every header it sees
is stored in ``BlockHeader``; the next lookup starts from the closest cached headers on either
side of its instant, so a repeated or nearby lookup costs one round trip. The cache is a hint,
never the answer: the block found and the one after it are always fetched from the node in one
batch and must bracket the instant (``ts(found) <= t < ts(found + 1)``), with the found block's
hash as the node reports it. If not (a reorg, a development chain restarted with the same chain
id), the chain's cached headers are dropped and the search is repeated without them.
"""

from __future__ import annotations

from chain.blocks import Block, block_at_or_before, blocks_by_number
from chain.models import BlockHeader
from chain.rpc import RpcClient, RpcTransportError


def _cached(chain_id: int, timestamp: int, upper: Block) -> tuple[Block | None, Block | None]:
    rows = BlockHeader.objects.filter(chain_id=chain_id, number__lte=upper.number)
    low = rows.filter(timestamp__lte=timestamp).order_by("-number").first()
    high = rows.filter(timestamp__gt=timestamp).order_by("number").first()

    def block(row: BlockHeader | None) -> Block | None:
        return None if row is None else Block(number=row.number, hash=row.hash, timestamp=row.timestamp)

    return block(low), block(high)


def _store(chain_id: int, blocks: list[Block], upper: Block) -> None:
    # Only finalised headers (at or below the pinned head) are worth remembering.
    rows = {b.number: b for b in blocks if b.number <= upper.number}
    BlockHeader.objects.bulk_create(
        [BlockHeader(chain_id=chain_id, number=b.number, hash=b.hash, timestamp=b.timestamp) for b in rows.values()],
        ignore_conflicts=True,
    )


def _confirmed(rpc: RpcClient, found: Block, timestamp: int, upper: Block) -> list[Block] | None:
    """The found block and its successor from the node, if they bracket ``timestamp``; else None."""
    numbers = [found.number] if found.number >= upper.number else [found.number, found.number + 1]
    fresh = blocks_by_number(rpc, numbers)
    if fresh[0].hash != found.hash or fresh[0].timestamp > timestamp:
        return None
    if len(fresh) == 2 and fresh[1].timestamp <= timestamp:
        return None
    return fresh


def block_at_or_before_cached(*, rpc: RpcClient, chain_id: int, timestamp: int, upper: Block) -> Block | None:
    """The last block at or before ``timestamp`` among blocks 0..upper (None if the chain starts later)."""
    if upper.timestamp <= timestamp:
        return upper
    for use_cache in (True, False):
        low, high = _cached(chain_id, timestamp, upper) if use_cache else (None, None)
        fetched: list[Block] = []
        found = block_at_or_before(rpc, timestamp, upper=upper, low=low, high=high, fetched=fetched)
        if found is None:
            return None
        confirmed = _confirmed(rpc, found, timestamp, upper)
        if confirmed is not None:
            _store(chain_id, [*fetched, *confirmed, upper], upper)
            return confirmed[0]
        # The cache disagreed with the node: forget this chain's headers and search from scratch.
        BlockHeader.objects.filter(chain_id=chain_id).delete()
    # Even a search without the cache was contradicted: the chain changed under us. Worth a retry.
    raise RpcTransportError(f"chain {chain_id} changed during the block search for {timestamp}")
