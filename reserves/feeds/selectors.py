"""What is known of each coin's feeds, for the API's coin answer and ``manage.py feeds``."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import OuterRef, Subquery

from attest.models import Stablecoin
from reserves.models import Feed, FeedRound


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def _round(r: FeedRound | None, decimals: int) -> dict[str, Any] | None:
    if r is None:
        return None
    return {
        "round_id": r.round_id,
        "answer": str(r.answer),
        "reserves": format(Decimal(r.answer).scaleb(-decimals), "f"),
        "publication_id": r.publication_id,
        "publication_hash": r.publication_hash,
        "reason": r.reason,
        "observed_at": _iso(r.observed_at),
        "updated_at": _iso(r.updated_at),
        "tx_hash": r.tx_hash or None,
        "block_number": r.block_number,
        "block_hash": r.block_hash or None,
    }


def feed_rows(stablecoin: Stablecoin | None = None) -> list[dict[str, Any]]:
    """Each feed (of one coin, or of all) with its last posted round; two queries."""
    newest = FeedRound.objects.filter(feed=OuterRef("pk")).order_by("-round_id").values("pk")[:1]
    feeds = (
        Feed.objects.select_related("deployment__network", "stablecoin")
        .annotate(last_round_pk=Subquery(newest))
        .order_by("stablecoin__symbol", "pk")
    )
    if stablecoin is not None:
        feeds = feeds.filter(stablecoin=stablecoin)
    found = list(feeds)
    last = FeedRound.objects.in_bulk([f.last_round_pk for f in found if f.last_round_pk is not None])
    rows = []
    for f in found:
        network = f.deployment.network
        rows.append(
            {
                "symbol": f.stablecoin.symbol,
                "chain_id": network.chain_id,
                "network": network.name,
                "rpc_url": (list(network.rpc_urls) or [settings.CHAIN_RPC_URL])[0],
                "address": f.address,
                "token": f.deployment.address,
                "decimals": f.decimals,
                "description": f.description,
                "heartbeat_seconds": f.heartbeat_seconds,
                "deviation_bps": f.deviation_bps,
                "guard_address": f.guard_address or None,
                "last_round": _round(last.get(f.last_round_pk), f.decimals),
            }
        )
    return rows
