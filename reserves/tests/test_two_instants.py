"""Issue 17 point 3: the verdict stands on one instant, the attestation's as-of, on both sides; the
latest supply against the last attested reserves is published beside it as an indicative headroom."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation
from django.utils.translation import gettext

from attest.models import Issuer, Membership, Role, Stablecoin
from attest.services import HoldingInput, attestation_create, attestation_submit
from chain.models import Deployment, Network, SupplyReading
from reserves.documents import coin_fields
from reserves.models import Flag, FlagStatus, PublicationHead
from reserves.readmodel import coin_state
from reserves.services import reconciliation_run, stablecoin_reconcile
from reserves.verdict import BACKED, BASIS_LABELS, INDICATIVE_LABEL

pytestmark = pytest.mark.django_db


@pytest.fixture
def coin() -> Stablecoin:
    issuer = Issuer.objects.create(name="Alice Money Ltd")
    user = get_user_model().objects.create_user("issuer_alice", password="x")
    Membership.objects.create(user=user, role=Role.ISSUER, issuer=issuer)
    return Stablecoin.objects.create(issuer=issuer, symbol="ALC", name="Alice Coin", currency="USD")


def _reading(coin: Stablecoin, block: int, at: datetime, tokens: int) -> SupplyReading:
    network, _ = Network.objects.get_or_create(name="t", chain_id=31337)
    deployment, _ = Deployment.objects.get_or_create(
        stablecoin=coin, network=network, defaults={"address": "0x" + "aa" * 20, "decimals": 6}
    )
    return SupplyReading.objects.create(
        deployment=deployment,
        chain_id=31337,
        block_number=block,
        block_hash=f"0x{block:064x}",
        block_time=at,
        total_supply=tokens * 10**6,
        balances=[],
        read_at=at,
    )


def test_the_verdict_is_judged_at_the_as_of_instant_and_the_latest_supply_is_indicative(coin):
    # Relative to the clock (read when the test runs): the publication judges chain data by its age.
    now = datetime.now(UTC).replace(microsecond=0)
    as_of = now - timedelta(days=1)
    user = get_user_model().objects.get(username="issuer_alice")
    attestation = attestation_submit(
        user=user,
        attestation=attestation_create(
            user=user,
            stablecoin=coin,
            as_of=as_of,
            as_of_timezone="UTC",
            holdings=[HoldingInput("demand_deposit", "Bank", "USD", Decimal("101"))],
        ),
    )
    at_as_of = _reading(coin, 10, as_of - timedelta(seconds=30), 100)
    # The attestation's own run, as attestation_reconcile makes it once it has pinned supply at the as-of.
    reconciliation_run(
        stablecoin=coin,
        attestation=attestation,
        readings=[at_as_of],
        trigger="attestation",
        now=now,
        readings_basis="as_of",
    )
    _reading(coin, 20, now - timedelta(seconds=30), 120)  # 20 more tokens minted since

    [verdict_run] = stablecoin_reconcile(stablecoin=coin, trigger="schedule", now=now)

    # Before: the latest 120 tokens were compared with the reserves of the day before: "under-collateralised".
    assert verdict_run.inputs["readings_basis"] == "as_of" and verdict_run.outstanding == Decimal(100)
    assert not Flag.objects.filter(stablecoin=coin, rule="R1").exclude(status=FlagStatus.RESOLVED).exists()
    published = PublicationHead.objects.get(stablecoin=coin).publication
    assert (published.verdict, published.readings_basis) == (BACKED, "as_of")
    assert [b["block_number"] for b in published.blocks] == [10]
    indicative = published.indicative
    assert indicative["label"] == INDICATIVE_LABEL
    assert Decimal(indicative["figures"]["headroom"]) == Decimal(-19)
    assert [b["block_number"] for b in indicative["blocks"]] == [20]

    state = coin_state(symbol="ALC", published_only=True)
    assert state is not None and state.indicative is not None
    fields = coin_fields(state)
    assert fields["figures_basis"]["basis"] == "as_of" and "as-of" in fields["figures_basis"]["label"]
    assert fields["indicative"]["headroom"] == "-19.000000000000000000"
    assert fields["outstanding"]["amount"] == "100.000000000000000000"


def test_without_an_attestation_the_latest_supply_is_the_only_instant_and_says_so(coin):
    now = datetime.now(UTC).replace(microsecond=0)
    _reading(coin, 20, now - timedelta(seconds=30), 120)
    stablecoin_reconcile(stablecoin=coin, trigger="schedule", now=now)
    published = PublicationHead.objects.get(stablecoin=coin).publication
    assert (published.readings_basis, published.indicative) == ("latest", {})


def test_an_attestation_without_its_as_of_run_is_not_published_as_if_none_stood(coin):
    """Its as-of read not made yet, or refused (a node without that block's state): the latest supply stands in
    for both runs' readings and the publication says why, rather than "latest: no attestation to pin to"."""
    now = datetime.now(UTC).replace(microsecond=0)
    user = get_user_model().objects.get(username="issuer_alice")
    attestation_submit(
        user=user,
        attestation=attestation_create(
            user=user,
            stablecoin=coin,
            as_of=now - timedelta(days=1),
            as_of_timezone="UTC",
            holdings=[HoldingInput("demand_deposit", "Bank", "USD", Decimal("101"))],
        ),
    )
    _reading(coin, 20, now - timedelta(seconds=30), 100)

    [verdict_run] = stablecoin_reconcile(stablecoin=coin, trigger="schedule", now=now)
    assert verdict_run.inputs["readings_basis"] == "latest_as_of_unread"
    assert verdict_run.attestation is not None and verdict_run.outstanding == Decimal(100)
    published = PublicationHead.objects.get(stablecoin=coin).publication
    assert published.readings_basis == "latest_as_of_unread"
    state = coin_state(symbol="ALC", published_only=True)
    assert state is not None
    label = coin_fields(state)["figures_basis"]["label"]
    assert label == BASIS_LABELS["latest_as_of_unread"] and "not read yet" in label
    with translation.override("zh-hant"):
        assert "尚未讀取" in gettext(label)  # the pages word it in the reader's language
