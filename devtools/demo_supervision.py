"""The demo's continuous-supervision stories, on two more coins (devtools/demo.py seeds them).

- HKDC (HK): daily statements on the business days before the last one but not on it (R21); a
  redemption settled two business days after receipt (R28); its custodian confirms less than the
  issuer's statement at the same cut-off (R19).
- USDL (US GENIUS, opting into proposed rules): 5% short since an attestation 30 days ago, so issuance
  must halt and, after 15 consecutive business days, the liquidation trigger is raised (R4).

Business days are Hong Kong's (reserves/calendar.py), so the stories hold on any day the demo runs.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.utils import timezone

from attest.confirmations import BalanceInput
from attest.models import Attestation, Membership, ReportType, Role, Stablecoin
from attest.redemptions import RedemptionInput
from attest.services import HoldingInput, attestation_create
from chain.models import Network
from chain.services import supply_read_all
from jobs.workflows import attestation_submit, confirmation_submit, redemptions_report
from reserves.calendar import is_business_day
from reserves.services import stablecoin_reconcile

HKT = ZoneInfo("Asia/Hong_Kong")
CUSTODIAN = "Victoria Custody Bank"


def _business_days_before(day: date, count: int) -> list[date]:
    """The ``count`` Hong Kong business days before ``day``, latest first."""
    found: list[date] = []
    while len(found) < count:
        day -= timedelta(days=1)
        if is_business_day(day, "HK"):
            found.append(day)
    return found


def _at(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute, second), tzinfo=HKT)


def hkdc_story(coin: Stablecoin, username: str, custodian: str) -> list[str]:
    """Daily statements with the last business day missing, a late redemption, a disagreeing custodian."""
    user = get_user_model().objects.get(username=username)
    today = timezone.now().astimezone(HKT).date()
    last, *earlier = _business_days_before(today, 5)
    lines = [
        HoldingInput("demand_deposit", CUSTODIAN, "HKD", Decimal("1000000.00"), custodian_type="bank",
                     account_type="trust"),
        HoldingInput("tbill", "HK Securities Depository", "HKD", Decimal("2050000.00"), custodian_type="custodian",
                     account_type="segregated_custody", maturity_date=today + timedelta(days=60)),
    ]  # fmt: skip
    filed = sorted(earlier)
    for day in filed:
        statement = attestation_create(
            user=user,
            stablecoin=coin,
            as_of=_at(day, 23, 59, 59),
            as_of_timezone="Asia/Hong_Kong",
            report_type=ReportType.DAILY_STATEMENT,
            holdings=lines,
        )
        attestation_submit(user=user, attestation=statement)
    received = _business_days_before(last + timedelta(days=1), 3)[-1]
    redemptions_report(
        user=user,
        stablecoin=coin,
        rows=[RedemptionInput("HKDC-R-1", _at(received, 10), Decimal("250000"), _at(last, 10), Decimal("0"))],
    )
    confirmation_submit(
        user=get_user_model().objects.get(username=custodian),
        stablecoin=coin,
        cut_off=_at(filed[-1], 23, 59, 59),
        balances=[BalanceInput("HKD", Decimal("990000.00"), "HKDC-FBO-1")],
    )
    return [
        f"filed HKDC daily statements for {', '.join(d.isoformat() for d in filed)}, none for {last}",
        f"reported HKDC redemption HKDC-R-1 received {received}, settled {last}",
        f"{CUSTODIAN} confirmed HK$990,000 at the {filed[-1]} cut-off (the statement says HK$1,000,000)",
    ]


def usdl_story(coin: Stablecoin, network: Network, attested: Attestation) -> list[str]:
    """Judge the coin once just after its short attestation, a month back, so the shortfall has a start."""
    supply_read_all(network=network)
    stablecoin_reconcile(stablecoin=coin, trigger="manual", now=attested.as_of + timedelta(hours=1))
    return [f"judged USDL as of {attested.as_of:%Y-%m-%d}: short since then (R4)"]


def custodian_user(username: str, password: str) -> None:
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username)
    if created:
        user.set_password(password)
        user.save()
    Membership.objects.update_or_create(user=user, defaults={"role": Role.CUSTODIAN, "custodian_name": CUSTODIAN})
