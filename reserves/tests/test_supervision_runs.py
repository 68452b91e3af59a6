"""Supervision data through real runs on PostgreSQL: daily statements (R21), redemptions (R28),
custodian confirmations (R19), the running shortfall (R4), and proposed rules that only report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from attest.models import (
    Attestation,
    ConfirmedBalance,
    CustodianConfirmation,
    Holding,
    Issuer,
    Licence,
    Redemption,
    Stablecoin,
)
from chain.models import Deployment, Network, SupplyReading
from reserves.compute import compute
from reserves.models import Flag, FlagStatus
from reserves.services import stablecoin_reconcile

pytestmark = pytest.mark.django_db

# Thursday 26 November 2026, 10:00 in Hong Kong (Thanksgiving in the US: not a business day there).
NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)


@pytest.fixture
def user():
    return get_user_model().objects.create_user("staff", password="staff-pass-123")


def _coin(profile: str, currency: str, *, opt_in: bool = False) -> Stablecoin:
    coin = Stablecoin.objects.create(
        issuer=Issuer.objects.create(name=f"{profile} Ltd"), symbol=f"S{profile[:3]}", name="Coin", currency=currency
    )
    Licence.objects.create(stablecoin=coin, profile=profile, licence_id="L-1", apply_proposed=opt_in)
    network, _ = Network.objects.get_or_create(chain_id=31337, defaults={"name": "test"})
    deployment = Deployment.objects.create(
        stablecoin=coin, network=network, address="0x" + str(coin.pk % 10) * 40, decimals=6
    )
    SupplyReading.objects.create(
        deployment=deployment, chain_id=31337, block_number=10, block_hash="0x" + "a" * 64,
        block_time=NOW - timedelta(minutes=5), total_supply=100 * 10**6, balances=[], read_at=NOW,
    )  # fmt: skip
    return coin


def _statement(
    coin: Stablecoin, user, as_of: datetime, value: str, report_type: str = "daily_statement"
) -> Attestation:
    version = Attestation.objects.filter(stablecoin=coin).count() + 1
    a = Attestation.objects.create(
        stablecoin=coin, version=version, status="submitted", report_type=report_type, as_of=as_of,
        created_by=user, opinion="unmodified", pays_holder_interest=False,
    )  # fmt: skip
    Holding.objects.create(
        attestation=a, line=1, asset_class="demand_deposit", custodian="Harbour Bank", currency=coin.currency,
        market_value=Decimal(value), custodian_type="bank", account_type="trust",
    )  # fmt: skip
    return a


def _open(coin: Stablecoin) -> list[str]:
    return sorted(
        Flag.objects.filter(stablecoin=coin).exclude(status=FlagStatus.RESOLVED).values_list("rule", flat=True)
    )


def test_hk_missed_statement_late_redemption_and_disagreeing_custodian(user):
    coin = _coin("HK", "HKD")
    hkt = timedelta(hours=8)
    # Daily statements at 23:59 HKT for Mon 23 and Tue 24 November; Wednesday's is missing.
    cut_offs = [datetime(2026, 11, d, 23, 59, tzinfo=UTC) - hkt for d in (23, 24)]
    for at in cut_offs:
        _statement(coin, user, at, "100")
    Redemption.objects.create(
        stablecoin=coin, request_id="R-9", amount=Decimal(5), fee=Decimal(0), reported_by=user,
        received_at=datetime(2026, 11, 23, 2, tzinfo=UTC), settled_at=datetime(2026, 11, 25, 2, tzinfo=UTC),
    )  # fmt: skip
    confirmation = CustodianConfirmation.objects.create(
        stablecoin=coin, custodian="harbour  bank", cut_off=cut_offs[0], confirmed_by=user, payload_sha256="0" * 64
    )
    ConfirmedBalance.objects.create(confirmation=confirmation, currency="HKD", amount=Decimal("97.5"))
    [run] = stablecoin_reconcile(stablecoin=coin, trigger="schedule", now=NOW)
    results = {r["rule"]: r for r in run.results}
    assert results["R21"]["outcome"] == "fail" and results["R21"]["figures"]["missing"] == ["2026-11-25"]
    assert results["R28"]["outcome"] == "fail" and results["R28"]["figures"]["late"][0]["request_id"] == "R-9"
    r19 = results["R19"]
    assert r19["outcome"] == "fail"  # Monday's cut-off is 3 business days old on Thursday
    assert r19["figures"]["items"][0]["difference"] == "-2.500000"
    assert {"R19", "R21", "R28"} <= set(_open(coin))
    assert compute(run.inputs) == run.outputs
    # Wednesday's statement arrives: R21 clears, the rest stand.
    _statement(coin, user, datetime(2026, 11, 25, 23, 59, tzinfo=UTC) - hkt, "100")
    [later] = stablecoin_reconcile(stablecoin=coin, trigger="schedule", now=NOW + timedelta(minutes=10))
    assert {r["rule"]: r["outcome"] for r in later.results}["R21"] == "pass"
    assert "R21" not in _open(coin) and "R19" in _open(coin)


@pytest.mark.parametrize("opt_in", [False, True])
def test_a_us_shortfall_reports_r4_and_raises_its_flag_only_when_the_licence_opts_in(user, opt_in):
    coin = _coin("US_GENIUS", "USD", opt_in=opt_in)
    _statement(coin, user, NOW - timedelta(days=40), "90", report_type="attestation")
    stablecoin_reconcile(stablecoin=coin, trigger="schedule", now=NOW - timedelta(days=30))
    _statement(coin, user, NOW - timedelta(hours=3), "90", report_type="attestation")
    [run] = stablecoin_reconcile(stablecoin=coin, trigger="schedule", now=NOW)
    r4 = {r["rule"]: r for r in run.results}["R4"]
    assert r4["outcome"] == "fail" and r4["status"] == "proposed"
    assert r4["figures"]["liquidation_trigger"] is True and r4["figures"]["consecutive_business_days"] >= 15
    assert ("R4" in _open(coin)) is opt_in
    assert "R1" in _open(coin)
    assert compute(run.inputs) == run.outputs


def test_the_batch_builds_the_same_inputs_as_one_coins_run(user):
    from attest.selectors import attestation_standing
    from chain.services import readings_latest
    from reserves.batch import judge_many
    from reserves.inputs import run_inputs

    hk, us = _coin("HK", "HKD"), _coin("US_GENIUS", "USD", opt_in=True)
    _statement(hk, user, NOW - timedelta(days=1), "100")
    _statement(us, user, NOW - timedelta(days=3), "90", report_type="attestation")
    Redemption.objects.create(
        stablecoin=hk, request_id="B-1", amount=Decimal(1), reported_by=user, received_at=NOW - timedelta(days=2)
    )
    judged = judge_many(stablecoins=[hk, us], now=NOW)
    for coin, (inputs, outputs) in zip([hk, us], judged, strict=True):
        licence = coin.licences.get()
        one = run_inputs(
            stablecoin=coin,
            attestation=attestation_standing(stablecoin=coin),
            readings=readings_latest(stablecoin=coin),
            profile=licence.profile,
            licence=licence,
            evaluated_at=NOW,
        )
        assert inputs == one and outputs == compute(one)


def test_redemptions_are_carried_exactly_as_python_prints_them(user):
    from reserves.supervision import redemptions

    coin = _coin("HK", "HKD")
    whole, fraction = NOW - timedelta(days=1), NOW - timedelta(hours=5, microseconds=120)
    for rid, received, settled, fee in (("W", whole, NOW - timedelta(hours=1), "0.5"), ("F", fraction, None, None)):
        Redemption.objects.create(
            stablecoin=coin, request_id=rid, amount=Decimal("12.5"), reported_by=user, received_at=received,
            settled_at=settled, fee=None if fee is None else Decimal(fee),
        )  # fmt: skip
    later = NOW + timedelta(hours=2)
    Redemption.objects.create(
        stablecoin=coin, request_id="L", amount=Decimal(1), reported_by=user, received_at=fraction, settled_at=later
    )
    rows = {r["request_id"]: r for r in redemptions([coin.pk], NOW)[coin.pk]}
    stored = {r.request_id: r for r in Redemption.objects.all()}
    assert rows["W"] == {
        "request_id": "W", "received_at": whole.isoformat(), "amount": format(stored["W"].amount, "f"),
        "settled_at": (NOW - timedelta(hours=1)).isoformat(), "fee": format(stored["W"].fee, "f"),
    }  # fmt: skip
    assert rows["F"]["received_at"] == fraction.isoformat() and ".999880" in rows["F"]["received_at"]
    assert rows["L"]["settled_at"] is None and rows["L"]["fee"] is None  # settled after the evaluation instant
