"""Reads for the regulator pages and the public API: a fixed number of queries whatever the number of coins."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone

from attest.models import Attestation, AttestationStatus, Stablecoin
from chain.health import failing_reads
from chain.models import ReadingStatus, SupplyReading
from reserves.models import Flag, FlagStatus, ReconciliationRun


@dataclass
class Freshness:
    status: str  # fresh | stale | degraded | no_data
    age_seconds: int | None
    read_at: datetime | None


@dataclass
class CoinSummary:
    coin: Stablecoin
    run: ReconciliationRun | None
    attestation: Attestation | None
    flags: list[Flag] = field(default_factory=list)
    freshness: Freshness = field(default_factory=lambda: Freshness("no_data", None, None))

    @property
    def status(self) -> str:
        return self.run.status if self.run else "no_run"

    @property
    def blocks(self) -> list[dict[str, Any]]:
        if self.run is None:
            return []
        seen: dict[tuple[int, str], dict[str, Any]] = {}
        for r in self.run.inputs.get("readings", []):
            key = (r["chain_id"], r["block_hash"])
            seen.setdefault(
                key,
                {
                    "chain_id": r["chain_id"],
                    "block_number": r["block_number"],
                    "block_hash": r["block_hash"],
                    "block_time": r["block_time"],
                },
            )
        return list(seen.values())


def _freshness(read_at: datetime | None, *, degraded: bool = False) -> Freshness:
    if read_at is None:
        return Freshness("no_data", None, None)
    age = int((timezone.now() - read_at).total_seconds())
    if age > settings.CHAIN_STALE_AFTER:
        return Freshness("stale", age, read_at)
    # The newest read of one of the coin's networks failed: the figures are the last good ones, not current.
    return Freshness("degraded" if degraded else "fresh", age, read_at)


def coin_summaries(*, published_only: bool, symbol: str | None = None) -> list[CoinSummary]:
    latest_run = (
        ReconciliationRun.objects.filter(stablecoin=OuterRef("pk")).order_by("-created_at", "-pk").values("pk")[:1]
    )
    latest_attestation = (
        Attestation.objects.filter(
            stablecoin=OuterRef("pk"), status__in=[AttestationStatus.SUBMITTED, AttestationStatus.ACCEPTED]
        )
        .order_by("-as_of", "-version")
        .values("pk")[:1]
    )
    coins_qs = Stablecoin.objects.select_related("issuer").annotate(
        latest_run_id=Subquery(latest_run), latest_attestation_id=Subquery(latest_attestation)
    )
    if published_only:
        coins_qs = coins_qs.filter(published=True)
    if symbol is not None:
        coins_qs = coins_qs.filter(symbol=symbol)
    coins = list(coins_qs)
    if not coins:
        return []
    runs = ReconciliationRun.objects.in_bulk([c.latest_run_id for c in coins if c.latest_run_id])
    attestations = Attestation.objects.in_bulk([c.latest_attestation_id for c in coins if c.latest_attestation_id])
    flags: dict[int, list[Flag]] = defaultdict(list)
    for flag in (
        Flag.objects.filter(stablecoin__in=coins).exclude(status=FlagStatus.RESOLVED).order_by("severity", "rule")
    ):
        flags[flag.stablecoin_id].append(flag)
    # A coin is as fresh as its least recently read deployment.
    oldest_read: dict[int, datetime] = {}
    for row in (
        SupplyReading.objects.filter(deployment__stablecoin__in=coins)
        .exclude(status=ReadingStatus.ORPHANED)
        .values("deployment_id", "deployment__stablecoin_id")
        .annotate(last=Max("read_at"))
    ):
        coin_id = row["deployment__stablecoin_id"]
        if coin_id not in oldest_read or row["last"] < oldest_read[coin_id]:
            oldest_read[coin_id] = row["last"]
    degraded = failing_reads(stablecoin_ids=[c.pk for c in coins])
    return [
        CoinSummary(
            coin=c,
            run=runs.get(c.latest_run_id),
            attestation=attestations.get(c.latest_attestation_id),
            flags=flags.get(c.pk, []),
            freshness=_freshness(oldest_read.get(c.pk), degraded=c.pk in degraded),
        )
        for c in coins
    ]


def runs_latest_by_profile(*, stablecoin: Stablecoin) -> dict[str, ReconciliationRun]:
    """The newest run of the coin under each profile it was judged under (one query).

    ``run.results`` lists every rule's result: ``rule``, ``name``, ``outcome`` (pass, fail, warn,
    not_evaluable, not_applicable), ``severity``, ``message``, ``figures``, ``source``,
    ``confidence``, ``status``; ``run.outputs`` adds the figures (``ratio_display`` to 4 places,
    per-holding eligibility, deductions). See docs/rules.md.
    """
    runs = ReconciliationRun.objects.filter(stablecoin=stablecoin).order_by("profile", "-created_at", "-pk")
    latest: dict[str, ReconciliationRun] = {}
    for run in runs.distinct("profile") if _postgres() else runs:
        latest.setdefault(run.profile, run)
    return latest


def _postgres() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"
