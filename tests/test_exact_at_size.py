"""Exact at any size: a USDT-sized coin and a 10**30-base-unit coin, from the chain to every surface.

Each case mints its supply on anvil, files an attestation of reserves as large, reads, reconciles and
publishes, then checks the same digits come back from the database, the public API (JSON and CSV),
the public and regulator pages, the regulator's CSV exports, the run bundle and ``verifyrun``.
"""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from api.serializers import ExactAmountField
from attest.models import Licence, Membership, Role
from attest.services import HoldingInput, attestation_create
from attest.validation import IssuerFigureInput
from chain.models import Network
from chain.services import supply_read_network
from chain.tests.helpers import coin, deployment, network
from chain.units import exact_arithmetic, tokens
from devtools.devchain import DEV_ACCOUNTS, deploy_stablecoin, mine, send
from jobs.workflows import attestation_submit
from reserves.models import ReconciliationRun
from reserves.services import stablecoin_reconcile
from web.format import fmt_amount

pytestmark = pytest.mark.django_db
OWNER, HOLDER, TREASURY = DEV_ACCOUNTS[:3]

# (symbol, decimals, raw base units held by the public, raw in treasury, reserves in currency units)
CASES = [
    # USDT's size: 1.4 x 10**11 tokens at 6 decimals, backed by as many dollars and a cent.
    ("USDT", 6, 140_000_000_000 * 10**6 + 123_456, 10**6, "140000000000.130000"),
    # 10**30 base units at 18 decimals (10**12 tokens, one base unit past it), backed by 10**18 dollars.
    ("BIGC", 18, 10**30 + 1, 7 * 10**17, "1000000000000000000.000001"),
]


def _issuer_user(stablecoin):
    user = get_user_model().objects.create_user(username=f"staff-{stablecoin.symbol.lower()}", password="x")
    Membership.objects.create(user=user, role=Role.ISSUER, issuer=stablecoin.issuer)
    return user


@pytest.mark.parametrize(("symbol", "decimals", "public", "treasury", "reserves"), CASES)
def test_it_is_exact_from_chain_to_every_surface(
    chain_snapshot, symbol, decimals, public, treasury, reserves, django_capture_on_commit_callbacks
):
    rpc = chain_snapshot.rpc
    token = deploy_stablecoin(rpc, name=symbol, symbol=symbol, decimals=decimals, owner=OWNER, proxied=True)
    send(rpc, token, "mint(address,uint256)", [HOLDER, public], sender=OWNER)
    send(rpc, token, "mint(address,uint256)", [TREASURY, treasury], sender=OWNER)
    mine(rpc, 1)
    stablecoin = coin(symbol, currency="USD")
    Licence.objects.create(stablecoin=stablecoin, profile="HK", licence_id=f"{symbol}-1")
    net = network(chain_snapshot)
    deployment(stablecoin, net, token, decimals=decimals, kind="proxy", deductions=[("treasury", TREASURY)])
    outstanding = tokens(public, decimals)  # exact (a bare Decimal.scaleb would round to 28 digits)
    outstanding_text = f"{outstanding:f}" if decimals >= 18 else f"{outstanding:.18f}"

    # The issuer API takes the figures (a JSON string each) and the draft stores them to the last digit.
    user = _issuer_user(stablecoin)
    api = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    as_of = timezone.now() - timedelta(seconds=5)
    body = {
        "stablecoin": symbol,
        "as_of": as_of.replace(tzinfo=None).isoformat(timespec="seconds"),
        "as_of_timezone": "UTC",
        "holdings": [
            {"asset_class": "demand_deposit", "custodian": "Big Bank", "currency": "USD", "market_value": reserves}
        ],
        "issuer_figures": [{"chain_id": net.chain_id, "outstanding": outstanding_text}],
    }
    created = api.post("/api/v1/issuer/attestations/", body, content_type="application/json")
    assert created.status_code == 201, created.json()
    draft = stablecoin.attestations.get(pk=created.json()["id"])
    assert draft.issuer_figures.get().outstanding == outstanding
    assert draft.holdings.get().market_value == Decimal(reserves)

    # What the reconciliation relies on: an attestation filed and submitted the way the demo files one.
    attestation = attestation_create(
        user=user,
        stablecoin=stablecoin,
        as_of=as_of,
        as_of_timezone="UTC",
        holdings=[HoldingInput("demand_deposit", "Big Bank", "USD", Decimal(reserves))],
        issuer_figures=[IssuerFigureInput(net.chain_id, outstanding)],
    )
    attestation_submit(user=user, attestation=attestation)
    [reading] = supply_read_network(network=Network.objects.get(pk=net.pk), stablecoin=stablecoin)
    assert reading.total_supply == public + treasury
    with django_capture_on_commit_callbacks(execute=False):
        [run] = stablecoin_reconcile(stablecoin=stablecoin, trigger="supply")
    run = ReconciliationRun.objects.get(pk=run.pk)
    assert run.outstanding == outstanding
    assert run.reserves == Decimal(reserves)
    with exact_arithmetic():
        assert run.headroom == Decimal(reserves) - outstanding
    assert run.status == "backed"

    # The public API: the figure as a string, every digit, in JSON and in CSV.
    client = Client()
    answer = client.get(f"/api/v1/stablecoins/{symbol}/").json()
    assert Decimal(answer["outstanding"]["amount"]) == outstanding
    assert answer["outstanding"]["amount"] == outstanding_text
    assert Decimal(answer["reserves"]["amount"]) == Decimal(reserves)
    rows = client.get(f"/api/v1/stablecoins/{symbol}/supply/").json()["results"]
    total = {r["bucket"]: r for r in rows}["total_supply"]
    assert total["raw"] == str(public + treasury)
    assert Decimal(total["amount"]) == tokens(public + treasury, decimals)
    listing = client.get("/api/v1/stablecoins/?format=csv").content.decode()
    assert outstanding_text in listing
    history = client.get(f"/api/v1/stablecoins/{symbol}/history/?format=csv").content.decode()
    assert outstanding_text in history

    # The pages: grouped whole digits, nothing in scientific notation, nothing rounded away before the cents.
    whole = f"{int(outstanding):,}"
    public_page = client.get(f"/coins/{symbol}/").content.decode()
    assert whole in public_page and "E+" not in public_page
    regulator = get_user_model().objects.create_user(username="reg", password="x")
    Membership.objects.create(user=regulator, role=Role.REGULATOR)
    client.force_login(regulator)
    page = client.get(f"/regulator/coins/{symbol}/").content.decode()
    assert whole in page and "E+" not in page
    runs_csv = client.get(f"/regulator/coins/{symbol}/runs.csv").content.decode()
    assert outstanding_text in runs_csv or f"{outstanding:f}" in runs_csv
    overview = client.get("/regulator/?format=csv").content.decode()
    assert outstanding_text in overview or f"{outstanding:f}" in overview

    # The bundle carries the raw supply as a decimal string, and verifyrun re-reads and recomputes it.
    bundle = client.get(f"/api/v1/runs/{run.pk}/bundle/").json()
    assert bundle["inputs"]["readings"][0]["total_supply"] == str(public + treasury)
    out = io.StringIO()
    call_command("verifyrun", str(run.pk), "--rpc", chain_snapshot.url, stdout=out)
    assert "OK" in out.getvalue()


def test_pages_and_api_write_a_uint256_of_tokens_digit_for_digit():
    top = 2**256 - 1
    assert fmt_amount(tokens(top, 0)) == f"{top:,}.00"  # the default 28-digit context raised here
    digits = str(top)
    assert ExactAmountField().to_representation(tokens(top, 77)) == f"{digits[0]}.{digits[1:]}"
    assert ExactAmountField().to_representation(Decimal("1.5")) == "1.500000000000000000"
    assert ExactAmountField(places=12).to_representation(Decimal(10) ** 36) == "1" + "0" * 36 + ".000000000000"
