"""Output serializers of the transparency log's public endpoints (docs/transparency-log.md), and the
log entry each published figure carries. Documentation of the shapes; every field says what it means."""

from __future__ import annotations

from rest_framework import serializers


class TreeHeadSerializer(serializers.Serializer):  # type: ignore[type-arg]
    tree_size = serializers.IntegerField(help_text="entries the head covers (0: empty log)")
    root_hash = serializers.CharField(help_text="RFC 6962 Merkle tree hash of those entries, hex")
    timestamp = serializers.IntegerField(help_text="when it was signed, milliseconds since the Unix epoch")
    key_id = serializers.CharField(allow_null=True, help_text="hex SHA-256 of the signing key's raw public key")
    algorithm = serializers.CharField(help_text="Ed25519")
    signature = serializers.CharField(
        allow_null=True,
        help_text="base64 signature of 'attest-tree-head:v1\\n<tree_size>\\n<root_hash>\\n<timestamp>\\n'",
    )


class LogKeySerializer(serializers.Serializer):  # type: ignore[type-arg]
    key_id = serializers.CharField(help_text="hex SHA-256 of the raw public key; heads name it")
    algorithm = serializers.CharField(help_text="Ed25519")
    public_key = serializers.CharField(help_text="base64 of the raw 32-byte Ed25519 public key")
    status = serializers.ChoiceField(
        choices=["current", "retired"], help_text="current: signs new heads; retired: verifies older ones"
    )


class LogEntryFieldsSerializer(serializers.Serializer):  # type: ignore[type-arg]
    seq = serializers.IntegerField(help_text="index + 1")
    at = serializers.CharField(help_text="when it was appended, ISO 8601 as hashed")
    actor = serializers.CharField(help_text="username, or 'system' for tasks")
    action = serializers.CharField(help_text="what happened, e.g. publication.created")
    object_type = serializers.CharField(help_text="the kind of record changed")
    object_id = serializers.CharField(help_text="its id")
    payload = serializers.JSONField(help_text="what changed: hashes of documents, inputs and outputs, figures")
    prev_hash = serializers.CharField(help_text="the entry before's SHA-256 (hash chain)")


class LogEntrySerializer(serializers.Serializer):  # type: ignore[type-arg]
    index = serializers.IntegerField(help_text="0-based leaf index")
    leaf_hash = serializers.CharField(help_text="SHA-256(0x00 || canonical JSON of entry), hex")
    entry = LogEntryFieldsSerializer(help_text="the fields whose canonical JSON is the leaf")


class LogEntriesSerializer(serializers.Serializer):  # type: ignore[type-arg]
    start = serializers.IntegerField(help_text="first index served")
    end = serializers.IntegerField(help_text="index after the last served")
    entries = LogEntrySerializer(many=True, help_text="the entries, oldest first")


class InclusionProofSerializer(serializers.Serializer):  # type: ignore[type-arg]
    index = serializers.IntegerField(help_text="the entry's 0-based index")
    tree_size = serializers.IntegerField(help_text="the signed head's size the path leads to")
    leaf_hash = serializers.CharField(help_text="the entry's leaf hash, hex")
    audit_path = serializers.ListField(child=serializers.CharField(), help_text="RFC 6962 PATH, leaf side first")


class ConsistencyProofSerializer(serializers.Serializer):  # type: ignore[type-arg]
    first = serializers.IntegerField(help_text="the older head's size")
    second = serializers.IntegerField(help_text="the newer head's size")
    consistency_path = serializers.ListField(child=serializers.CharField(), help_text="RFC 6962 PROOF")


class PublicationLogSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """What a wallet needs to check a published answer offline (docs/transparency-log.md, "Checking one answer")."""

    index = serializers.IntegerField(help_text="the log entry recording this publication (0-based)")
    entry = LogEntryFieldsSerializer(help_text="that entry; its payload.figures are the figures published")
    inclusion = serializers.ListField(child=serializers.CharField(), help_text="its audit path in tree_head")
    tree_head = TreeHeadSerializer(help_text="the head signed in the same transaction as the publication")
