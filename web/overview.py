"""The regulator overview: every coin's current answer from the read model, filtered and sorted for the page.

Nothing here computes a figure or a verdict: each row is a ``reserves.readmodel.CoinState`` (two queries
for every coin), and this module only filters, orders and words it for the HTML table, the JSON that
``static/overview.js`` polls, and the CSV.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from reserves.freshness import age_seconds
from reserves.readmodel import SEVERITY_ORDER, CoinState, coin_states
from reserves.verdict import AT_RISK, ORDER, UNDER, UNVERIFIED
from web.format import DASH, fmt_age, fmt_amount
from web.labels import code_label, reason_text, review_label

SEVERITIES = list(SEVERITY_ORDER)


@dataclass
class OverviewRow:
    state: CoinState
    attestation_age: int | None  # seconds since the as-of instant of the attestation relied on

    @property
    def symbol(self) -> str:
        return self.state.coin.symbol

    @property
    def first_reason(self) -> str:
        reasons = self.state.reasons
        return reason_text(reasons[0]) if reasons else ""


SORT_KEYS: dict[str, Callable[[OverviewRow], Any]] = {
    # Worst verdict first; within a verdict the most severe open findings first, then by symbol.
    "status": lambda r: (
        ORDER.index(r.state.verdict),
        tuple(-r.state.finding_counts[s] for s in SEVERITIES),
        r.symbol,
    ),
    "symbol": lambda r: r.symbol,
    "ratio": lambda r: r.state.ratio,
    "headroom": lambda r: r.state.headroom,
    "outstanding": lambda r: r.state.outstanding,
    "reserves": lambda r: r.state.reserves,
    "attestation_age": lambda r: r.attestation_age,
    "freshness": lambda r: r.state.freshness.age_seconds,
    "flags": lambda r: tuple(r.state.finding_counts[s] for s in SEVERITIES),
}
DEFAULT_SORT = "status"  # worst verdict first, then by symbol


@dataclass(frozen=True)
class OverviewQuery:
    """The overview's filters and order, from its query string."""

    status: str = ""  # a verdict (reserves.verdict.ORDER)
    severity: str = ""  # only coins with an unresolved finding of this severity
    q: str = ""  # part of the symbol, name or issuer
    sort: str = DEFAULT_SORT  # a key of SORT_KEYS
    descending: bool = False


def _matches(state: CoinState, needle: str) -> bool:
    coin = state.coin
    return needle in coin.symbol.lower() or needle in coin.name.lower() or needle in coin.issuer.name.lower()


def overview_rows(query: OverviewQuery = OverviewQuery(), *, now: datetime | None = None) -> list[OverviewRow]:
    """Every coin (published or not) for regulators, filtered and sorted in Python after two queries."""
    now = now or timezone.now()
    states = coin_states(published_only=False, now=now)
    if query.status:
        states = [s for s in states if s.verdict == query.status]
    if query.severity:
        states = [s for s in states if s.finding_counts.get(query.severity)]
    if query.q.strip():
        states = [s for s in states if _matches(s, query.q.strip().lower())]
    rows = [
        OverviewRow(s, age_seconds(s.publication.attestation_as_of if s.publication else None, now)) for s in states
    ]
    key = SORT_KEYS.get(query.sort, SORT_KEYS[DEFAULT_SORT])
    present = [r for r in rows if key(r) is not None]
    missing = [r for r in rows if key(r) is None]  # rows without the figure go last either way
    return sorted(present, key=key, reverse=query.descending) + missing


def _s(value: object) -> str | None:
    return None if value is None else str(value)


def overview_row_json(row: OverviewRow) -> dict[str, Any]:
    """One coin for /regulator/overview.json: exact amounts as strings, plus the text the page shows."""
    state = row.state
    p = state.publication
    return {
        "symbol": row.symbol,
        "status": state.verdict,
        "status_label": state.verdict_label,
        "status_reasons": state.reasons,
        "backing_ratio": _s(state.ratio),
        "headroom": _s(state.headroom),
        "outstanding": _s(state.outstanding),
        "reserves": _s(state.reserves),
        "currency": state.coin.currency,
        "attestation_version": p.attestation_version if p else None,
        "attestation_status": state.review_status,
        "attestation_review": state.review_label,
        "attestation_age_seconds": row.attestation_age,
        "freshness": state.freshness.status,
        "freshness_age_seconds": state.freshness.age_seconds,
        "open_flags": state.finding_counts,
        "publication_id": p.pk if p else None,
        "published_at": p.published_at.isoformat() if p else None,
        "display": {
            "backing_ratio": state.ratio_display or DASH,
            "headroom": fmt_amount(state.headroom),
            "outstanding": fmt_amount(state.outstanding),
            "reserves": fmt_amount(state.reserves),
            "attestation_age": fmt_age(row.attestation_age),
            "freshness_age": fmt_age(state.freshness.age_seconds),
            "status_reason": row.first_reason,
            # The words in the reader's language (the request's), for the page's refresh.
            "status_label": code_label(state.verdict),
            "attestation_review": review_label(state.review_status),
            "freshness": code_label(state.freshness.status),
        },
    }


@dataclass
class MarketSummary:
    """The overview's summary strip: counts of the rows' published verdicts and findings, and the
    par value outstanding per reference currency as published (a sum of published figures)."""

    coins: int
    under_collateralised: int
    unverified: int
    at_risk: int
    critical_findings: int
    outstanding_by_currency: list[tuple[str, Decimal]]


def market_summary(rows: list[OverviewRow]) -> MarketSummary:
    by_currency: dict[str, Decimal] = {}
    for r in rows:
        par = r.state.par_outstanding
        if par is not None:
            currency = r.state.coin.currency
            by_currency[currency] = by_currency.get(currency, Decimal(0)) + par
    verdicts = [r.state.verdict for r in rows]
    return MarketSummary(
        coins=len(rows),
        under_collateralised=verdicts.count(UNDER),
        unverified=verdicts.count(UNVERIFIED),
        at_risk=verdicts.count(AT_RISK),
        critical_findings=sum(r.state.finding_counts.get("critical", 0) for r in rows),
        outstanding_by_currency=sorted(by_currency.items()),
    )
