"""What a regulator does to a flag: acknowledge it, or resolve it by hand with a reason.

Both take the coin's row lock first, as the reconciliation writer does (architecture.md invariant 6), so a
regulator's action and a run resolving the same flag never race; both change the row with a conditional
UPDATE, record a FlagEvent with the actor and append to the audit log in the same transaction.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from attest.audit import audit_append
from attest.models import Role, Stablecoin
from attest.selectors import user_role
from reserves.models import Flag, FlagEvent, FlagStatus
from reserves.notifications import notifications_queue

User = AbstractBaseUser | AnonymousUser


def _require_regulator(user: User) -> None:
    if user_role(user) != Role.REGULATOR:
        raise PermissionDenied("only regulators may act on flags")


def flag_acknowledge(*, flag: Flag, user: User, note: str) -> Flag:
    """Open -> acknowledged: a regulator has seen it. The flag stays unresolved until its rule passes."""
    _require_regulator(user)
    now = timezone.now()
    with transaction.atomic():
        Stablecoin.objects.select_for_update(no_key=True).get(pk=flag.stablecoin_id)
        changed = Flag.objects.filter(pk=flag.pk, status=FlagStatus.OPEN).update(status=FlagStatus.ACKNOWLEDGED)
        if not changed:
            raise ValidationError("Only an open flag can be acknowledged.")
        FlagEvent.objects.create(flag=flag, at=now, kind="acknowledged", actor_id=user.pk, note=note.strip())
        audit_append(
            actor=user.get_username(),
            action="flag.acknowledged",
            object_type="flag",
            object_id=flag.pk,
            payload={"stablecoin": flag.stablecoin.symbol, "rule": flag.rule, "note": note.strip()},
        )
    flag.refresh_from_db()
    return flag


def flag_resolve_manually(*, flag: Flag, user: User, reason: str) -> Flag:
    """Open or acknowledged -> resolved by a regulator, who must say why. A later failing run opens a new flag."""
    _require_regulator(user)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the flag is resolved."})
    now = timezone.now()
    with transaction.atomic():
        Stablecoin.objects.select_for_update(no_key=True).get(pk=flag.stablecoin_id)
        changed = (
            Flag.objects.filter(pk=flag.pk)
            .exclude(status=FlagStatus.RESOLVED)
            .update(status=FlagStatus.RESOLVED, resolved_at=now)
        )
        if not changed:
            raise ValidationError("This flag is resolved already.")
        FlagEvent.objects.create(flag=flag, at=now, kind="resolved_by_hand", actor_id=user.pk, note=reason)
        audit_append(
            actor=user.get_username(),
            action="flag.resolved_manually",
            object_type="flag",
            object_id=flag.pk,
            payload={"stablecoin": flag.stablecoin.symbol, "rule": flag.rule, "reason": reason},
        )
        flag.refresh_from_db()
        # Receivers hear of a resolution whoever made it; the caller has the deliveries sent after commit.
        notifications_queue(flag=flag, event="flag.resolved")
    return flag
