"""The issuer's form: save a draft, edit it, upload the report, import CSV, submit; errors against fields."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from attest.models import Attestation, AttestationStatus, AuditEntry, Holding
from attest.tests.conftest import PDF, login

pytestmark = pytest.mark.django_db


def _form(coin, as_of=None, **extra):
    as_of = as_of or (timezone.now() - timedelta(hours=2)).astimezone(ZoneInfo("Asia/Hong_Kong"))
    data = {
        "stablecoin": coin.pk,
        "report_type": "attestation",
        "as_of": as_of.strftime("%Y-%m-%dT%H:%M:%S"),
        "as_of_timezone": "Asia/Hong_Kong",
        "stated_total_reserves": "1000000.50",
        "holdings-TOTAL_FORMS": "3",
        "holdings-INITIAL_FORMS": "0",
        "holdings-0-asset_class": "demand_deposit",
        "holdings-0-custodian": "Harbour Bank",
        "holdings-0-currency": "hkd",
        "holdings-0-market_value": "600000.50",
        "holdings-1-asset_class": "tbill",
        "holdings-1-custodian": "HK Depository",
        "holdings-1-currency": "HKD",
        "holdings-1-market_value": "400000",
        "holdings-1-acquisition_date": "2026-01-01",
        "holdings-1-maturity_date": "2027-01-01",
        "holdings-1-segregated": "true",
        "figures-TOTAL_FORMS": "1",
        "figures-INITIAL_FORMS": "0",
        "figures-0-chain_id": "1",
        "figures-0-outstanding": "999999.5",
        "action": "save",
    }
    data.update(extra)
    return data


def test_it_saves_a_draft_with_every_part(issuer_alice, alpha):
    response = login(issuer_alice).post(
        "/attestations/new/", {**_form(alpha), "document": SimpleUploadedFile("r.pdf", PDF, "application/pdf")}
    )
    assert response.status_code == 302, response.context and response.context["form"].errors
    attestation = Attestation.objects.get()
    assert attestation.status == AttestationStatus.DRAFT
    assert attestation.as_of_timezone == "Asia/Hong_Kong"
    assert [h.currency for h in attestation.holdings.all()] == ["HKD", "HKD"]
    assert attestation.issuer_figures.get().outstanding == 999999.5
    assert len(attestation.document_sha256) == 64
    page = login(issuer_alice).get(f"/attestations/{attestation.pk}/").content.decode()
    assert attestation.document_sha256 in page


def test_it_edits_a_draft_then_refuses_edits_after_submission(issuer_alice, alpha, alpha_draft):
    client = login(issuer_alice)
    page = client.get(f"/attestations/{alpha_draft.pk}/edit/")
    assert page.status_code == 200 and "Harbour Bank" in page.content.decode()
    alpha.issuer.signing_address = ""
    alpha.issuer.save()
    response = client.post(f"/attestations/{alpha_draft.pk}/edit/", _form(alpha, action="submit"))
    assert response.status_code == 302, response.context["form"].errors
    alpha_draft.refresh_from_db()
    assert alpha_draft.status == AttestationStatus.SUBMITTED
    assert alpha_draft.stated_total_reserves == 1000000.5
    assert client.get(f"/attestations/{alpha_draft.pk}/edit/").status_code == 403
    assert client.post(f"/attestations/{alpha_draft.pk}/edit/", _form(alpha)).status_code == 403


def test_it_shows_every_error_against_its_field_and_saves_nothing(issuer_alice, alpha):
    before = AuditEntry.objects.count()
    future = timezone.now().astimezone(ZoneInfo("Asia/Hong_Kong")) + timedelta(hours=1)
    data = _form(
        alpha,
        as_of=future,
        **{"holdings-0-currency": "XYZ", "holdings-1-maturity_date": "2025-12-31", "action": "submit"},
    )
    response = login(issuer_alice).post("/attestations/new/", data)
    assert response.status_code == 200
    form, rows = response.context["form"], response.context["holdings"]
    assert "The as-of time is in the future." in form.errors["as_of"]
    assert "not an ISO 4217" in rows.forms[0].errors["currency"][0]
    assert "after the acquisition date" in rows.forms[1].errors["maturity_date"][0]
    assert Attestation.objects.count() == 0 and Holding.objects.count() == 0
    assert AuditEntry.objects.count() == before


def test_it_checks_the_stated_total_and_refuses_a_non_pdf(issuer_alice, alpha):
    data = {
        **_form(alpha, stated_total_reserves="1000000.51"),
        "document": SimpleUploadedFile("r.pdf", b"<html>not a pdf</html>", "application/pdf"),
    }
    response = login(issuer_alice).post("/attestations/new/", data)
    assert response.status_code == 200
    assert (
        "does not equal the sum of the lines, 1000000.500000"
        in response.context["form"].errors["stated_total_reserves"][0]
    )
    assert Attestation.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<html></html>", "not a PDF"),
        (b"%PDF-1.4\n1 0 obj", "no %%EOF trailer"),
        (b"%PDF-" + b"x" * 2000 + b"%%EOF", "the limit is 1000"),
    ],
)
def test_it_checks_the_report_by_its_bytes(issuer_alice, alpha, settings, content, message):
    settings.REPORT_MAX_BYTES = 1000
    data = {**_form(alpha), "document": SimpleUploadedFile("r.pdf", content, "application/pdf")}
    response = login(issuer_alice).post("/attestations/new/", data)
    assert message in " ".join(response.context["form"].errors["document"])
    assert Attestation.objects.count() == 0


def test_it_imports_holdings_from_csv_or_refuses_the_whole_file(issuer_alice, alpha):
    csv_ok = b"asset_class,custodian,currency,market_value\ncash,Vault,HKD,1.00\n"
    data = {**_form(alpha, stated_total_reserves=""), "holdings_csv": SimpleUploadedFile("h.csv", csv_ok)}
    assert login(issuer_alice).post("/attestations/new/", data).status_code == 302
    assert [h.custodian for h in Attestation.objects.get().holdings.all()][-1] == "Vault"

    csv_bad = b"asset_class,custodian,currency,market_value\ncash,Vault,HKD,1.00\ncash,Vault,HKD,-1\n"
    data = {**_form(alpha, stated_total_reserves=""), "holdings_csv": SimpleUploadedFile("h.csv", csv_bad)}
    response = login(issuer_alice).post("/attestations/new/", data)
    assert response.status_code == 200
    assert response.context["form"].errors["holdings_csv"] == ["Row 2 (line 3), market_value: Must not be negative."]
    assert Attestation.objects.count() == 1


def test_it_requires_genius_certifications_on_submission(issuer_erin, beta):
    data = _form(
        beta,
        stated_total_reserves="",
        action="submit",
        **{"holdings-0-currency": "USD", "holdings-1-currency": "USD"},
    )
    response = login(issuer_erin).post("/attestations/new/", data)
    assert response.status_code == 200
    assert "CEO certification is required" in response.context["form"].errors["ceo_name"][0]
    assert Attestation.objects.count() == 0
    stamp = (timezone.now() - timedelta(hours=1)).astimezone(ZoneInfo("Asia/Hong_Kong")).strftime("%Y-%m-%dT%H:%M")
    data.update(ceo_name="C", ceo_certified_at=stamp, cfo_name="F", cfo_certified_at=stamp)
    assert login(issuer_erin).post("/attestations/new/", data).status_code == 302
    assert Attestation.objects.get().status == AttestationStatus.SUBMITTED


def test_every_form_carries_a_csrf_token(issuer_alice, alpha):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(issuer_alice)
    page = client.get("/attestations/new/").content.decode()
    assert "csrfmiddlewaretoken" in page
    assert client.post("/attestations/new/", _form(alpha)).status_code == 403


def test_it_shows_rule_errors_beside_parse_errors(issuer_alice, alpha):
    future = timezone.now().astimezone(ZoneInfo("Asia/Hong_Kong")) + timedelta(hours=1)
    data = _form(alpha, as_of=future, **{"holdings-0-market_value": "lots", "holdings-1-currency": "XYZ"})
    response = login(issuer_alice).post("/attestations/new/", data)
    form, rows = response.context["form"], response.context["holdings"]
    # The same words as the issuer API and the CSV import: one parser (attest/parsing.py).
    assert rows.forms[0].errors["market_value"] == [
        "'lots' is not a decimal number (use 1234.56, no thousands separators)."
    ]
    assert "not an ISO 4217" in rows.forms[1].errors["currency"][0]
    assert form.errors["as_of"] == ["The as-of time is in the future."]
    assert Attestation.objects.count() == 0


def test_a_failed_save_lists_every_error_at_the_top_and_keeps_the_chosen_files(issuer_alice, alpha):
    client = login(issuer_alice)
    csv = b"asset_class,custodian,currency,market_value\ncash,Vault,HKD,1\n"
    bad = _form(alpha, **{"holdings-0-custodian": "", "holdings-1-custodian_country": "XZ"})
    response = client.post(
        "/attestations/new/",
        {
            **bad,
            "document": SimpleUploadedFile("report.pdf", PDF, "application/pdf"),
            "holdings_csv": SimpleUploadedFile("more.csv", csv, "text/csv"),
        },
    )
    assert response.status_code == 200 and not Attestation.objects.exists()
    page = response.content.decode()
    summary = page[page.index('id="error-summary"') : page.index("</div>", page.index('id="error-summary"'))]
    assert "Holding line 1, Custodian" in summary and "Holding line 2" in summary and "XZ" in summary
    assert "Kept: report.pdf" in page and "Kept: more.csv" in page
    kept = {k: response.context["kept"][k].token for k in ("document", "holdings_csv")}

    # Fixed and sent again without choosing the files: the kept ones are used.
    fixed = _form(alpha, **{"kept_document": kept["document"], "kept_holdings_csv": kept["holdings_csv"]})
    fixed["stated_total_reserves"] = "1000001.50"  # the lines plus the CSV's one
    response = client.post("/attestations/new/", fixed)
    assert response.status_code == 302, response.context and response.context["errors"]
    attestation = Attestation.objects.get()
    assert len(attestation.document_sha256) == 64
    assert [h.custodian for h in attestation.holdings.all()] == ["Harbour Bank", "HK Depository", "Vault"]
    # A forged token names nothing.
    forged = _form(alpha, kept_document=kept["document"][:-2] + "xx")
    assert client.post("/attestations/new/", forged).status_code == 302
    assert Attestation.objects.order_by("-pk")[0].document_sha256 == ""


def test_an_abandoned_draft_is_deleted_and_leaves_no_gap_in_the_version_numbers(issuer_alice, alpha, alpha_draft):
    client = login(issuer_alice)
    page = client.get(f"/attestations/{alpha_draft.pk}/").content.decode()
    assert 'id="delete-draft"' in page and "v1" not in page.split("<h1>")[1].split("</h1>")[0]
    response = client.post(f"/attestations/{alpha_draft.pk}/delete/")
    assert response.status_code == 302 and not Attestation.objects.filter(pk=alpha_draft.pk).exists()
    assert AuditEntry.objects.filter(action="attestation.draft_deleted", object_id=alpha_draft.pk).exists()
    # The next draft is v1 again, not v2.
    assert client.post("/attestations/new/", _form(alpha)).status_code == 302
    fresh = Attestation.objects.get()
    assert fresh.version == 1
    fresh.status = AttestationStatus.SUBMITTED
    fresh.save()
    # A filed version is never deleted.
    assert client.post(f"/attestations/{fresh.pk}/delete/").status_code == 302
    assert Attestation.objects.filter(pk=fresh.pk).exists()
