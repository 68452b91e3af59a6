"""Reads about people and what they may see."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from attest.models import Attestation, AttestationStatus, Membership, Role, Stablecoin


def _membership(user: AbstractBaseUser | AnonymousUser) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user_id=user.pk).select_related("issuer").first()


def user_role(user: AbstractBaseUser | AnonymousUser) -> str | None:
    membership = _membership(user)
    return membership.role if membership else None


def user_issuer_id(user: AbstractBaseUser | AnonymousUser) -> int | None:
    membership = _membership(user)
    return membership.issuer_id if membership else None


def stablecoins_attestable_by(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Stablecoin]:
    """The coins a user may file attestations for: their own issuer's, and only for issuer staff."""
    membership = _membership(user)
    if membership is None or membership.role != Role.ISSUER or membership.issuer_id is None:
        return Stablecoin.objects.none()
    return Stablecoin.objects.filter(issuer_id=membership.issuer_id)


def attestations_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Attestation]:
    """Issuer staff see their issuer's (drafts included); an auditor, those assigned to them;
    a regulator, everything submitted; anyone else, nothing."""
    membership = _membership(user)
    queryset = Attestation.objects.select_related("stablecoin", "stablecoin__issuer", "auditor")
    if membership is None:
        return queryset.none()
    if membership.role == Role.ISSUER and membership.issuer_id is not None:
        return queryset.filter(stablecoin__issuer_id=membership.issuer_id)
    if membership.role == Role.AUDITOR:
        return queryset.filter(auditor_id=user.pk)
    if membership.role == Role.REGULATOR:
        return queryset.exclude(status=AttestationStatus.DRAFT)
    return queryset.none()


# An issuer's statement counts from submission on, whatever the regulator decides: "request changes"
# or "reject" must not hide the shortfall it shows (the publication says it is under review or rejected).
STATEMENT_STATUSES = [
    AttestationStatus.SUBMITTED,
    AttestationStatus.ACCEPTED,
    AttestationStatus.CHANGES_REQUESTED,
    AttestationStatus.REJECTED,
]
# Reports that meet a reporting cadence (R22-R24): filed and not rejected.
CADENCE_STATUSES = [AttestationStatus.SUBMITTED, AttestationStatus.ACCEPTED, AttestationStatus.CHANGES_REQUESTED]


def attestations_standing() -> QuerySet[Attestation]:
    """Statements that stand: filed, and not restated by a filed amendment; newest as-of first."""
    return (
        Attestation.objects.filter(status__in=STATEMENT_STATUSES)
        .exclude(superseded_by__status__in=STATEMENT_STATUSES)
        .order_by("-as_of", "-version")
    )


def attestation_standing(*, stablecoin: Stablecoin) -> Attestation | None:
    """The coin's standing attestation: the one every reconciliation and every page relies on."""
    return (
        attestations_standing()
        .filter(stablecoin=stablecoin)
        .select_related("stablecoin")
        .prefetch_related("holdings", "issuer_figures")
        .first()
    )


def attestation_review_queue() -> QuerySet[Attestation]:
    """Submitted attestations awaiting a regulator's decision, oldest first; a version whose amendment
    has been submitted gives way to it."""
    return (
        Attestation.objects.filter(status=AttestationStatus.SUBMITTED)
        .exclude(superseded_by__status__in=[s for s in AttestationStatus.values if s != AttestationStatus.DRAFT])
        .select_related("stablecoin", "stablecoin__issuer")
        .order_by("submitted_at", "pk")
    )


def attestation_versions(
    attestation: Attestation, *, visible: QuerySet[Attestation] | None = None
) -> list[Attestation]:
    """Every version of the same report the viewer may see: the chain of supersessions through this one, oldest first.

    One query: the coin's attestations are fetched once and the chain walked in Python.
    """
    rows = visible if visible is not None else Attestation.objects.all()
    by_pk = {a.pk: a for a in rows.filter(stablecoin_id=attestation.stablecoin_id)}
    by_parent = {a.supersedes_id: a for a in by_pk.values() if a.supersedes_id is not None}
    first = attestation
    while first.supersedes_id is not None and first.supersedes_id in by_pk:
        first = by_pk[first.supersedes_id]
    versions = [first]
    while (nxt := by_parent.get(versions[-1].pk)) is not None:
        versions.append(nxt)
    return versions


def auditors() -> QuerySet[Any]:
    """Users who may be assigned to examine an attestation."""
    return (
        get_user_model()
        .objects.filter(membership__role=Role.AUDITOR)
        .select_related("membership__firm")
        .order_by("username")
    )
