"""Publications: one verdict per coin and licence, never "backed" over a serious finding, fail-closed."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from attest.models import AttestationStatus, Issuer, Licence, Membership, ReportType, Role, Stablecoin
from attest.review import attestation_review
from attest.services import HoldingInput, attestation_create, attestation_submit
from attest.validation import AttestationDetails
from chain.models import Bucket, Deployment, Network, SupplyReading
from reserves.documents import coin_answers, coin_fields
from reserves.models import Publication, PublicationHead
from reserves.readmodel import CoinState, coin_state, coin_states
from reserves.services import stablecoin_reconcile
from reserves.verdict import AT_RISK, BACKED, UNDER, UNVERIFIED, Finding, judge, worst

pytestmark = pytest.mark.django_db


def _outputs(status: str, *results: tuple[str, str, str]) -> dict[str, object]:
    return {
        "status": status,
        "headroom": "-5.000000000000000000" if status == UNDER else "5",
        "results": [{"rule": r, "outcome": o, "severity": s, "message": f"{r} {o}"} for r, o, s in results],
    }


def test_a_shortfall_wins_over_a_rejected_attestation_and_says_so():
    judged = judge(outputs=_outputs(UNDER, ("R1", "fail", "critical")), attestation_status="rejected")
    assert judged.verdict == UNDER
    assert [r.code for r in judged.reasons] == ["shortfall", "attestation_rejected"]


def test_a_stale_attestation_or_chain_makes_the_figures_unverified():
    stale = judge(outputs=_outputs(BACKED, ("R1", "pass", "critical"), ("R24", "fail", "high")))
    assert stale.verdict == UNVERIFIED and stale.reasons[0].code == "attestation_stale"
    chain = judge(outputs=_outputs(BACKED), freshness="degraded", freshness_reason="node down")
    assert chain.verdict == UNVERIFIED and "node down" in chain.reasons[0].text


def test_backed_never_appears_while_a_critical_or_high_finding_is_open():
    assert judge(outputs=_outputs(BACKED, ("R3", "fail", "high"))).verdict == AT_RISK
    open_flag = judge(outputs=_outputs(BACKED), findings=[Finding("R18", "critical", "ledger disagrees")])
    assert open_flag.verdict == AT_RISK
    assert judge(outputs=_outputs(BACKED), findings=[Finding("R36", "medium", "x")]).verdict == BACKED


def test_a_failed_reconciliation_is_unverified_and_the_worst_licence_is_the_headline():
    assert judge(outputs=None, error="boom").verdict == UNVERIFIED
    assert worst([BACKED, AT_RISK, UNVERIFIED]) == UNVERIFIED
    assert worst([UNVERIFIED, UNDER]) == UNDER


@pytest.fixture
def coin() -> Stablecoin:
    issuer = Issuer.objects.create(name="Alice Money Ltd")
    user = get_user_model().objects.create_user("issuer_alice", password="x")
    Membership.objects.create(user=user, role=Role.ISSUER, issuer=issuer)
    get_user_model().objects.create_user("regulator_bob", password="x")
    Membership.objects.create(user=get_user_model().objects.get(username="regulator_bob"), role=Role.REGULATOR)
    coin = Stablecoin.objects.create(issuer=issuer, symbol="ALC", name="Alice Coin", currency="USD", published=True)
    Licence.objects.create(stablecoin=coin, profile="HK", licence_id="HK-1", attestation_interval_days=31)
    network = Network.objects.create(name="t", chain_id=31337)
    deployment = Deployment.objects.create(stablecoin=coin, network=network, address="0x" + "aa" * 20, decimals=6)
    now = timezone.now()
    SupplyReading.objects.create(
        deployment=deployment,
        chain_id=31337,
        block_number=10,
        block_hash=f"0x{10:064x}",
        block_time=now,
        total_supply=100 * 10**6,
        balances=[{"bucket": Bucket.TREASURY, "address": "0x" + "01" * 20, "raw": "0"}],
        read_at=now,
    )
    return coin


def _attest(coin: Stablecoin, reserves: str):
    """The week's disclosure (HK R22), then an examined attestation of the same reserves, which stands."""
    user = get_user_model().objects.get(username="issuer_alice")
    holdings = [HoldingInput("demand_deposit", "Bank", "USD", Decimal(reserves))]
    examined = AttestationDetails(opinion="unmodified", engagement_type="examination", assurance_level="reasonable")
    for hours, report_type in ((2, ReportType.WEEKLY_DISCLOSURE), (1, ReportType.ATTESTATION)):
        attestation = attestation_create(
            user=user,
            stablecoin=coin,
            as_of=timezone.now() - timedelta(hours=hours),
            as_of_timezone="UTC",
            holdings=holdings,
            report_type=report_type,
            details=examined if report_type == ReportType.ATTESTATION else None,
        )
        attestation = attestation_submit(user=user, attestation=attestation)
    return attestation


def _state(symbol: str = "ALC") -> CoinState:
    state = coin_state(symbol=symbol, published_only=True)
    assert state is not None
    return state


def test_a_coin_with_no_attestation_is_unverified_with_a_finding(coin):
    stablecoin_reconcile(stablecoin=coin, trigger="manual")
    state = _state()
    assert state.verdict == UNVERIFIED
    assert "no_attestation" in [r["code"] for r in state.reasons]
    assert any(f["rule"] == "R24" for f in state.findings), state.findings


def test_request_changes_keeps_the_shortfall_visible_and_says_it_is_under_review(coin):
    attestation = _attest(coin, "95")
    stablecoin_reconcile(stablecoin=coin, trigger="manual")
    assert _state().verdict == UNDER
    regulator = get_user_model().objects.get(username="regulator_bob")
    attestation_review(
        user=regulator, attestation=attestation, decision=AttestationStatus.CHANGES_REQUESTED, comment="fix it"
    )
    stablecoin_reconcile(stablecoin=coin, trigger="manual")
    state = _state()
    assert state.verdict == UNDER
    assert state.review_status == "changes_requested" and "under review" in state.review_label
    assert state.figure("headroom") == Decimal(-5)


def test_unchanged_inputs_publish_nothing_new(coin):
    _attest(coin, "101")
    stablecoin_reconcile(stablecoin=coin, trigger="manual")
    stablecoin_reconcile(stablecoin=coin, trigger="schedule")
    assert Publication.objects.count() == 1
    assert _state().verdict == BACKED


def test_a_failing_reconciliation_turns_the_publication_unverified_and_drops_the_old_figure(coin):
    _attest(coin, "101")
    stablecoin_reconcile(stablecoin=coin, trigger="manual")
    # An operator registers a licence whose profile has no rule pack: every reconciliation of it fails.
    Licence.objects.filter(stablecoin=coin).update(profile="UK_FCA")
    with pytest.raises(Exception, match="UK_FCA"):
        stablecoin_reconcile(stablecoin=coin, trigger="manual")
    head = PublicationHead.objects.get(stablecoin=coin, profile="UK_FCA").publication
    assert head.verdict == UNVERIFIED and head.figures == {} and head.run is None
    assert "UK_FCA" in head.reasons[0]["text"]


def test_chain_data_ages_into_unverified_between_publications(coin, settings):
    _attest(coin, "101")
    stablecoin_reconcile(stablecoin=coin, trigger="manual")
    Publication.objects.update(read_at=timezone.now() - timedelta(seconds=settings.CHAIN_STALE_AFTER + 5))
    state = _state()
    assert state.freshness.status == "stale" and state.verdict == UNVERIFIED


def test_a_coin_under_two_licences_shows_each_and_headlines_the_worst(coin):
    # 5 of the 105 tokens are frozen; both licences keep them outstanding (and backed).
    SupplyReading.objects.filter(deployment__stablecoin=coin).update(
        total_supply=105 * 10**6,
        balances=[{"bucket": Bucket.FROZEN, "address": "0x" + "02" * 20, "raw": str(5 * 10**6)}],
    )
    # The same reserves are eligible in Hong Kong; MiCA counts only deposits at credit institutions,
    # and this one's custodian type is not stated, so MiCA fails its deposit minimum (R11, high).
    Licence.objects.create(stablecoin=coin, profile="EU_MICA", licence_id="EMT-1")
    Licence.objects.filter(profile="HK").update(buffer_min=Decimal("0.10"))
    _attest(coin, "106")
    stablecoin_reconcile(stablecoin=coin, trigger="manual")
    state = _state()
    verdicts = {s.profile: s.verdict for s in state.licences}
    assert verdicts["HK"] == AT_RISK  # 106 against 105 outstanding: inside the licence's 10 % buffer (R3)
    assert verdicts["EU_MICA"] == AT_RISK
    assert state.headline is not None and state.outstanding == Decimal(105)
    assert [s.profile for s in state.licences] == ["EU_MICA", "HK"]  # equally bad: by profile


def test_the_prepared_api_answer_is_the_read_models_answer_fresh_and_stale(coin, settings):
    _attest(coin, "101")
    stablecoin_reconcile(stablecoin=coin, trigger="manual")
    now = timezone.now()
    [answer] = coin_answers(symbol="ALC", now=now)
    [state] = coin_states(published_only=True, symbol="ALC", now=now)
    assert state.verdict == BACKED
    assert json.loads("{" + answer.body + "}") == coin_fields(state)
    later = now + timedelta(seconds=settings.CHAIN_STALE_AFTER + 60)
    [answer] = coin_answers(symbol="ALC", now=later)
    [state] = coin_states(published_only=True, symbol="ALC", now=later)
    assert state.verdict == UNVERIFIED and answer.freshness["status"] == state.freshness.status == "stale"
    assert json.loads("{" + answer.body + "}") == coin_fields(state)
