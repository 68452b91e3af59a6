"""Registering a deployed feed (and the guard reading it) against a coin's deployment."""

from __future__ import annotations

from django.db import transaction

from attest.audit import audit_append
from chain.models import Deployment
from reserves.feeds.onchain import FeedError, feed_metadata
from reserves.models import Feed


def feed_register(*, deployment: Deployment, address: str, guard_address: str = "") -> Feed:
    """Record the feed at ``address`` on the deployment's network, after checking what it says of itself.

    The feed must carry the token's decimals, or every consumer comparing ``totalSupply()`` with its
    answer would be off by a power of ten.
    """
    meta = feed_metadata(deployment.network.rpc(), address)
    if meta["decimals"] != deployment.decimals:
        raise FeedError(
            f"the feed at {address} has {meta['decimals']} decimals but {deployment.stablecoin.symbol} on "
            f"{deployment.network.name} has {deployment.decimals}"
        )
    with transaction.atomic():
        feed, created = Feed.objects.update_or_create(
            deployment=deployment,
            address=address,
            defaults={
                "stablecoin": deployment.stablecoin,
                "decimals": meta["decimals"],
                "description": meta["description"][:200],
                "heartbeat_seconds": meta["heartbeat"],
                "deviation_bps": meta["deviation_bps"],
                "guard_address": guard_address,
            },
        )
        audit_append(
            actor="system",
            action="feed.registered" if created else "feed.updated",
            object_type="feed",
            object_id=feed.pk,
            payload={
                "stablecoin": deployment.stablecoin.symbol,
                "chain_id": deployment.network.chain_id,
                "address": address,
                "guard_address": guard_address,
                **{k: meta[k] for k in ("decimals", "heartbeat", "deviation_bps", "poster")},
            },
        )
    return feed
