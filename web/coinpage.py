"""What a coin page shows: the coin's current answer from the read model, and the plain reads around it.

The figures, verdict, reasons, blocks and findings are the ``CoinState`` (reserves/readmodel.py); the
charts draw publications, one point per publication at the instant it was published; the composition
is that of the attestation the headline publication relies on. The regulator page adds attestation
versions, runs, flags with their history and an audit excerpt. A fixed number of queries per page,
whatever the number of publications, runs, flags or holdings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from attest.models import Attestation, AuditEntry, Holding, Licence
from chain.models import Deployment
from reserves.composition import Composition, composition_of
from reserves.models import Flag, ReconciliationRun
from reserves.readmodel import CoinState, Series, chart_publications, coin_state, ratio_series, supply_series
from reserves.selectors import (
    attestation_evidence,
    attestations_filed,
    audit_excerpt,
    deployments_read,
    flags_with_events,
    holdings_of,
    licences_of,
    runs_recent,
)

RUN_LIMIT = 50  # runs in the regulator coin page's CSV
RUNS_PER_PAGE = 10  # runs per page of the coin page's runs table, newest first; older ones a page further
AUDIT_LIMIT = 50
FLAG_LIMIT = 100


@dataclass
class CoinPage:
    state: CoinState
    holdings: list[Holding]
    composition: Composition
    ratio_series: list[Series]
    supply_series: list[Series]
    publications_drawn: int
    # Whose word the answer stands on: the attestation relied on (accountant, opinion, report, signatures)
    # and the licences the coin holds, with their regulators.
    evidence: Attestation | None = None
    licences: list[Licence] = field(default_factory=list)
    deployments: list[Deployment] = field(default_factory=list)  # the contracts read, with their evidence
    # The regulator's page only: the public page leaves these empty.
    runs: list[ReconciliationRun] = field(default_factory=list)
    attestations: Sequence[Attestation] = ()
    flags: list[Flag] = field(default_factory=list)
    audit: list[AuditEntry] = field(default_factory=list)
    runs_page: int = 1
    runs_more: bool = False  # an older page of runs exists


def coin_page(*, symbol: str, published_only: bool, regulator: bool, runs_page: int = 0) -> CoinPage | None:
    """Everything a coin page shows, in a fixed number of queries; ``regulator`` adds the regulator's tables."""
    state = coin_state(symbol=symbol, published_only=published_only)
    if state is None:
        return None
    coin = state.coin
    published = chart_publications(stablecoin=coin)
    relied_on = state.publication
    holdings = holdings_of(attestation_id=relied_on.attestation_id if relied_on else None)
    as_of = relied_on.attestation_as_of if relied_on else None
    page = CoinPage(
        state=state,
        holdings=holdings,
        composition=composition_of(holdings, currency=coin.currency, as_of=as_of.date())
        if as_of
        else Composition(coin.currency),
        ratio_series=ratio_series(published),
        supply_series=supply_series(published),
        publications_drawn=len(published),
        evidence=attestation_evidence(attestation_id=relied_on.attestation_id if relied_on else None),
        licences=licences_of(stablecoin=coin),
        deployments=deployments_read(stablecoin=coin),
    )
    if regulator:
        if runs_page:  # the page's table: one page of runs, and whether an older page exists
            runs = runs_recent(stablecoin=coin, limit=RUNS_PER_PAGE + 1, offset=(runs_page - 1) * RUNS_PER_PAGE)
            page.runs, page.runs_more, page.runs_page = runs[:RUNS_PER_PAGE], len(runs) > RUNS_PER_PAGE, runs_page
        else:  # the CSV
            page.runs = runs_recent(stablecoin=coin, limit=RUN_LIMIT)
        page.attestations = attestations_filed(stablecoin=coin)
        page.flags = flags_with_events(stablecoin=coin, limit=FLAG_LIMIT)
        page.audit = audit_excerpt(stablecoin=coin, limit=AUDIT_LIMIT)
    return page
