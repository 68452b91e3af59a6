"""Each network's read health: last success, last error, consecutive failures.

Written after every read attempt with a single UPDATE (no transaction held, no read-modify-write
race between workers). ``consecutive_failures > 0`` means the newest attempt failed even after the
RPC client's retries and fail-over, so figures built on this network's readings are "degraded":
the old readings are still shown, but never as current.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import F
from django.utils import timezone

from chain.models import Deployment, Network


def network_read_succeeded(*, network_id: int) -> None:
    Network.objects.filter(pk=network_id).update(last_success_at=timezone.now(), consecutive_failures=0)


def network_read_failed(*, network_id: int, error: str) -> None:
    Network.objects.filter(pk=network_id).update(
        last_error_at=timezone.now(), last_error=error[:2000], consecutive_failures=F("consecutive_failures") + 1
    )


def failing_reads(*, stablecoin_ids: Iterable[int]) -> dict[int, str]:
    """For each of these coins deployed on a network whose latest read failed, why (one query).

    This is what makes a coin's figures "degraded" in reserves.selectors.
    """
    reasons: dict[int, str] = {}
    rows = (
        Deployment.objects.filter(stablecoin_id__in=list(stablecoin_ids), network__consecutive_failures__gt=0)
        .values_list("stablecoin_id", "network__name", "network__consecutive_failures", "network__last_error")
        .order_by("stablecoin_id", "network__chain_id")
    )
    for coin_id, network, failures, error in rows:
        reasons.setdefault(coin_id, f"the latest {failures} read(s) of {network} failed: {error[:200]}")
    return reasons
