"""Outstanding: the one place that says how many tokens a set of readings leaves outstanding.

Outstanding = Σ over deployments of (totalSupply - deduction buckets), in whole tokens, except the
buckets a licence keeps outstanding (HK, GENIUS, NYDFS and MiCA all keep frozen tokens outstanding
and backed: regulation.md §5.3, R5). Reconciliation (reserves.compute), the ``readsupply`` report and
every page read it from here, so a chart and a headline can never disagree on it.

Readings are the JSON form runs store (``reading_json``): raw amounts as decimal strings. Exact at
any size: the arithmetic runs in a 100-digit context.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TypedDict

from chain.models import SupplyReading
from chain.units import exact_arithmetic, tokens


@dataclass(frozen=True)
class Supply:
    """Outstanding tokens under a licence's deduction rules, and how they were arrived at."""

    outstanding: Decimal
    total: Decimal
    by_chain: dict[int, Decimal]
    by_deployment: dict[int, Decimal]
    deducted: dict[str, Decimal]  # bucket -> tokens taken out of outstanding
    kept: dict[str, Decimal]  # bucket -> tokens in a deduction bucket that the licence keeps outstanding
    oldest_block_time: datetime


class BalanceJson(TypedDict):
    """One deduction balance of a reading (``SupplyReading.balances``)."""

    bucket: str
    address: str
    raw: str  # base units, a decimal string: no JSON float ever holds a balance


class ReadingJson(TypedDict):
    """A reading as a run's inputs carry it; reserves.runtypes.RunInputs refers to it from here."""

    reading_id: int
    deployment_id: int
    address: str
    decimals: int
    chain_id: int
    block_number: int
    block_hash: str
    block_time: str
    total_supply: str  # base units, a decimal string
    balances: list[BalanceJson]


def reading_json(r: SupplyReading) -> ReadingJson:
    """A reading as runs store it (``r.deployment`` must be loaded)."""
    return {
        "reading_id": r.pk,
        "deployment_id": r.deployment_id,
        "address": r.deployment.address,
        "decimals": r.deployment.decimals,
        "chain_id": r.chain_id,
        "block_number": r.block_number,
        "block_hash": r.block_hash,
        "block_time": r.block_time.isoformat(),
        "total_supply": str(r.total_supply),
        "balances": r.balances,
    }


def outstanding_of(readings: Iterable[ReadingJson], keeps: frozenset[str] = frozenset()) -> Supply | None:
    """Outstanding of these readings (one per deployment), keeping the buckets in ``keeps``; None if none."""
    rows = list(readings)
    if not rows:
        return None
    by_chain: dict[int, Decimal] = defaultdict(Decimal)
    by_deployment: dict[int, Decimal] = defaultdict(Decimal)
    deducted: dict[str, Decimal] = defaultdict(Decimal)
    kept: dict[str, Decimal] = defaultdict(Decimal)
    total = Decimal(0)
    with exact_arithmetic():
        for reading in rows:
            decimals = int(reading["decimals"])
            supply = tokens(int(reading["total_supply"]), decimals)
            total += supply
            out = supply
            for balance in reading["balances"]:
                amount = tokens(int(balance["raw"]), decimals)
                if balance["bucket"] in keeps:
                    kept[balance["bucket"]] += amount
                else:
                    deducted[balance["bucket"]] += amount
                    out -= amount
            by_chain[int(reading["chain_id"])] += out
            by_deployment[int(reading["deployment_id"])] += out
        outstanding = sum(by_chain.values(), Decimal(0))
    return Supply(
        outstanding=outstanding,
        total=total,
        by_chain=dict(by_chain),
        by_deployment=dict(by_deployment),
        deducted=dict(deducted),
        kept=dict(kept),
        oldest_block_time=min(datetime.fromisoformat(str(r["block_time"])) for r in rows),
    )
