"""The audit log is a hash chain: any edited, inserted or deleted entry is detected."""

from __future__ import annotations

import pytest
from django.db import connection

from attest.audit import GENESIS, audit_append, audit_head, audit_verify
from attest.models import AuditEntry

pytestmark = pytest.mark.django_db


def _three_entries() -> None:
    for i in range(3):
        audit_append(actor="alice", action="thing.done", object_type="thing", object_id=i, payload={"n": str(i)})


def test_an_untouched_chain_verifies_and_its_head_is_the_last_hash():
    assert audit_head() == (0, GENESIS)
    _three_entries()
    verdict = audit_verify()
    assert verdict.ok and verdict.entries == 3
    assert audit_head() == (3, AuditEntry.objects.get(seq=3).entry_hash) == (3, verdict.head)


def test_it_detects_an_entry_edited_behind_its_back():
    _three_entries()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE attest_auditentry SET actor = 'mallory' WHERE seq = 2")
    verdict = audit_verify()
    assert not verdict.ok
    assert any("#2" in p and "edited" in p for p in verdict.problems)


def test_it_detects_a_deleted_entry():
    _three_entries()
    AuditEntry.objects.filter(seq=2).delete()
    verdict = audit_verify()
    assert not verdict.ok
    assert any("deleted or inserted" in p for p in verdict.problems)
