"""Tampering with the transparency log the way a database superuser (and, for `resign`, the operator
holding the signing key) could: triggers disabled for the session, rows edited, derived data rebuilt.

Every way the issue lists (issue 12) is here, so the tests can check that `verifyaudit` and the
independent monitor catch each one.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import connection, transaction
from django.utils import timezone

from attest import logkeys, merkle
from attest.audit import (
    AuditEntry,
    AuditNode,
    TreeHead,
    audit_append,
    entry_body,
    entry_fields,
    node_position,
    nodes_store,
)

REPO = Path(__file__).resolve().parent.parent


def monitor_module() -> ModuleType:
    """scripts/attest_monitor.py as a module (its verification functions are what clients use)."""
    spec = importlib.util.spec_from_file_location("attest_monitor", REPO / "scripts" / "attest_monitor.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def populate(n: int) -> None:
    for i in range(n):
        audit_append(actor="alice", action="thing.done", object_type="thing", object_id=i, payload={"n": str(i)})


@contextmanager
def superuser() -> Iterator[Any]:
    """A transaction in which the append-only triggers do not fire, as a superuser can arrange."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        yield cursor


def _rehash_from(seq: int) -> None:
    """Recompute entry_hash, prev_hash and leaf_hash of entries from ``seq`` on (a careful forger)."""
    before = AuditEntry.objects.filter(seq__lt=seq).order_by("-seq").first()
    prev = before.entry_hash if before else "0" * 64
    for e in AuditEntry.objects.filter(seq__gte=seq).order_by("seq"):
        e.prev_hash = prev
        body = entry_body(entry_fields(e)).encode()
        e.entry_hash, e.leaf_hash = hashlib.sha256(body).hexdigest(), merkle.leaf_hash(body).hex()
        e.save(update_fields=["prev_hash", "entry_hash", "leaf_hash"])
        prev = e.entry_hash


def resign(key: Ed25519PrivateKey | None = None) -> None:
    """The operator's cover-up: rebuild every subtree from the entries as they now are and sign a head
    over them (with the real key, or ``key``), replacing every head issued before."""
    with superuser():
        leaves = [bytes.fromhex(h) for h in AuditEntry.objects.order_by("seq").values_list("leaf_hash", flat=True)]
        AuditNode.objects.all().delete()
        TreeHead.objects.all().delete()
        AuditNode.objects.bulk_create(
            [AuditNode(position=node_position(lv, i), hash=h.hex()) for (lv, i), h in merkle.subtrees_of(leaves)]
        )
        if not leaves:
            return
        signer = logkeys.signer() if key is None else logkeys.Signer(key, logkeys.key_id(key.public_key()))
        root, ts = merkle.root_of(leaves).hex(), int(timezone.now().timestamp() * 1000) + 1
        message = logkeys.head_message(tree_size=len(leaves), root_hash=root, timestamp=ts)
        TreeHead.objects.create(
            tree_size=len(leaves), root_hash=root, timestamp=ts, key_id=signer.key_id, signature=signer.sign(message)
        )


def edit_payload(cursor: Any, n: int) -> None:
    cursor.execute("UPDATE attest_auditentry SET payload = %s WHERE seq = %s", [json.dumps({"n": "forged"}), 7])


def edit_actor(cursor: Any, n: int) -> None:
    cursor.execute("UPDATE attest_auditentry SET actor = 'mallory' WHERE seq = 7")


def edit_timestamp(cursor: Any, n: int) -> None:
    AuditEntry.objects.filter(seq=7).update(at=AuditEntry.objects.get(seq=7).at - timedelta(days=3))


def delete_middle(cursor: Any, n: int) -> None:
    cursor.execute("DELETE FROM attest_auditentry WHERE seq = 7")


def insert_row(cursor: Any, n: int) -> None:
    """Make room after #7 and slip in an entry that links to it, with a valid hash of its own."""
    cursor.execute("UPDATE attest_auditentry SET seq = seq + 1000000 WHERE seq > 7")
    cursor.execute("UPDATE attest_auditentry SET seq = seq - 999999 WHERE seq > 1000000")
    seven = AuditEntry.objects.get(seq=7)
    fields = {**entry_fields(seven), "seq": 8, "actor": "mallory", "prev_hash": seven.entry_hash}
    body = entry_body(fields).encode()
    AuditEntry.objects.create(
        **{**fields, "at": seven.at},
        entry_hash=hashlib.sha256(body).hexdigest(),
        leaf_hash=merkle.leaf_hash(body).hex(),
    )


def delete_last_five(cursor: Any, n: int) -> None:
    cursor.execute("DELETE FROM attest_auditentry WHERE seq > %s", [n - 5])


def forged_append(cursor: Any, n: int) -> None:
    """audit_append's own hashing (entry body, leaf, subtrees), without the signing key: no head."""
    last = AuditEntry.objects.order_by("-seq").first()
    assert last is not None
    at = timezone.now()
    fields = {
        "seq": last.seq + 1,
        "at": at.isoformat(),
        "actor": "regulator_bob",
        "action": "attestation.accepted",
        "object_type": "attestation",
        "object_id": "1",
        "payload": {"decision": "accepted"},
        "prev_hash": last.entry_hash,
    }
    body = entry_body(fields).encode()
    leaf = merkle.leaf_hash(body)
    AuditEntry.objects.create(**{**fields, "at": at}, entry_hash=hashlib.sha256(body).hexdigest(), leaf_hash=leaf.hex())
    nodes_store(last.seq, leaf)


def edit_and_recompute(cursor: Any, n: int) -> None:
    edit_payload(cursor, n)
    _rehash_from(7)


def fork(cursor: Any, n: int) -> None:
    """Delete the tail with its subtrees and heads, then append a different tail through audit_append."""
    cursor.execute("DELETE FROM attest_auditentry WHERE seq > %s", [n - 5])
    cursor.execute("DELETE FROM attest_treehead WHERE tree_size > %s", [n - 5])
    cursor.execute("DELETE FROM attest_auditnode")
    leaves = [bytes.fromhex(h) for h in AuditEntry.objects.order_by("seq").values_list("leaf_hash", flat=True)]
    AuditNode.objects.bulk_create(
        [AuditNode(position=node_position(lv, i), hash=h.hex()) for (lv, i), h in merkle.subtrees_of(leaves)]
    )
    for i in range(5):
        audit_append(actor="mallory", action="thing.done", object_type="thing", object_id=i, payload={"n": "fork"})


def delete_everything(cursor: Any, n: int) -> None:
    cursor.execute("DELETE FROM attest_auditentry")


TAMPERINGS: dict[str, Callable[[Any, int], None]] = {
    "edit payload": edit_payload,
    "edit actor": edit_actor,
    "edit timestamp": edit_timestamp,
    "delete a middle row": delete_middle,
    "insert a row": insert_row,
    "delete the last 5": delete_last_five,
    "forged append with a valid hash": forged_append,
    "edit and recompute later hashes": edit_and_recompute,
    "fork": fork,
    "delete every entry": delete_everything,
}


def tamper(name: str, n: int) -> None:
    with superuser() as cursor:
        TAMPERINGS[name](cursor, n)
