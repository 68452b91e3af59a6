"""Reading the supply events of a network's deployments from the node, without touching the database.

One window of blocks is one JSON-RPC batch: three raw ``eth_getLogs`` filters over all the
deployments (Transfer from 0x0, Transfer to 0x0, and the issuer events), the header of the window's
last block, and the headers of the blocks the cursors stand on. Logs are decoded by hand (topic
slicing, ``int(data, 16)``): web3's event decoding is 40-60x slower (stack-notes §5).

Counting rule (docs/chain-ledger.md): within one transaction of one contract, if any ``Transfer``
from or to 0x0 was emitted, those Transfers are the supply change and the issuer events beside them
(``Mint``, ``Burn``, ``SupplyIncreased``...) are stored uncounted; otherwise the issuer events count.
So USDC's Mint + Transfer(0x0, ...) count once, and Tether's Issue with no Transfer counts too.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from eth_utils.crypto import keccak

from chain.blocks import Block
from chain.crosscheck import ReadingDisagreement, asking_second
from chain.models import LedgerEvent
from chain.rpc import Call, RpcClient, RpcTransportError, hex_int


def _topic(signature: str) -> str:
    return "0x" + keccak(text=signature).hex()


ZERO_WORD = "0x" + "0" * 64
TRANSFER = _topic("Transfer(address,address,uint256)")
# topic0 -> (event, direction, position of the account: topic index, or None for none)
ISSUER_EVENTS: dict[str, tuple[str, int, int | None]] = {
    _topic("Mint(address,address,uint256)"): (LedgerEvent.MINT.value, 1, 2),
    _topic("Burn(address,uint256)"): (LedgerEvent.BURN.value, -1, 1),
    _topic("Issue(uint256)"): (LedgerEvent.ISSUE.value, 1, None),
    _topic("Redeem(uint256)"): (LedgerEvent.REDEEM.value, -1, None),
    _topic("DestroyedBlackFunds(address,uint256)"): (LedgerEvent.DESTROYED_BLACK_FUNDS.value, -1, 1),
    _topic("SupplyIncreased(address,uint256)"): (LedgerEvent.SUPPLY_INCREASED.value, 1, 1),
    _topic("SupplyDecreased(address,uint256)"): (LedgerEvent.SUPPLY_DECREASED.value, -1, 1),
}
TRANSFER_EVENTS = frozenset({LedgerEvent.TRANSFER_MINT.value, LedgerEvent.TRANSFER_BURN.value})
# Tether-like deprecate(successor): not a supply event, but where the ledger switches contracts
# (chain/ledger/successor.py). Fetched with the issuer events, so it costs no extra call.
DEPRECATE = _topic("Deprecate(address)")


@dataclass(slots=True)
class SupplyLog:
    """One decoded supply event; ``address`` is the emitting contract, lower-case."""

    address: str
    block_number: int
    block_hash: str
    tx_hash: str
    log_index: int
    event: str
    account: str
    amount: int
    direction: int
    counted: bool = True


_TRANSFER_MINT = LedgerEvent.TRANSFER_MINT.value
_TRANSFER_BURN = LedgerEvent.TRANSFER_BURN.value


def decode_log(raw: dict[str, Any]) -> SupplyLog | None:
    """A supply event from a raw ``eth_getLogs`` entry; None for a log that changes no supply.

    The amount is the last 32-byte word of ``data``: true of every event we watch, including
    Tether's real ``DestroyedBlackFunds(address, uint)`` whose address is not indexed. This runs
    once per log on the indexer's hot path, hence the plain string slicing.
    """
    topics = raw["topics"]
    data = raw["data"]
    if not topics or not isinstance(data, str) or len(data) < 66 or raw.get("removed"):
        return None
    topic0 = topics[0]
    if topic0 == TRANSFER:
        if len(topics) != 3:
            return None
        from_zero, to_zero = topics[1] == ZERO_WORD, topics[2] == ZERO_WORD
        if from_zero == to_zero:
            return None  # an ordinary transfer, or 0x0 to 0x0: no supply change
        if from_zero:
            event, direction, account = _TRANSFER_MINT, 1, topics[2]
        else:
            event, direction, account = _TRANSFER_BURN, -1, topics[1]
    else:
        rule = ISSUER_EVENTS.get(topic0)
        if rule is None:
            return None
        event, direction, position = rule
        if position is None:
            account = ""
        elif position < len(topics):
            account = topics[position]
        else:
            account = data[2:66] if len(data) >= 130 else ""  # an unindexed address comes first in data
    return SupplyLog(
        raw["address"].lower(),
        int(raw["blockNumber"], 16),
        raw["blockHash"].lower(),
        raw["transactionHash"].lower(),
        int(raw["logIndex"], 16),
        event,
        "0x" + account[-40:].lower() if account else "",
        int(data[-64:], 16),
        direction,
    )


def apply_counting_rule(logs: Iterable[SupplyLog]) -> list[SupplyLog]:
    """Mark issuer events uncounted where the same contract's same transaction emitted a Transfer to/from 0x0."""
    logs = list(logs)
    with_transfer = {(log.address, log.tx_hash) for log in logs if log.event in TRANSFER_EVENTS}
    for log in logs:
        if log.event not in TRANSFER_EVENTS and (log.address, log.tx_hash) in with_transfer:
            log.counted = False
    return logs


def log_filters(addresses: Sequence[str], from_block: int, to_block: int) -> list[Call]:
    """The three raw ``eth_getLogs`` calls that find every supply event of ``addresses`` in the range."""
    base = {"address": list(addresses), "fromBlock": hex(from_block), "toBlock": hex(to_block)}
    return [
        ("eth_getLogs", [{**base, "topics": [TRANSFER, ZERO_WORD]}]),
        ("eth_getLogs", [{**base, "topics": [TRANSFER, None, ZERO_WORD]}]),
        ("eth_getLogs", [{**base, "topics": [[*ISSUER_EVENTS, DEPRECATE]]}]),
    ]


def _header(answer: object, number: int) -> Block | None:
    if not isinstance(answer, dict) or not isinstance(answer.get("hash"), str):
        return None
    return Block(number=number, hash=str(answer["hash"]).lower(), timestamp=hex_int(answer["timestamp"]))


@dataclass
class Window:
    logs: list[SupplyLog]
    end: Block
    canonical: dict[int, str | None]  # the cursors' block numbers -> canonical hash now (None: no such block)
    deprecations: list[dict[str, Any]] = field(default_factory=list)  # raw Deprecate(address) logs


def fetch_window(
    rpc: RpcClient,
    addresses: Sequence[str],
    from_block: int,
    to_block: int,
    check: Iterable[int],
    *,
    second: RpcClient | None = None,
) -> Window:
    """Supply events of ``addresses`` in [from_block, to_block], decoded and counted, and the headers to pin them.

    With ``second`` (the network's other URLs, when it cross-checks), the same batch is asked of it
    and any difference in the logs or the headers' hashes refuses the window (``ReadingDisagreement``),
    as a supply reading is refused (chain/crosscheck.py): no ledger row rests on one node's word.
    """
    check = sorted(set(check))
    calls = log_filters(addresses, from_block, to_block)
    calls.append(("eth_getBlockByNumber", [hex(to_block), False]))
    calls += [("eth_getBlockByNumber", [hex(n), False]) for n in check]
    with _cyclic_gc_paused():
        answers = asked_of_both(rpc, calls, second=second, what=f"ledger window {from_block}-{to_block}")
        return _decode_window(answers, to_block, check)


def asked_of_both(rpc: RpcClient, calls: list[Call], *, second: RpcClient | None, what: str) -> list[Any]:
    """``calls`` (three log filters, then headers and ``eth_call`` words) asked of ``rpc`` and, with ``second``,
    of it too: any difference refuses them all (``ReadingDisagreement``), so no ledger row rests on one node."""
    answers = rpc.batch(calls)
    if second is not None:
        with asking_second(what):
            theirs = second.batch(calls)
        if _fingerprint(answers) != _fingerprint(theirs):
            raise ReadingDisagreement(
                f"{what}: {rpc.last_url} and {second.last_url} answered different logs, block hashes or values",
                url=second.last_url,
            )
    return answers


def _fingerprint(answers: list[Any]) -> list[Any]:
    """What two honest nodes agree on in a batch's answers: each log's identity and content (sorted,
    and in canonical case and number form), each header's hash and each other word; not incidental fields."""
    try:
        logs = [
            sorted(
                (
                    int(raw["blockNumber"], 16),
                    str(raw["blockHash"]).lower(),
                    int(raw["logIndex"], 16),
                    str(raw["transactionHash"]).lower(),
                    str(raw["address"]).lower(),
                    tuple(str(t).lower() for t in raw["topics"]),
                    str(raw["data"]).lower(),
                    bool(raw.get("removed")),
                )
                for raw in answer
            )
            if isinstance(answer, list)
            else answer
            for answer in answers[:3]
        ]
    except (KeyError, TypeError, ValueError) as exc:
        raise RpcTransportError(f"a malformed log in an eth_getLogs answer: {exc!r}") from exc
    rest = [
        str(a.get("hash")).lower() if isinstance(a, dict) else a.lower() if isinstance(a, str) else a
        for a in answers[3:]
    ]
    return [logs, rest]


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Parsing and decoding a window allocates a few hundred thousand dicts, lists and strings, none in
    a reference cycle; each allocation burst sets off cyclic collections over the whole worker's heap.
    Paused here they cost nothing (fetch and decode of 20k events: 0.41 s -> 0.28 s,
    docs/benchmarks-ledger.md); reference counting still frees everything. Restored even on error,
    and left off if it was off."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _decode_window(answers: list[Any], to_block: int, check: list[int]) -> Window:
    # The three filters never return the same log: the only Transfer both Transfer filters match,
    # 0x0 to 0x0, decodes to nothing.
    logs: list[SupplyLog] = []
    deprecations: list[dict[str, Any]] = []
    for answer in answers[:3]:
        if not isinstance(answer, list):
            raise RpcTransportError(f"eth_getLogs answered {str(answer)[:80]!r}, not a list")
        for raw in answer:
            log = decode_log(raw)
            if log is not None:
                logs.append(log)
            elif raw["topics"] and raw["topics"][0] == DEPRECATE and not raw.get("removed"):
                deprecations.append(raw)
    end = _header(answers[3], to_block)
    if end is None:
        raise RpcTransportError(f"block {to_block} not found")
    canonical = {}
    for n, answer in zip(check, answers[4:], strict=True):
        header = _header(answer, n)
        canonical[n] = header.hash if header else None
    return Window(logs=apply_counting_rule(logs), end=end, canonical=canonical, deprecations=deprecations)
