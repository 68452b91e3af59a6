"""One truth on every surface: the demo's coins show the same verdict and figures everywhere.

The demo seeded on anvil, reconciled in-process; then USDX files an attestation that leaves it
US$200k short, and the regulator asks for changes. Every surface (API detail, API list as JSON and
CSV, the public coin page, the regulator overview as HTML, JSON and CSV, the regulator coin page)
must then tell each coin's story the same way.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from attest.models import Attestation, AttestationStatus, Stablecoin
from attest.review import attestation_review
from attest.services import HoldingInput, attestation_create, attestation_submit
from attest.validation import AttestationDetails
from chain.models import Network
from chain.services import supply_read_all
from devtools.demo import DEMO_PASSWORDS, demo_seed
from reserves.readmodel import coin_states
from reserves.services import attestation_reconcile, stablecoin_reconcile
from reserves.verdict import LABELS

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

EXPECTED = {
    "HKDA": "backed",
    "USDX": "under_collateralised",
    "EURA": "backed",
    "USDS": "unverified",
    "HKDB": "at_risk",
    "HKDC": "at_risk",  # continuous supervision: R19, R21, R28 (devtools/demo_supervision.py)
    "USDL": "under_collateralised",  # short for a month: R4's liquidation trigger
}


def _file_usdx_short() -> Attestation:
    user = get_user_model().objects.get(username="issuer")
    now = datetime.now(UTC).replace(microsecond=0)
    attestation = attestation_create(
        user=user,
        stablecoin=Stablecoin.objects.get(symbol="USDX"),
        as_of=now,
        as_of_timezone="UTC",
        holdings=[HoldingInput("demand_deposit", "First Example Bank", "USD", Decimal("4800000"))],
        details=AttestationDetails(
            ceo_name="Ada Chief", ceo_certified_at=now, cfo_name="Bo Money", cfo_certified_at=now
        ),
    )
    return attestation_submit(user=user, attestation=attestation)


@pytest.fixture
def demo(anvil, chain_snapshot) -> None:
    demo_seed(rpc_url=anvil.url)
    for attestation in Attestation.objects.all():
        attestation_reconcile(attestation=attestation)
    supply_read_all(network=Network.objects.get())
    usdx = _file_usdx_short()
    attestation_reconcile(attestation=usdx)
    regulator = get_user_model().objects.get(username="regulator")
    attestation_review(
        user=regulator, attestation=usdx, decision=AttestationStatus.CHANGES_REQUESTED, comment="Show the bank letters."
    )
    for coin in Stablecoin.objects.all():
        stablecoin_reconcile(stablecoin=coin, trigger="manual")


def _csv(body: bytes) -> dict[str, dict[str, str]]:
    return {row["symbol"]: row for row in csv.DictReader(io.StringIO(body.decode()))}


def test_every_surface_tells_the_same_story(demo):
    states = {s.coin.symbol: s for s in coin_states(published_only=False)}
    assert {symbol: s.verdict for symbol, s in states.items()} == EXPECTED
    usdx = states["USDX"]
    assert usdx.review_status == "changes_requested" and "under review" in usdx.review_label
    assert usdx.ratio_display == "0.9600" and usdx.headroom == Decimal("-200000")
    assert {f["rule"] for f in usdx.findings} >= {"R1"}

    public = Client()
    listed = {c["symbol"]: c for c in public.get("/api/v1/stablecoins/").json()}
    listed_csv = _csv(public.get("/api/v1/stablecoins/?format=csv").content)
    regulator = Client()
    assert regulator.login(username="regulator", password=DEMO_PASSWORDS["regulator"])
    overview = regulator.get("/regulator/").content.decode()
    overview_json = {c["symbol"]: c for c in regulator.get("/regulator/overview.json").json()["coins"]}
    overview_csv = _csv(regulator.get("/regulator/?format=csv").content)

    for symbol, verdict in EXPECTED.items():
        state = states[symbol]
        detail = public.get(f"/api/v1/stablecoins/{symbol}/").json()
        assert detail["status"] == listed[symbol]["status"] == verdict, symbol
        assert listed_csv[symbol]["status"] == overview_json[symbol]["status"] == verdict, symbol
        assert overview_csv[symbol]["status"] == verdict, symbol
        ratio = state.ratio_display
        assert detail["backing_ratio_display"] == listed[symbol]["backing_ratio_display"] == ratio, symbol
        assert overview_json[symbol]["display"]["backing_ratio"] == (ratio or "—"), symbol
        assert detail["outstanding"]["amount"] == listed_csv[symbol]["outstanding.amount"], symbol
        assert Decimal(detail["outstanding"]["amount"]) == Decimal(overview_csv[symbol]["outstanding"]), symbol
        assert state.publication is not None and detail["publication_id"] == state.publication.pk, symbol
        label = LABELS[verdict]
        assert f'data-verdict="{verdict}"' in overview and label in overview
        page = public.get(f"/coins/{symbol}/").content.decode()
        assert f'data-verdict="{verdict}"' in page and label in page, symbol
        if ratio:
            assert ratio in page, symbol
        coin_page = regulator.get(f"/regulator/coins/{symbol}/").content.decode()
        assert f'data-verdict="{verdict}"' in coin_page, symbol
    # The review state travels with the shortfall.
    assert "under review" in public.get("/coins/USDX/").content.decode()
    assert listed["USDX"]["reserves"]["attestation_status"] == "changes_requested"
    # "Backed" never appears while a critical or high finding is open.
    for symbol, item in listed.items():
        if item["status"] == "backed":
            assert not [f for f in item["open_flags"] if f["severity"] in ("critical", "high")], symbol
