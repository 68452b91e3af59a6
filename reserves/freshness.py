"""How current the chain data under a coin's figures is: judged when a publication is written.

``fresh``: every deployment was read within CHAIN_STALE_AFTER seconds and the figures cover them all.
``stale``: the least recently read deployment is older than that (reads are failing or stopped).
``degraded``: the newest read of one of its networks failed (the figures are the last good ones), some
deployment has never been read, or the figures leave one out. Orphaned readings never count.
``no_data``: nothing has been read yet.
Beside the status, ``single_source`` says which networks' figures one RPC URL alone vouches for (a
network with one URL, or cross-checking turned off): fresh is about age, not about how many nodes agreed.

Between publications, stored chain data can only age: ``reserves.verdict.live_freshness`` turns a
stored "fresh" into "stale" at read time, from the stored ``read_at`` alone (no query).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Max, Q
from django.utils import timezone

from chain.health import failing_reads
from chain.models import Deployment, ReadingStatus, SupplyReading
from reserves.verdict import stale_reason


@dataclass(frozen=True)
class Freshness:
    status: str  # fresh | stale | degraded | no_data
    age_seconds: int | None
    read_at: datetime | None
    reason: str = ""
    max_age_seconds: int = 0
    # Not a status: fresh figures can still rest on one node's word. Empty when every reading under the
    # figures was cross-checked against another RPC URL of its network (chain/crosscheck.py).
    single_source: str = ""

    @property
    def cross_checked(self) -> bool | None:
        return None if self.status == "no_data" else not self.single_source


def age_seconds(at: datetime | None, now: datetime | None = None) -> int | None:
    if at is None:
        return None
    return max(0, int(((now or timezone.now()) - at).total_seconds()))


def freshness_of(
    read_at: datetime | None,
    *,
    unread: int = 0,
    uncovered: int = 0,
    failing: str = "",
    now: datetime | None = None,
) -> Freshness:
    """Freshness from the oldest latest read of the deployments, and how many were never read or left out."""
    limit = settings.CHAIN_STALE_AFTER
    if read_at is None:
        return Freshness("no_data", None, None, "no supply reading yet", limit)
    age = age_seconds(read_at, now) or 0
    if age > limit:
        return Freshness("stale", age, read_at, stale_reason(limit), limit)
    if failing:
        return Freshness("degraded", age, read_at, failing, limit)
    if unread:
        return Freshness("degraded", age, read_at, f"{unread} deployment(s) never read", limit)
    if uncovered:
        return Freshness("degraded", age, read_at, f"the figures leave out {uncovered} deployment(s)", limit)
    return Freshness("fresh", age, read_at, "", limit)


def coin_freshness(*, stablecoin_id: int, covered: Iterable[int] | None, now: datetime | None = None) -> Freshness:
    """The coin's chain data now (two queries); ``covered``: the deployment ids the figures used, if any."""
    reads = dict(
        Deployment.objects.filter(stablecoin_id=stablecoin_id)
        .annotate(last=Max("readings__read_at", filter=~Q(readings__status=ReadingStatus.ORPHANED)))
        .values_list("pk", "last")
    )
    known = [t for t in reads.values() if t is not None]
    failing = failing_reads(stablecoin_ids=[stablecoin_id]).get(stablecoin_id, "")
    return freshness_of(
        min(known) if known else None,
        unread=len(reads) - len(known),
        uncovered=len(set(reads) - set(covered)) if covered is not None else 0,
        failing=failing,
        now=now,
    )


def single_source_of(reading_ids: Iterable[int]) -> str:
    """What a publication says of figures read from one RPC URL only: the networks, or "" when every
    reading was cross-checked (one query)."""
    names = sorted(
        set(
            SupplyReading.objects.filter(pk__in=list(reading_ids), checked_url="").values_list(
                "deployment__network__name", flat=True
            )
        )
    )
    if not names:
        return ""
    return f"single source: {', '.join(names)} read from one RPC URL, not cross-checked"[:300]
