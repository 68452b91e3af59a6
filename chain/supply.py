"""One coin's supply at one instant or block, read on every network it lives on, with provenance.

``supply_read_coin`` reads (and stores, idempotently) the coin's deployments; ``supply_report``
turns readings into the figures ``manage.py readsupply`` prints. Outstanding comes from
``chain.outstanding``; the caller says which buckets the coin's licence keeps outstanding.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from attest.models import Stablecoin
from chain.models import DeductionAddress, Network, ReadingSource, SupplyReading
from chain.outstanding import outstanding_of, reading_json
from chain.services import supply_read_network
from chain.units import exact_arithmetic, tokens


def supply_read_coin(
    *, stablecoin: Stablecoin, at: datetime | None = None, block_number: int | None = None, network: str = ""
) -> list[SupplyReading]:
    """The coin's readings at the finalised head, at the last block <= ``at``, or at ``block_number``.

    A block number belongs to one chain, so with several networks it needs ``network``.
    """
    networks = Network.objects.filter(deployments__stablecoin=stablecoin).distinct().order_by("chain_id")
    if network:
        networks = networks.filter(name=network)
    chosen = list(networks)
    if not chosen:
        raise ValueError(f"{stablecoin.symbol} has no deployment" + (f" on {network}" if network else ""))
    if block_number is not None and len(chosen) > 1:
        raise ValueError(f"{stablecoin.symbol} lives on several networks: name one for --block")
    readings: list[SupplyReading] = []
    for n in chosen:
        readings.extend(supply_read_network(network=n, stablecoin=stablecoin, at=at, block_number=block_number))
    return readings


def _text(amount: Decimal) -> str:
    return format(amount, "f")


def supply_report(
    *, stablecoin: Stablecoin, readings: Sequence[SupplyReading], keeps: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """Outstanding in whole tokens, in total and per deployment and bucket, each with its block.

    ``keeps``: deduction buckets the licence counts as outstanding (chain.outstanding).
    """
    figures = outstanding_of([reading_json(r) for r in readings], keeps)
    sources = {s.reading_id: s for s in ReadingSource.objects.filter(reading__in=[r.pk for r in readings])}
    notes = {
        (x.deployment_id, x.bucket, x.address.lower()): x.note
        for x in DeductionAddress.objects.filter(deployment__in={r.deployment_id for r in readings})
    }
    # Totals of raw supplies can pass 28 digits; sum them exactly.
    with exact_arithmetic():
        deployments = []
        total = Decimal(0)
        buckets: dict[str, Decimal] = {}
        for r in sorted(readings, key=lambda r: (r.chain_id, r.deployment.address.lower())):
            d = r.deployment
            supply = tokens(int(r.total_supply), d.decimals)
            rows = []
            for b in r.balances:
                amount = tokens(int(b["raw"]), d.decimals)
                buckets[b["bucket"]] = buckets.get(b["bucket"], Decimal(0)) + amount
                note = notes.get((d.pk, b["bucket"], b["address"].lower()), "")
                rows.append({"bucket": b["bucket"], "address": b["address"], "amount": _text(amount), "note": note})
            mine = figures.by_deployment[r.deployment_id] if figures else Decimal(0)
            total += supply
            source = sources.get(r.pk)
            deployments.append(
                {
                    "network": d.network.name,
                    "chain_id": r.chain_id,
                    "address": d.address,
                    "address_read": source.address_read if source else d.address,
                    "implementation": source.implementation if source else "",
                    "kind": d.kind,
                    "decimals": d.decimals,
                    "block_number": r.block_number,
                    "block_hash": r.block_hash,
                    "block_time": r.block_time.isoformat(),
                    "rpc_url": r.rpc_url,
                    "total_supply": _text(supply),
                    "deductions": rows,
                    "outstanding": _text(mine),
                }
            )
    return {
        "symbol": stablecoin.symbol,
        "outstanding": _text(figures.outstanding if figures else Decimal(0)),
        "total_supply": _text(total),
        "deducted": {bucket: _text(amount) for bucket, amount in sorted(buckets.items())},
        "deployments": deployments,
    }
