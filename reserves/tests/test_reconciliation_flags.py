"""Reconciliation on stored readings: backing, idempotency, and a flag that opens and resolves itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from attest.logverify import audit_verify
from attest.models import Issuer, Membership, Role, Stablecoin
from attest.services import HoldingInput, attestation_create, attestation_submit
from chain.models import Bucket, Deployment, Network, SupplyReading
from reserves.compute import compute
from reserves.models import Flag, FlagStatus, ReconciliationRun
from reserves.runtypes import run_inputs_of
from reserves.services import reconciliation_run

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture
def coin() -> Stablecoin:
    issuer = Issuer.objects.create(name="Alice Money Ltd")
    user = get_user_model().objects.create_user("issuer_alice", password="x")
    Membership.objects.create(user=user, role=Role.ISSUER, issuer=issuer)
    coin = Stablecoin.objects.create(issuer=issuer, symbol="ALC", name="Alice Coin", currency="USD")
    network = Network.objects.create(name="t", chain_id=31337)
    Deployment.objects.create(stablecoin=coin, network=network, address="0x" + "aa" * 20, decimals=6)
    return coin


def _reading(coin: Stablecoin, *, block: int, total_tokens: int, treasury: int = 0, frozen: int = 0) -> SupplyReading:
    return SupplyReading.objects.create(
        deployment=coin.deployments.get(),
        chain_id=31337,
        block_number=block,
        block_hash=f"0x{block:064x}",
        block_time=T0 + timedelta(seconds=12 * block),
        total_supply=total_tokens * 10**6,
        balances=[
            {"bucket": Bucket.TREASURY, "address": "0x" + "01" * 20, "raw": str(treasury * 10**6)},
            {"bucket": Bucket.FROZEN, "address": "0x" + "02" * 20, "raw": str(frozen * 10**6)},
        ],
        read_at=T0,
    )


def _attest(coin: Stablecoin, reserves: str):
    user = get_user_model().objects.get(username="issuer_alice")
    attestation = attestation_create(
        user=user,
        stablecoin=coin,
        as_of=T0,
        as_of_timezone="UTC",
        holdings=[HoldingInput("demand_deposit", "Bank", "USD", Decimal(reserves))],
    )
    return attestation_submit(user=user, attestation=attestation)


def test_reserves_a_cent_short_of_par_fail_and_open_one_critical_flag(coin):
    attestation = _attest(coin, "99.99")
    reading = _reading(coin, block=10, total_tokens=100)
    run, created = reconciliation_run(stablecoin=coin, attestation=attestation, readings=[reading], trigger="manual")
    assert created and run.status == "under_collateralised"
    assert run.headroom == Decimal("-0.01")
    assert run.ratio == Decimal("0.9999")
    flag = Flag.objects.get()
    assert (flag.rule, flag.severity, flag.status) == ("R1", "critical", FlagStatus.OPEN)


def test_the_same_inputs_never_make_a_second_run(coin):
    attestation = _attest(coin, "100")
    reading = _reading(coin, block=10, total_tokens=100)
    first, created = reconciliation_run(stablecoin=coin, attestation=attestation, readings=[reading], trigger="manual")
    again, created_again = reconciliation_run(
        stablecoin=coin, attestation=attestation, readings=[reading], trigger="schedule"
    )
    assert created and not created_again and first.pk == again.pk
    assert ReconciliationRun.objects.count() == 1


def test_a_flag_resolves_itself_when_a_later_run_clears_it_and_keeps_its_history(coin):
    attestation = _attest(coin, "95")
    reconciliation_run(
        stablecoin=coin,
        attestation=attestation,
        readings=[_reading(coin, block=10, total_tokens=100)],
        trigger="manual",
    )
    # 10 tokens went back to the treasury: 90 outstanding, now covered by 95.
    reconciliation_run(
        stablecoin=coin,
        attestation=attestation,
        readings=[_reading(coin, block=11, total_tokens=100, treasury=10)],
        trigger="supply",
    )
    flag = Flag.objects.get()
    assert flag.status == FlagStatus.RESOLVED and flag.resolved_at is not None
    assert [e.kind for e in flag.events.all()] == ["opened", "resolved"]
    # A new shortfall opens a new flag rather than reviving the resolved one.
    reconciliation_run(
        stablecoin=coin,
        attestation=attestation,
        readings=[_reading(coin, block=12, total_tokens=200)],
        trigger="supply",
    )
    assert Flag.objects.filter(status=FlagStatus.OPEN).count() == 1
    assert Flag.objects.count() == 2
    assert audit_verify().ok


def test_frozen_tokens_stay_outstanding_under_every_licence(coin):
    attestation = _attest(coin, "100")
    reading = _reading(coin, block=10, total_tokens=105, frozen=5)
    hk, _ = reconciliation_run(
        stablecoin=coin, attestation=attestation, readings=[reading], trigger="manual", profile="HK"
    )
    us, _ = reconciliation_run(
        stablecoin=coin, attestation=attestation, readings=[reading], trigger="manual", profile="US_GENIUS"
    )
    assert hk.outstanding == Decimal(105) and hk.status == "under_collateralised"
    assert us.outstanding == Decimal(105) and us.status == "under_collateralised"


def test_a_stored_run_recomputes_to_the_same_figures(coin):
    attestation = _attest(coin, "123.456789")
    run, _ = reconciliation_run(
        stablecoin=coin,
        attestation=attestation,
        readings=[_reading(coin, block=10, total_tokens=100)],
        trigger="manual",
    )
    run.refresh_from_db()
    again = compute(run_inputs_of(run))
    assert again["status"] == run.status
    assert again["reserves"] is not None and again["ratio"] is not None
    assert Decimal(again["reserves"]) == run.reserves
    assert Decimal(again["ratio"]) == run.ratio
    assert again["results"] == run.results
