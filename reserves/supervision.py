"""The supervision data a run's inputs carry: daily statements, redemptions, custodians' confirmations,
the running shortfall and the issuer's coin count (reserves/runtypes.py, docs/rules.md).

Each function reads many coins in a fixed number of queries, so one coin's run and a market-wide
batch (bench/reconcile.py) cost the same number of queries per coin. Amounts are exact strings.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TypedDict

from django.db.models import Count, F, Min, OuterRef, Q, Subquery

from attest.confirmations import custodian_key
from attest.models import Attestation, CustodianConfirmation, Redemption, ReportType, Stablecoin
from attest.selectors import CADENCE_STATUSES, attestations_standing
from reserves.models import ReconciliationRun
from reserves.runtypes import ConfirmationRow, RedemptionRow

# How far back a run looks: a month of redemptions and statements, with room for a long holiday.
LOOKBACK = timedelta(days=35)


class SupervisionInputs(TypedDict):
    daily_statements: list[str]
    redemptions: list[RedemptionRow]
    confirmations: list[ConfirmationRow]
    shortfall_since: str | None
    issuer_coins: int


def _text(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def daily_statements(coin_ids: list[int], at: datetime) -> dict[int, list[str]]:
    rows = (
        Attestation.objects.filter(
            stablecoin_id__in=coin_ids,
            report_type=ReportType.DAILY_STATEMENT,
            status__in=CADENCE_STATUSES,
            as_of__gt=at - LOOKBACK,
            as_of__lte=at,
        )
        .order_by("as_of")
        .values_list("stablecoin_id", "as_of")
    )
    found: dict[int, set[str]] = defaultdict(set)
    for coin_id, as_of in rows:
        found[coin_id].add(as_of.isoformat())
    return {pk: sorted(found[pk]) for pk in coin_ids}


def redemptions(coin_ids: list[int], at: datetime) -> dict[int, list[RedemptionRow]]:
    """Requests received in the look-back, and older ones still unsettled; as known at ``at``."""
    rows = (
        Redemption.objects.filter(stablecoin_id__in=coin_ids, received_at__lte=at)
        .filter(Q(received_at__gt=at - LOOKBACK) | Q(settled_at__isnull=True) | Q(settled_at__gt=at - LOOKBACK))
        .order_by("received_at", "request_id")
        .values_list("stablecoin_id", "request_id", "received_at", "amount", "settled_at", "fee")
    )
    found: dict[int, list[RedemptionRow]] = {pk: [] for pk in coin_ids}
    for coin_id, request_id, received, amount, settled, fee in rows:
        # A settlement after the evaluation instant was not known then: the run sees the request open.
        known = settled is not None and settled <= at
        found[coin_id].append(
            {
                "request_id": request_id,
                "received_at": received.isoformat(),
                "amount": format(amount, "f"),
                "settled_at": settled.isoformat() if known and settled is not None else None,
                "fee": _text(fee) if known else None,
            }
        )
    return found


def confirmations(coin_ids: list[int], at: datetime) -> dict[int, list[ConfirmationRow]]:
    """Each custodian's newest confirmation in the look-back, with the issuer's statement at that cut-off."""
    newest: dict[tuple[int, str], CustodianConfirmation] = {}
    for c in (
        CustodianConfirmation.objects.filter(stablecoin_id__in=coin_ids, cut_off__gt=at - LOOKBACK, cut_off__lte=at)
        .prefetch_related("balances")
        .order_by("cut_off", "pk")
    ):
        newest[(c.stablecoin_id, custodian_key(c.custodian))] = c
    statements = {
        (a.stablecoin_id, a.as_of): a
        for a in attestations_standing()
        .filter(stablecoin_id__in=coin_ids, as_of__in={c.cut_off for c in newest.values()})
        .order_by("as_of", "version")
        .prefetch_related("holdings")
    }
    found: dict[int, list[ConfirmationRow]] = {pk: [] for pk in coin_ids}
    for (coin_id, key), c in sorted(newest.items()):
        confirmed: dict[str, Decimal] = defaultdict(Decimal)
        for b in c.balances.all():
            confirmed[b.currency] += b.amount
        statement = statements.get((coin_id, c.cut_off))
        stated: dict[str, Decimal] = defaultdict(Decimal)
        for h in statement.holdings.all() if statement else ():
            if custodian_key(h.custodian) == key:
                stated[h.currency] += h.market_value
        found[coin_id].append(
            {
                "custodian": c.custodian,
                "cut_off": c.cut_off.isoformat(),
                "signed": bool(c.signature),
                "confirmed": {k: format(v, "f") for k, v in sorted(confirmed.items())},
                "statement_id": statement.pk if statement else None,
                "stated": {k: format(v, "f") for k, v in sorted(stated.items())},
            }
        )
    return found


def shortfalls_since(coin_ids: list[int], profile_of: dict[int, str], at: datetime) -> dict[int, str | None]:
    """When each coin's current shortfall under its profile began: the first under-collateralised run
    after its last backed one, judged by ``at`` (None when there is none). One query."""
    last_backed = (
        ReconciliationRun.objects.filter(
            stablecoin_id=OuterRef("stablecoin_id"), profile=OuterRef("profile"), status="backed", evaluated_at__lte=at
        )
        .order_by("-evaluated_at")
        .values("evaluated_at")[:1]
    )
    rows = (
        ReconciliationRun.objects.filter(
            stablecoin_id__in=coin_ids, status="under_collateralised", evaluated_at__lte=at
        )
        .annotate(backed=Subquery(last_backed))
        .filter(Q(backed__isnull=True) | Q(evaluated_at__gt=F("backed")))
        .values("stablecoin_id", "profile")
        .annotate(first=Min("evaluated_at"))
        .values_list("stablecoin_id", "profile", "first")
        .order_by()
    )
    first = {(coin_id, profile): when for coin_id, profile, when in rows}
    result: dict[int, str | None] = {}
    for coin_id in coin_ids:
        when = first.get((coin_id, profile_of.get(coin_id, "")))
        result[coin_id] = None if when is None else when.isoformat()
    return result


def issuer_coin_counts(coin_ids: list[int]) -> dict[int, int]:
    issuers = dict(Stablecoin.objects.filter(pk__in=coin_ids).values_list("pk", "issuer_id"))
    counts = dict(
        Stablecoin.objects.filter(issuer_id__in=set(issuers.values()))
        .values("issuer_id")
        .annotate(n=Count("pk"))
        .values_list("issuer_id", "n")
        .order_by()
    )
    return {pk: counts.get(issuers[pk], 0) if pk in issuers else 0 for pk in coin_ids}


def supervision_inputs(*, stablecoin: Stablecoin, profile: str, at: datetime) -> SupervisionInputs:
    """One coin's supervision inputs at the evaluation instant ``at``."""
    ids = [stablecoin.pk]
    return {
        "daily_statements": daily_statements(ids, at)[stablecoin.pk],
        "redemptions": redemptions(ids, at)[stablecoin.pk],
        "confirmations": confirmations(ids, at)[stablecoin.pk],
        "shortfall_since": shortfalls_since(ids, {stablecoin.pk: profile}, at)[stablecoin.pk],
        "issuer_coins": issuer_coin_counts(ids)[stablecoin.pk],
    }
