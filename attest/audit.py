"""The transparency log: an append-only Merkle log of every state change, with signed tree heads.

Each entry is a leaf of an RFC 6962-style Merkle tree (attest/merkle.py); every perfect subtree is
stored once (``AuditNode``), and every append signs a tree head (``TreeHead``: size, root, time, key
id, Ed25519 signature; attest/logkeys.py) in the same transaction, so a head exists for every size
the log ever had and anyone holding an old head can ask for a consistency proof that the log only
grew. Entries also keep the older hash chain (``prev_hash``, ``entry_hash``): a leaf is the canonical
JSON that ``entry_hash`` hashes, so the chain is part of what is signed.

The three tables are append-only in the database too: a migration installs triggers that reject
UPDATE and DELETE (and TRUNCATE on PostgreSQL). docs/transparency-log.md describes all of it. The
models are defined here, beside the only code that writes them; attest/models.py imports them so
Django registers them.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from attest import logkeys, merkle


class AuditEntry(models.Model):
    """One leaf of the log; written only by ``audit_append`` below. Leaf index = ``seq`` - 1."""

    seq = models.PositiveBigIntegerField(unique=True)
    at = models.DateTimeField()
    actor = models.CharField(max_length=150, help_text="username, or 'system' for tasks")
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    payload = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)
    leaf_hash = models.CharField(max_length=64, default="", help_text="SHA-256(0x00 || canonical JSON), hex")

    class Meta:
        ordering = ["seq"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["object_type", "object_id"], name="attest_audit_object")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"


class AuditNode(models.Model):
    """A perfect aligned subtree of the log (a leaf, or 2**level leaves), keyed by ``node_position``."""

    position = models.BigIntegerField(primary_key=True)
    hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"subtree {self.position} {self.hash[:12]}"


class TreeHead(models.Model):
    """A signed tree head: every one ever issued is kept (one per append)."""

    tree_size = models.PositiveBigIntegerField(unique=True)
    root_hash = models.CharField(max_length=64)
    timestamp = models.BigIntegerField(help_text="milliseconds since the Unix epoch, as signed")
    key_id = models.CharField(max_length=64)
    signature = models.CharField(max_length=100, help_text="base64 Ed25519 signature of logkeys.head_message")

    class Meta:
        ordering = ["tree_size"]

    def __str__(self) -> str:
        return f"tree head {self.tree_size} {self.root_hash[:12]}"

    def as_json(self) -> dict[str, Any]:
        return {
            "tree_size": self.tree_size,
            "root_hash": self.root_hash,
            "timestamp": self.timestamp,
            "key_id": self.key_id,
            "algorithm": logkeys.ALGORITHM,
            "signature": self.signature,
        }


GENESIS = "0" * 64
# Any constant works; it names the PostgreSQL advisory lock that serialises appends across workers.
# It is held to commit, so a transaction waiting for it must not hold a lock that an appender needs:
# rows are locked to serialise work with FOR NO KEY UPDATE (select_for_update(no_key=True)), never
# FOR UPDATE, because inserting a row that references a FOR UPDATE row (a run naming its attestation)
# waits for it, and that waiter may already hold this lock (a deadlock the suite once hit).
_ADVISORY_LOCK_KEY = 0x41747465  # "Atte"


class AuditLogBroken(RuntimeError):
    """The log holds entries no signed head covers: something wrote it behind the signer's back."""


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def node_position(level: int, index: int) -> int:
    """A unique integer per perfect subtree (its in-order position in an infinite tree)."""
    return (index << (level + 1)) + (1 << level) - 1


LEAF_FIELDS = ("seq", "at", "actor", "action", "object_type", "object_id", "payload", "prev_hash")


def entry_body(fields: dict[str, Any]) -> str:
    """The leaf: the canonical JSON of an entry's fields (what ``entry_hash`` and ``leaf_hash`` hash)."""
    return canonical_json({name: fields[name] for name in LEAF_FIELDS})


def entry_fields(entry: AuditEntry) -> dict[str, Any]:
    """The fields a leaf is made of, as served by the API and as hashed."""
    return {
        "seq": entry.seq,
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "payload": entry.payload,
        "prev_hash": entry.prev_hash,
    }


def entry_leaf_hash(entry: AuditEntry) -> str:
    return merkle.leaf_hash(entry_body(entry_fields(entry)).encode()).hex()


def nodes_fetch(nodes: Any) -> dict[merkle.Node, bytes]:
    """Stored subtree hashes for (level, index) pairs, in one query."""
    wanted = {node_position(level, index): (level, index) for level, index in nodes}
    rows = AuditNode.objects.filter(position__in=list(wanted)).values_list("position", "hash")
    return {wanted[pos]: bytes.fromhex(h) for pos, h in rows}


def tree_root(size: int) -> str:
    if size == 0:
        return merkle.EMPTY_ROOT.hex()
    return merkle.range_hashes([(0, size)], nodes_fetch)[0].hex()


def nodes_store(index: int, leaf: bytes) -> None:
    """Store leaf ``index`` and every perfect subtree it completes (their left halves are stored)."""
    completed = merkle.parents_completed(index)
    lefts = nodes_fetch([(level - 1, 2 * i) for level, i in completed])
    rows, h = [AuditNode(position=node_position(0, index), hash=leaf.hex())], leaf
    for level, i in completed:
        h = merkle.node_hash(lefts[(level - 1, 2 * i)], h)
        rows.append(AuditNode(position=node_position(level, i), hash=h.hex()))
    AuditNode.objects.bulk_create(rows)


def tree_head_sign(*, tree_size: int, root_hash: str, timestamp: int) -> TreeHead:
    signer = logkeys.signer()
    message = logkeys.head_message(tree_size=tree_size, root_hash=root_hash, timestamp=timestamp)
    return TreeHead.objects.create(
        tree_size=tree_size,
        root_hash=root_hash,
        timestamp=timestamp,
        key_id=signer.key_id,
        signature=signer.sign(message),
    )


def audit_append(
    *, actor: str, action: str, object_type: str, object_id: str | int, payload: dict[str, Any] | None = None
) -> AuditEntry:
    """Append one entry and sign the new tree head. Call it inside the transaction that makes the change
    it records: the entry, its subtrees and its head commit or roll back with that change."""
    payload = json.loads(canonical_json(payload or {}))  # what is hashed is exactly what is stored
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Released at commit; two workers appending at once take turns instead of forking the log.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_KEY])
        last = AuditEntry.objects.order_by("-seq").only("seq", "entry_hash").first()
        head = TreeHead.objects.order_by("-tree_size").only("tree_size").first()
        size = last.seq if last else 0
        if head is not None and head.tree_size != size:
            # Signing now would vouch for rows this signer never appended (or hide deleted ones).
            raise AuditLogBroken(
                f"the log holds {size} entries but its newest signed head covers {head.tree_size}: "
                "it was written or truncated outside audit_append; run `manage.py verifyaudit`"
            )
        at = timezone.now()
        fields = {
            "seq": size + 1,
            "at": at.isoformat(),
            "actor": actor,
            "action": action,
            "object_type": object_type,
            "object_id": str(object_id),
            "payload": payload,
            "prev_hash": last.entry_hash if last else GENESIS,
        }
        body = entry_body(fields).encode()
        leaf = merkle.leaf_hash(body)
        entry = AuditEntry.objects.create(
            **{**fields, "at": at},
            entry_hash=hashlib.sha256(body).hexdigest(),
            leaf_hash=leaf.hex(),
        )
        nodes_store(size, leaf)
        tree_head_sign(tree_size=size + 1, root_hash=tree_root(size + 1), timestamp=int(at.timestamp() * 1000))
    return entry


def audit_head() -> tuple[int, str]:
    last = AuditEntry.objects.order_by("-seq").first()
    return (last.seq, last.entry_hash) if last else (0, GENESIS)
