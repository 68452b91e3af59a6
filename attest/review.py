"""The regulator's side: comments and decisions on submitted attestations, and telling the issuer."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from attest.audit import audit_append
from attest.models import Attestation, AttestationStatus, ReviewComment, Role
from attest.parsing import TEXT_MAX_CHARS, text_problem
from attest.selectors import user_issuer_id, user_role

User = AbstractBaseUser | AnonymousUser

DECISIONS = {
    AttestationStatus.ACCEPTED: gettext_noop("accepted"),
    AttestationStatus.REJECTED: gettext_noop("rejected"),
    AttestationStatus.CHANGES_REQUESTED: gettext_noop("returned with a request for changes"),
}


def _may_comment(user: User, attestation: Attestation) -> bool:
    role = user_role(user)
    if role == Role.REGULATOR:
        return attestation.status != AttestationStatus.DRAFT
    if role == Role.ISSUER:
        return user_issuer_id(user) == attestation.stablecoin.issuer_id
    return role == Role.AUDITOR and attestation.auditor_id == user.pk


def comment_add(*, user: User, attestation: Attestation, body: str) -> ReviewComment:
    if not _may_comment(user, attestation):
        raise PermissionDenied("you may not comment on this attestation")
    if not body.strip():
        raise ValidationError({"body": ["Write a comment."]})
    if problem := text_problem(body, max_length=TEXT_MAX_CHARS, multiline=True):
        raise ValidationError({"body": [problem]})
    with transaction.atomic():
        comment = ReviewComment.objects.create(attestation=attestation, author=user, body=body.strip())  # type: ignore[misc]
        audit_append(
            actor=user.get_username(),
            action="attestation.commented",
            object_type="attestation",
            object_id=attestation.pk,
            payload={"comment": comment.pk},
        )
    return comment


def _notify_issuer(attestation: Attestation, decision: str, comment: str) -> None:
    recipients = list(
        get_user_model()
        .objects.filter(membership__role=Role.ISSUER, membership__issuer_id=attestation.stablecoin.issuer_id)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if not recipients:
        return
    link = settings.SITE_URL.rstrip("/") + reverse("attest:attestation_detail", args=[attestation.pk])
    subjects, texts = [], []
    # In English, then in Traditional Chinese (Hong Kong): the issuer's staff may read either.
    for language in ("en", "zh-hant"):
        with translation.override(language):
            words = {
                "symbol": attestation.stablecoin.symbol,
                "version": attestation.version,
                "decision": gettext(DECISIONS[decision]),  # type: ignore[index]
                "as_of": attestation.as_of.isoformat(),
            }
            subjects.append(gettext("%(symbol)s attestation v%(version)s %(decision)s") % words)
            texts.append(
                gettext(
                    "The regulator has %(decision)s your %(symbol)s attestation version %(version)s as of %(as_of)s."
                )
                % words
                + "\n\n"
                + (gettext("Comment:") + f"\n{comment}\n\n" if comment else "")
                + gettext("See it at %(link)s") % {"link": link}
                + "\n"
            )
    send_mail(
        subject=" · ".join(subjects),
        message="\n".join(texts),
        from_email=None,
        recipient_list=recipients,
    )


def attestation_review(*, user: User, attestation: Attestation, decision: str, comment: str = "") -> Attestation:
    """Submitted -> accepted | rejected | changes_requested, by a regulator; the issuer is emailed on commit."""
    if user_role(user) != Role.REGULATOR:
        raise PermissionDenied("regulators only")
    if decision not in DECISIONS:
        raise ValidationError({"decision": [f"Choose one of: {', '.join(DECISIONS)}."]})
    if decision != AttestationStatus.ACCEPTED and not comment.strip():
        raise ValidationError({"comment": ["Say why, so the issuer can act on it."]})
    if problem := text_problem(comment, max_length=TEXT_MAX_CHARS, multiline=True):
        raise ValidationError({"comment": [problem]})
    with transaction.atomic():
        # A conditional UPDATE: two regulators deciding at once cannot both win.
        changed = Attestation.objects.filter(pk=attestation.pk, status=AttestationStatus.SUBMITTED).update(
            status=decision
        )
        if not changed:
            raise ValidationError("Only a submitted attestation awaiting review can be decided.")
        if comment.strip():
            ReviewComment.objects.create(attestation=attestation, author=user, body=comment.strip())  # type: ignore[misc]
        attestation.refresh_from_db()
        audit_append(
            actor=user.get_username(),
            action=f"attestation.{decision}",
            object_type="attestation",
            object_id=attestation.pk,
            payload={"decision": decision, "comment": comment.strip(), "at": timezone.now().isoformat()},
        )
        transaction.on_commit(lambda: _notify_issuer(attestation, decision, comment.strip()))
    return attestation
