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
from reserves.freshness import Freshness, age_seconds
from reserves.models import Publication, PublicationHead
from reserves.verdict import LABELS, ORDER, REVIEW_LABELS, UNVERIFIED, live_freshness, live_verdict

NOT_RECONCILED = [{"code": "not_reconciled", "text": "not yet reconciled"}]


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


@dataclass
class LicenceState:
    """One licence's current publication, as of now."""

    publication: Publication
    verdict: str
    reasons: list[dict[str, str]]
    freshness: Freshness

    @property
    def profile(self) -> str:
        return self.publication.profile

    @property
    def label(self) -> str:
        return LABELS[self.verdict]

    def figure(self, name: str) -> Decimal | None:
        value = self.publication.figures.get(name)
        return _decimal(value) if isinstance(value, str) else None


def licence_state(publication: Publication, *, now: datetime | None = None) -> LicenceState:
    limit = int(settings.CHAIN_STALE_AFTER)
    age = age_seconds(publication.read_at, now)
    status, reason = live_freshness(
        read_at_age=age, max_age=limit, stored=publication.freshness, stored_reason=publication.freshness_reason
    )
    verdict, reasons = live_verdict(publication.verdict, publication.reasons, status, reason)
    return LicenceState(publication, verdict, reasons, Freshness(status, age, publication.read_at, reason, limit))


@dataclass
class CoinState:
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

    def figure(self, name: str) -> Decimal | None:
        return self.headline.figure(name) if self.headline else None

    @property
    def ratio(self) -> Decimal | None:
        return self.figure("ratio")

    @property
    def ratio_display(self) -> str | None:
        value = self.publication.figures.get("ratio_display") if self.publication else None
        return value if isinstance(value, str) else None

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

    @property
    def review_status(self) -> str:
        return self.publication.attestation_status if self.publication else ""

    @property
    def review_label(self) -> str:
        return REVIEW_LABELS.get(self.review_status, "")


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
    states = []
    for coin in coins:
        licences = [licence_state(p, now=now) for p in by_coin.get(coin.pk, [])]
        licences.sort(key=lambda s: (ORDER.index(s.verdict), s.profile))
        states.append(CoinState(coin, licences))
    return states


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
