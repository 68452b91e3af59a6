"""Block headers: by number, and the finalised head (the last block at or before an instant: chain/blockcache.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from chain.rpc import RpcClient, RpcTransportError, hex_int


@dataclass(frozen=True)
class Block:
    number: int
    hash: str
    timestamp: int

    @property
    def time(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp, tz=UTC)


def _block(answer: object, number: int | str) -> Block:
    if not isinstance(answer, dict):
        raise RpcTransportError(f"block {number} not found")
    block_hash = answer.get("hash")
    if not isinstance(block_hash, str) or len(block_hash) != 66:
        raise RpcTransportError(f"block {number} has no hash (pending?)")
    return Block(number=hex_int(answer["number"]), hash=block_hash.lower(), timestamp=hex_int(answer["timestamp"]))


def block_by_number(rpc: RpcClient, number: int) -> Block:
    return _block(rpc.call("eth_getBlockByNumber", [hex(number), False]), number)


def blocks_by_number(rpc: RpcClient, numbers: list[int]) -> list[Block]:
    answers = rpc.batch([("eth_getBlockByNumber", [hex(n), False]) for n in numbers])
    return [_block(a, n) for a, n in zip(answers, numbers, strict=True)]


def finalised_head(rpc: RpcClient, confirmations: int) -> Block:
    """The newest block at least ``confirmations`` deep: the newest one we treat as settled."""
    head = hex_int(rpc.call("eth_blockNumber"))
    return block_by_number(rpc, max(0, head - confirmations))
