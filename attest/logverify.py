"""Check the whole transparency log from the database alone (`manage.py verifyaudit`).

One pass over the entries in order: sequence, hash chain, leaf hash, every stored subtree, and every
signed head (its root recomputed from the entries, its key one of the published keys, its signature,
its time never going backwards). Finds edits, insertions, deletions (a head covers more entries than
remain), rows appended without the signing key (entries beyond the newest head), rewritten history
whose heads were not re-signed, and heads signed with a key that is not published. It cannot see a
rewrite whose every head was re-signed with the real key: that takes a copy of an older head, which
is what the independent monitor keeps (scripts/attest_monitor.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from attest import logkeys, merkle
from attest.audit import (
    GENESIS,
    AuditEntry,
    AuditNode,
    TreeHead,
    entry_body,
    entry_fields,
    node_position,
)

CHUNK = 2000
MAX_PROBLEMS = 50  # a rewritten log breaks every later entry; the first ones say what happened


@dataclass
class AuditVerdict:
    entries: int = 0
    heads: int = 0
    head: str = GENESIS  # newest entry hash (the old chain head)
    root: str = merkle.EMPTY_ROOT.hex()
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem(self, text: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(text)


class _Frontier:
    """The perfect subtrees of the leaves seen so far, right edge last: the root of every prefix in O(log n)."""

    def __init__(self) -> None:
        self.stack: list[tuple[int, bytes]] = []  # (level, hash)
        self.size = 0

    def push(self, leaf: bytes) -> list[tuple[int, bytes]]:
        """Add a leaf; returns the (position, hash) of every perfect subtree it completes, itself first."""
        done = [(node_position(0, self.size), leaf)]
        level, h, index = 0, leaf, self.size
        while self.stack and self.stack[-1][0] == level:
            _, left = self.stack.pop()
            h, level, index = merkle.node_hash(left, h), level + 1, index >> 1
            done.append((node_position(level, index), h))
        self.stack.append((level, h))
        self.size += 1
        return done

    def root(self) -> bytes:
        if not self.stack:
            return merkle.EMPTY_ROOT
        h = self.stack[-1][1]
        for _, left in reversed(self.stack[:-1]):
            h = merkle.node_hash(left, h)
        return h


def _heads() -> Iterator[TreeHead]:
    return TreeHead.objects.order_by("tree_size").iterator(chunk_size=CHUNK)


def _check_nodes(verdict: AuditVerdict, computed: dict[int, bytes]) -> None:
    stored = dict(AuditNode.objects.filter(position__in=list(computed)).values_list("position", "hash"))
    for position, h in computed.items():
        if stored.get(position) != h.hex():
            verdict.problem(f"stored subtree {position} does not match the entries (proofs would lie)")
            return


def _check_head(verdict: AuditVerdict, head: TreeHead, root: bytes, keys: dict[str, str], last_ts: int) -> None:
    n = head.tree_size
    if head.root_hash != root.hex():
        verdict.problem(f"signed head of size {n}: its root does not match the entries (history rewritten)")
    public = keys.get(head.key_id)
    if public is None:
        verdict.problem(f"signed head of size {n}: signed by key {head.key_id[:16]}…, which is not a published key")
    elif not logkeys.signature_valid(
        message=logkeys.head_message(tree_size=n, root_hash=head.root_hash, timestamp=head.timestamp),
        signature=head.signature,
        public_key=public,
    ):
        verdict.problem(f"signed head of size {n}: bad signature")
    if head.timestamp < last_ts:
        verdict.problem(f"signed head of size {n}: signed before the head before it (timestamps went backwards)")


def audit_verify() -> AuditVerdict:
    verdict = AuditVerdict()
    keys = {k.key_id: k.public_key for k in logkeys.published_keys()}
    frontier, prev, expected = _Frontier(), GENESIS, 1
    heads, last_ts, covered = _heads(), 0, 0
    head = next(heads, None)
    computed: dict[int, bytes] = {}
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=CHUNK):
        n = entry.seq
        if n != expected:
            verdict.problem(f"entry #{n}: expected #{expected} (an entry was deleted or inserted)")
        if entry.prev_hash != prev:
            verdict.problem(f"entry #{n}: prev_hash does not match the entry before it")
        body = entry_body(entry_fields(entry)).encode()
        leaf = merkle.leaf_hash(body)
        if hashlib.sha256(body).hexdigest() != entry.entry_hash or leaf.hex() != entry.leaf_hash:
            verdict.problem(f"entry #{n}: contents do not match its hash (edited)")
        computed.update(frontier.push(leaf))
        if len(computed) >= CHUNK:
            _check_nodes(verdict, computed)
            computed = {}
        while head is not None and head.tree_size <= frontier.size:
            if head.tree_size == frontier.size:
                _check_head(verdict, head, frontier.root(), keys, last_ts)
            else:
                verdict.problem(f"signed head of size {head.tree_size} is out of step with the entries")
            covered, last_ts = head.tree_size, head.timestamp
            verdict.heads, head = verdict.heads + 1, next(heads, None)
        prev, expected, verdict.entries = entry.entry_hash, n + 1, verdict.entries + 1
    if computed:
        _check_nodes(verdict, computed)
    if head is not None:
        verdict.problem(
            f"a signed head covers {head.tree_size} entries but the log holds {verdict.entries}: "
            "entries were deleted (truncated)"
        )
    elif verdict.entries > covered:
        verdict.problem(
            f"entries #{covered + 1}..#{verdict.entries} are covered by no signed head: "
            "appended without the log's signing key"
        )
    verdict.head, verdict.root = prev, frontier.root().hex()
    return verdict
