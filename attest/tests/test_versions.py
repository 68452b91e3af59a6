"""Version numbers: an abandoned draft that is never deleted does not push the next filing to a later number."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from attest.models import Attestation, AttestationSignature, AttestationStatus, AuditEntry, SignerRole
from attest.services import attestation_create, attestation_submit
from attest.signing import attestation_payload, payload_sha256
from attest.tests.conftest import holdings
from attest.validation import AttestationDetails

pytestmark = pytest.mark.django_db


def _draft(user, coin) -> Attestation:
    return attestation_create(
        user=user,
        stablecoin=coin,
        as_of=timezone.now() - timedelta(hours=1),
        as_of_timezone="Asia/Hong_Kong",
        holdings=holdings(),
        details=AttestationDetails(stated_total_reserves=Decimal("1000000.00")),
    )


@pytest.fixture
def unsigned_issuer(alpha):
    """An issuer with no registered key: its drafts are submitted unsigned."""
    alpha.issuer.signing_address = ""
    alpha.issuer.save()
    return alpha


def test_an_unsigned_draft_takes_the_next_filed_number_at_submit(unsigned_issuer, issuer_alice):
    abandoned = _draft(issuer_alice, unsigned_issuer)
    real = _draft(issuer_alice, unsigned_issuer)
    assert (abandoned.version, real.version) == (1, 2)
    filed = attestation_submit(user=issuer_alice, attestation=real)
    abandoned.refresh_from_db()
    assert (filed.version, abandoned.version) == (1, 2)  # swapped: the filing is v1, the left draft v2
    assert filed.status == AttestationStatus.SUBMITTED
    # The audit entry names the number it was filed under, with the digest of that payload.
    entry = AuditEntry.objects.get(action="attestation.submitted", object_id=filed.pk)
    digest = payload_sha256(attestation_payload(filed))
    assert (entry.payload["version"], entry.payload["payload_sha256"]) == (1, digest)
    second = _draft(issuer_alice, unsigned_issuer)
    assert second.version == 3
    assert attestation_submit(user=issuer_alice, attestation=second).version == 2
    abandoned.refresh_from_db()
    assert abandoned.version == 3


def test_a_signed_draft_keeps_its_number(unsigned_issuer, issuer_alice):
    abandoned = _draft(issuer_alice, unsigned_issuer)
    real = _draft(issuer_alice, unsigned_issuer)
    # The abandoned draft was signed: its number is in a signed payload, so the filing cannot take it.
    AttestationSignature.objects.create(
        attestation=abandoned,
        role=SignerRole.ISSUER,
        signer_address="0x" + "12" * 20,
        signature="0x" + "00" * 65,
        payload_sha256=payload_sha256(attestation_payload(abandoned)),
        signed_by=issuer_alice,
    )
    assert attestation_submit(user=issuer_alice, attestation=real).version == 2
    abandoned.refresh_from_db()
    assert abandoned.version == 1
