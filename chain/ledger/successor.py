"""Following a Tether-like token to its successor, in the ledger, under the same deployment.

After ``deprecate(successor)`` the old contract's ``totalSupply()`` forwards to the successor, and
the readings follow it (chain/quirks.py). So must the ledger: from the deprecation block on, the
successor's supply events are the deployment's. The switch itself is a ledger row
(``switch_to_successor``, counted) whose amount is the step between the two contracts' supplies
at that block, so Σ ledger still equals the change in ``totalSupply`` across the switch and the
pair of readings that straddles it is not a mismatch.

The step: with O the old contract and S the successor, B the deprecation block, the readings
before and after see O(before) and S(after). The ledger has O's events up to B and S's from B on,
so the missing piece is S(B) - ΣS-events in B - (O(B-1) + ΣO-events in B), read from the node when
the ``Deprecate`` log is found. The switch row is an ordinary ledger row: a reorg that rewinds
past it deletes it with the rest, and the switch is found again on the new chain.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from chain.blocks import Block
from chain.ledger.logs import SupplyLog, Window, apply_counting_rule, asked_of_both, decode_log, log_filters
from chain.models import LedgerEntry, LedgerEvent
from chain.reader import TOTAL_SUPPLY
from chain.rpc import Call, RpcClient, RpcTransportError, hex_int

SWITCH = LedgerEvent.SWITCH_TO_SUCCESSOR.value


@dataclass(frozen=True)
class Switch:
    successor: str  # lower-case
    from_block: int


def switches(deployment_ids: Iterable[int]) -> dict[int, Switch]:
    """The successor each deployment's ledger follows now, if it was deprecated (its latest switch row)."""
    found: dict[int, Switch] = {}
    rows = LedgerEntry.objects.filter(deployment_id__in=list(deployment_ids), event=SWITCH).order_by("block_number")
    for deployment_id, account, block in rows.values_list("deployment_id", "account", "block_number"):
        found[deployment_id] = Switch(successor=account.lower(), from_block=block)
    return found


def _word(answer: object) -> int:
    # A successor deployed in the deprecation block had no code at B - 1: "0x" is then a supply of 0.
    return 0 if answer == "0x" else hex_int(answer)


def switch_over(
    rpc: RpcClient,
    window: Window,
    followed: dict[str, int],
    done: dict[int, Switch],
    *,
    second: RpcClient | None = None,
) -> tuple[Window, dict[int, Switch]]:
    """If a followed contract was deprecated in this window: the window cut at that block, with the
    successor's events of that block and the switch row added, and the new switches. Else unchanged.

    ``followed``: address (lower) -> deployment id of the follow_successor deployments in the window;
    ``done``: switches already in the ledger (a second Deprecate of the same deployment is ignored);
    ``second``: the network's other URLs when it cross-checks, asked the same (``asked_of_both``).
    """
    found = [
        raw
        for raw in window.deprecations
        if raw["address"].lower() in followed and followed[raw["address"].lower()] not in done
    ]
    if not found:
        return window, {}
    block = min(int(raw["blockNumber"], 16) for raw in found)
    here = sorted(
        (raw for raw in found if int(raw["blockNumber"], 16) == block), key=lambda raw: int(raw["logIndex"], 16)
    )
    olds = [raw["address"].lower() for raw in here]
    successors = ["0x" + raw["data"][-40:].lower() for raw in here]
    calls: list[Call] = log_filters(successors, block, block)
    calls.append(("eth_getBlockByNumber", [hex(block), False]))
    for old, successor in zip(olds, successors, strict=True):
        calls.append(("eth_call", [{"to": old, "data": TOTAL_SUPPLY}, hex(block - 1)]))
        calls.append(("eth_call", [{"to": successor, "data": TOTAL_SUPPLY}, hex(block)]))
    answers = asked_of_both(rpc, calls, second=second, what=f"the switch to a successor at block {block}")
    header = answers[3]
    if not isinstance(header, dict) or str(header.get("hash", "")).lower() != here[0]["blockHash"].lower():
        raise RpcTransportError(f"block {block} changed while following a deprecation; index again")
    successor_logs = [log for answer in answers[:3] for raw in answer if (log := decode_log(raw)) is not None]
    successor_logs = apply_counting_rule(successor_logs)
    kept = [log for log in window.logs if log.block_number <= block]

    def in_block(address: str, logs: list[SupplyLog]) -> int:
        return sum(log.direction * log.amount for log in logs if log.counted and log.address == address)

    rows: list[SupplyLog] = []
    new: dict[int, Switch] = {}
    supplies = iter(answers[4:])
    for raw, old, successor in zip(here, olds, successors, strict=True):
        old_before, successor_at = _word(next(supplies)), _word(next(supplies))
        at_block = [log for log in kept if log.block_number == block]
        step = successor_at - in_block(successor, successor_logs) - old_before - in_block(old, at_block)
        rows.append(
            SupplyLog(
                old,
                block,
                raw["blockHash"].lower(),
                raw["transactionHash"].lower(),
                int(raw["logIndex"], 16),
                SWITCH,
                successor,
                abs(step),
                1 if step >= 0 else -1,
            )
        )
        new[followed[old]] = Switch(successor=successor, from_block=block)
    end = Block(number=block, hash=here[0]["blockHash"].lower(), timestamp=hex_int(header["timestamp"]))
    cut = replace(window, logs=kept + successor_logs + rows, end=end, deprecations=[])
    return cut, new
