"""The evidence on a draft besides its figures: the accountant's report and the signatures over it.

Attaching a report or changing the figures (attest/services.py) drops the signatures, which were
over the old contents; the issuer signs a draft before submitting it, the assigned auditor
countersigns at any stage.
"""

from __future__ import annotations

import functools
import hashlib

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction

from attest.audit import audit_append
from attest.models import Attestation, AttestationSignature, AttestationStatus, Membership, Role, SignerRole
from attest.selectors import user_issuer_id, user_role
from attest.services import User, lock_draft, require_draft, require_issuer_staff
from attest.signing import attestation_payload, payload_sha256, signature_recover, typed_data


def document_errors(content: bytes) -> list[str]:
    """Why these bytes are not an acceptable report: a PDF (by its magic and trailer) within the size cap."""
    errors = []
    if len(content) > settings.REPORT_MAX_BYTES:
        errors.append(f"The report is {len(content)} bytes; the limit is {settings.REPORT_MAX_BYTES}.")
    if not content.startswith(b"%PDF-"):
        errors.append("The report is not a PDF (it does not start with %PDF-).")
    elif b"%%EOF" not in content[-1024:]:
        errors.append("The PDF is incomplete: it has no %%EOF trailer.")
    return errors


def attestation_document_attach(*, user: User, attestation: Attestation, content: bytes) -> Attestation:
    """Store the accountant's report on a draft with its SHA-256."""
    require_issuer_staff(user, attestation.stablecoin)
    require_draft(attestation)
    if errors := document_errors(content):
        raise ValidationError({"document": errors})
    digest = hashlib.sha256(content).hexdigest()
    with transaction.atomic():
        locked = lock_draft(attestation)
        # The file is written once the outermost transaction commits: a submission that fails after
        # attaching (the form attaches, then submits, in one transaction) leaves no file behind.
        # Named by its hash, so the row names the right bytes whenever they land.
        locked.document.name = locked.document.field.generate_filename(locked, f"{digest}.pdf")
        transaction.on_commit(functools.partial(_document_store, locked.document.name, content))
        locked.document_sha256 = digest
        locked.save(update_fields=["document", "document_sha256"])
        locked.signatures.all().delete()
        audit_append(
            actor=user.get_username(),
            action="attestation.document_attached",
            object_type="attestation",
            object_id=locked.pk,
            payload={"sha256": digest, "bytes": len(content)},
        )
    attestation.refresh_from_db()
    return attestation


def _document_store(name: str, content: bytes) -> None:
    storage = Attestation._meta.get_field("document").storage
    if not storage.exists(name):  # the same hash is the same bytes: stored once
        storage.save(name, ContentFile(content))


def attestation_sign(*, user: User, attestation: Attestation, signature: str) -> AttestationSignature:
    """Record the issuer's signature (on a draft) or the assigned auditor's countersignature, once verified."""
    role = user_role(user)
    if role == Role.ISSUER and user_issuer_id(user) == attestation.stablecoin.issuer_id:
        signer, expected = SignerRole.ISSUER, attestation.stablecoin.issuer.signing_address
        if attestation.status != AttestationStatus.DRAFT:
            raise ValidationError({"signature": ["The issuer signs a draft, before submitting it."]})
    elif role == Role.AUDITOR and attestation.auditor_id is not None and attestation.auditor_id == user.pk:
        auditor = Membership.objects.get(user_id=attestation.auditor_id)
        signer, expected = SignerRole.AUDITOR, auditor.signing_address
    else:
        raise PermissionDenied("only the issuer's staff or the assigned auditor sign an attestation")
    if not expected:
        raise ValidationError({"signature": [f"No signing address is registered for the {signer.label.lower()}."]})
    payload = attestation_payload(attestation)
    try:
        recovered = signature_recover(typed_data(payload), signature)
    except ValueError as exc:
        raise ValidationError({"signature": [f"This is not a valid signature: {exc}."]}) from None
    if recovered.lower() != expected.lower():
        raise ValidationError(
            {
                "signature": [
                    f"The signature was made by {recovered}, not by the registered {signer.label.lower()} "
                    f"address {expected}, or over different contents."
                ]
            }
        )
    with transaction.atomic():
        locked = Attestation.objects.select_for_update(no_key=True).get(pk=attestation.pk)
        if payload_sha256(attestation_payload(locked)) != payload_sha256(payload):
            raise ValidationError({"signature": ["The attestation changed while it was being signed; sign again."]})
        AttestationSignature.objects.filter(attestation=locked, role=signer).delete()
        record = AttestationSignature.objects.create(
            attestation=locked,
            role=signer,
            signer_address=recovered,
            signature=signature.strip(),
            payload_sha256=payload_sha256(payload),
            signed_by=user,  # type: ignore[misc]
        )
        audit_append(
            actor=user.get_username(),
            action=f"attestation.signed.{signer.value}",
            object_type="attestation",
            object_id=locked.pk,
            payload={"address": recovered, "payload_sha256": record.payload_sha256},
        )
    return record
