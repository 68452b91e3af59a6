"""The supervision data a run's inputs carry: daily statements, redemptions, custodians' confirmations,
the running shortfall and the issuer's coin count (reserves/runtypes.py, docs/rules.md).

Each function reads many coins in a fixed number of queries, so one coin's run and a market-wide
batch (bench/reconcile.py) cost the same number of queries per coin. Amounts are exact strings.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, TypedDict

from django.db.models import Count, F, Min, OuterRef, Q, Subquery
from django.db.models.expressions import RawSQL

from attest.confirmations import custodian_key
from attest.models import (
    Attestation,
    ConfirmedBalance,
    CustodianConfirmation,
    Holding,
    Redemption,
    ReportType,
    Stablecoin,
)
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


def daily_statements(coin_ids: list[int], at: datetime) -> dict[int, list[str]]:
    rows = (
        Attestation.objects.filter(
            stablecoin_id__any=coin_ids,
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


def _iso_text(column: str) -> str:
    """SQL giving ``datetime.isoformat()`` of a UTC instant, so a month of redemptions is not parsed
    into datetimes only to be printed again (bench/reconcile.py; a test holds it equal to Python's)."""
    utc = f"({column} AT TIME ZONE 'UTC')"
    micro = f"mod(date_part('microseconds', {utc})::bigint, 1000000)"
    whole = f"to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS')"
    return f"{whole} || CASE WHEN {micro} = 0 THEN '' ELSE to_char({utc}, '.US') END || '+00:00'"


def redemptions(coin_ids: list[int], at: datetime) -> dict[int, list[RedemptionRow]]:
    """Requests received in the look-back, and older ones still unsettled; as known at ``at``.

    A settlement after the evaluation instant was not known then: the run sees the request open.
    """
    known = "settled_at IS NOT NULL AND settled_at <= %s"
    rows = (
        Redemption.objects.filter(stablecoin_id__any=coin_ids, received_at__lte=at)
        .filter(Q(received_at__gt=at - LOOKBACK) | Q(settled_at__isnull=True) | Q(settled_at__gt=at - LOOKBACK))
        .annotate(
            received_text=RawSQL(_iso_text("received_at"), []),  # noqa: S611 - fixed SQL
            amount_text=RawSQL("amount::text", []),
            settled_text=RawSQL(f"CASE WHEN {known} THEN {_iso_text('settled_at')} END", [at]),  # noqa: S611 - fixed SQL
            fee_text=RawSQL(f"CASE WHEN {known} THEN fee::text END", [at]),  # noqa: S611 - fixed SQL
        )
        .order_by("received_at", "request_id")
        .values_list("stablecoin_id", "request_id", "received_text", "amount_text", "settled_text", "fee_text")
    )
    found: dict[int, list[RedemptionRow]] = {pk: [] for pk in coin_ids}
    for coin_id, request_id, received, amount, settled, fee in rows:
        found[coin_id].append(
            {"request_id": request_id, "received_at": received, "amount": amount, "settled_at": settled, "fee": fee}
        )
    return found


def confirmations(coin_ids: list[int], at: datetime) -> dict[int, list[ConfirmationRow]]:
    """Each custodian's newest confirmation in the look-back, with the issuer's statement at that cut-off."""
    newest: dict[tuple[int, str], Any] = {}
    for c in (
        CustodianConfirmation.objects.filter(stablecoin_id__any=coin_ids, cut_off__gt=at - LOOKBACK, cut_off__lte=at)
        .order_by("cut_off", "pk")
        .values("pk", "stablecoin_id", "custodian", "cut_off", "signature")
    ):
        newest[(c["stablecoin_id"], custodian_key(c["custodian"]))] = c
    confirmed: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for pk, currency, amount in ConfirmedBalance.objects.filter(
        confirmation_id__any=[c["pk"] for c in newest.values()]
    ).values_list("confirmation_id", "currency", "amount"):
        confirmed[pk][currency] += amount
    statement_of: dict[tuple[int, datetime], int] = {}
    for coin_id, as_of, pk in (
        attestations_standing()
        .filter(stablecoin_id__any=coin_ids, as_of__any=sorted({c["cut_off"] for c in newest.values()}))
        .order_by("stablecoin_id", "as_of", "version")
        .values_list("stablecoin_id", "as_of", "pk")
    ):
        statement_of[(coin_id, as_of)] = pk  # the highest version at that instant wins
    stated: dict[tuple[int, str], dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for attestation_id, custodian, currency, value in Holding.objects.filter(
        attestation_id__any=sorted(set(statement_of.values()))
    ).values_list("attestation_id", "custodian", "currency", "market_value"):
        stated[(attestation_id, custodian_key(custodian))][currency] += value
    found: dict[int, list[ConfirmationRow]] = {pk: [] for pk in coin_ids}
    for (coin_id, key), c in sorted(newest.items()):
        statement = statement_of.get((coin_id, c["cut_off"]))
        held = stated.get((statement, key), {}) if statement is not None else {}
        found[coin_id].append(
            {
                "custodian": c["custodian"],
                "cut_off": c["cut_off"].isoformat(),
                "signed": bool(c["signature"]),
                "confirmed": {k: format(v, "f") for k, v in sorted(confirmed[c["pk"]].items())},
                "statement_id": statement,
                "stated": {k: format(v, "f") for k, v in sorted(held.items())},
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
            stablecoin_id__any=coin_ids, status="under_collateralised", evaluated_at__lte=at
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
    issuers = dict(Stablecoin.objects.filter(pk__any=coin_ids).values_list("pk", "issuer_id"))
    counts = dict(
        Stablecoin.objects.filter(issuer_id__any=sorted(set(issuers.values())))
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
