"""Reads for the regulator pages and the public coin page: a fixed number of queries per page.

Every function here issues the same number of queries whatever the number of coins, runs, flags or
holdings (tests/test_pages.py checks 2 coins against 10). Lists that grow without bound (runs, readings,
audit entries) are cut to the newest ``*_LIMIT`` rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from attest.models import AssetClass, Attestation, AttestationStatus, AuditEntry, Holding
from chain.models import ReadingStatus, SupplyReading
from chain.units import exact_arithmetic, tokens
from reserves.charts import Point, Series
from reserves.models import Flag, FlagEvent, FlagStatus, ReconciliationRun, RunStatus
from reserves.selectors import CoinSummary, coin_summaries

SEVERITIES = ["critical", "high", "medium", "low"]
RUN_LIMIT = 200  # runs drawn in the ratio chart; the table shows the newest RUN_TABLE_LIMIT of them
RUN_TABLE_LIMIT = 50
READING_LIMIT = 500
AUDIT_LIMIT = 50
FLAG_LIMIT = 100
MATURITY_BUCKETS = ["0-7 d", "8-30 d", "31-93 d", "94-365 d", "> 1 y", "none"]
STATUS_LABELS = dict(RunStatus.choices) | {"no_run": "Not yet reconciled"}


# --- overview -------------------------------------------------------------------------------------


@dataclass
class OverviewRow:
    summary: CoinSummary
    attestation_age: int | None  # seconds since the standing attestation's as-of time
    flag_counts: dict[str, int]

    @property
    def symbol(self) -> str:
        return self.summary.coin.symbol

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.summary.status, self.summary.status)

    @property
    def flags_total(self) -> int:
        return sum(self.flag_counts.values())


def _age(at: datetime | None) -> int | None:
    if at is None:
        return None
    delta = timezone.now() - at
    return delta.days * 86_400 + delta.seconds


SORT_KEYS: dict[str, Callable[[OverviewRow], Any]] = {
    "symbol": lambda r: r.symbol,
    "status": lambda r: r.summary.status,
    "ratio": lambda r: r.summary.run.ratio if r.summary.run else None,
    "headroom": lambda r: r.summary.run.headroom if r.summary.run else None,
    "outstanding": lambda r: r.summary.run.outstanding if r.summary.run else None,
    "reserves": lambda r: r.summary.run.reserves if r.summary.run else None,
    "attestation_age": lambda r: r.attestation_age,
    "freshness": lambda r: r.summary.freshness.age_seconds,
    "flags": lambda r: tuple(r.flag_counts[s] for s in SEVERITIES),
}


@dataclass(frozen=True)
class OverviewQuery:
    """The overview's filters and order, from its query string."""

    status: str = ""  # a run status, or "no_run"
    severity: str = ""  # only coins with an unresolved flag of this severity
    q: str = ""  # part of the symbol, name or issuer
    sort: str = "symbol"  # a key of SORT_KEYS
    descending: bool = False


def overview_rows(query: OverviewQuery = OverviewQuery()) -> list[OverviewRow]:
    """Every coin (published or not) for regulators, filtered and sorted in Python after constant queries."""
    status, severity, q, sort, descending = query.status, query.severity, query.q, query.sort, query.descending
    rows = []
    for s in coin_summaries(published_only=False):
        counts = dict.fromkeys(SEVERITIES, 0)
        for f in s.flags:
            counts[f.severity] = counts.get(f.severity, 0) + 1
        rows.append(OverviewRow(s, _age(s.attestation.as_of if s.attestation else None), counts))
    if status:
        rows = [r for r in rows if r.summary.status == status]
    if severity:
        rows = [r for r in rows if r.flag_counts.get(severity)]
    if q:
        needle = q.strip().lower()
        rows = [
            r
            for r in rows
            if needle in r.symbol.lower()
            or needle in r.summary.coin.name.lower()
            or needle in r.summary.coin.issuer.name.lower()
        ]
    key = SORT_KEYS.get(sort, SORT_KEYS["symbol"])
    present = [r for r in rows if key(r) is not None]
    missing = [r for r in rows if key(r) is None]  # rows without the figure go last either way
    return sorted(present, key=key, reverse=descending) + missing


def _s(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def fmt_amount(value: Decimal | None, places: int = 2) -> str:
    """Grouped thousands, exact Decimal rounding (half-even) to ``places``; a dash when there is no figure."""
    if value is None:
        return "—"
    return f"{value.quantize(Decimal(1).scaleb(-places)):,f}"


def fmt_ratio(value: Decimal | None) -> str:
    """A backing ratio cut (never rounded up) to 4 places: 0.99999 must not read as fully backed."""
    if value is None:
        return "—"
    return str(value.quantize(Decimal("1e-4"), rounding=ROUND_DOWN))


def fmt_age(seconds: int | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 172_800:
        return f"{seconds // 3600} h"
    return f"{seconds // 86_400} d"


def overview_row_json(row: OverviewRow) -> dict[str, Any]:
    """One coin for /regulator/overview.json: exact amounts as strings, plus the text the page shows."""
    run = row.summary.run
    return {
        "symbol": row.symbol,
        "status": row.summary.status,
        "status_label": row.status_label,
        "backing_ratio": _s(run.ratio if run else None),
        "headroom": _s(run.headroom if run else None),
        "outstanding": _s(run.outstanding if run else None),
        "reserves": _s(run.reserves if run else None),
        "currency": row.summary.coin.currency,
        "attestation_age_seconds": row.attestation_age,
        "freshness": row.summary.freshness.status,
        "freshness_age_seconds": row.summary.freshness.age_seconds,
        "open_flags": row.flag_counts,
        "display": {
            "backing_ratio": fmt_ratio(run.ratio if run else None),
            "headroom": fmt_amount(run.headroom if run else None),
            "outstanding": fmt_amount(run.outstanding if run else None),
            "reserves": fmt_amount(run.reserves if run else None),
            "attestation_age": fmt_age(row.attestation_age),
            "freshness_age": fmt_age(row.summary.freshness.age_seconds),
        },
    }


# --- composition ----------------------------------------------------------------------------------


def maturity_bucket(maturity: date | None, as_of: date) -> str:
    """The residual-maturity bucket of a holding, counted from the attestation's as-of date."""
    if maturity is None:
        return "none"
    days = (maturity - as_of).days
    if days <= 7:
        return "0-7 d"
    if days <= 30:
        return "8-30 d"
    if days <= 93:
        return "31-93 d"
    if days <= 365:
        return "94-365 d"
    return "> 1 y"


@dataclass
class Composition:
    currency: str
    total: Decimal = Decimal(0)
    by_asset_class: list[tuple[str, Decimal]] = field(default_factory=list)
    by_custodian: list[tuple[str, Decimal]] = field(default_factory=list)
    by_maturity: list[tuple[str, Decimal]] = field(default_factory=list)
    unconverted: list[Holding] = field(default_factory=list)  # other currency and no FX rate: not counted

    def tables(self) -> list[tuple[str, str, list[tuple[str, Decimal]]]]:
        return [
            ("asset_class", "By asset class", self.by_asset_class),
            ("custodian", "By custodian", self.by_custodian),
            ("maturity", "By residual maturity", self.by_maturity),
        ]


def composition_of(holdings: list[Holding], *, currency: str, as_of: date | None) -> Composition:
    """Holdings summed in the coin's currency (at their stated FX rate) by class, custodian and maturity."""
    labels = dict(AssetClass.choices)
    by_class: dict[str, Decimal] = defaultdict(Decimal)
    by_custodian: dict[str, Decimal] = defaultdict(Decimal)
    by_maturity: dict[str, Decimal] = dict.fromkeys(MATURITY_BUCKETS, Decimal(0))
    result = Composition(currency=currency)
    for h in holdings:
        if h.currency == currency:
            value = h.market_value
        elif h.fx_rate is not None:
            value = h.market_value * h.fx_rate
        else:
            result.unconverted.append(h)
            continue
        result.total += value
        by_class[labels.get(h.asset_class, h.asset_class)] += value
        by_custodian[h.custodian] += value
        by_maturity[maturity_bucket(h.maturity_date, as_of or timezone.now().date())] += value
    result.by_asset_class = sorted(by_class.items(), key=lambda kv: -kv[1])
    result.by_custodian = sorted(by_custodian.items(), key=lambda kv: -kv[1])
    result.by_maturity = list(by_maturity.items())
    return result


# --- one coin -------------------------------------------------------------------------------------


@dataclass
class CoinPage:
    summary: CoinSummary
    runs: list[ReconciliationRun]
    attestations: Sequence[Attestation]
    flags: list[Flag]
    audit: list[AuditEntry]
    holdings: list[Holding]
    composition: Composition
    ratio_series: list[Series]
    supply_series: list[Series]

    @property
    def recent_runs(self) -> list[ReconciliationRun]:
        return self.runs[:RUN_TABLE_LIMIT]


def supply_series(readings: Sequence[Mapping[str, Any]]) -> list[Series]:
    """Tokens outstanding per chain over time (total supply less every deduction bucket), summed per block."""
    per_chain: dict[int, dict[tuple[int, datetime], Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    with exact_arithmetic():
        for r in readings:
            raw = int(r["total_supply"]) - sum(int(b["raw"]) for b in r["balances"])
            per_chain[r["chain_id"]][(r["block_number"], r["block_time"])] += tokens(raw, r["deployment__decimals"])
    return [
        Series(f"chain {chain_id}", [Point(at, value) for (_, at), value in sorted(points.items())])
        for chain_id, points in sorted(per_chain.items())
    ]


def measured_at(run: ReconciliationRun) -> datetime:
    """The instant a run's figures describe: its newest block time (a run may be computed long after)."""
    times = [datetime.fromisoformat(r["block_time"]) for r in run.inputs.get("readings", [])]
    return max(times) if times else run.created_at


def ratio_series(runs: list[ReconciliationRun]) -> list[Series]:
    """Backing ratio against the time measured, one series per licence profile."""
    per_profile: dict[str, list[Point]] = defaultdict(list)
    for run in runs:
        if run.ratio is not None:
            per_profile[run.profile or "default"].append(Point(measured_at(run), run.ratio))
    return [Series(profile, points) for profile, points in sorted(per_profile.items())]


def coin_page(*, symbol: str, published_only: bool) -> CoinPage | None:
    """Everything the coin page shows, in a fixed number of queries."""
    found = coin_summaries(published_only=published_only, symbol=symbol)
    if not found:
        return None
    summary = found[0]
    coin = summary.coin
    runs = list(ReconciliationRun.objects.filter(stablecoin=coin).order_by("-created_at", "-pk")[:RUN_LIMIT])
    attestations = list(
        # Drafts are the issuer's own until submitted; regulators and the public never see them.
        Attestation.objects.filter(stablecoin=coin)
        .exclude(status=AttestationStatus.DRAFT)
        .select_related("created_by")
        .annotate(holdings_count=Count("holdings"))
        .order_by("-as_of", "-version")
    )
    flags = list(
        Flag.objects.filter(stablecoin=coin)
        .select_related("stablecoin")
        .order_by("-opened_at")
        .prefetch_related(Prefetch("events", queryset=FlagEvent.objects.select_related("actor")))[:FLAG_LIMIT]
    )
    audit = list(AuditEntry.objects.filter(payload__stablecoin=coin.symbol).order_by("-seq")[:AUDIT_LIMIT])
    holdings = list(Holding.objects.filter(attestation_id=summary.attestation.pk)) if summary.attestation else []
    readings = list(
        SupplyReading.objects.filter(deployment__stablecoin=coin)
        .exclude(status=ReadingStatus.ORPHANED)  # nothing from an orphaned block is ever drawn
        .order_by("-block_time")
        .values("chain_id", "block_number", "block_time", "total_supply", "balances", "deployment__decimals")[
            :READING_LIMIT
        ]
    )
    as_of = summary.attestation.as_of.date() if summary.attestation else None
    return CoinPage(
        summary=summary,
        runs=runs,
        attestations=attestations,
        flags=flags,
        audit=audit,
        holdings=holdings,
        composition=composition_of(holdings, currency=coin.currency, as_of=as_of),
        ratio_series=ratio_series(runs),
        supply_series=supply_series(readings),
    )


# --- queues, runs ---------------------------------------------------------------------------------


@dataclass
class Queues:
    awaiting_review: list[Attestation]
    flags_by_severity: list[tuple[str, list[Flag]]]

    @property
    def open_flags(self) -> list[Flag]:
        return [f for _, flags in self.flags_by_severity for f in flags]


def queues() -> Queues:
    """Attestations submitted and not yet reviewed (oldest first), and unresolved flags grouped by severity."""
    awaiting = list(
        Attestation.objects.filter(status=AttestationStatus.SUBMITTED)
        .select_related("stablecoin", "stablecoin__issuer")
        .order_by("submitted_at", "pk")
    )
    grouped: dict[str, list[Flag]] = {s: [] for s in SEVERITIES}
    for flag in (
        Flag.objects.filter(~Q(status=FlagStatus.RESOLVED))
        .select_related("stablecoin", "last_run")
        .order_by("opened_at", "pk")
    ):
        grouped.setdefault(flag.severity, []).append(flag)
    return Queues(awaiting, list(grouped.items()))


def run_detail(*, run_id: int) -> ReconciliationRun | None:
    return (
        ReconciliationRun.objects.select_related("stablecoin", "stablecoin__issuer", "attestation")
        .filter(pk=run_id)
        .first()
    )


def run_blocks(run: ReconciliationRun) -> list[dict[str, Any]]:
    """The readings a run used, each with its chain id, block and hash, and its figures in tokens."""
    rows = []
    for r in run.inputs.get("readings", []):
        deducted = sum(int(b["raw"]) for b in r["balances"])
        rows.append(
            {
                **r,
                "total_tokens": tokens(int(r["total_supply"]), int(r["decimals"])),
                "deducted_tokens": tokens(deducted, int(r["decimals"])),
                "balances_tokens": [{**b, "tokens": tokens(int(b["raw"]), int(r["decimals"]))} for b in r["balances"]],
            }
        )
    return rows
