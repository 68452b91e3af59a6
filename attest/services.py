"""Writes for an attestation's lifecycle. Views, the API, tasks and commands all come through here.

Lifecycle: draft -> submitted -> accepted | rejected | changes_requested (attest/review.py).
A draft may be edited by its issuer's staff; once submitted it never changes, and an amendment is
a new draft version that supersedes it. The report and the signatures on a draft are attest/evidence.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from attest.audit import audit_append
from attest.models import (
    Attestation,
    AttestationStatus,
    Holding,
    IssuerFigure,
    Membership,
    ReportType,
    Role,
    SignerRole,
    Stablecoin,
)
from attest.parsing import TEXT_MAX_CHARS, text_problem
from attest.selectors import user_issuer_id, user_role
from attest.signing import attestation_payload, payload_sha256
from attest.validation import (
    MAX_HOLDINGS,
    AttestationDetails,
    AttestationInput,
    HoldingInput,
    IssuerFigureInput,
    draft_errors,
    submission_errors,
)
from attest.versions import next_version, renumber_at_submit

__all__ = ["AttestationDetails", "HoldingInput", "IssuerFigureInput"]

User = AbstractBaseUser | AnonymousUser


# These three guards are public because attest/evidence.py writes to drafts too.
def require_issuer_staff(user: User, stablecoin: Stablecoin) -> None:
    if user_role(user) != Role.ISSUER or user_issuer_id(user) != stablecoin.issuer_id:
        raise PermissionDenied("only this coin's issuer staff may attest for it")


def lock_draft(attestation: Attestation) -> Attestation:
    """The draft's row, locked for this transaction; refuses anything no longer a draft."""
    locked = Attestation.objects.select_for_update(no_key=True).filter(pk=attestation.pk).first()
    if locked is None or locked.status != AttestationStatus.DRAFT:
        raise ValidationError("Only a draft can be changed; this attestation was submitted already.")
    return locked


def require_draft(attestation: Attestation) -> None:
    """A quick refusal before validating input; `lock_draft` re-checks under the row lock."""
    if attestation.status != AttestationStatus.DRAFT:
        raise ValidationError("Only a draft can be changed; this attestation was submitted already.")


def _check_auditor(auditor_id: int | None) -> None:
    if auditor_id is not None and not Membership.objects.filter(user_id=auditor_id, role=Role.AUDITOR).exists():
        raise ValidationError({"auditor": ["Choose a registered auditor."]})


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


def _write_contents(
    attestation: Attestation,
    *,
    as_of: datetime,
    as_of_timezone: str,
    report_type: str,
    details: AttestationDetails,
    holdings: Sequence[HoldingInput],
    issuer_figures: Sequence[IssuerFigureInput],
) -> None:
    values = asdict(details)
    values.pop("auditor_id")
    for name, value in values.items():
        setattr(attestation, name, value)
    attestation.auditor_id = details.auditor_id
    attestation.as_of, attestation.as_of_timezone, attestation.report_type = as_of, as_of_timezone, report_type
    attestation.save()
    attestation.holdings.all().delete()
    attestation.issuer_figures.all().delete()
    # Any signature was over the old contents.
    attestation.signatures.all().delete()
    Holding.objects.bulk_create(
        [Holding(attestation=attestation, line=i, **asdict(h)) for i, h in enumerate(holdings, start=1)]
    )
    IssuerFigure.objects.bulk_create(
        [IssuerFigure(attestation=attestation, chain_id=f.chain_id, outstanding=f.outstanding) for f in issuer_figures]
    )


def attestation_create(
    *,
    user: User,
    stablecoin: Stablecoin,
    as_of: datetime,
    as_of_timezone: str,
    holdings: Sequence[HoldingInput] = (),
    report_type: str = ReportType.ATTESTATION,
    details: AttestationDetails | None = None,
    issuer_figures: Sequence[IssuerFigureInput] = (),
) -> Attestation:
    """A draft attestation with its holding lines and issuer figures, all saved or none."""
    require_issuer_staff(user, stablecoin)
    details = details or AttestationDetails()
    data = AttestationInput(as_of, as_of_timezone, report_type, stablecoin.currency, details, holdings, issuer_figures)
    _raise(draft_errors(data, now=timezone.now()))
    _check_auditor(details.auditor_id)
    with transaction.atomic():
        # Version numbers come from the coin's row lock so two drafts never share one.
        Stablecoin.objects.select_for_update(no_key=True).get(pk=stablecoin.pk)
        attestation = Attestation(stablecoin=stablecoin, version=next_version(stablecoin), created_by=user)  # type: ignore[misc]
        _write_contents(
            attestation,
            as_of=as_of,
            as_of_timezone=as_of_timezone,
            report_type=report_type,
            details=details,
            holdings=holdings,
            issuer_figures=issuer_figures,
        )
        audit_append(
            actor=user.get_username(),
            action="attestation.created",
            object_type="attestation",
            object_id=attestation.pk,
            payload={"stablecoin": stablecoin.symbol, "version": attestation.version, "as_of": as_of.isoformat()},
        )
    attestation.refresh_from_db()  # amounts as stored (quantised), so the canonical payload is stable
    return attestation


def attestation_update(
    *,
    user: User,
    attestation: Attestation,
    as_of: datetime,
    as_of_timezone: str,
    holdings: Sequence[HoldingInput],
    report_type: str,
    details: AttestationDetails,
    issuer_figures: Sequence[IssuerFigureInput] = (),
) -> Attestation:
    """Replace a draft's header, lines and figures. Signatures over the old contents are dropped."""
    require_issuer_staff(user, attestation.stablecoin)
    require_draft(attestation)
    data = AttestationInput(
        as_of, as_of_timezone, report_type, attestation.stablecoin.currency, details, holdings, issuer_figures
    )
    _raise(draft_errors(data, now=timezone.now()))
    _check_auditor(details.auditor_id)
    with transaction.atomic():
        locked = lock_draft(attestation)
        _write_contents(
            locked,
            as_of=as_of,
            as_of_timezone=as_of_timezone,
            report_type=report_type,
            details=details,
            holdings=holdings,
            issuer_figures=issuer_figures,
        )
        audit_append(
            actor=user.get_username(),
            action="attestation.updated",
            object_type="attestation",
            object_id=locked.pk,
            payload={"holdings": len(holdings), "issuer_figures": len(issuer_figures)},
        )
    attestation.refresh_from_db()
    return attestation


def attestation_holdings_add(
    *, user: User, attestation: Attestation, holdings: Sequence[HoldingInput]
) -> list[Holding]:
    """Append lines to a draft, numbered after the last one."""
    require_issuer_staff(user, attestation.stablecoin)
    require_draft(attestation)
    data = AttestationInput(
        attestation.as_of, attestation.as_of_timezone, attestation.report_type, attestation.stablecoin.currency
    )
    data.holdings = holdings
    errors = {k: v for k, v in draft_errors(data, now=timezone.now()).items() if k.split(".")[0] == "holdings"}
    _raise(errors)
    with transaction.atomic():
        locked = lock_draft(attestation)
        if (count := locked.holdings.count()) + len(holdings) > MAX_HOLDINGS:
            message = (
                f"At most {MAX_HOLDINGS} holding lines: this draft has {count}, and {len(holdings)} more were sent."
            )
            raise ValidationError({"holdings": [message]})
        start = (locked.holdings.aggregate(n=Max("line"))["n"] or 0) + 1
        created = Holding.objects.bulk_create(
            [Holding(attestation=locked, line=start + i, **asdict(h)) for i, h in enumerate(holdings)]
        )
        locked.signatures.all().delete()
        audit_append(
            actor=user.get_username(),
            action="attestation.holdings_added",
            object_type="attestation",
            object_id=locked.pk,
            payload={"lines": [h.line for h in created]},
        )
    return created


def attestation_input(attestation: Attestation) -> AttestationInput:
    """A stored attestation as the validators' input."""
    details = AttestationDetails(
        **{
            name: getattr(attestation, name) for name in AttestationDetails.__dataclass_fields__ if name != "auditor_id"
        },
        auditor_id=attestation.auditor_id,
    )
    holdings = [
        HoldingInput(**{name: getattr(h, name) for name in HoldingInput.__dataclass_fields__})
        for h in attestation.holdings.all()
    ]
    figures = [IssuerFigureInput(f.chain_id, f.outstanding) for f in attestation.issuer_figures.all()]
    return AttestationInput(
        attestation.as_of,
        attestation.as_of_timezone,
        attestation.report_type,
        attestation.stablecoin.currency,
        details,
        holdings,
        figures,
    )


def attestation_submit(*, user: User, attestation: Attestation) -> Attestation:
    """Draft -> submitted; from here on it never changes. Callers reconcile it (jobs.workflows.attestation_submit)."""
    require_issuer_staff(user, attestation.stablecoin)
    with transaction.atomic():
        locked = lock_draft(attestation)
        profiles = set(locked.stablecoin.licences.values_list("profile", flat=True))
        errors = submission_errors(
            attestation_input(locked), profiles=profiles, has_document=bool(locked.document_sha256), now=timezone.now()
        )
        payload = attestation_payload(locked)
        digest = payload_sha256(payload)
        if locked.stablecoin.issuer.signing_address:
            signature = locked.signatures.filter(role=SignerRole.ISSUER).first()
            if signature is None or signature.payload_sha256 != digest:
                errors.setdefault("signature", []).append(
                    "Sign the attestation with the issuer's registered key before submitting."
                )
        _raise(errors)
        if renumber_at_submit(locked):
            payload = attestation_payload(locked)
            digest = payload_sha256(payload)
        # A conditional UPDATE: of two concurrent submits exactly one changes the row.
        changed = Attestation.objects.filter(pk=locked.pk, status=AttestationStatus.DRAFT).update(
            status=AttestationStatus.SUBMITTED, submitted_at=timezone.now()
        )
        if not changed:
            raise ValidationError("Only a draft can be submitted; this attestation was submitted already.")
        attestation.refresh_from_db()
        audit_append(
            actor=user.get_username(),
            action="attestation.submitted",
            object_type="attestation",
            object_id=attestation.pk,
            payload={
                "stablecoin": attestation.stablecoin.symbol,
                "version": attestation.version,
                "as_of": attestation.as_of.isoformat(),
                "payload_sha256": digest,
                "document_sha256": attestation.document_sha256,
                "holdings": [
                    {"asset_class": h["asset_class"], "currency": h["currency"], "market_value": h["market_value"]}
                    for h in payload["holdings"]
                ],
            },
        )
    return attestation


def attestation_draft_delete(*, user: User, attestation: Attestation) -> None:
    """An abandoned draft removed, with its lines and report; a filed version is never deleted (it is amended)."""
    require_issuer_staff(user, attestation.stablecoin)
    with transaction.atomic():
        locked = lock_draft(attestation)
        audit_append(
            actor=user.get_username(),
            action="attestation.draft_deleted",
            object_type="attestation",
            object_id=locked.pk,
            payload={
                "stablecoin": locked.stablecoin.symbol,
                "version": locked.version,
                "document_sha256": locked.document_sha256,
            },
        )
        document = locked.document.name if locked.document else ""
        locked.delete()
        if document:
            # The file goes only once the deletion has committed.
            storage = locked.document.storage
            transaction.on_commit(lambda: storage.delete(document))


def attestation_amend(*, user: User, attestation: Attestation, reason: str) -> Attestation:
    """A new draft version that supersedes a submitted attestation, starting from a copy of it."""
    require_issuer_staff(user, attestation.stablecoin)
    if not reason.strip():
        raise ValidationError({"amendment_reason": ["Say why the attestation is amended."]})
    if problem := text_problem(reason, max_length=TEXT_MAX_CHARS, multiline=True):
        raise ValidationError({"amendment_reason": [problem]})
    if attestation.status == AttestationStatus.DRAFT:
        raise ValidationError("A draft is edited, not amended.")
    with transaction.atomic():
        Stablecoin.objects.select_for_update(no_key=True).get(pk=attestation.stablecoin_id)
        if Attestation.objects.filter(supersedes=attestation).exists():
            raise ValidationError("This version has been amended already; amend the newest version.")
        old = attestation_input(attestation)
        amended = Attestation(
            stablecoin=attestation.stablecoin,
            version=next_version(attestation.stablecoin),
            supersedes=attestation,
            amendment_reason=reason.strip(),
            created_by=user,  # type: ignore[misc]
            document=attestation.document.name,
            document_sha256=attestation.document_sha256,
        )
        _write_contents(
            amended,
            as_of=old.as_of,
            as_of_timezone=old.as_of_timezone,
            report_type=old.report_type,
            details=old.details,
            holdings=old.holdings,
            issuer_figures=old.issuer_figures,
        )
        audit_append(
            actor=user.get_username(),
            action="attestation.amended",
            object_type="attestation",
            object_id=amended.pk,
            payload={"supersedes": attestation.pk, "version": amended.version, "reason": amended.amendment_reason},
        )
    amended.refresh_from_db()
    return amended


def errors_as_dict(exc: ValidationError) -> dict[str, Any]:
    """A ValidationError as {key: [messages]}, with non-field errors under "__all__"."""
    if hasattr(exc, "error_dict"):
        return {k: list(v) for k, v in exc.message_dict.items()}
    return {"__all__": list(exc.messages)}
