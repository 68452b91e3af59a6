"""Reads of the transparency log: signed heads, entries by range, inclusion and consistency proofs.

Every proof is computed from the stored perfect subtrees (attest/merkle.py), so its cost grows with
log² of the tree size, not with the size (bench/transparency_log.py). A proof is always against a
tree size for which a signed head was issued (there is one for every size the log ever had).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from attest import merkle
from attest.audit import AuditEntry, TreeHead, entry_fields, nodes_fetch

MAX_ENTRIES = 1000  # per request of a range


class LogRequestError(ValueError):
    """A range or tree size the log cannot answer for; the message says why."""


def tree_head_latest() -> TreeHead | None:
    return TreeHead.objects.order_by("-tree_size").first()


def tree_head_at(size: int) -> TreeHead | None:
    return TreeHead.objects.filter(tree_size=size).first()


def _size_checked(size: int, *, name: str, latest: int) -> None:
    if size < 0 or size > latest:
        raise LogRequestError(f"{name}={size}: the newest signed head covers {latest} entries")


def _latest_size() -> int:
    head = tree_head_latest()
    return head.tree_size if head else 0


def entry_json(entry: AuditEntry) -> dict[str, Any]:
    return {"index": entry.seq - 1, "leaf_hash": entry.leaf_hash, "entry": entry_fields(entry)}


def entries_range(*, start: int, end: int) -> list[dict[str, Any]]:
    """Leaves [start, end) (0-based), at most MAX_ENTRIES; what is stored, even beyond the newest head."""
    if start < 0 or end < start:
        raise LogRequestError(f"start={start}, end={end}: expected 0 <= start <= end")
    end = min(end, start + MAX_ENTRIES)
    rows = AuditEntry.objects.filter(seq__gt=start, seq__lte=end).order_by("seq")
    return [entry_json(e) for e in rows]


@dataclass(frozen=True)
class InclusionProof:
    index: int
    tree_size: int
    leaf_hash: str
    audit_path: list[str]


def inclusion_proof(*, index: int, tree_size: int | None = None) -> InclusionProof:
    latest = _latest_size()
    size = latest if tree_size is None else tree_size
    _size_checked(size, name="tree_size", latest=latest)
    if not 0 <= index < size:
        raise LogRequestError(f"index={index} is not in a tree of {size} entries")
    ranges = [(index, index + 1), *merkle.inclusion_ranges(index, size)]
    leaf, *path = merkle.range_hashes(ranges, nodes_fetch)
    return InclusionProof(index, size, leaf.hex(), [h.hex() for h in path])


def consistency_proof(*, first: int, second: int | None = None) -> list[str]:
    latest = _latest_size()
    size = latest if second is None else second
    _size_checked(size, name="second", latest=latest)
    if not 0 <= first <= size:
        raise LogRequestError(f"first={first}: expected 0 <= first <= second ({size})")
    return [h.hex() for h in merkle.range_hashes(merkle.consistency_ranges(first, size), nodes_fetch)]


def publication_log(publication_ids: list[int]) -> dict[int, dict[str, Any]]:
    """For each publication, the log entry that records it, the signed head issued with it, and the
    inclusion proof against that head: what a wallet needs to check a published figure offline."""
    entries = {
        int(e.object_id): e
        for e in AuditEntry.objects.filter(
            object_type="publication", action="publication.created", object_id__in=[str(p) for p in publication_ids]
        )
    }
    heads = {h.tree_size: h for h in TreeHead.objects.filter(tree_size__in=[e.seq for e in entries.values()])}
    out = {}
    for pid, entry in entries.items():
        head = heads.get(entry.seq)
        if head is None:
            continue
        proof = inclusion_proof(index=entry.seq - 1, tree_size=head.tree_size)
        out[pid] = {
            "index": entry.seq - 1,
            "entry": entry_fields(entry),
            "inclusion": proof.audit_path,
            "tree_head": head.as_json(),
        }
    return out
