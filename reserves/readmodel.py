"""The one read model: what Attest says about each coin, for every surface (API, pages, exports, charts).

Everything here reads stored publications (reserves/publish.py); nothing recomputes a figure or a
verdict. The only thing judged at read time is time itself: chain data ages between publications,
so a stored "fresh" turns "stale", and a stored "backed" or "at risk" turns "unverified", once its
chain data is older than CHAIN_STALE_AFTER (``reserves.verdict.live_*``). A coin under several
licences shows each licence's answer and is headlined by the worst.

Queries are constant: the list of all coins is two queries, one coin's history one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from attest.models import Stablecoin
from chain.models import SupplyReading
from chain.units import tokens
from reserves.freshness import Freshness, age_seconds
from reserves.models import Publication, PublicationHead, ReconciliationRun
from reserves.verdict import BASIS_LABELS, LABELS, ORDER, REVIEW_LABELS, UNVERIFIED, live_freshness, live_verdict

NOT_RECONCILED = [{"code": "not_reconciled", "text": "not yet reconciled"}]


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


class _Figures:
    """Typed accessors over a publication's figures (exact decimal strings), for pages, exports and the API."""

    def _figures(self) -> dict[str, Any]:
        raise NotImplementedError

    def figure(self, name: str) -> Decimal | None:
        value = self._figures().get(name)
        return _decimal(value) if isinstance(value, str) else None

    @property
    def ratio(self) -> Decimal | None:
        return self.figure("ratio")

    @property
    def ratio_display(self) -> str | None:
        value = self._figures().get("ratio_display")
        return value if isinstance(value, str) else None

    @property
    def headroom(self) -> Decimal | None:
        return self.figure("headroom")

    @property
    def outstanding(self) -> Decimal | None:
        return self.figure("outstanding")

    @property
    def par_outstanding(self) -> Decimal | None:
        return self.figure("par_outstanding")

    @property
    def reserves(self) -> Decimal | None:
        return self.figure("reserves")


@dataclass(frozen=True)
class Indicative(_Figures):
    """Latest supply against the last attested reserves: the current headroom, never the verdict."""

    label: str  # says what it is, in words
    data: dict[str, Any]

    def _figures(self) -> dict[str, Any]:
        figures: dict[str, Any] = self.data.get("figures", {})
        return figures

    @property
    def blocks(self) -> list[dict[str, Any]]:
        return list(self.data.get("blocks", []))


class _Shown(_Figures):
    """What a publication shows."""

    @property
    def shown(self) -> Publication | None:
        raise NotImplementedError

    def _figures(self) -> dict[str, Any]:
        return self.shown.figures if self.shown else {}

    @property
    def outstanding_by_chain(self) -> dict[str, str]:
        value = self.shown.figures.get("outstanding_by_chain") if self.shown else None
        return value if isinstance(value, dict) else {}

    @property
    def blocks(self) -> list[dict[str, Any]]:
        return self.shown.blocks if self.shown else []

    @property
    def readings_basis(self) -> str:
        return self.shown.readings_basis if self.shown else ""

    @property
    def basis_label(self) -> str:
        """What the verdict's figures stand on, in words (both sides at the attestation's as-of, or latest)."""
        return BASIS_LABELS.get(self.readings_basis, "")

    @property
    def indicative(self) -> Indicative | None:
        """The current indicative headroom beside the verdict, labelled as such; None when there is none."""
        data = self.shown.indicative if self.shown else {}
        return Indicative(str(data.get("label", "")), data) if data else None

    @property
    def review_status(self) -> str:
        return self.shown.attestation_status if self.shown else ""

    @property
    def review_label(self) -> str:
        return REVIEW_LABELS.get(self.review_status, "")


@dataclass
class LicenceState(_Shown):
    """One licence's current publication, as of now."""

    publication: Publication
    verdict: str
    reasons: list[dict[str, str]]
    freshness: Freshness

    @property
    def shown(self) -> Publication:
        return self.publication

    @property
    def profile(self) -> str:
        return self.publication.profile

    @property
    def label(self) -> str:
        return LABELS[self.verdict]


def licence_state(publication: Publication, *, now: datetime | None = None) -> LicenceState:
    limit = int(settings.CHAIN_STALE_AFTER)
    age = age_seconds(publication.read_at, now)
    status, reason = live_freshness(
        read_at_age=age, max_age=limit, stored=publication.freshness, stored_reason=publication.freshness_reason
    )
    verdict, reasons = live_verdict(publication.verdict, publication.reasons, status, reason)
    freshness = Freshness(status, age, publication.read_at, reason, limit, publication.single_source)
    return LicenceState(publication, verdict, reasons, freshness)


@dataclass
class CoinState(_Shown):
    """A coin's current answer: each licence's publication, headlined by the worst."""

    coin: Stablecoin
    licences: list[LicenceState] = field(default_factory=list)  # worst first

    @property
    def headline(self) -> LicenceState | None:
        return self.licences[0] if self.licences else None

    @property
    def publication(self) -> Publication | None:
        return self.headline.publication if self.headline else None

    @property
    def shown(self) -> Publication | None:
        return self.publication

    @property
    def verdict(self) -> str:
        return self.headline.verdict if self.headline else UNVERIFIED

    @property
    def verdict_label(self) -> str:
        return LABELS[self.verdict]

    @property
    def reasons(self) -> list[dict[str, str]]:
        return self.headline.reasons if self.headline else NOT_RECONCILED

    @property
    def freshness(self) -> Freshness:
        if self.headline is None:
            return Freshness("no_data", None, None, "not yet reconciled", int(settings.CHAIN_STALE_AFTER))
        return self.headline.freshness

    @property
    def findings(self) -> list[dict[str, Any]]:
        """Unresolved findings under every licence, most severe first."""
        rows = [{**f, "profile": s.profile} for s in self.licences for f in s.publication.findings]
        return sorted(rows, key=lambda f: (SEVERITY_ORDER.get(f["severity"], 9), f["rule"], f["profile"]))

    @property
    def finding_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(SEVERITY_ORDER, 0)
        for f in self.findings:
            counts[f["severity"]] = counts.get(f["severity"], 0) + 1
        return counts


SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}


def _heads(published_only: bool, symbol: str | None, with_results: bool) -> QuerySet[PublicationHead]:
    heads = PublicationHead.objects.select_related("publication")
    if not with_results:
        heads = heads.defer("publication__results")
    if published_only:
        heads = heads.filter(stablecoin__published=True)
    if symbol is not None:
        heads = heads.filter(stablecoin__symbol=symbol)
    return heads


def coin_states(
    *, published_only: bool, symbol: str | None = None, with_results: bool = False, now: datetime | None = None
) -> list[CoinState]:
    """Every coin (or one) with its current publications, by symbol; two queries whatever the count."""
    coins = Stablecoin.objects.select_related("issuer").order_by("symbol")
    if published_only:
        coins = coins.filter(published=True)
    if symbol is not None:
        coins = coins.filter(symbol=symbol)
    by_coin: dict[int, list[Publication]] = defaultdict(list)
    for head in _heads(published_only, symbol, with_results):
        by_coin[head.stablecoin_id].append(head.publication)
    now = now or timezone.now()
    return [state_of(coin, by_coin.get(coin.pk, []), now=now) for coin in coins]


def state_of(coin: Stablecoin, publications: list[Publication], *, now: datetime) -> CoinState:
    """The coin's state as of ``now`` from its licences' current publications, the worst licence first."""
    licences = [licence_state(p, now=now) for p in publications]
    licences.sort(key=lambda s: (ORDER.index(s.verdict), s.profile))
    return CoinState(coin, licences)


def coin_state(*, symbol: str, published_only: bool, with_results: bool = False) -> CoinState | None:
    found = coin_states(published_only=published_only, symbol=symbol, with_results=with_results)
    return found[0] if found else None


def publication_history(
    *,
    stablecoin: Stablecoin,
    since: datetime | None = None,
    until: datetime | None = None,
    profile: str | None = None,
) -> QuerySet[Publication]:
    """What was published about the coin, one row per publication, oldest first."""
    rows = Publication.objects.filter(stablecoin=stablecoin).defer("results").order_by("published_at", "pk")
    if since is not None:
        rows = rows.filter(published_at__gte=since)
    if until is not None:
        rows = rows.filter(published_at__lte=until)
    if profile is not None:
        rows = rows.filter(profile=profile)
    return rows


# --- history, as charts draw it -------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    at: datetime
    value: Decimal


@dataclass(frozen=True)
class Series:
    label: str
    points: list[Point]


HISTORY_CHART_LIMIT = 200  # the newest publications drawn on a coin page's charts


def chart_publications(*, stablecoin: Stablecoin, limit: int = HISTORY_CHART_LIMIT) -> list[Publication]:
    """The newest ``limit`` publications, oldest first: what the charts draw (one query)."""
    rows = list(
        Publication.objects.filter(stablecoin=stablecoin)
        .only("profile", "published_at", "figures", "verdict")
        .order_by("-published_at", "-pk")[:limit]
    )
    return rows[::-1]


def ratio_series(publications: list[Publication]) -> list[Series]:
    """The published backing ratio at each instant it was published, one series per licence."""
    per_profile: dict[str, list[Point]] = defaultdict(list)
    for p in publications:
        ratio = p.figures.get("ratio")
        if isinstance(ratio, str):
            per_profile[p.profile or "no licence"].append(Point(p.published_at, Decimal(ratio)))
    return [Series(profile, points) for profile, points in sorted(per_profile.items())]


def supply_series(publications: list[Publication]) -> list[Series]:
    """Tokens outstanding per chain as published, under each licence's own deduction rules.

    When a coin holds several licences (which may count outstanding differently: HK keeps frozen
    tokens outstanding), each chain is drawn per licence and labelled with it, so no line mixes two rules.
    """
    per_line: dict[str, list[Point]] = defaultdict(list)
    profiles = {p.profile for p in publications}
    for p in publications:
        by_chain = p.figures.get("outstanding_by_chain")
        if not isinstance(by_chain, dict):
            continue
        for chain_id, amount in by_chain.items():
            if isinstance(amount, str):
                label = f"chain {chain_id}" + (f" ({p.profile or 'no licence'})" if len(profiles) > 1 else "")
                per_line[label].append(Point(p.published_at, Decimal(amount)))
    return [Series(label, points) for label, points in sorted(per_line.items())]


# --- supply behind the headline -------------------------------------------------------------------


@dataclass
class SupplyTable:
    freshness: Freshness
    rows: list[dict[str, Any]]
    last_read: datetime | None


def supply_table(*, state: CoinState) -> SupplyTable:
    """Per chain and bucket, the readings behind the headline publication, each with its block (two queries).

    The same readings and the same deduction rules as the published outstanding, so the table adds
    up to the headline figure.
    """
    publication = state.publication
    if publication is None or publication.run_id is None:
        return SupplyTable(state.freshness, [], None)
    inputs: dict[str, Any] = (
        ReconciliationRun.objects.filter(pk=publication.run_id).values_list("inputs", flat=True).get()
    )
    keeps = frozenset(inputs.get("rulepack", {}).get("outstanding_keeps", []))
    stored = {
        r.pk: r
        for r in SupplyReading.objects.filter(pk__in=[x["reading_id"] for x in inputs.get("readings", [])])
        .select_related("deployment__network")
        .only("pk", "read_at", "checked_url", "deployment__kind", "deployment__network__name")
    }
    now = timezone.now()
    limit = int(settings.CHAIN_STALE_AFTER)
    rows: list[dict[str, Any]] = []
    for x in sorted(inputs.get("readings", []), key=lambda x: (x["chain_id"], x["address"].lower())):
        reading = stored.get(x["reading_id"])
        read_at = reading.read_at if reading else None
        age = age_seconds(read_at, now)
        common = {
            "chain_id": x["chain_id"],
            "network": reading.deployment.network.name if reading else "",
            "contract": x["address"],
            "kind": reading.deployment.kind if reading else "",
            "block_number": x["block_number"],
            "block_hash": x["block_hash"],
            "block_time": x["block_time"],
            "read_at": read_at,
            "age_seconds": age,
            "freshness": "fresh" if age is not None and age <= limit else "stale",
            "cross_checked": bool(reading and reading.checked_url),
        }
        entries = [("total_supply", "", int(x["total_supply"]), True)]
        entries += [(b["bucket"], b["address"], int(b["raw"]), b["bucket"] in keeps) for b in x["balances"]]
        for bucket, holder, raw, counted in entries:
            amount = tokens(raw, int(x["decimals"]))
            rows.append(
                {
                    **common,
                    "bucket": bucket,
                    "holder": holder,
                    "raw": str(raw),
                    "amount": amount,
                    "counted_as_outstanding": counted,
                }
            )
    reads = [r.read_at for r in stored.values()]
    return SupplyTable(state.freshness, rows, max(reads) if reads else None)
