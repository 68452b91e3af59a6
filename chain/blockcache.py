"""The last block at or before an instant: a batched k-ary search, with a header cache in the database.

Each round asks the node for ``fanout`` evenly spaced headers of the interval still in doubt, in
one JSON-RPC batch, and keeps the two that bracket the instant: log_(fanout+1)(head) round trips
instead of a bisection's log2(head) (4 instead of 20 on a 10^6-block chain; docs/benchmarks.md).
Every header the answer rests on comes from the node in this search, so the answer never depends
on the cache: ``ts(found) <= t < ts(found + 1)``, both fetched here (or ``found`` is the head).

Every header fetched is stored in ``BlockHeader`` (PostgreSQL, shared by all workers on all hosts);
the next search starts from the closest cached headers on either side of its instant, fetched again
in its first round, so a repeated or nearby lookup costs one round trip. A cached header whose hash
the node no longer reports (a reorg, a development chain restarted with the same chain id) drops
that chain's cache.
"""

from __future__ import annotations

from collections.abc import Iterable

from chain.blocks import Block, blocks_by_number
from chain.models import BlockHeader
from chain.rpc import RpcClient, RpcTransportError

FANOUT = 32


def _cached(chain_id: int, timestamp: int, upper: Block) -> tuple[Block | None, Block | None]:
    rows = BlockHeader.objects.filter(chain_id=chain_id, number__lte=upper.number)
    low = rows.filter(timestamp__lte=timestamp).order_by("-number").first()
    high = rows.filter(timestamp__gt=timestamp).order_by("number").first()

    def block(row: BlockHeader | None) -> Block | None:
        return None if row is None else Block(number=row.number, hash=row.hash, timestamp=row.timestamp)

    return block(low), block(high)


def _store(chain_id: int, blocks: Iterable[Block], upper: Block) -> None:
    # Only finalised headers (at or below the pinned head) are worth remembering.
    rows = {b.number: b for b in blocks if b.number <= upper.number}
    BlockHeader.objects.bulk_create(
        [BlockHeader(chain_id=chain_id, number=b.number, hash=b.hash, timestamp=b.timestamp) for b in rows.values()],
        ignore_conflicts=True,
    )


def _spread(low: int, high: int, fanout: int) -> list[int]:
    """Up to ``fanout`` block numbers strictly between ``low`` and ``high``, evenly spaced (all of them if few)."""
    inside = high - low - 1
    if inside <= fanout:
        return list(range(low + 1, high))
    return sorted({low + (inside + 1) * i // (fanout + 1) for i in range(1, fanout + 1)})


def block_at_or_before(
    rpc: RpcClient,
    timestamp: int,
    *,
    upper: Block,
    hints: tuple[Block | None, Block | None] = (None, None),
    fanout: int = FANOUT,
    fetched: list[Block] | None = None,
) -> Block | None:
    """The last block with ``timestamp <= timestamp`` among blocks 0..upper, or None if the chain starts later.

    ``hints``: headers believed to bracket the instant (from a cache); they narrow the first round
    and are fetched again in it, never trusted. Every header fetched is appended to ``fetched``.
    """
    if upper.timestamp <= timestamp:
        return upper
    hint_low, hint_high = hints
    low: Block | None = None  # fetched here, timestamp <= t
    low_number, high_number = 0, upper.number  # the answer lies in [low_number, high_number)
    numbers = [h.number for h in hints if h is not None]
    if hint_low is None:
        numbers.append(0)
    inner_low = hint_low.number if hint_low is not None else 0
    inner_high = hint_high.number if hint_high is not None and hint_high.number > inner_low else high_number
    numbers += _spread(inner_low, inner_high, fanout)
    for _round in range(64):  # log_(fanout+1) of any real chain is far below this
        numbers = sorted({n for n in numbers if low_number <= n < high_number})
        for block in blocks_by_number(rpc, numbers):
            if fetched is not None:
                fetched.append(block)
            if block.timestamp <= timestamp:
                if low is None or block.number > low.number:
                    low, low_number = block, block.number
            elif block.number < high_number:
                high_number = block.number
        if low is not None and low.number >= high_number:
            # Timestamps went backwards between rounds: the chain changed under us.
            low, low_number = None, 0
        if high_number == 0:
            return None  # even block 0 is after the instant
        if low is not None and high_number - low_number <= 1:
            return low
        numbers = ([0] if low is None else []) + _spread(low_number, high_number, fanout)
    raise RpcTransportError(f"the chain kept changing during the block search for {timestamp}")


def block_at_or_before_cached(*, rpc: RpcClient, chain_id: int, timestamp: int, upper: Block) -> Block | None:
    """The last block at or before ``timestamp`` among blocks 0..upper (None if the chain starts later)."""
    if upper.timestamp <= timestamp:
        return upper
    hints = _cached(chain_id, timestamp, upper)
    fetched: list[Block] = []
    found = block_at_or_before(rpc, timestamp, upper=upper, hints=hints, fetched=fetched)
    fresh = {b.number: b.hash for b in fetched}
    if any(h is not None and fresh.get(h.number, h.hash) != h.hash for h in hints):
        # The cache disagreed with the node: forget this chain's headers (the answer came from the node).
        BlockHeader.objects.filter(chain_id=chain_id).delete()
    _store(chain_id, [*fetched, upper], upper)
    return found
