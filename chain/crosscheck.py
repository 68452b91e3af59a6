"""Cross-checking a pinned reading against a second RPC URL of the same network.

One node can be wrong without erroring: out of sync, on a fork, or lying. A network configured
with ``cross_check`` has the pinned block's hash and every value read again from its second URL;
any difference refuses the reading. The refusal is a ``ReadingDisagreement`` (a JSON-RPC-level
error, not retried: asking again will not make two nodes agree).
"""

from __future__ import annotations

from collections.abc import Sequence

from chain.blocks import Block, block_by_number
from chain.reader import RawReading, Target, read_at_block
from chain.rpc import RpcClient, RpcError


class ReadingDisagreement(RpcError):
    """Two RPC URLs of one network gave different block hashes or values for the same pinned block."""


def cross_check(
    second: RpcClient, targets: Sequence[Target], block: Block, raws: Sequence[RawReading], *, batch_size: int
) -> None:
    """Raise ReadingDisagreement unless ``second`` reports the same block hash and the same values."""
    theirs = block_by_number(second, block.number)
    if theirs.hash != block.hash:
        raise ReadingDisagreement(
            f"block {block.number}: {block.hash} from the primary URL but {theirs.hash} from {second.last_url}",
            url=second.last_url,
        )
    again = read_at_block(second, targets, block, batch_size=batch_size)
    for ours, other in zip(raws, again, strict=True):
        if (ours.total_supply, ours.balances) != (other.total_supply, other.balances):
            raise ReadingDisagreement(
                f"{ours.address} at block {block.number}: totalSupply/balances "
                f"{ours.total_supply}/{ours.balances} from the primary URL but "
                f"{other.total_supply}/{other.balances} from {second.last_url}",
                url=second.last_url,
            )
