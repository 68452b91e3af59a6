"""Each network's read health: last success, last error, consecutive failures.

Written after every read attempt with a single UPDATE (no transaction held, no read-modify-write
race between workers). ``consecutive_failures > 0`` means the newest attempt failed even after the
RPC client's retries and fail-over, so figures built on this network's readings are "degraded":
the old readings are still shown, but never as current.
"""

from __future__ import annotations

from django.db.models import F
from django.utils import timezone

from chain.models import Network


def network_read_succeeded(*, network_id: int) -> None:
    Network.objects.filter(pk=network_id).update(last_success_at=timezone.now(), consecutive_failures=0)


def network_read_failed(*, network_id: int, error: str) -> None:
    Network.objects.filter(pk=network_id).update(
        last_error_at=timezone.now(), last_error=error[:2000], consecutive_failures=F("consecutive_failures") + 1
    )


def degraded_network_ids() -> set[int]:
    """Networks whose latest read attempt failed."""
    return set(Network.objects.filter(consecutive_failures__gt=0).values_list("pk", flat=True))
