"""Reads about people and what they may see."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from attest.models import Membership, Role, Stablecoin


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
