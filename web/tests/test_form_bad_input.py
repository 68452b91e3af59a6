"""The form refuses what the issuer API and the CSV import refuse, and a failed submission leaves no file."""

import os
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from attest.models import Attestation
from attest.tests.conftest import PDF, login
from web.tests.test_attestation_form import _form

pytestmark = pytest.mark.django_db


def fullwidth(text: str) -> str:
    """The text with its ASCII digits as fullwidth digits (U+FF10 to U+FF19), which Decimal() and int() accept."""
    return "".join(chr(0xFF10 + int(c)) if c.isdigit() else c for c in text)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("holdings-0-market_value", fullwidth("600"), "not a decimal number"),
        ("holdings-0-market_value", "0E-1000000", "not a decimal number"),
        ("holdings-0-market_value", "sNaN", "not a decimal number"),
        ("holdings-1-maturity_date", "0001-01-01", "0001-01-01 is before 1900: check the year."),
        ("holdings-1-maturity_date", fullwidth("2027-01-01"), "not a date"),
        ("figures-0-chain_id", fullwidth("1"), "not a whole number"),
    ],
)
def test_the_form_refuses_odd_numbers_and_dates(issuer_alice, alpha, field, value, message):
    response = login(issuer_alice).post("/attestations/new/", _form(alpha, **{field: value}))
    assert response.status_code == 200
    prefix, index, name = field.split("-")
    formset = response.context["holdings" if prefix == "holdings" else "figures"]
    assert message in " ".join(formset.forms[int(index)].errors[name])
    assert not Attestation.objects.exists()


def test_the_form_refuses_a_control_character_in_text(issuer_alice, alpha):
    response = login(issuer_alice).post("/attestations/new/", _form(alpha, **{"holdings-0-custodian": "Bank\x07"}))
    assert "control character (U+0007)" in " ".join(response.context["holdings"].forms[0].errors["custodian"])
    assert not Attestation.objects.exists()


def test_a_report_is_stored_only_when_its_attestation_commits(
    issuer_alice, alpha, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    client = login(issuer_alice)
    # ALPHA's issuer has a signing key, so submitting an unsigned draft fails after the report was attached.
    failing = {**_form(alpha, action="submit"), "document": SimpleUploadedFile("r.pdf", PDF, "application/pdf")}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/attestations/new/", failing)
    assert response.status_code == 200 and "Sign the attestation" in response.content.decode()
    assert not Attestation.objects.exists()
    # No report stored; the form keeps the chosen file under pending/ for the next try (web/uploads.py).
    assert [p for p in tmp_path.rglob("*") if p.is_file() and "pending" not in p.parts] == []
    saved = {**_form(alpha), "document": SimpleUploadedFile("r.pdf", PDF, "application/pdf")}
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/attestations/new/", saved).status_code == 302
    attestation = Attestation.objects.get()
    stored = [p for p in tmp_path.rglob("*") if p.is_file() and "pending" not in p.parts]
    assert [p.name for p in stored] == [f"{attestation.document_sha256}.pdf"] and stored[0].read_bytes() == PDF
    download = client.get(f"/attestations/{attestation.pk}/document/")
    assert b"".join(download.streaming_content) == PDF  # type: ignore[attr-defined]


def test_a_kept_file_is_deleted_once_used_and_an_abandoned_one_after_a_day(
    issuer_alice, alpha, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    client = login(issuer_alice)

    def pending() -> list[Path]:
        return sorted(p for p in tmp_path.rglob("*") if p.is_file() and "pending" in p.parts)

    def failing() -> dict[str, object]:
        return {**_form(alpha, action="submit"), "document": SimpleUploadedFile("r.pdf", PDF, "application/pdf")}

    response = client.post("/attestations/new/", failing())
    [abandoned] = pending()  # an issuer who leaves here never comes back for it
    day_and_more = time.time() - 86_400 - 60
    os.utime(abandoned, (day_and_more, day_and_more))
    response = client.post("/attestations/new/", failing())
    [kept] = pending()  # keeping this one swept the abandoned one
    assert kept != abandoned
    token = response.context["kept"]["document"].token

    with django_capture_on_commit_callbacks(execute=True):
        saved = client.post("/attestations/new/", {**_form(alpha), "kept_document": token})
        assert saved.status_code == 302, saved.context["errors"]
    assert Attestation.objects.get().document_sha256  # the kept file went with the draft
    assert pending() == []
