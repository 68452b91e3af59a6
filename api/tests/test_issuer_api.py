"""The issuer API does what the form does, with the same validation and JSON error bodies."""

from datetime import timedelta

import pytest
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.utils import timezone
from rest_framework.authtoken.models import Token

from attest.models import Attestation, AttestationStatus
from attest.signing import signature_make
from attest.tests.conftest import ALPHA_KEY, PDF

pytestmark = pytest.mark.django_db
BASE = "/api/v1/issuer/attestations/"


def _client(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")


def _body(**extra):
    return {
        "stablecoin": "ALPHA",
        "as_of": (timezone.now() - timedelta(hours=1)).replace(tzinfo=None).isoformat(timespec="seconds"),
        "as_of_timezone": "UTC",
        "assurer_name": "Count & Co",
        "auditor": "auditor_dan",
        "stated_total_reserves": "150.25",
        "holdings": [{"asset_class": "cash", "custodian": "Vault", "currency": "hkd", "market_value": "100.25"}],
        "issuer_figures": [{"chain_id": 1, "outstanding": "150"}],
        **extra,
    }


def test_it_files_an_attestation_end_to_end(issuer_alice, auditor_dan):
    api = _client(issuer_alice)
    created = api.post(BASE, _body(stated_total_reserves=None), content_type="application/json")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    url = f"{BASE}{pk}/"
    added = api.post(
        url + "holdings/",
        [{"asset_class": "tbill", "custodian": "Depo", "currency": "HKD", "market_value": "50"}],
        content_type="application/json",
    )
    assert added.json() == {"lines": [2]}
    csv = b"asset_class,custodian,currency,market_value\ncash,Till,HKD,0.5\n"
    assert api.post(url + "holdings/", {"file": _file("h.csv", csv)}).json() == {"lines": [3]}
    document = api.put(url + "document/", encode_multipart(BOUNDARY, {"file": _file("r.pdf", PDF)}), MULTIPART_CONTENT)
    assert document.status_code == 200, document.json()
    assert len(document.json()["document_sha256"]) == 64
    not_pdf = api.put(
        url + "document/", encode_multipart(BOUNDARY, {"file": _file("r.pdf", b"GIF89")}), MULTIPART_CONTENT
    )
    assert not_pdf.json() == {"errors": {"document": ["The report is not a PDF (it does not start with %PDF-)."]}}
    refused = api.post(url + "submit/")
    assert refused.status_code == 400
    assert "signature" in refused.json()["errors"]
    typed = api.get(url + "typed-data/").json()
    signed = api.post(
        url + "signatures/", {"signature": signature_make(typed, ALPHA_KEY)}, content_type="application/json"
    )
    assert signed.status_code == 201 and signed.json()["role"] == "issuer"
    submitted = api.post(url + "submit/")
    assert submitted.status_code == 200, submitted.json()
    assert submitted.json()["status"] == AttestationStatus.SUBMITTED
    bundle = api.get(url + "bundle/").json()
    assert [h["market_value"] for h in bundle["payload"]["holdings"]] == ["100.250000", "50.000000", "0.500000"]
    put = api.put(url, _body(), content_type="application/json")
    assert put.status_code == 400, put.json()
    assert put.json()["errors"]["__all__"] == ["Only a draft can be changed; this attestation was submitted already."]


def _file(name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def test_it_returns_every_error_as_json_keyed_like_the_form(issuer_alice, auditor_dan):
    body = _body(
        as_of=(timezone.now() + timedelta(days=1)).isoformat(),
        holdings=[
            {"asset_class": "cash", "custodian": "Vault", "currency": "ZZZ", "market_value": "1"},
            {"asset_class": "cash", "custodian": "Vault", "currency": "HKD", "market_value": 1.5},
            {
                "asset_class": "tbill",
                "custodian": "Vault",
                "currency": "HKD",
                "market_value": "1.0000001",
                "acquisition_date": "2026-02-01",
                "maturity_date": "2026-01-01",
            },
        ],
    )
    response = _client(issuer_alice).post(BASE, body, content_type="application/json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["holdings.1.market_value"] == ['Send amounts as strings, e.g. "1800000.00".']
    body["holdings"][1]["market_value"] = "1.5"
    errors = _client(issuer_alice).post(BASE, body, content_type="application/json").json()["errors"]
    assert set(errors) == {
        "as_of",
        "holdings.0.currency",
        "holdings.2.market_value",
        "holdings.2.maturity_date",
    }
    assert Attestation.objects.count() == 0


def test_it_refuses_a_bad_pdf_and_a_bad_csv_with_json_errors(alpha_draft, issuer_alice):
    api = _client(issuer_alice)
    url = f"{BASE}{alpha_draft.pk}/"
    bad_csv = b"asset_class,custodian,currency,market_value\ncash,Till,HKD,abc\n"
    response = api.post(url + "holdings/", {"file": _file("h.csv", bad_csv)})
    assert response.status_code == 400
    assert response.json()["errors"]["csv"] == [
        "Row 1 (line 2), market_value: 'abc' is not a decimal number (use 1234.56, no thousands separators)."
    ]
    assert alpha_draft.holdings.count() == 2


def test_the_assigned_auditor_countersigns_through_the_api(alpha_draft, issuer_alice, auditor_dan):
    from attest.evidence import attestation_sign
    from attest.services import attestation_submit
    from attest.signing import attestation_payload, typed_data
    from attest.tests.conftest import AUDITOR_KEY, MALLORY_KEY

    message = typed_data(attestation_payload(alpha_draft))
    attestation_sign(user=issuer_alice, attestation=alpha_draft, signature=signature_make(message, ALPHA_KEY))
    attestation_submit(user=issuer_alice, attestation=alpha_draft)
    api = _client(auditor_dan)
    url = f"{BASE}{alpha_draft.pk}/signatures/"
    bad = api.post(url, {"signature": signature_make(message, MALLORY_KEY)}, content_type="application/json")
    assert bad.status_code == 400 and "registered auditor address" in bad.json()["errors"]["signature"][0]
    good = api.post(url, {"signature": signature_make(message, AUDITOR_KEY)}, content_type="application/json")
    assert good.json()["role"] == "auditor"
    assert {s["role"] for s in api.get(f"{BASE}{alpha_draft.pk}/").json()["signatures"]} == {"issuer", "auditor"}


def test_drf_create_token_prints_a_key_that_works_until_it_expires(issuer_alice, settings):
    import io
    from datetime import timedelta

    from django.core.management import call_command

    out = io.StringIO()
    call_command("drf_create_token", "issuer_alice", stdout=out)
    key = out.getvalue().split()[2]
    api = Client(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get(BASE).status_code == 200
    settings.API_TOKEN_MAX_AGE = 3600
    Token.objects.filter(key=key).update(created=timezone.now() - timedelta(hours=2))
    expired = api.get(BASE)
    assert expired.status_code == 401 and "expired" in expired.json()["error"]["message"]
    out = io.StringIO()
    call_command("drf_create_token", "-r", "issuer_alice", stdout=out)
    fresh = out.getvalue().split()[2]
    assert fresh != key and Client(HTTP_AUTHORIZATION=f"Token {fresh}").get(BASE).status_code == 200
