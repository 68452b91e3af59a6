"""Read many token supplies and deduction balances at one pinned block in a few JSON-RPC batches.

Calls are encoded and decoded by hand (a 4-byte selector and one padded address): web3.py's
contract layer costs 1-2 ms of CPU per call, a hundred times the node's own work (stack-notes §4).
Every ``eth_call`` names the block by hash (EIP-1898), so a reorg under us makes the node refuse
the call instead of silently answering from another history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from chain.blocks import Block
from chain.rpc import RpcClient, RpcError, hex_int

TOTAL_SUPPLY = "0x18160ddd"  # totalSupply()
BALANCE_OF = "0x70a08231"  # balanceOf(address)


def balance_of_calldata(address: str) -> str:
    return BALANCE_OF + address.lower().removeprefix("0x").rjust(64, "0")


@dataclass(frozen=True)
class Target:
    """What to read for one deployment: its contract and the deduction addresses by bucket."""

    key: int
    address: str
    deductions: tuple[tuple[str, str], ...] = ()  # (bucket, address)
    follow_successor: bool = False  # Tether-like: read the successor once deprecated (chain/quirks.py)
    proxy: bool = False  # EIP-1967 proxy: record the implementation at the block (chain/quirks.py)
    decimals: int | None = None  # registered decimals; a successor must have the same (chain/quirks.py)


@dataclass
class RawReading:
    key: int
    block: Block
    total_supply: int
    balances: list[dict[str, str]] = field(default_factory=list)
    address: str = ""  # the contract actually read: the target's, or its successor's


def read_at_block(
    rpc: RpcClient, targets: Sequence[Target], block: Block, *, batch_size: int = 1000
) -> list[RawReading]:
    """totalSupply and every deduction balance of each target at ``block``, pinned by its hash."""
    pin = {"blockHash": block.hash, "requireCanonical": True}
    calls: list[tuple[str, list[object]]] = []
    for target in targets:
        calls.append(("eth_call", [{"to": target.address, "data": TOTAL_SUPPLY}, pin]))
        for _bucket, holder in target.deductions:
            calls.append(("eth_call", [{"to": target.address, "data": balance_of_calldata(holder)}, pin]))
    answers: list[object] = []
    for start in range(0, len(calls), batch_size):
        chunk = calls[start : start + batch_size]
        answers.extend(rpc.batch(chunk))

    readings: list[RawReading] = []
    position = 0
    for target in targets:
        try:
            total = hex_int(answers[position])
        except RpcError as exc:
            raise RpcError(f"totalSupply() of {target.address} at block {block.number}: {exc}") from exc
        position += 1
        reading = RawReading(key=target.key, block=block, total_supply=total, address=target.address)
        for bucket, holder in target.deductions:
            balance = hex_int(answers[position])
            position += 1
            reading.balances.append({"bucket": bucket, "address": holder, "raw": str(balance)})
        readings.append(reading)
    return readings
