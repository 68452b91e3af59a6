"""The transparency log: RFC 6962 proofs, a signed head per append, append-only tables, verifyaudit."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from attest import logproofs, merkle
from attest.audit import GENESIS, AuditEntry, AuditLogBroken, TreeHead, audit_append, audit_head, tree_root
from attest.logverify import audit_verify
from tests.logtamper import TAMPERINGS, monitor_module, populate, resign, tamper

MONITOR = monitor_module()


def _leaves(n: int) -> list[bytes]:
    return [merkle.leaf_hash(str(i).encode()) for i in range(n)]


def _fetch_from(leaves: list[bytes]) -> merkle.Fetch:
    stored = dict(merkle.subtrees_of(leaves))
    return lambda nodes: {n: stored[n] for n in nodes if n in stored}


def test_proofs_from_stored_subtrees_verify_with_the_monitors_rfc_9162_checks():
    leaves = _leaves(37)
    fetch = _fetch_from(leaves)
    for n in range(1, 38):
        root = merkle.root_of(leaves[:n])
        assert merkle.range_hashes([(0, n)], fetch)[0] == root == MONITOR.root_of(leaves[:n])
        for i in range(n):
            path = merkle.range_hashes(merkle.inclusion_ranges(i, n), fetch)
            assert MONITOR.inclusion_verify(i, n, leaves[i], path, root)
            if n > 1:
                assert not MONITOR.inclusion_verify(i, n, leaves[(i + 1) % n], path, root)
        for m in range(1, n + 1):
            proof = merkle.range_hashes(merkle.consistency_ranges(m, n), fetch)
            assert MONITOR.consistency_verify(m, n, merkle.root_of(leaves[:m]), root, proof)
            if m < n:
                assert not MONITOR.consistency_verify(m, n, merkle.root_of(_leaves(m + 1)[1:]), root, proof)


@pytest.mark.django_db
def test_each_append_signs_a_head_and_the_log_verifies():
    assert audit_head() == (0, GENESIS)
    populate(9)
    assert list(TreeHead.objects.values_list("tree_size", flat=True)) == list(range(1, 10))
    assert TreeHead.objects.get(tree_size=9).root_hash == tree_root(9)
    verdict = audit_verify()
    assert verdict.ok and verdict.entries == 9 and verdict.heads == 9, verdict.problems
    assert audit_head() == (9, AuditEntry.objects.get(seq=9).entry_hash) == (9, verdict.head)
    proof = logproofs.inclusion_proof(index=3, tree_size=7)
    root = bytes.fromhex(TreeHead.objects.get(tree_size=7).root_hash)
    path = [bytes.fromhex(h) for h in proof.audit_path]
    assert MONITOR.inclusion_verify(3, 7, bytes.fromhex(proof.leaf_hash), path, root)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE attest_auditentry SET actor = 'x'",
        "DELETE FROM attest_auditentry",
        "TRUNCATE attest_treehead",
        "DELETE FROM attest_auditnode",
    ],
)
def test_the_database_refuses_to_change_the_log(sql):
    populate(2)
    with connection.cursor() as cursor:
        cursor.execute("SET attest.allow_truncate = 'off'")  # the test database allows it for flushes
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            cursor.execute(sql)
        cursor.execute("RESET attest.allow_truncate")
    assert AuditEntry.objects.count() == 2 and audit_verify().ok


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(TAMPERINGS))
def test_verifyaudit_catches_every_tampering_it_can_see_in_the_database(name, capsys):
    populate(20)
    call_command("verifyaudit")
    assert "audit log OK: 20 entries, 20 signed heads" in capsys.readouterr().out
    tamper(name, 20)
    if name == "fork":
        # Tail deleted and a new tail appended with the real key: the database now holds a consistent,
        # signed log. Only someone holding an older head can tell (the monitor, tests/test_log_monitor.py).
        call_command("verifyaudit")
        return
    with pytest.raises(CommandError, match="BROKEN"):
        call_command("verifyaudit")


@pytest.mark.django_db
def test_a_head_signed_with_a_key_that_is_not_published_is_caught(capsys):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    populate(5)
    resign(Ed25519PrivateKey.generate())
    with pytest.raises(CommandError, match="BROKEN"):
        call_command("verifyaudit")
    assert "not a published key" in capsys.readouterr().err


@pytest.mark.django_db
def test_it_refuses_to_sign_over_rows_it_did_not_append():
    populate(3)
    tamper("forged append with a valid hash", 3)
    with pytest.raises(AuditLogBroken, match="holds 4 entries but its newest signed head covers 3"):
        audit_append(actor="alice", action="thing.done", object_type="thing", object_id=9)
