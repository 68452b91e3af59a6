"""Regulator review, amendments and version history, and the hash-chained audit log."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from attest.audit import audit_head
from attest.evidence import attestation_sign
from attest.models import Attestation, AttestationStatus, AuditEntry
from attest.review import attestation_review
from attest.services import attestation_amend, attestation_submit
from attest.signing import attestation_payload, signature_make, typed_data
from attest.tests.conftest import ALPHA_KEY, login
from tests.logtamper import superuser

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(alpha_draft, issuer_alice):
    signature = signature_make(typed_data(attestation_payload(alpha_draft)), ALPHA_KEY)
    attestation_sign(user=issuer_alice, attestation=alpha_draft, signature=signature)
    return attestation_submit(user=issuer_alice, attestation=alpha_draft)


def test_the_regulator_reviews_from_a_queue_and_the_issuer_is_emailed(
    submitted, regulator_bob, issuer_alice, django_capture_on_commit_callbacks
):
    bob = login(regulator_bob)
    assert f"/attestations/{submitted.pk}/" in bob.get("/attestations/review/").content.decode()
    assert login(issuer_alice).get("/attestations/review/").status_code == 403
    response = bob.post(f"/attestations/{submitted.pk}/review/", {"decision": "rejected", "comment": ""})
    assert "Say why" in bob.get(response["Location"]).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        bob.post(
            f"/attestations/{submitted.pk}/review/",
            {"decision": "changes_requested", "comment": "Line 2 needs its CUSIP."},
        )
    submitted.refresh_from_db()
    assert submitted.status == AttestationStatus.CHANGES_REQUESTED
    [email] = mail.outbox
    assert email.to == ["issuer_alice@example.com"]
    assert "returned with a request for changes" in email.subject and "Line 2 needs its CUSIP." in email.body
    assert f"/attestations/{submitted.pk}/" not in bob.get("/attestations/review/").content.decode()
    with pytest.raises(ValidationError):
        attestation_review(user=regulator_bob, attestation=submitted, decision="accepted")
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert actions[-1] == "attestation.changes_requested"


def test_an_amendment_is_a_new_version_and_the_history_shows_both(submitted, issuer_alice, regulator_bob):
    with pytest.raises(ValidationError):
        attestation_amend(user=issuer_alice, attestation=submitted, reason=" ")
    client = login(issuer_alice)
    response = client.post(f"/attestations/{submitted.pk}/amend/", {"reason": "Custodian restated line 1"})
    amended = Attestation.objects.get(supersedes=submitted)
    assert response["Location"] == f"/attestations/{amended.pk}/"
    assert (amended.version, amended.status, amended.amendment_reason) == (2, "draft", "Custodian restated line 1")
    assert [h.market_value for h in amended.holdings.all()] == [h.market_value for h in submitted.holdings.all()]
    submitted.refresh_from_db()
    assert submitted.status == AttestationStatus.SUBMITTED  # the original never changes
    with pytest.raises(ValidationError):
        attestation_amend(user=issuer_alice, attestation=submitted, reason="again")
    page = client.get(f"/attestations/{amended.pk}/").content.decode()
    assert (
        f'href="/attestations/{submitted.pk}/">v1</a>' in page and "<strong>draft</strong>" in page
    )  # no version number on the page until filed
    # The regulator sees the history once the amendment is submitted.
    amended.stablecoin.issuer.signing_address = ""
    amended.stablecoin.issuer.save()
    attestation_submit(user=issuer_alice, attestation=amended)
    page = login(regulator_bob).get(f"/attestations/{submitted.pk}/").content.decode()
    assert f'href="/attestations/{amended.pk}/">v2</a>' in page
    queue = login(regulator_bob).get("/attestations/review/").content.decode()
    assert f"/attestations/{amended.pk}/" in queue and f"/attestations/{submitted.pk}/" not in queue


def test_verifyaudit_prints_the_head_and_fails_on_an_edited_row(submitted, regulator_bob, capsys):
    attestation_review(user=regulator_bob, attestation=submitted, decision="accepted")
    call_command("verifyaudit")
    seq, head = audit_head()
    assert f"head {head}" in capsys.readouterr().out
    published = Client().get("/api/v1/audit/head/").json()
    assert (published["seq"], published["hash"]) == (seq, head)
    with superuser() as cursor:  # the table refuses UPDATE unless its triggers are off
        cursor.execute("UPDATE attest_auditentry SET payload = %s WHERE seq = %s", ['{"decision": "rejected"}', seq])
    with pytest.raises(CommandError, match="BROKEN"):
        call_command("verifyaudit")
    assert f"entry #{seq}: contents do not match its hash" in capsys.readouterr().err


def test_verifyaudit_fails_on_a_deleted_row(submitted):
    with superuser() as cursor:
        cursor.execute("DELETE FROM attest_auditentry WHERE seq = (SELECT MIN(seq) + 1 FROM attest_auditentry)")
    with pytest.raises(CommandError):
        call_command("verifyaudit")
