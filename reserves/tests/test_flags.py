"""A regulator acknowledges or resolves a flag: the state changes once, with who, why and an audit entry."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from attest.logverify import audit_verify
from attest.models import AuditEntry
from reserves.flags import flag_acknowledge, flag_resolve_manually
from reserves.models import Flag, FlagStatus
from reserves.tests.pagedata import coin_with_runs, regulator

pytestmark = pytest.mark.django_db


@pytest.fixture
def flag() -> Flag:
    coin_with_runs("SHRT", reserves="90", tokens=100_000, runs=1)
    return Flag.objects.get(rule="R1")


def test_it_acknowledges_an_open_flag_and_records_who_and_why(flag):
    bob = regulator()
    flag_acknowledge(flag=flag, user=bob, note="issuer contacted")
    flag.refresh_from_db()
    assert flag.status == FlagStatus.ACKNOWLEDGED
    event = flag.events.get(kind="acknowledged")
    assert (event.actor, event.note) == (bob, "issuer contacted")
    entry = AuditEntry.objects.get(action="flag.acknowledged")
    assert (entry.actor, entry.object_id, entry.payload["note"]) == ("regulator_bob", str(flag.pk), "issuer contacted")
    assert audit_verify().ok


def test_it_acknowledges_only_once(flag):
    bob = regulator()
    flag_acknowledge(flag=flag, user=bob, note="seen")
    with pytest.raises(ValidationError):
        flag_acknowledge(flag=flag, user=bob, note="seen again")
    assert flag.events.filter(kind="acknowledged").count() == 1


def test_it_resolves_manually_only_with_a_reason(flag):
    bob = regulator()
    with pytest.raises(ValidationError):
        flag_resolve_manually(flag=flag, user=bob, reason="   ")
    flag.refresh_from_db()
    assert flag.status == FlagStatus.OPEN
    flag_resolve_manually(flag=flag, user=bob, reason="topped up, custodian letter on file")
    flag.refresh_from_db()
    assert flag.status == FlagStatus.RESOLVED and flag.resolved_at is not None
    assert flag.events.get(kind="resolved_by_hand").actor == bob
    assert AuditEntry.objects.filter(action="flag.resolved_manually", object_id=str(flag.pk)).exists()
    with pytest.raises(ValidationError):
        flag_resolve_manually(flag=flag, user=bob, reason="again")


def test_issuer_staff_cannot_act_on_flags(flag):
    issuer = flag.stablecoin.issuer.members.get().user
    with pytest.raises(PermissionDenied):
        flag_acknowledge(flag=flag, user=issuer, note="not mine to say")
    with pytest.raises(PermissionDenied):
        flag_resolve_manually(flag=flag, user=issuer, reason="not mine to say")
    flag.refresh_from_db()
    assert flag.status == FlagStatus.OPEN
