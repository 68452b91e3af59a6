"""Contract quirks resolved at the pinned block, before the supply is read (peers.md §5, rule 2).

- **Deprecation (Tether-like).** After ``deprecate(successor)`` a TetherToken forwards reads to the
  successor. We ask ``deprecated()`` and ``upgradedAddress()`` *at the pinned block* and read the
  successor there directly, so the reading names the contract whose state it reports and does not
  depend on the old contract's forwarding code. One hop: a successor that is itself deprecated, or
  that counts in other decimals than the registered ones, is refused rather than followed blindly.
- **Proxies.** Reads go through the proxy address (the token's identity and storage); the
  implementation at the block is recorded beside the reading, so an upgrade is visible in the
  provenance and changes nothing in the figures. Four layouts are known (``PROXY_SLOTS``): EIP-1967
  (transparent and UUPS), the EIP-1967 beacon (the beacon's ``implementation()`` at the block),
  EIP-1822 (``PROXIABLE``) and the OpenZeppelin 2.x / zos slot of USDC's FiatTokenProxy and Paxos's
  AdminUpgradeabilityProxy. ``detect_proxies`` is how ``loadregistry`` finds the layout on its own.

At most two JSON-RPC batches pinned to the block hash (the second only for beacons and successors);
no Django.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from eth_utils.address import to_checksum_address

from chain.blocks import Block
from chain.reader import Target, created_after
from chain.rpc import Call, RpcClient, RpcError, hex_int

DEPRECATED = "0x0e136b19"  # deprecated()
UPGRADED_ADDRESS = "0x26976e3f"  # upgradedAddress()
DECIMALS = "0x313ce567"  # decimals()
IMPLEMENTATION = "0x5c60da1b"  # implementation(), asked of a beacon
EIP1967_IMPLEMENTATION_SLOT = "0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc"
# Layout -> storage slot, in the order tried when a proxy's layout is not known: keccak256 of
# "eip1967.proxy.implementation" - 1, "eip1967.proxy.beacon" - 1, "PROXIABLE",
# "org.zeppelinos.proxy.implementation" (zos predates EIP-1967's "- 1").
PROXY_SLOTS: dict[str, str] = {
    "eip1967": EIP1967_IMPLEMENTATION_SLOT,
    "eip1967_beacon": "0xa3f0ad74e5423aebfd80d3ef4346578335a9a72aeaee59ff6cb3582b35133d50",
    "eip1822": "0xc5f16f0fcc639fa48a6947836d9850f504798523bf8c9a3a87d5876cf622bcf7",
    "zeppelinos": "0x7050c9e0f4ca769c69bd3a8ef740bc37934f8e2c036e5a723fd8ee048ed3f8c3",
}


class QuirkError(RpcError):
    """A registered quirk does not hold at the block: the reading is refused, not guessed."""


@dataclass(frozen=True)
class Resolution:
    address_read: str
    implementation: str = ""


@dataclass(frozen=True)
class ProxyFound:
    """A proxy's layout and its implementation at a block (``beacon``: the beacon asked, if any)."""

    layout: str
    implementation: str
    beacon: str = ""


def _address(word: object) -> str:
    return str(to_checksum_address("0x" + f"{hex_int(word):064x}"[-40:]))


def _slot_calls(address: str, block: object) -> list[Call]:
    return [("eth_getStorageAt", [address, slot, block]) for slot in PROXY_SLOTS.values()]


def _pick(words: Sequence[object], prefer: str) -> tuple[str, str] | None:
    """(layout, address in its slot) of the slot that is set, the registered layout first; None if none is."""
    found = {layout: _address(w) for layout, w in zip(PROXY_SLOTS, words, strict=True) if hex_int(w)}
    if not found:
        return None
    layout = prefer if prefer in found else next(iter(found))
    return layout, found[layout]


def detect_proxies(rpc: RpcClient, addresses: Sequence[str], block: object = "latest") -> dict[str, ProxyFound | None]:
    """Each address's proxy layout and implementation at ``block`` (None: not a proxy we know), in two batches."""
    calls = [c for a in addresses for c in _slot_calls(a, block)]
    words = rpc.batch(calls)
    n = len(PROXY_SLOTS)
    picked = {a: _pick(words[i * n : (i + 1) * n], "") for i, a in enumerate(addresses)}
    beacons = [(a, p[1]) for a, p in picked.items() if p and p[0] == "eip1967_beacon"]
    answers = iter(rpc.batch([("eth_call", [{"to": b, "data": IMPLEMENTATION}, block]) for _a, b in beacons]))
    behind = {a: _address(next(answers)) for a, _b in beacons}
    return {
        a: None
        if p is None
        else ProxyFound(layout=p[0], implementation=behind.get(a, p[1]), beacon=p[1] if a in behind else "")
        for a, p in picked.items()
    }


def resolve(rpc: RpcClient, targets: Sequence[Target], block: Block) -> tuple[list[Target], dict[int, Resolution]]:
    """The targets to read (successors in place of deprecated contracts) and what was resolved per key.

    A target whose contract was created after the block (``chain.reader.created_after``) has no quirk to
    resolve there: it is read as it is, and reads zero.
    """
    pin = {"blockHash": block.hash, "requireCanonical": True}
    calls: list[Call] = []
    for t in targets:
        if t.follow_successor:
            calls.append(("eth_call", [{"to": t.address, "data": DEPRECATED}, pin]))
            calls.append(("eth_call", [{"to": t.address, "data": UPGRADED_ADDRESS}, pin]))
        if t.proxy:
            calls += _slot_calls(t.address, pin)
    if not calls:
        return list(targets), {}
    answers = iter(rpc.batch(calls))
    asked = {
        t.key: ([next(answers) for _ in range(2)] if t.follow_successor else [], _slot_words(t, answers))
        for t in targets
    }
    # No answer to deprecated() or no proxy slot set: a contract not there yet, or a quirk that does not hold.
    unanswered = [t.address for t in targets if asked[t.key][0][:1] == ["0x"] or asked[t.key][1] == []]
    later = created_after(rpc, unanswered, pin) if unanswered else set()
    resolved: list[Target] = []
    moved: list[Target] = []
    found: dict[int, Resolution] = {}
    beacons: dict[int, str] = {}
    for t in targets:
        if t.address in later:
            found[t.key] = Resolution(address_read=t.address)
            resolved.append(t)
            continue
        address, implementation = t.address, ""
        successor_words, slot_words = asked[t.key]
        if t.follow_successor:
            deprecated, successor = hex_int(successor_words[0]), _address(successor_words[1])
            if deprecated:
                address = successor
        if t.proxy:
            picked = _pick(slot_words, t.proxy_layout) if slot_words else None
            if picked is None:
                raise QuirkError(
                    f"{t.address} is registered as a proxy but no known proxy slot is set at block {block.number}"
                )
            implementation = picked[1]
            if picked[0] == "eip1967_beacon":
                beacons[t.key] = picked[1]
        found[t.key] = Resolution(address_read=address, implementation=implementation)
        if address != t.address:
            moved.append(replace(t, address=address))
            resolved.append(moved[-1])
        else:
            resolved.append(t)
    implementations = _second_round(rpc, moved, beacons, pin)
    for key, implementation in implementations.items():
        found[key] = replace(found[key], implementation=implementation)
    return resolved, found


def _slot_words(t: Target, answers: Iterator[Any]) -> list[Any] | None:
    """A proxy target's slot words, [] when none is set; None for a target that is not a proxy."""
    if not t.proxy:
        return None
    words = [next(answers) for _ in PROXY_SLOTS]
    return words if any(hex_int(w) for w in words) else []


def _second_round(
    rpc: RpcClient, successors: Sequence[Target], beacons: dict[int, str], pin: dict[str, Any]
) -> dict[int, str]:
    """Beacons' implementations at the block; and refuse a successor that is itself deprecated or counts
    in other decimals. One batch, only when there is something to ask."""
    calls: list[Call] = [("eth_call", [{"to": b, "data": IMPLEMENTATION}, pin]) for b in beacons.values()]
    for t in successors:
        calls.append(("eth_call", [{"to": t.address, "data": DEPRECATED}, pin]))
        calls.append(("eth_call", [{"to": t.address, "data": DECIMALS}, pin]))
    if not calls:
        return {}
    answers = iter(rpc.batch_answers(calls))
    implementations: dict[int, str] = {}
    for key, beacon in beacons.items():
        answer = next(answers)
        if isinstance(answer, RpcError) or not isinstance(answer, str) or len(answer) < 66:
            raise QuirkError(f"beacon {beacon} answered no implementation() ({answer})")
        implementations[key] = _address(answer[:66])
    for t in successors:
        deprecated, decimals = next(answers), next(answers)
        # A plain successor has no deprecated(): the call reverts or returns nothing, which is fine.
        if isinstance(deprecated, str) and len(deprecated) >= 66 and int(deprecated, 16):
            raise QuirkError(f"successor {t.address} is itself deprecated; register its own successor")
        if t.decimals is not None and (
            not isinstance(decimals, str) or len(decimals) < 66 or int(decimals[2:66], 16) != t.decimals
        ):
            raise QuirkError(f"successor {t.address} does not have the registered {t.decimals} decimals ({decimals})")
    return implementations
