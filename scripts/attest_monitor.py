#!/usr/bin/env python3
"""An independent monitor of Attest's transparency log, using only its public API.

    python scripts/attest_monitor.py --api https://attest.example --state monitor.json
    python scripts/attest_monitor.py --api URL --state PATH --run 42 --rpc https://archive-node

Standalone (the standard library, ``requests`` and ``cryptography``; copy it anywhere). Each run
checks the signed head (keys pinned on first use), its consistency with the last head kept in
PATH, the entries themselves (re-hashed, or sampled above ``--full-below``), that nothing lies
beyond the head, and the latest publications' answers offline; then saves the head. Exit 0: all
checked; 1: tampering (truncation, fork, rewrite, bad or unknown signature, a head gone backwards);
2: the API could not be read. The last line says what was checked. docs/transparency-log.md.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

import requests
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

PAGE, HEADS_KEPT = 1000, 1000  # entries per request; heads kept in the state file


class Tampered(Exception):
    """The log is not what the heads this monitor saw say it was."""


class Unreadable(Exception):
    """The server (or the RPC node) failed: nothing can be concluded from it."""


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def prefix_roots(leaves: list[bytes], sizes: set[int]) -> dict[int, bytes]:
    """The root of every prefix of ``leaves`` whose size is in ``sizes``, in one pass (O(n + k log n))."""
    stack: list[tuple[int, bytes]] = []  # perfect subtrees of the prefix: (level, hash), right edge last
    roots = {0: hashlib.sha256(b"").digest()}
    for size, leaf in enumerate(leaves, start=1):
        level, h = 0, leaf
        while stack and stack[-1][0] == level:
            h, level = node_hash(stack.pop()[1], h), level + 1
        stack.append((level, h))
        if size in sizes:
            r = stack[-1][1]
            for _, left in reversed(stack[:-1]):
                r = node_hash(left, r)
            roots[size] = r
    return roots


def root_of(leaves: list[bytes]) -> bytes:
    return prefix_roots(leaves, {len(leaves)})[len(leaves)]


def inclusion_verify(index: int, size: int, leaf: bytes, path: list[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def consistency_verify(first: int, second: int, first_root: bytes, second_root: bytes, path: list[bytes]) -> bool:
    """RFC 9162 §2.1.4.2."""
    if first == second:
        return first_root == second_root and not path
    if first == 0 or first > second:
        return first == 0 and not path
    if (first & (first - 1)) == 0:  # a power of two: the old root is the first node of the path
        path = [first_root, *path]
    if not path:
        return False
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == first_root and sr == second_root


def head_message(head: dict[str, Any]) -> bytes:
    return f"attest-tree-head:v1\n{head['tree_size']}\n{head['root_hash']}\n{head['timestamp']}\n".encode()


def head_check(head: dict[str, Any], keys: dict[str, str]) -> None:
    """The head's signature by a trusted key, or Tampered."""
    if head["tree_size"] == 0 and head.get("signature") is None:
        return  # the empty log: nothing to sign yet
    public = keys.get(head.get("key_id") or "")
    if public is None:
        raise Tampered(
            f"head of size {head['tree_size']} is signed by key {head.get('key_id')}, which this monitor does not "
            "trust (if the operator announced a key rotation, check it and rerun with --trust-key KEY_ID)"
        )
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public))
        key.verify(base64.b64decode(head["signature"]), head_message(head))
    except (InvalidSignature, ValueError, TypeError):
        raise Tampered(f"head of size {head['tree_size']}: bad signature") from None


def answer_check(licence: dict[str, Any], keys: dict[str, str]) -> dict[str, Any]:
    """Check one licence's published figures offline: entry, inclusion, signed head. Returns its log object."""
    log = licence.get("log")
    if not log:
        raise Tampered(f"publication {licence.get('publication_id')} carries no log proof")
    entry, head = log["entry"], log["tree_head"]
    head_check(head, keys)
    leaf = leaf_hash(canonical(entry))
    path = [bytes.fromhex(h) for h in log["inclusion"]]
    if not inclusion_verify(log["index"], head["tree_size"], leaf, path, bytes.fromhex(head["root_hash"])):
        raise Tampered(f"publication {licence.get('publication_id')}: its entry is not in its signed head")
    payload = entry["payload"]
    if entry["object_id"] != str(licence["publication_id"]) or payload.get("profile") != licence["profile"]:
        raise Tampered(f"publication {licence.get('publication_id')}: its log entry records another publication")
    for name, value in payload.get("figures", {}).items():
        if licence.get(name) != value:
            raise Tampered(f"publication {licence['publication_id']}: {name} {licence.get(name)} but logged {value}")
    return dict(log)


class Api:
    def __init__(self, base: str, timeout: float = 30) -> None:
        self.base, self.timeout, self.session = base.rstrip("/"), timeout, requests.Session()

    def get(self, path: str, **params: Any) -> Any:
        response = self.session.get(f"{self.base}/api/v1/{path}", params=params, timeout=self.timeout)
        if response.status_code >= 500:
            raise Unreadable(f"GET {path} {params or ''}: HTTP {response.status_code}")
        if response.status_code >= 400:
            raise Tampered(f"GET {path} {params or ''}: HTTP {response.status_code}: {response.text[:300]}")
        return response.json()

    def entries(self, start: int, end: int) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        while start + len(out) < end:
            page = self.get("log/entries/", start=start + len(out), end=min(end, start + len(out) + PAGE))["entries"]
            if not page:
                return out
            out.extend(page)
        return out


def entries_check(entries: list[dict[str, Any]], start: int, prev_hash: str | None) -> list[bytes]:
    """Leaf hashes recomputed from each entry's content; its index and hash chain checked."""
    leaves = []
    for offset, item in enumerate(entries):
        index, entry = start + offset, item["entry"]
        if item["index"] != index or entry["seq"] != index + 1:
            raise Tampered(f"entry at index {index} says it is #{entry['seq']} (entries deleted or inserted)")
        leaf = leaf_hash(body := canonical(entry))
        if leaf.hex() != item["leaf_hash"]:
            raise Tampered(f"entry #{index + 1} does not hash to its leaf hash (edited)")
        if prev_hash is not None and entry["prev_hash"] != prev_hash:
            raise Tampered(f"entry #{index + 1} does not link to the entry before it (rewritten)")
        prev_hash = hashlib.sha256(body).hexdigest()
        leaves.append(leaf)
    return leaves


class Monitor:
    def __init__(self, api: Api, state: dict[str, Any], *, full_below: int, sample: int, publications: int) -> None:
        self.api, self.state, self.settle = api, state, 3
        self.full_below, self.sample, self.publications = full_below, sample, publications
        self.checked: list[str] = []

    def keys(self, trust: list[str]) -> dict[str, str]:
        published = {k["key_id"]: k["public_key"] for k in self.api.get("log/keys/")}
        known: dict[str, str] = self.state.setdefault("keys", {})
        if not known:
            known.update(published)
            self.checked.append(f"trusted {len(published)} key(s) on first use")
        for key_id in trust:
            if key_id not in published:
                raise Tampered(f"--trust-key {key_id}: the log publishes no such key")
            known[key_id] = published[key_id]
        for key_id, public in published.items():
            if key_id in known and known[key_id] != public:
                raise Tampered(f"key {key_id} is now published with another public key")
        return known

    def consistency(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        m, n = old["tree_size"], new["tree_size"]
        if n < m:
            raise Tampered(f"the head went backwards from {m} to {n} entries (truncated or rolled back)")
        if new["timestamp"] < old["timestamp"]:
            raise Tampered(f"the head of size {n} was signed before the head of size {m} this monitor saw")
        if n == m:
            if new["root_hash"] != old["root_hash"]:
                raise Tampered(f"the head of size {n} has another root than the one seen before (history rewritten)")
            return
        if m == 0:
            return
        path = self.api.get("log/proof/consistency/", first=m, second=n)["consistency_path"]
        if not consistency_verify(
            m, n, bytes.fromhex(old["root_hash"]), bytes.fromhex(new["root_hash"]), [bytes.fromhex(h) for h in path]
        ):
            raise Tampered(f"the log of size {n} does not extend the log of size {m} seen before (fork or rewrite)")
        self.checked.append(f"consistent with the head of size {m} seen before")

    def entries(self, head: dict[str, Any], seen: list[dict[str, Any]]) -> None:
        n = head["tree_size"]
        served = self.api.entries(0, n) if n <= self.full_below else []
        if n <= self.full_below:
            if len(served) < n:
                raise Tampered(f"the head covers {n} entries but the log serves {len(served)} (entries deleted)")
            leaves = entries_check(served, 0, "0" * 64)
            roots = prefix_roots(leaves, {h["tree_size"] for h in [*seen, head] if h["tree_size"] <= n})
            for old in [*seen, head]:
                size = old["tree_size"]
                if size <= n and roots[size].hex() != old["root_hash"]:
                    raise Tampered(f"the entries do not make the root of the head of size {size} (history rewritten)")
            self.checked.append(f"all {n} entries re-hashed against every saved head")
        else:
            last = seen[-1]["tree_size"] if seen else 0
            picks = sorted(random.sample(range(n), min(self.sample, n)) + list(range(max(last, n - self.sample), n)))
            for index in dict.fromkeys(picks):
                self.inclusion(index, head)
            self.checked.append(f"{len(set(picks))} entries checked by inclusion proof (log above --full-below)")
        if self.api.get("log/entries/", start=n, end=n + 1)["entries"]:
            # An entry and its head commit together, so a head read after the entry covers it, unless
            # the entry was written without the key.
            newer = self.head_covering(n + 1)
            if newer["tree_size"] <= n:
                raise Tampered(f"entry #{n + 1} exists beyond the signed head of size {n}: appended without the key")
            self.checked.append(f"the log grew to {newer['tree_size']} while being checked")

    def head_covering(self, size: int) -> dict[str, Any]:
        """The newest head, asked again for a while: each server process may reuse an answer for a
        few seconds (API_CACHE_SECONDS), so the head can lag the entries it already serves."""
        for _ in range(self.settle + 1):
            head: dict[str, Any] = self.api.get("log/head/")
            if head["tree_size"] >= size:
                break
            time.sleep(1)
        return head

    def inclusion(self, index: int, head: dict[str, Any]) -> dict[str, Any]:
        entries = self.api.get("log/entries/", start=index, end=index + 1)["entries"]
        if not entries:
            raise Tampered(f"entry #{index + 1} is missing from a log of size {head['tree_size']}")
        (leaf,) = entries_check(entries, index, None)
        proof = self.api.get("log/proof/inclusion/", index=index, tree_size=head["tree_size"])
        path = [bytes.fromhex(h) for h in proof["audit_path"]]
        if not inclusion_verify(index, head["tree_size"], leaf, path, bytes.fromhex(head["root_hash"])):
            raise Tampered(f"entry #{index + 1} is not in the signed head of size {head['tree_size']} (rewritten)")
        entry: dict[str, Any] = entries[0]["entry"]
        return entry

    def publications_check(self, head: dict[str, Any], keys: dict[str, str]) -> None:
        try:
            coins = self.api.get("stablecoins/")
        except Unreadable as exc:
            # The log itself checked out; say plainly what could not be checked rather than fail it.
            self.checked.append(f"publications NOT checked ({exc})")
            return
        done = 0
        for coin in coins:
            for licence in coin.get("licences", [])[: max(0, self.publications - done)]:
                log = answer_check(licence, keys)
                if log["tree_head"]["tree_size"] > head["tree_size"]:  # published while we were checking
                    head = self.head_covering(log["tree_head"]["tree_size"])
                    head_check(head, keys)
                    if log["tree_head"]["tree_size"] > head["tree_size"]:
                        raise Tampered(f"publication {licence['publication_id']} cites a head newer than the newest")
                if self.inclusion(log["index"], head) != log["entry"]:
                    raise Tampered(f"publication {licence['publication_id']}: its entry was changed in the log")
                done += 1
        self.checked.append(f"{done} publication(s) checked offline and included in the current head")

    def run(self, trust: list[str]) -> dict[str, Any]:
        keys = self.keys(trust)
        head = self.api.get("log/head/")
        head_check(head, keys)
        self.checked.insert(0, f"head of size {head['tree_size']} signed by {str(head.get('key_id'))[:16]}")
        seen: list[dict[str, Any]] = self.state.setdefault("heads", [])
        if seen:
            self.consistency(seen[-1], head)
        self.entries(head, seen)
        self.publications_check(head, keys)
        if not seen or seen[-1] != head:
            seen.append(head)
        del seen[:-HEADS_KEPT]
        return dict(head)


def run_check(api: Api, run_id: int, rpc: str | None) -> str:
    """A run from its public bundle: inputs against input_hash; with --rpc, every reading re-read at its block hash."""
    bundle = api.get(f"runs/{run_id}/bundle/")
    inputs = bundle["inputs"]
    if hashlib.sha256(canonical(inputs)).hexdigest() != bundle["run"]["input_hash"]:
        raise Tampered(f"run {run_id}: its inputs do not hash to its input_hash (edited)")
    said = [f"run {run_id}: inputs hash to its input_hash"]
    if rpc:
        session, calls = requests.Session(), 0
        for r in inputs.get("readings", []):
            block = _rpc(session, rpc, "eth_getBlockByHash", [r["block_hash"], False])
            if block is None or int(block["number"], 16) != r["block_number"]:
                raise Tampered(f"run {run_id}: block {r['block_hash']} is not #{r['block_number']} on this chain")
            pinned = {"blockHash": r["block_hash"]}
            total = _rpc(session, rpc, "eth_call", [{"to": r["address"], "data": "0x18160ddd"}, pinned])
            if int(total, 16) != int(r["total_supply"]):
                raise Tampered(f"run {run_id}: totalSupply of {r['address']} re-read {int(total, 16)}")
            for b in r.get("balances", []):
                data = "0x70a08231" + b["address"].lower().removeprefix("0x").rjust(64, "0")
                got = _rpc(session, rpc, "eth_call", [{"to": r["address"], "data": data}, pinned])
                if int(got, 16) != int(b["raw"]):
                    raise Tampered(f"run {run_id}: balance of {b['address']} re-read {int(got, 16)}")
            calls += 1
        said.append(f"{calls} reading(s) re-read at their pinned block hashes")
    return "; ".join(said)


def _rpc(session: requests.Session, url: str, method: str, params: list[Any]) -> Any:
    answer = session.post(url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params}, timeout=30).json()
    if "error" in answer:
        raise Unreadable(f"{method}: {answer['error']}")
    return answer["result"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--api", required=True, help="Attest's base URL, e.g. http://127.0.0.1:8000")
    parser.add_argument("--state", required=True, type=Path, help="JSON file keeping the heads and keys seen")
    parser.add_argument("--trust-key", action="append", default=[], help="trust this newly published key id")
    parser.add_argument("--full-below", type=int, default=100_000, help="re-hash every entry up to this log size")
    parser.add_argument("--sample", type=int, default=32, help="entries checked by proof above --full-below")
    parser.add_argument("--publications", type=int, default=20, help="latest publications spot-checked")
    parser.add_argument("--run", type=int, help="also re-derive this run from its bundle")
    parser.add_argument("--rpc", help="an archive node's JSON-RPC URL for --run")
    parser.add_argument("--settle", type=int, default=3, help="seconds the server may reuse an answer (API cache)")
    args = parser.parse_args(argv)
    state = json.loads(args.state.read_text()) if args.state.exists() else {}
    if state.get("api") not in (None, args.api.rstrip("/")):
        print(f"{args.state} holds the heads of {state['api']}, not {args.api}", file=sys.stderr)
        return 2
    state["api"] = args.api.rstrip("/")
    monitor = Monitor(
        Api(args.api), state, full_below=args.full_below, sample=args.sample, publications=args.publications
    )
    try:
        head = monitor.run(args.trust_key)
        if args.run is not None:
            monitor.checked.append(run_check(monitor.api, args.run, args.rpc))
    except Tampered as exc:
        print(f"TAMPERED: {exc}")
        print(f"FAILED after checking: {'; '.join(monitor.checked) or 'nothing'}")
        return 1
    except (Unreadable, requests.RequestException, ValueError, KeyError) as exc:
        print(f"cannot read the log at {args.api}: {exc!r}", file=sys.stderr)
        return 2
    args.state.write_text(json.dumps(state, indent=1))
    print(f"OK {head['tree_size']} entries, root {head['root_hash'][:16]}…: {'; '.join(monitor.checked)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
