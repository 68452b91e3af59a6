"""Block headers: by number, and the finalised head (the last block at or before an instant: chain/blockcache.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from chain.rpc import RpcClient, RpcError, RpcTransportError, hex_int


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


def finalised_head(rpc: RpcClient, confirmations: int, *, tag: bool = False) -> Block:
    """The newest block we treat as settled: with ``tag``, the node's ``finalized`` block (the chain's
    own finality: two epochs on Ethereum); otherwise, or where the node has no such tag (an error, or
    null before anything is finalized), the newest block at least ``confirmations`` deep."""
    calls: list[tuple[str, list[object]]] = [("eth_blockNumber", [])]
    if tag:
        calls.append(("eth_getBlockByNumber", ["finalized", False]))
    answers = rpc.batch_answers(calls)  # one round trip either way
    if tag and isinstance(answers[1], dict):
        return _block(answers[1], "finalized")
    if isinstance(answers[0], RpcError):
        raise answers[0]
    return block_by_number(rpc, max(0, hex_int(answers[0]) - confirmations))
