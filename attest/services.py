"""Writes for attestations. Views, the API, tasks and commands all come through here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from attest import hooks
from attest.audit import audit_append
from attest.models import Attestation, AttestationStatus, Holding, ReportType, Role, Stablecoin
from attest.selectors import user_issuer_id, user_role

User = AbstractBaseUser | AnonymousUser


@dataclass(frozen=True)
class HoldingInput:
    asset_class: str
    custodian: str
    currency: str
    market_value: Decimal


def _require_issuer_staff(user: User, stablecoin: Stablecoin) -> None:
    if user_role(user) != Role.ISSUER or user_issuer_id(user) != stablecoin.issuer_id:
        raise PermissionDenied("only this coin's issuer staff may attest for it")


def attestation_create(
    *,
    user: User,
    stablecoin: Stablecoin,
    as_of: datetime,
    as_of_timezone: str,
    holdings: list[HoldingInput],
    report_type: str = ReportType.ATTESTATION,
) -> Attestation:
    """A draft attestation with its holding lines, all saved or none."""
    _require_issuer_staff(user, stablecoin)
    if as_of > timezone.now():
        raise ValidationError({"as_of": "The as-of time is in the future."})
    if not holdings:
        raise ValidationError({"holdings": "An attestation needs at least one holding."})
    with transaction.atomic():
        # Version numbers come from the coin's row lock so two drafts never share one.
        Stablecoin.objects.select_for_update().get(pk=stablecoin.pk)
        last = Attestation.objects.filter(stablecoin=stablecoin).aggregate(v=Max("version"))["v"] or 0
        attestation = Attestation.objects.create(
            stablecoin=stablecoin,
            version=last + 1,
            as_of=as_of,
            as_of_timezone=as_of_timezone,
            report_type=report_type,
            created_by=user,  # type: ignore[misc]
        )
        Holding.objects.bulk_create(
            [
                Holding(
                    attestation=attestation,
                    line=i,
                    asset_class=h.asset_class,
                    custodian=h.custodian,
                    currency=h.currency,
                    market_value=h.market_value,
                )
                for i, h in enumerate(holdings, start=1)
            ]
        )
        audit_append(
            actor=user.get_username(),
            action="attestation.created",
            object_type="attestation",
            object_id=attestation.pk,
            payload={"stablecoin": stablecoin.symbol, "version": attestation.version, "as_of": as_of.isoformat()},
        )
    return attestation


def attestation_submit(*, user: User, attestation: Attestation) -> Attestation:
    """Draft -> submitted. From here on the attestation never changes; the pipeline above is told on commit."""
    _require_issuer_staff(user, attestation.stablecoin)
    with transaction.atomic():
        # A conditional UPDATE: of two concurrent submits exactly one changes the row.
        changed = Attestation.objects.filter(pk=attestation.pk, status=AttestationStatus.DRAFT).update(
            status=AttestationStatus.SUBMITTED, submitted_at=timezone.now()
        )
        if not changed:
            raise ValidationError("Only a draft can be submitted; this attestation was submitted already.")
        attestation.refresh_from_db()
        holdings = list(attestation.holdings.all())
        audit_append(
            actor=user.get_username(),
            action="attestation.submitted",
            object_type="attestation",
            object_id=attestation.pk,
            payload={
                "stablecoin": attestation.stablecoin.symbol,
                "version": attestation.version,
                "as_of": attestation.as_of.isoformat(),
                "holdings": [
                    {"asset_class": h.asset_class, "currency": h.currency, "market_value": str(h.market_value)}
                    for h in holdings
                ],
            },
        )
        hooks.emit("attestation_submitted", attestation_id=attestation.pk)
    return attestation
