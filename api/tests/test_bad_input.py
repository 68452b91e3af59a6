"""Bad input gets a 400 with a message keyed to the field, never a 500, and writes nothing.

Each case here is one the abuse probe of issue 13 found answering 500 or accepted: text longer than
its column, NaN/sNaN/Infinity, exponents and fullwidth digits in amounts, NUL bytes, impossible
years and UTC offsets, oversize lists, and a malformed signature.
"""

import csv
import io
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from attest.models import Attestation, AuditEntry, Holding
from tests import api_data

pytestmark = pytest.mark.django_db


def fullwidth(text: str) -> str:
    """The text with its ASCII digits as fullwidth digits (U+FF10 to U+FF19), which Decimal() and int() accept."""
    return "".join(chr(0xFF10 + int(c)) if c.isdigit() else c for c in text)


BASE = "/api/v1/issuer/attestations/"
HOLDING = {"asset_class": "cash", "custodian": "Vault", "currency": "HKD", "market_value": "1"}


def _client(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")


def _body(**extra):
    as_of = (timezone.now() - timedelta(hours=1)).replace(tzinfo=None).isoformat(timespec="seconds")
    return {"stablecoin": "ALPHA", "as_of": as_of, "holdings": [HOLDING], **extra}


def _line(**extra):
    return {**HOLDING, **extra}


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        ({"assurer_name": "x" * 100_000}, "assurer_name"),
        ({"ceo_name": "\N{GRINNING FACE}" * 1_000}, "ceo_name"),
        ({"standard": "ISAE\x013000"}, "standard"),
        ({"stated_total_reserves": "sNaN"}, "stated_total_reserves"),
        ({"stated_total_reserves": "NaN"}, "stated_total_reserves"),
        ({"stated_total_reserves": "-Infinity"}, "stated_total_reserves"),
        ({"stated_total_reserves": "0E-1000000"}, "stated_total_reserves"),
        ({"stated_total_reserves": fullwidth("123")}, "stated_total_reserves"),
        ({"stated_total_reserves": "1_000"}, "stated_total_reserves"),
        ({"holdings": [_line(fx_rate="sNaN", currency="USD")]}, "holdings.0.fx_rate"),
        ({"holdings": [_line(market_value="Infinity")]}, "holdings.0.market_value"),
        ({"holdings": [_line(custodian="C" * 201)]}, "holdings.0.custodian"),
        ({"holdings": [_line(custodian="Vault\x00")]}, "holdings.0.custodian"),
        ({"holdings": [_line(maturity_date="0001-01-01")]}, "holdings.0.maturity_date"),
        ({"holdings": [_line(maturity_date="2027-02-30")]}, "holdings.0.maturity_date"),
        ({"holdings": [_line(maturity_date=fullwidth("2027-01-01"))]}, "holdings.0.maturity_date"),
        ({"as_of": "0001-01-01T00:00:00+08:00"}, "as_of"),
        ({"as_of": "2026-01-01T00:00:00+20:00"}, "as_of"),
        ({"report_signed_at": "0001-01-01T00:00:00Z"}, "report_signed_at"),
        ({"as_of_timezone": "UTC\x00"}, "as_of_timezone"),
        ({"as_of_timezone": "Z" * 100_000}, "as_of_timezone"),
        ({"issuer_figures": [{"chain_id": 2**64, "outstanding": "1"}]}, "issuer_figures.0.chain_id"),
        ({"issuer_figures": [{"chain_id": fullwidth("1"), "outstanding": "1"}]}, "issuer_figures.0.chain_id"),
        ({"holdings": [HOLDING] * 20_000}, "holdings"),
        ({"stablecoin": "ALPHA\x00"}, "stablecoin"),
        ({"auditor": "a" * 100_000}, "auditor"),
    ],
)
def test_the_issuer_api_refuses_bad_input_with_a_400_and_writes_nothing(issuer_alice, extra, key):
    entries = AuditEntry.objects.count()  # the fixtures' registry rows are logged too
    response = _client(issuer_alice).post(BASE, _body(**extra), content_type="application/json")
    assert response.status_code == 400, response.content[:300]
    assert key in response.json()["errors"], response.json()
    assert not Attestation.objects.exists() and AuditEntry.objects.count() == entries


def test_a_draft_takes_at_most_500_lines_however_they_arrive(alpha_draft, issuer_alice):
    api = _client(issuer_alice)
    url = f"{BASE}{alpha_draft.pk}/holdings/"
    too_many = api.post(url, [HOLDING] * 499, content_type="application/json")  # the draft has 2 already
    assert too_many.status_code == 400 and "At most 500" in too_many.json()["errors"]["holdings"][0]
    csv = b"asset_class,custodian,currency,market_value\n" + b"cash,Till,HKD,1\n" * 501
    assert "More than 500 rows" in api.post(url, {"file": _csv(csv)}).json()["errors"]["csv"][0]
    assert Holding.objects.filter(attestation=alpha_draft).count() == 2


def _csv(content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("h.csv", content)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"asset_class,custodian,currency,market_value\ncash,Ti\x00ll,HKD,1\n", "control character (U+0000)"),
        (b"asset_class,custodian,currency,market_value\ncash,Till,HKD,sNaN\n", "not a decimal number"),
        (b"asset_class,custodian,currency,market_value\ncash,Till,HKD,\xef\xbc\x91\n", "not a decimal number"),
        (b'asset_class,custodian,currency,market_value\ncash,"' + b"x" * 200_000 + b'",HKD,1\n', "not readable"),
    ],
)
def test_the_csv_import_refuses_what_the_api_refuses(alpha_draft, issuer_alice, content, message):
    response = _client(issuer_alice).post(f"{BASE}{alpha_draft.pk}/holdings/", {"file": _csv(content)})
    assert response.status_code == 400
    assert message in response.json()["errors"]["csv"][0]
    assert Holding.objects.filter(attestation=alpha_draft).count() == 2


def test_odd_bodies_and_signatures_get_a_400(alpha_draft, issuer_alice):
    api = _client(issuer_alice)
    url = f"{BASE}{alpha_draft.pk}/"
    assert api.put(url, [1, 2], content_type="application/json").status_code == 400
    for signature in ("ff" * 65, "0x" + "00" * 65, "z" * 10_000):
        response = api.post(url + "signatures/", {"signature": signature}, content_type="application/json")
        assert response.status_code == 400, signature[:10]
    reason = api.post(url.replace(str(alpha_draft.pk), str(alpha_draft.pk)) + "amend/", {"reason": "x" * 20_000})
    assert reason.status_code == 400


@pytest.mark.parametrize(
    "query",
    [
        "from=2026-01-01T00:00:00%2B20:00",
        "to=0001-01-01T00:00:00-12:00",
        "from=%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%96-01-01",
        "from=2026-13-01",
        "profile=%00",
        "profile=XX",
    ],
)
def test_the_history_refuses_bad_parameters_with_a_400(query):
    api_data.coin("USDX")
    response = Client().get(f"/api/v1/stablecoins/USDX/history/?{query}")
    assert response.status_code == 400, response.content[:300]
    assert response.json()["error"]["code"] == "invalid"


def test_a_nul_in_a_path_is_a_404():
    for path in ("/api/v1/stablecoins/US%00DX/", "/api/v1/stablecoins/US%00DX/history/", "/coins/US%00DX/"):
        assert Client().get(path).status_code == 404, path


def test_issuer_text_starting_a_formula_is_defused_in_the_api_csv():
    api_data.coin("USDX", reserves="4800000")
    Attestation.objects.update(assurer_name='=HYPERLINK("http://evil")', amendment_reason="@SUM(1)")
    text = Client().get("/api/v1/stablecoins/USDX/attestations/?format=csv").content.decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows and rows[0]["assurer_name"] == '\'=HYPERLINK("http://evil")'
    assert rows[0]["amendment_reason"] == "'@SUM(1)"
    assert not any(cell.startswith(("=", "+", "@", "\t", "\r")) for row in rows for cell in row.values())


def test_the_auditor_field_does_not_tell_which_usernames_exist(issuer_alice, auditor_dan, regulator_bob):
    answers = [
        _client(issuer_alice).post(BASE, _body(auditor=name), content_type="application/json").json()
        for name in ("no_such_user", "regulator_bob", "issuer_alice")
    ]
    assert answers[0] == answers[1] == answers[2] == {"errors": {"auditor": ["Choose a registered auditor."]}}
    assert (
        _client(issuer_alice).post(BASE, _body(auditor="auditor_dan"), content_type="application/json").status_code
        == 201
    )


def test_a_request_django_refuses_before_any_view_is_a_json_400_under_the_api():
    response = Client(HTTP_HOST="").get("/api/v1/stablecoins/")
    assert response.status_code == 400 and response.json()["error"]["code"] == "bad_request"
