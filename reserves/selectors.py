"""Reads for the regulator pages and the public API: a fixed number of queries whatever the number of coins."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Max, OuterRef, Q, Subquery
from django.utils import timezone

from attest.models import Attestation, AttestationStatus, Stablecoin
from chain.health import failing_reads
from chain.models import Deployment, ReadingStatus
from reserves.models import Flag, FlagStatus, ReconciliationRun


@dataclass
class Freshness:
    """How current the chain data under a coin's figures is.

    ``fresh``: every deployment was read within CHAIN_STALE_AFTER seconds and the figures cover them all.
    ``stale``: the least recently read deployment is older than that (reads are failing or stopped).
    ``degraded``: the newest read of one of its networks failed (the figures are the last good ones), some
    deployment has never been read, or the figures leave one out. Orphaned readings never count.
    ``no_data``: nothing has been read yet.
    """

    status: str  # fresh | stale | degraded | no_data
    age_seconds: int | None
    read_at: datetime | None
    reason: str = ""
    max_age_seconds: int = 0


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
    age = max(0, int(((now or timezone.now()) - read_at).total_seconds()))
    if age > limit:
        return Freshness("stale", age, read_at, f"chain data is {age} s old, more than {limit} s", limit)
    if failing:
        return Freshness("degraded", age, read_at, failing, limit)
    if unread:
        return Freshness("degraded", age, read_at, f"{unread} deployment(s) never read", limit)
    if uncovered:
        return Freshness("degraded", age, read_at, f"the figures leave out {uncovered} deployment(s)", limit)
    return Freshness("fresh", age, read_at, "", limit)


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
    # A coin is as fresh as its least recently read deployment (one grouped query for all coins).
    last_reads: dict[int, dict[int, datetime | None]] = defaultdict(dict)
    for row in (
        Deployment.objects.filter(stablecoin__in=coins)
        .values("pk", "stablecoin_id")
        .annotate(last=Max("readings__read_at", filter=~Q(readings__status=ReadingStatus.ORPHANED)))
    ):
        last_reads[row["stablecoin_id"]][row["pk"]] = row["last"]
    failing = failing_reads(stablecoin_ids=[c.pk for c in coins])
    now = timezone.now()
    summaries = []
    for c in coins:
        run = runs.get(c.latest_run_id)
        reads = last_reads.get(c.pk, {})
        known = [t for t in reads.values() if t is not None]
        covered = {r["deployment_id"] for r in run.inputs.get("readings", [])} if run else set()
        summaries.append(
            CoinSummary(
                coin=c,
                run=run,
                attestation=attestations.get(c.latest_attestation_id),
                flags=flags.get(c.pk, []),
                freshness=freshness_of(
                    min(known) if known else None,
                    unread=len(reads) - len(known),
                    uncovered=len(set(reads) - covered) if run else 0,
                    failing=failing.get(c.pk, ""),
                    now=now,
                ),
            )
        )
    return summaries


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


# --- page reads ---
# Plain reads for the regulator and public pages (web/coinpage.py, web/pages.py): one query each (two
# with a prefetch), whatever the number of rows, cut to the newest ``limit`` where a list grows unbounded.
# Their imports sit here rather than at the top so this section merges apart from the code above it.

from django.db.models import Count, Prefetch  # noqa: E402

from attest.models import AuditEntry, Holding  # noqa: E402
from chain.units import tokens  # noqa: E402
from reserves.models import FlagEvent  # noqa: E402


def attestations_filed(*, stablecoin: Stablecoin) -> list[Attestation]:
    """Every filed version of the coin's attestations, newest first, with its number of holding lines."""
    return list(
        # Drafts are the issuer's own until submitted; regulators and the public never see them.
        Attestation.objects.filter(stablecoin=stablecoin)
        .exclude(status=AttestationStatus.DRAFT)
        .select_related("created_by")
        .annotate(holdings_count=Count("holdings"))
        .order_by("-as_of", "-version")
    )


def holdings_of(*, attestation_id: int | None) -> list[Holding]:
    return [] if attestation_id is None else list(Holding.objects.filter(attestation_id=attestation_id))


def runs_recent(*, stablecoin: Stablecoin, limit: int) -> list[ReconciliationRun]:
    return list(ReconciliationRun.objects.filter(stablecoin=stablecoin).order_by("-created_at", "-pk")[:limit])


def flags_with_events(*, stablecoin: Stablecoin, limit: int) -> list[Flag]:
    """The coin's flags, newest first, each with its history (two queries)."""
    return list(
        Flag.objects.filter(stablecoin=stablecoin)
        .select_related("stablecoin")
        .order_by("-opened_at")
        .prefetch_related(Prefetch("events", queryset=FlagEvent.objects.select_related("actor")))[:limit]
    )


def flags_unresolved() -> list[Flag]:
    """Every open or acknowledged flag of every coin, oldest first."""
    return list(
        Flag.objects.exclude(status=FlagStatus.RESOLVED)
        .select_related("stablecoin", "last_run")
        .order_by("opened_at", "pk")
    )


def audit_excerpt(*, stablecoin: Stablecoin, limit: int) -> list[AuditEntry]:
    """The newest audit entries whose payload names the coin."""
    return list(AuditEntry.objects.filter(payload__stablecoin=stablecoin.symbol).order_by("-seq")[:limit])


def run_detail(*, run_id: int) -> ReconciliationRun | None:
    return (
        ReconciliationRun.objects.select_related("stablecoin", "stablecoin__issuer", "attestation")
        .filter(pk=run_id)
        .first()
    )


def run_blocks(*, run: ReconciliationRun) -> list[dict[str, Any]]:
    """The readings a run used, each with its chain id, block and hash, and its figures in tokens."""
    rows = []
    for r in run.inputs.get("readings", []):
        decimals = int(r["decimals"])
        rows.append(
            {
                **r,
                "total_tokens": tokens(int(r["total_supply"]), decimals),
                "balances_tokens": [{**b, "tokens": tokens(int(b["raw"]), decimals)} for b in r["balances"]],
            }
        )
    return rows
