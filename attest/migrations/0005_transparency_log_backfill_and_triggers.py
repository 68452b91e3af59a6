"""Backfill the Merkle log over entries written before it (leaf hashes, subtrees, one signed head
covering them), then make the log's tables append-only with triggers (attest/appendonly.py)."""

import json

from django.db import migrations
from django.utils import timezone


def _body(e):
    fields = {
        "seq": e.seq,
        "at": e.at.isoformat(),
        "actor": e.actor,
        "action": e.action,
        "object_type": e.object_type,
        "object_id": e.object_id,
        "payload": e.payload,
        "prev_hash": e.prev_hash,
    }
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def backfill(apps, schema_editor):
    from attest import logkeys, merkle  # pure: hashing and the configured key, no models

    AuditEntry = apps.get_model("attest", "AuditEntry")
    AuditNode = apps.get_model("attest", "AuditNode")
    TreeHead = apps.get_model("attest", "TreeHead")
    leaves = []
    for e in AuditEntry.objects.order_by("seq").iterator(chunk_size=2000):
        leaf = merkle.leaf_hash(_body(e))
        AuditEntry.objects.filter(pk=e.pk).update(leaf_hash=leaf.hex())
        leaves.append(leaf)
    if not leaves:
        return
    AuditNode.objects.bulk_create(
        [
            AuditNode(position=(i << (level + 1)) + (1 << level) - 1, hash=h.hex())
            for (level, i), h in merkle.subtrees_of(leaves)
        ],
        batch_size=2000,
    )
    root = merkle.root_of(leaves).hex()
    signer = logkeys.signer()
    ts = int(timezone.now().timestamp() * 1000)
    message = logkeys.head_message(tree_size=len(leaves), root_hash=root, timestamp=ts)
    TreeHead.objects.create(
        tree_size=len(leaves), root_hash=root, timestamp=ts, key_id=signer.key_id, signature=signer.sign(message)
    )


def install_triggers(apps, schema_editor):
    from attest import appendonly

    appendonly.install(schema_editor)


def uninstall_triggers(apps, schema_editor):
    from attest import appendonly

    appendonly.uninstall(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("attest", "0004_transparency_log")]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RunPython(install_triggers, uninstall_triggers),
    ]
