"""Merkle tree hashing in the manner of RFC 6962 / RFC 9162 (Certificate Transparency), pure Python.

Leaves are hashed ``SHA-256(0x00 || entry)``, inner nodes ``SHA-256(0x01 || left || right)``, and a
range of ``n`` leaves splits at the largest power of two below ``n``. Every subtree that split ever
produces is either *perfect and aligned* (``2**level`` leaves starting at a multiple of ``2**level``)
or a right edge that decomposes into a few of them. The log stores every perfect aligned subtree once
(``AuditNode``: level, index, hash; about two rows per entry), so the hash of any range, any tree
head, inclusion proof or consistency proof needs O(log² n) stored hashes fetched in one query,
whatever the size of the log (measured in bench/transparency_log.py).

Proofs are lists of *ranges* first (what to hash), then hashes: ``range_hashes`` asks the caller's
``fetch`` for every stored node it needs at once. Nothing here touches Django.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

Node = tuple[int, int]  # (level, index): the perfect subtree of leaves [index * 2**level, (index + 1) * 2**level)
Range = tuple[int, int]  # leaves [start, end)
Fetch = Callable[[Iterable[Node]], dict[Node, bytes]]

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split(n: int) -> int:
    """The largest power of two strictly below ``n`` (n >= 2): where RFC 6962 splits n leaves."""
    return 1 << ((n - 1).bit_length() - 1)


def decompose(start: int, end: int) -> list[Node]:
    """The perfect aligned subtrees whose right fold is MTH(D[start:end]), left to right."""
    nodes: list[Node] = []
    while end - start > 1 and (end - start) & (end - start - 1):  # not a power of two: split off the left part
        k = split(end - start)
        level = k.bit_length() - 1
        nodes.append((level, start >> level))
        start += k
    if end > start:
        level = (end - start).bit_length() - 1
        nodes.append((level, start >> level))
    return nodes


def parents_completed(index: int) -> list[Node]:
    """The perfect subtrees that appending leaf ``index`` completes, lowest first (after the leaf itself)."""
    out: list[Node] = []
    level, i = 0, index
    while i & 1:
        level, i = level + 1, i >> 1
        out.append((level, i))
    return out


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """RFC 6962 §2.1.1 PATH(index, D[0:size]) as ranges, leaf side first."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")
    out: list[Range] = []
    start, end = 0, size
    while end - start > 1:
        k = split(end - start)
        if index < start + k:
            out.append((start + k, end))
            end = start + k
        else:
            out.append((start, start + k))
            start += k
    return list(reversed(out))


def consistency_ranges(first: int, second: int) -> list[Range]:
    """RFC 6962 §2.1.2 PROOF(first, D[0:second]) as ranges, in the RFC's order."""
    if not 0 <= first <= second:
        raise ValueError(f"no consistency proof from {first} to {second}")
    if first in (0, second):
        return []
    out: list[Range] = []
    start, end, m, whole = 0, second, first, True
    while m != end - start:
        k = split(end - start)
        if m <= k:
            out.append((start + k, end))
            end = start + k
        else:
            out.append((start, start + k))
            start, m, whole = start + k, m - k, False
    if not whole:
        out.append((start, end))
    return list(reversed(out))


def range_hashes(ranges: Sequence[Range], fetch: Fetch) -> list[bytes]:
    """The Merkle tree hash of each range, from the stored perfect subtrees (one ``fetch`` call)."""
    parts = [decompose(s, e) for s, e in ranges]
    stored = fetch({n for p in parts for n in p})
    out = []
    for nodes in parts:
        missing = [n for n in nodes if n not in stored]
        if missing:
            raise LookupError(f"stored subtree {missing[0]} is missing")
        h = stored[nodes[-1]]
        for n in reversed(nodes[:-1]):
            h = node_hash(stored[n], h)
        out.append(h)
    return out


def root_of(leaves: Sequence[bytes]) -> bytes:
    """MTH of a list of leaf hashes, computed from scratch (checks and tests; O(n))."""
    if not leaves:
        return EMPTY_ROOT
    level = list(leaves)
    # Bottom-up pairing gives RFC 6962's tree: an odd node at the right edge is carried up unchanged.
    while len(level) > 1:
        nxt = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def subtrees_of(leaves: Sequence[bytes]) -> Iterable[tuple[Node, bytes]]:
    """Every perfect aligned subtree over leaves 0..len-1 with its hash, bottom up (rebuilds, benchmarks)."""
    level, layer = 0, list(leaves)
    while layer:
        for i, h in enumerate(layer):
            yield (level, i), h
        layer = [node_hash(layer[i], layer[i + 1]) for i in range(0, len(layer) - 1, 2)]
        level += 1
