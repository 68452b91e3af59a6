"""Contract quirks resolved at the pinned block, before the supply is read (peers.md §5, rule 2).

- **Deprecation (Tether-like).** After ``deprecate(successor)`` a LegacyToken forwards reads to the
  successor. We ask ``deprecated()`` and ``upgradedAddress()`` *at the pinned block* and read the
  successor there directly, so the reading names the contract whose state it reports and does not
  depend on the old contract's forwarding code. One hop: a successor that is itself deprecated, or
  that counts in other decimals than the registered ones, is refused rather than followed blindly.
- **Proxies (EIP-1967).** Reads go through the proxy address (the token's identity and storage);
  the implementation at the block is recorded beside the reading, so an upgrade is visible in the
  provenance and changes nothing in the figures.

Everything here is one JSON-RPC batch of raw calls pinned to the block hash; no Django.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from eth_utils.address import to_checksum_address

from chain.blocks import Block
from chain.reader import Target
from chain.rpc import RpcClient, RpcError, hex_int

DEPRECATED = "0x0e136b19"  # deprecated()
UPGRADED_ADDRESS = "0x26976e3f"  # upgradedAddress()
DECIMALS = "0x313ce567"  # decimals()
EIP1967_IMPLEMENTATION_SLOT = "0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc"


class QuirkError(RpcError):
    """A registered quirk does not hold at the block: the reading is refused, not guessed."""


@dataclass(frozen=True)
class Resolution:
    address_read: str
    implementation: str = ""


def _address(word: object) -> str:
    return str(to_checksum_address("0x" + f"{hex_int(word):064x}"[-40:]))


def resolve(rpc: RpcClient, targets: Sequence[Target], block: Block) -> tuple[list[Target], dict[int, Resolution]]:
    """The targets to read (successors in place of deprecated contracts) and what was resolved per key."""
    pin = {"blockHash": block.hash, "requireCanonical": True}
    calls: list[tuple[str, list[object]]] = []
    for t in targets:
        if t.follow_successor:
            calls.append(("eth_call", [{"to": t.address, "data": DEPRECATED}, pin]))
            calls.append(("eth_call", [{"to": t.address, "data": UPGRADED_ADDRESS}, pin]))
        if t.proxy:
            calls.append(("eth_getStorageAt", [t.address, EIP1967_IMPLEMENTATION_SLOT, pin]))
    if not calls:
        return list(targets), {}
    answers = iter(rpc.batch(calls))
    resolved: list[Target] = []
    moved: list[Target] = []
    found: dict[int, Resolution] = {}
    for t in targets:
        address, implementation = t.address, ""
        if t.follow_successor:
            deprecated, successor = hex_int(next(answers)), _address(next(answers))
            if deprecated:
                address = successor
        if t.proxy:
            implementation = _address(next(answers))
            if int(implementation, 16) == 0:
                raise QuirkError(f"{t.address} is registered as a proxy but has no EIP-1967 implementation")
        if address != t.address or implementation:
            found[t.key] = Resolution(address_read=address, implementation=implementation)
        if address != t.address:
            moved.append(replace(t, address=address))
            resolved.append(moved[-1])
        else:
            resolved.append(t)
    _refuse_second_hop(rpc, moved, pin)
    return resolved, found


def _refuse_second_hop(rpc: RpcClient, successors: Sequence[Target], pin: dict[str, object]) -> None:
    """A successor must not itself be deprecated, and must count in the registered decimals."""
    if not successors:
        return
    calls: list[tuple[str, list[object]]] = []
    for t in successors:
        calls.append(("eth_call", [{"to": t.address, "data": DEPRECATED}, pin]))
        calls.append(("eth_call", [{"to": t.address, "data": DECIMALS}, pin]))
    answers = iter(rpc.batch_answers(calls))
    for t in successors:
        deprecated, decimals = next(answers), next(answers)
        # A plain successor has no deprecated(): the call reverts or returns nothing, which is fine.
        if isinstance(deprecated, str) and len(deprecated) >= 66 and int(deprecated, 16):
            raise QuirkError(f"successor {t.address} is itself deprecated; register its own successor")
        if t.decimals is not None and (
            not isinstance(decimals, str) or len(decimals) < 66 or int(decimals[2:66], 16) != t.decimals
        ):
            raise QuirkError(f"successor {t.address} does not have the registered {t.decimals} decimals ({decimals})")
