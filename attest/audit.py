"""The append-only, hash-chained audit log.

Each entry's hash covers its own fields and the hash of the entry before it, so editing,
inserting or deleting any entry breaks every hash after it; publishing the head hash lets anyone
holding an old head check that history was only ever appended to. The entry model is defined here,
beside the only code that writes it; attest/models.py imports it so Django registers it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone


class AuditEntry(models.Model):
    """Append-only, hash-chained record of every state change; written only by ``audit_append`` below."""

    seq = models.PositiveBigIntegerField(unique=True)
    at = models.DateTimeField()
    actor = models.CharField(max_length=150, help_text="username, or 'system' for tasks")
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    payload = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"


GENESIS = "0" * 64
# Any constant works; it names the PostgreSQL advisory lock that serialises appends across workers.
_ADVISORY_LOCK_KEY = 0x41747465  # "Atte"


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(
    *, seq: int, at: str, actor: str, action: str, object_type: str, object_id: str, payload: Any, prev_hash: str
) -> str:
    body = canonical_json(
        {
            "seq": seq,
            "at": at,
            "actor": actor,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "payload": payload,
            "prev_hash": prev_hash,
        }
    )
    return hashlib.sha256(body.encode()).hexdigest()


def audit_append(
    *, actor: str, action: str, object_type: str, object_id: str | int, payload: dict[str, Any] | None = None
) -> AuditEntry:
    """Append one entry. Call it inside the transaction that makes the change it records."""
    payload = json.loads(canonical_json(payload or {}))  # what is hashed is exactly what is stored
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Released at commit; two workers appending at once take turns instead of forking the chain.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_KEY])
        last = AuditEntry.objects.order_by("-seq").first()
        seq = (last.seq + 1) if last else 1
        prev = last.entry_hash if last else GENESIS
        at = timezone.now()
        fields = {
            "seq": seq,
            "at": at.isoformat(),
            "actor": actor,
            "action": action,
            "object_type": object_type,
            "object_id": str(object_id),
            "payload": payload,
            "prev_hash": prev,
        }
        return AuditEntry.objects.create(
            seq=seq,
            at=at,
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            payload=payload,
            prev_hash=prev,
            entry_hash=entry_hash(**fields),  # type: ignore[arg-type]
        )


@dataclass(frozen=True)
class AuditVerdict:
    ok: bool
    entries: int
    head: str
    problems: list[str]


def audit_verify() -> AuditVerdict:
    problems: list[str] = []
    prev = GENESIS
    expected_seq = 1
    count = 0
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=2000):
        count += 1
        if entry.seq != expected_seq:
            problems.append(f"entry #{entry.seq}: expected #{expected_seq} (an entry was deleted or inserted)")
        if entry.prev_hash != prev:
            problems.append(f"entry #{entry.seq}: prev_hash does not match the entry before it")
        recomputed = entry_hash(
            seq=entry.seq,
            at=entry.at.isoformat(),
            actor=entry.actor,
            action=entry.action,
            object_type=entry.object_type,
            object_id=entry.object_id,
            payload=entry.payload,
            prev_hash=entry.prev_hash,
        )
        if recomputed != entry.entry_hash:
            problems.append(f"entry #{entry.seq}: contents do not match its hash (edited)")
        prev = entry.entry_hash
        expected_seq = entry.seq + 1
    return AuditVerdict(ok=not problems, entries=count, head=prev, problems=problems)


def audit_head() -> tuple[int, str]:
    last = AuditEntry.objects.order_by("-seq").first()
    return (last.seq, last.entry_hash) if last else (0, GENESIS)
