"""Redemptions (issuer) and custodian confirmations over the API, and the lighter daily statement."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from eth_account import Account
from rest_framework.authtoken.models import Token

from attest.models import Attestation, CustodianConfirmation, Membership, Redemption, ReportType, Role
from attest.services import attestation_create, attestation_submit
from attest.signing import signature_make
from attest.tests.conftest import MALLORY_KEY, _user, holdings

pytestmark = pytest.mark.django_db
CUSTODIAN_KEY = "0x" + "44" * 32


def _client(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")


def _iso(hours_ago: float) -> str:
    return (timezone.now() - timedelta(hours=hours_ago)).isoformat()


def test_an_issuer_reports_redemptions_as_json_and_csv_and_settles_them_once(issuer_alice, issuer_erin):
    api = _client(issuer_alice)
    url = "/api/v1/issuer/redemptions/"
    batch: dict[str, Any] = {
        "stablecoin": "ALPHA",
        "redemptions": [
            {"request_id": "R-1", "received_at": _iso(30), "amount": "1000.5"},
            {"request_id": "R-2", "received_at": _iso(20), "amount": "20", "settled_at": _iso(2), "fee": "0"},
        ],
    }
    assert api.post(url, batch, content_type="application/json").json() == {
        "created": 2,
        "settled": 0,
        "unchanged": 0,
    }
    settle = b"request_id,received_at,amount,settled_at,fee\n"
    settle += f"R-1,{batch['redemptions'][0]['received_at']},1000.5,{_iso(1)},1.25\n".encode()
    done = api.post(url, {"stablecoin": "ALPHA", "file": SimpleUploadedFile("r.csv", settle)})
    assert done.status_code == 201 and done.json()["settled"] == 1
    stored = Redemption.objects.get(request_id="R-1")
    assert stored.amount == Decimal("1000.5") and stored.fee == Decimal("1.25") and stored.settled_at is not None
    # A settled redemption never changes, and a bad row refuses the whole batch with its row named.
    changed = api.post(url, {"stablecoin": "ALPHA", "file": SimpleUploadedFile("r.csv", settle.replace(b"1.25", b"2"))})
    assert changed.status_code == 400 and "settled already" in changed.json()["errors"]["redemptions.0.request_id"][0]
    bad = b"request_id,received_at,amount\nR-3,yesterday,5\nR-4,2026-11-02T10:00:00,-1\n"
    errors = api.post(url, {"stablecoin": "ALPHA", "file": SimpleUploadedFile("r.csv", bad)}).json()["errors"]["csv"]
    assert any("Row 1 (line 2), received_at" in e for e in errors) and any(
        "Row 2 (line 3), received_at" in e for e in errors
    )
    assert Redemption.objects.count() == 2
    # JSON numbers would have passed through a float; another issuer's coin is not there to report on.
    as_number = {"stablecoin": "ALPHA", "redemptions": [{"request_id": "X", "received_at": _iso(1), "amount": 5}]}
    assert "redemptions.0.amount" in api.post(url, as_number, content_type="application/json").json()["errors"]
    assert _client(issuer_erin).post(url, batch, content_type="application/json").status_code == 400
    assert [r["request_id"] for r in api.get(url + "?stablecoin=ALPHA").json()] == ["R-2", "R-1"]  # newest first


def test_a_custodian_confirms_balances_signed_with_its_registered_key(issuer_alice, alpha, alpha_draft):
    Attestation.objects.filter(pk=alpha_draft.pk).update(status="submitted")  # signing is not what is tested here
    custodian_name = alpha_draft.holdings.first().custodian
    custodian = _user("custodian_cara", Role.CUSTODIAN, custodian_name=custodian_name)
    Membership.objects.filter(user=custodian).update(signing_address=Account.from_key(CUSTODIAN_KEY).address)
    api = _client(custodian)
    body = {
        "stablecoin": "ALPHA",
        "cut_off": alpha_draft.as_of.isoformat(),
        "balances": [{"account": "FBO-1", "currency": "hkd", "amount": "100.25"}],
    }
    typed = api.post("/api/v1/custodian/confirmations/typed-data/", body, content_type="application/json").json()
    forged = api.post(
        "/api/v1/custodian/confirmations/",
        {**body, "signature": signature_make(typed["typed_data"], MALLORY_KEY)},
        content_type="application/json",
    )
    assert forged.status_code == 400 and "not by the registered" in forged.json()["errors"]["signature"][0]
    signed = api.post(
        "/api/v1/custodian/confirmations/",
        {**body, "signature": signature_make(typed["typed_data"], CUSTODIAN_KEY)},
        content_type="application/json",
    )
    assert signed.status_code == 201, signed.json()
    assert signed.json()["payload_sha256"] == typed["payload_sha256"]
    assert signed.json()["signer_address"] == Account.from_key(CUSTODIAN_KEY).address
    again = api.post("/api/v1/custodian/confirmations/", body, content_type="application/json")
    assert again.status_code == 400 and "already" in again.json()["errors"]["cut_off"][0]
    assert CustodianConfirmation.objects.count() == 1
    # Issuer staff are not custodians, and a custodian confirms only coins whose statements name it.
    assert (
        _client(issuer_alice)
        .post("/api/v1/custodian/confirmations/", body, content_type="application/json")
        .status_code
        == 403
    )
    stranger = _client(_user("custodian_sam", Role.CUSTODIAN, custodian_name="Elsewhere Bank"))
    assert stranger.post("/api/v1/custodian/confirmations/", body, content_type="application/json").status_code == 400


def test_a_daily_statement_is_an_attestation_without_certification_or_report(issuer_erin, beta):
    as_of = timezone.now() - timedelta(hours=1)
    lines = [h for h in holdings() if h.currency == "HKD"][:1]
    lines = [type(lines[0])(**{**lines[0].__dict__, "currency": "USD"})]
    monthly = attestation_create(user=issuer_erin, stablecoin=beta, as_of=as_of, as_of_timezone="UTC", holdings=lines)
    with pytest.raises(ValidationError, match="CEO"):
        attestation_submit(user=issuer_erin, attestation=monthly)
    daily = attestation_create(
        user=issuer_erin,
        stablecoin=beta,
        as_of=as_of,
        as_of_timezone="UTC",
        holdings=lines,
        report_type=ReportType.DAILY_STATEMENT,
    )
    assert attestation_submit(user=issuer_erin, attestation=daily).status == "submitted"
