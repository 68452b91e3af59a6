"""Re-check a reconciliation run: its inputs against the chain at the pinned blocks, its outputs against a recompute.

Works on a run in the database or on a downloaded bundle (``/api/v1/runs/{id}/bundle/``), so anyone
with an archive node can check Attest's figures without Attest's database. The checks:

1. ``input_hash`` is the SHA-256 of the inputs' canonical JSON (the inputs were not edited);
2. each reading's block exists on the node under that hash, with that number (no reorg, no typo);
3. ``totalSupply()`` and every deduction balance, re-read at the block *by hash* (chain/reader.py),
   equal the stored raw integers;
4. ``reserves.compute.compute`` on the inputs, and on the inputs with the re-read values, gives the
   stored outputs;
5. for a run in the database: the stored supply readings the inputs were copied from still agree.

The RPC calls happen outside any database transaction (invariant 4).
"""

from __future__ import annotations

import copy
import hashlib
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from attest.audit import canonical_json
from chain.blocks import Block
from chain.reader import Target, read_at_block
from chain.rpc import RpcClient, RpcError, hex_int
from reserves.compute import compute
from reserves.runtypes import inputs_from_json

OUTPUT_FIELDS = ("status", "outstanding", "par_outstanding", "reserves", "ratio", "headroom")


@dataclass(frozen=True)
class Difference:
    where: str
    stored: str
    found: str

    def __str__(self) -> str:
        return f"{self.where}: stored {self.stored}, found {self.found}"


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    try:
        return Decimal(str(a)) == Decimal(str(b))
    except ArithmeticError:
        return str(a) == str(b)


def compare_outputs(stored: Mapping[str, Any], computed: Mapping[str, Any], *, label: str) -> list[Difference]:
    diffs = []
    for name in OUTPUT_FIELDS:
        if not _same(stored.get(name), computed.get(name)):
            diffs.append(Difference(f"{label} {name}", str(stored.get(name)), str(computed.get(name))))
    stored_outcomes = {r["rule"]: r["outcome"] for r in stored.get("results", [])}
    computed_outcomes = {r["rule"]: r["outcome"] for r in computed.get("results", [])}
    if stored_outcomes != computed_outcomes:
        diffs.append(Difference(f"{label} rule outcomes", str(stored_outcomes), str(computed_outcomes)))
    return diffs


def reread(inputs: dict[str, Any], rpc_for: Callable[[int], RpcClient]) -> tuple[dict[str, Any], list[Difference]]:
    """The inputs with every reading replaced by what the chain says at the same block hash."""
    fresh = copy.deepcopy(inputs)
    diffs: list[Difference] = []
    by_block: dict[tuple[int, str], list[dict[str, Any]]] = defaultdict(list)
    for reading in fresh.get("readings", []):
        by_block[(int(reading["chain_id"]), reading["block_hash"])].append(reading)
    for (chain_id, block_hash), readings in by_block.items():
        where = f"chain {chain_id} block {readings[0]['block_number']} {block_hash}"
        try:
            rpc = rpc_for(chain_id)
            header = rpc.call("eth_getBlockByHash", [block_hash, False])
            if not isinstance(header, dict):
                diffs.append(Difference(where, "block exists", "no block with that hash on the node"))
                continue
            number = hex_int(header["number"])
            if number != int(readings[0]["block_number"]):
                diffs.append(Difference(f"{where} number", str(readings[0]["block_number"]), str(number)))
                continue
            block = Block(number=number, hash=block_hash, timestamp=hex_int(header["timestamp"]))
            targets = [
                Target(
                    key=i,
                    address=r["address"],
                    deductions=tuple((b["bucket"], b["address"]) for b in r["balances"]),
                )
                for i, r in enumerate(readings)
            ]
            raws = read_at_block(rpc, targets, block)
        except RpcError as exc:
            diffs.append(Difference(where, "readable", f"RPC error: {exc}"))
            continue
        for reading, raw in zip(readings, raws, strict=True):
            at = f"{where} {reading['address']}"
            if int(reading["total_supply"]) != raw.total_supply:
                diffs.append(Difference(f"{at} totalSupply", str(reading["total_supply"]), str(raw.total_supply)))
            reading["total_supply"] = str(raw.total_supply)
            for stored, found in zip(reading["balances"], raw.balances, strict=True):
                if int(stored["raw"]) != int(found["raw"]):
                    diffs.append(
                        Difference(f"{at} {stored['bucket']} {stored['address']}", stored["raw"], found["raw"])
                    )
                stored["raw"] = found["raw"]
    return fresh, diffs


def verify(
    *, inputs: dict[str, Any], input_hash: str, outputs: dict[str, Any], rpc_for: Callable[[int], RpcClient] | None
) -> list[Difference]:
    """Every difference between what was stored and what the inputs, the chain and the compute give now."""
    diffs: list[Difference] = []
    digest = hashlib.sha256(canonical_json(inputs).encode()).hexdigest()
    if digest != input_hash:
        diffs.append(Difference("input_hash", input_hash, digest))
    diffs += _recompare(outputs, inputs, label="recomputed from stored inputs:")
    if rpc_for is not None:
        fresh, chain_diffs = reread(inputs, rpc_for)
        diffs += chain_diffs
        if chain_diffs:
            diffs += _recompare(outputs, fresh, label="recomputed from the chain:")
    return diffs


def _recompare(outputs: Mapping[str, Any], inputs: dict[str, Any], *, label: str) -> list[Difference]:
    # Verification takes JSON from anywhere (bundles, runs of the old format 1), so it stays plain
    # dicts up to here; compute itself refuses inputs that are not of the current format.
    try:
        computed = compute(inputs_from_json(inputs))
    except (ValueError, KeyError) as exc:  # inputs of a format this code cannot recompute
        return [Difference(f"{label} compute", "recomputable", f"{type(exc).__name__}: {exc}")]
    return compare_outputs(outputs, computed, label=label)


def stored_readings_differences(inputs: dict[str, Any]) -> list[Difference]:
    """The supply-reading rows a run's inputs were copied from, compared with the copy."""
    from chain.models import SupplyReading

    ids = [r["reading_id"] for r in inputs.get("readings", []) if r.get("reading_id")]
    rows = SupplyReading.objects.in_bulk(ids)
    diffs = []
    for r in inputs.get("readings", []):
        row = rows.get(r.get("reading_id"))
        where = f"stored reading {r.get('reading_id')}"
        if row is None:
            diffs.append(Difference(where, "present", "missing"))
            continue
        pairs = [
            ("block_hash", r["block_hash"], row.block_hash),
            ("block_number", str(r["block_number"]), str(row.block_number)),
            ("total_supply", str(r["total_supply"]), str(row.total_supply)),
            ("balances", canonical_json(r["balances"]), canonical_json(row.balances)),
        ]
        diffs += [Difference(f"{where} {name}", a, b) for name, a, b in pairs if a != b]
    return diffs
