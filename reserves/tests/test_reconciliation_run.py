"""Runs and flags through the services, on PostgreSQL: idempotency, staleness, flag lifecycle, recompute."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from attest.models import Attestation, Issuer, Licence, Membership, Role, Stablecoin
from attest.services import HoldingInput, attestation_create, attestation_submit
from chain.models import Deployment, Network, SupplyReading
from reserves.compute import compute
from reserves.models import Flag, FlagStatus, ReconciliationRun
from reserves.services import stablecoin_reconcile
from reserves.tests.builders import certified

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


@pytest.fixture
def issuer_alice():
    issuer = Issuer.objects.create(name="Alice Money Ltd")
    user = get_user_model().objects.create_user("issuer_alice", password="alice-pass-123")
    Membership.objects.create(user=user, role=Role.ISSUER, issuer=issuer)
    return user


def _coin(user, *profiles: str, frozen: int = 0) -> Stablecoin:
    issuer = user.membership.issuer
    coin = Stablecoin.objects.create(issuer=issuer, symbol="ALC", name="Alice Coin", currency="USD")
    for p in profiles:
        Licence.objects.create(stablecoin=coin, profile=p, licence_id=f"{p}-1")
    network = Network.objects.create(name="test", chain_id=31337)
    deployment = Deployment.objects.create(stablecoin=coin, network=network, address="0x" + "1" * 40, decimals=6)
    SupplyReading.objects.create(
        deployment=deployment,
        chain_id=31337,
        block_number=10,
        block_hash="0x" + "a" * 64,
        block_time=NOW - timedelta(minutes=5),
        total_supply=(100 + frozen) * 10**6,
        balances=[{"bucket": "frozen", "address": "0x" + "2" * 40, "raw": str(frozen * 10**6)}],
        read_at=NOW,
    )
    return coin


def _attest(user, coin: Stablecoin, as_of: datetime, value: str = "100") -> Attestation:
    attestation = attestation_create(
        user=user,
        stablecoin=coin,
        as_of=as_of,
        as_of_timezone="UTC",
        holdings=[HoldingInput("demand_deposit", "Bank A", "USD", Decimal(value))],
        details=certified(as_of),
    )
    return attestation_submit(user=user, attestation=attestation)


def _recomputes(run: ReconciliationRun) -> None:
    assert compute(run.inputs) == run.outputs
    assert run.outputs["results"] == run.results


def _open(coin: Stablecoin) -> dict[tuple[str, str], Flag]:
    return {(f.rule, f.profile): f for f in Flag.objects.filter(stablecoin=coin).exclude(status=FlagStatus.RESOLVED)}


def test_the_same_inputs_make_one_run_and_a_new_evaluation_bucket_another(issuer_alice):
    coin = _coin(issuer_alice, "US_GENIUS")
    _attest(issuer_alice, coin, NOW - timedelta(days=1))
    [first] = stablecoin_reconcile(stablecoin=coin, trigger="schedule", now=NOW)
    [again] = stablecoin_reconcile(stablecoin=coin, trigger="schedule", now=NOW + timedelta(minutes=5))
    assert again.pk == first.pk  # same 15-minute bucket
    [later] = stablecoin_reconcile(stablecoin=coin, trigger="schedule", now=NOW + timedelta(minutes=15))
    assert later.pk != first.pk
    for run in (first, later):
        _recomputes(run)
    assert first.inputs["rulepack"]["profile"] == "US_GENIUS"
    assert len(first.inputs["rulepack_sha256"]) == 64
    assert first.inputs["attestation"]["holdings"][0]["segregated"] is True


def test_a_stale_attestation_raises_a_flag_that_a_fresh_one_resolves(issuer_alice):
    coin = _coin(issuer_alice, "US_GENIUS")
    _attest(issuer_alice, coin, NOW - timedelta(days=90))
    [stale] = stablecoin_reconcile(stablecoin=coin, trigger="schedule", now=NOW)
    flags = _open(coin)
    assert {"R23", "R24"} <= {rule for rule, _ in flags}
    flag = flags[("R24", "US_GENIUS")]
    assert (flag.severity, flag.status, flag.opened_by_run_id) == ("high", "open", stale.pk)

    # Another evaluation while still stale keeps the one flag open.
    stablecoin_reconcile(stablecoin=coin, trigger="schedule", now=NOW + timedelta(hours=1))
    assert Flag.objects.filter(stablecoin=coin, rule="R24").count() == 1

    _attest(issuer_alice, coin, NOW - timedelta(hours=1))
    [fresh] = stablecoin_reconcile(stablecoin=coin, trigger="attestation", now=NOW + timedelta(hours=1))
    flag.refresh_from_db()
    assert flag.status == FlagStatus.RESOLVED
    assert [e.kind for e in flag.events.all()] == ["opened", "resolved"]
    assert [e.run_id for e in flag.events.all()][-1] == fresh.pk
    assert ("R24", "US_GENIUS") not in _open(coin)
    _recomputes(stale)
    _recomputes(fresh)


def test_frozen_tokens_are_outstanding_under_hk_and_under_genius(issuer_alice):
    coin = _coin(issuer_alice, "HK", "US_GENIUS", frozen=10)
    _attest(issuer_alice, coin, NOW - timedelta(days=1), value="105")
    runs = {r.profile: r for r in stablecoin_reconcile(stablecoin=coin, trigger="schedule", now=NOW)}
    assert runs["HK"].outstanding == Decimal(110)
    assert runs["US_GENIUS"].outstanding == Decimal(110)
    assert (runs["HK"].status, runs["US_GENIUS"].status) == ("under_collateralised", "under_collateralised")
    flags = _open(coin)
    assert ("R1", "HK") in flags and ("R1", "US_GENIUS") in flags
    for run in runs.values():
        _recomputes(run)


def test_a_flag_acknowledged_by_a_regulator_still_resolves_when_the_rule_passes(issuer_alice):
    coin = _coin(issuer_alice, "US_GENIUS")
    _attest(issuer_alice, coin, NOW - timedelta(days=1), value="99.999999")
    stablecoin_reconcile(stablecoin=coin, trigger="schedule", now=NOW)
    flag = _open(coin)[("R1", "US_GENIUS")]
    Flag.objects.filter(pk=flag.pk).update(status=FlagStatus.ACKNOWLEDGED)
    _attest(issuer_alice, coin, NOW - timedelta(hours=2), value="100")
    stablecoin_reconcile(stablecoin=coin, trigger="attestation", now=NOW)
    flag.refresh_from_db()
    assert flag.status == FlagStatus.RESOLVED
    assert Flag.objects.filter(stablecoin=coin, rule="R1").count() == 1


def test_the_ratio_is_shown_cut_to_four_places_never_rounded_up():
    assert ReconciliationRun(ratio=Decimal("0.999999999999")).ratio_display == "0.9999"
    assert ReconciliationRun(ratio=None).ratio_display is None


def test_issuer_figures_reconcile_against_supply_pinned_at_the_as_of_block(issuer_alice):
    from attest.models import IssuerFigure
    from reserves.services import reconciliation_run

    coin = _coin(issuer_alice, "US_GENIUS")
    attestation = _attest(issuer_alice, coin, NOW - timedelta(hours=1))
    IssuerFigure.objects.create(attestation=attestation, chain_id=31337, outstanding=Decimal("100"))
    readings = list(SupplyReading.objects.select_related("deployment"))
    run, _ = reconciliation_run(
        stablecoin=coin, attestation=attestation, readings=readings, trigger="attestation",
        profile="US_GENIUS", now=NOW, readings_basis="as_of",
    )  # fmt: skip
    r18 = {r["rule"]: r for r in run.results}["R18"]
    assert r18["outcome"] == "pass"
    assert r18["figures"]["compared"] == [
        {"chain_id": 31337, "issuer": "100.000000000000000000", "onchain": "100.000000"}
    ]
    IssuerFigure.objects.filter(attestation=attestation).update(outstanding=Decimal("101"))
    run, created = reconciliation_run(
        stablecoin=coin, attestation=attestation, readings=readings, trigger="attestation",
        profile="US_GENIUS", now=NOW, readings_basis="as_of",
    )  # fmt: skip
    assert created
    assert ("R18", "US_GENIUS") in _open(coin)
    _recomputes(run)


def test_the_schedule_flags_chain_data_that_stopped_arriving(issuer_alice):
    coin = _coin(issuer_alice, "HK")  # the reading's block is 5 minutes before NOW
    _attest(issuer_alice, coin, NOW - timedelta(hours=1), value="101")
    stablecoin_reconcile(stablecoin=coin, trigger="schedule", now=NOW)
    assert ("X1", "HK") not in _open(coin)
    [late] = stablecoin_reconcile(stablecoin=coin, trigger="schedule", now=NOW + timedelta(hours=2))
    assert ("X1", "HK") in _open(coin)
    assert {r["rule"]: r["outcome"] for r in late.results}["X1"] == "fail"


def test_the_recompute_command_checks_stored_runs_and_bundles(issuer_alice, tmp_path):
    import json
    from io import StringIO

    from django.core.management import CommandError, call_command

    coin = _coin(issuer_alice, "HK", "EU_MICA")
    _attest(issuer_alice, coin, NOW - timedelta(days=1))
    runs = stablecoin_reconcile(stablecoin=coin, trigger="schedule", now=NOW)
    out = StringIO()
    call_command("recompute", "--all", stdout=out)
    assert "2 run(s) recompute" in out.getvalue()
    bundle = tmp_path / "inputs.json"
    bundle.write_text(json.dumps(runs[0].inputs))
    out = StringIO()
    call_command("recompute", "--inputs", str(bundle), stdout=out)
    assert json.loads(out.getvalue()) == runs[0].outputs
    ReconciliationRun.objects.filter(pk=runs[1].pk).update(outputs={"tampered": True})
    with pytest.raises(CommandError, match="do not recompute"):
        call_command("recompute", "--run", str(runs[1].pk))
