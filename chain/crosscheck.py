"""Cross-checking a pinned reading against the other RPC URLs of the same network.

One node can be wrong without erroring: out of sync, on a fork, or lying. A network with two or
more RPC URLs cross-checks by default (``Network.cross_check``): the pinned block's hash, what the
quirks resolved at it (successor, implementation) and every value are read again from another URL
than the one that answered, and any difference refuses the reading. A block found by time is checked
to be the right one for that time: the other URL's next block must be later than it. The refusal is a
``ReadingDisagreement`` (a JSON-RPC-level error, not retried: asking again will not make two nodes
agree). When no other URL answers, the reading is refused too (``CrossCheckUnavailable``, retried
like any transport fault): with the primary down, a lying fallback is the one URL left, and a value
only one node vouches for is not stored on a network that has two.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from chain.blocks import Block, block_by_number, blocks_by_number
from chain.quirks import Resolution, resolve
from chain.reader import RawReading, Target, read_at_block
from chain.rpc import RpcClient, RpcError, RpcTransportError


class ReadingDisagreement(RpcError):
    """Two RPC URLs of one network gave different block hashes or values for the same pinned block."""


class CrossCheckUnavailable(RpcTransportError):
    """No URL other than the one that answered could be asked: the reading cannot be cross-checked."""


def second_source(rpc: RpcClient, *, enabled: bool) -> RpcClient | None:
    """The URLs other than the one ``rpc`` last answered from, tried in turn (so one dead node does not
    stop the check, and a lying fallback answering for a dead primary is caught by the next honest
    one); None when the network does not cross-check or has no other URL."""
    others = [u for u in rpc.urls if u != rpc.last_url]
    if not (enabled and others):
        return None
    return RpcClient(others, timeout=rpc.timeout, retries=rpc.retries)


@contextmanager
def asking_second(what: str) -> Iterator[None]:
    """A transport fault of the second source means ``what`` cannot be cross-checked: retried like any
    transport fault, and nothing stored meanwhile."""
    try:
        yield
    except CrossCheckUnavailable:
        raise
    except RpcTransportError as exc:
        raise CrossCheckUnavailable(f"cannot cross-check {what}: {exc}", url=exc.url) from exc


def cross_check(
    second: RpcClient,
    targets: Sequence[Target],
    block: Block,
    raws: Sequence[RawReading],
    *,
    batch_size: int,
    resolved: tuple[Sequence[Target], dict[int, Resolution]] | None = None,
    last_before: int | None = None,
) -> str:
    """Raise ReadingDisagreement unless ``second`` reports the same block hash, the same resolution of
    ``targets`` (when ``resolved`` is the primary's) and the same values; returns the URL that agreed.

    ``targets`` are the registered targets when ``resolved`` is given, else the ones that were read.
    ``last_before``: the unix time ``block`` was found as the last block at or before, when a later
    settled block exists; ``second``'s next block must then be later than that time.
    """
    with asking_second(f"block {block.number}"):
        return _cross_check(
            second, targets, block, raws, batch_size=batch_size, resolved=resolved, last_before=last_before
        )


def _cross_check(
    second: RpcClient,
    targets: Sequence[Target],
    block: Block,
    raws: Sequence[RawReading],
    *,
    batch_size: int,
    resolved: tuple[Sequence[Target], dict[int, Resolution]] | None,
    last_before: int | None,
) -> str:
    if last_before is None:
        theirs = block_by_number(second, block.number)
    else:
        theirs, following = blocks_by_number(second, [block.number, block.number + 1])
        if not theirs.timestamp <= last_before < following.timestamp:
            raise ReadingDisagreement(
                f"block {block.number} is not the last at or before {last_before} by {second.last_url}: "
                f"its time {theirs.timestamp}, the next block's {following.timestamp}",
                url=second.last_url,
            )
    if theirs.hash != block.hash:
        raise ReadingDisagreement(
            f"block {block.number}: {block.hash} from the primary URL but {theirs.hash} from {second.last_url}",
            url=second.last_url,
        )
    read_targets = targets
    if resolved is not None:
        read_targets, found = resolve(second, targets, block)
        if found != resolved[1]:
            raise ReadingDisagreement(
                f"contracts resolved at block {block.number}: {resolved[1]} from the primary URL "
                f"but {found} from {second.last_url}",
                url=second.last_url,
            )
    # Only what the primary read is compared: a target that failed there is stored nowhere anyway.
    read_keys = {r.key for r in raws}
    read_targets = [t for t in read_targets if t.key in read_keys]
    again = read_at_block(second, read_targets, block, batch_size=batch_size)
    for ours, other in zip(raws, again, strict=True):
        if (ours.total_supply, ours.balances) != (other.total_supply, other.balances):
            raise ReadingDisagreement(
                f"{ours.address} at block {block.number}: totalSupply/balances "
                f"{ours.total_supply}/{ours.balances} from the primary URL but "
                f"{other.total_supply}/{other.balances} from {second.last_url}",
                url=second.last_url,
            )
    return second.last_url
