"""Benchmark: read 500 deployments x (totalSupply + 3 deduction balances) at one pinned block.

Four readers against the same private anvil, in one run, and they must agree on every value:

- **ours**: ``chain.reader.read_at_block``: every value in aggregate3 calls to Multicall3's address
  (our AttestMulticall, put there with anvil_setCode), sent as ONE HTTP request, block pinned by hash;
- **aggregate** (the floor): one pre-built aggregate3 ``eth_call`` of all the reads (calldata built
  with eth_abi outside the timing), posted with requests, results sliced out and ``int(x, 16)``;
- **raw batch**: the same eth_calls as pre-built JSON-RPC batches posted with requests, ``int(x, 16)``;
- **naive web3.py**: one ``contract.functions.x().call(block_identifier=n)`` per read, default provider.

The last JSON line has ``ours_vs_aggregate`` (target >= 0.5) and ``requests_per_read``: HTTP requests
our reader sent per read of all the values (target: <= 2 per 2,000 values).

Run: ``.venv/bin/python bench/supply_read.py`` (options: ``--tokens``, ``--naive-sample``, ``--rounds``).
The 500 tokens are deployed in one block: automine off, ``eth_sendTransaction`` batches with explicit
nonces, then ``evm_mine`` (stack-notes §2.4), on an anvil with a high block gas limit.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests
from eth_abi.abi import encode
from web3 import Web3

from chain.blocks import Block, finalised_head
from chain.reader import MULTICALL3, TOTAL_SUPPLY, RawReading, Target, balance_of_calldata, read_at_block
from chain.rpc import RpcClient
from devtools.devchain import DEV_ACCOUNTS, Anvil, encode_call, load_artifact

OWNER = DEV_ACCOUNTS[0]
HOLDERS = DEV_ACCOUNTS[1:4]
BATCH = 1000


def send_all(rpc: RpcClient, txs: list[dict[str, Any]], *, first_nonce: int) -> list[str]:
    """Send with explicit nonces while automine is off, mine, and return the receipts' contract addresses."""
    hashes: list[str] = []
    for start in range(0, len(txs), 500):
        chunk = txs[start : start + 500]
        calls = [("eth_sendTransaction", [{**tx, "nonce": hex(first_nonce + start + i)}]) for i, tx in enumerate(chunk)]
        hashes.extend(rpc.batch(calls))
    rpc.call("evm_mine")
    receipts = rpc.batch([("eth_getTransactionReceipt", [h]) for h in hashes])
    failed = [r for r in receipts if r is None or int(r["status"], 16) != 1]
    if failed:
        raise SystemExit(f"{len(failed)} transactions did not succeed, e.g. {failed[0]}")
    return [r.get("contractAddress") or "" for r in receipts]


def deploy_tokens(rpc: RpcClient, count: int) -> list[Target]:
    bytecode: str = load_artifact("LegacyToken")["bytecode"]
    rpc.call("evm_setAutomine", [False])
    nonce = int(rpc.call("eth_getTransactionCount", [OWNER, "latest"]), 16)
    deploys = []
    for i in range(count):
        args = encode(["uint256", "string", "string", "uint8"], [10**12 + i, f"Bench {i}", f"B{i}", 6])
        deploys.append({"from": OWNER, "data": bytecode + args.hex(), "gas": hex(3_000_000)})
    tokens = send_all(rpc, deploys, first_nonce=nonce)
    transfers = [
        {
            "from": OWNER,
            "to": t,
            "data": encode_call("transfer(address,uint256)", [h, 1000 * (i + 1) + j]),
            "gas": hex(100_000),
        }
        for i, t in enumerate(tokens)
        for j, h in enumerate(HOLDERS)
    ]
    send_all(rpc, transfers, first_nonce=nonce + count)
    rpc.call("evm_setAutomine", [True])
    rpc.call("anvil_mine", ["0x2"])
    return [Target(key=i, address=t, deductions=tuple(("treasury", h) for h in HOLDERS)) for i, t in enumerate(tokens)]


def ours(rpc: RpcClient, targets: list[Target], block: Block) -> list[RawReading]:
    return read_at_block(rpc, targets, block, batch_size=BATCH)


def raw_batch(url: str, targets: list[Target], block: Block) -> Callable[[], list[int]]:
    """The floor: the same calls, pre-built outside the timing, one POST per 1000, int() each result."""
    pin = {"blockHash": block.hash, "requireCanonical": True}
    payload = []
    for t in targets:
        payload.append({"to": t.address, "data": TOTAL_SUPPLY})
        payload.extend({"to": t.address, "data": balance_of_calldata(h)} for _b, h in t.deductions)
    bodies = [
        [{"jsonrpc": "2.0", "id": i, "method": "eth_call", "params": [p, pin]} for i, p in enumerate(chunk)]
        for chunk in (payload[s : s + BATCH] for s in range(0, len(payload), BATCH))
    ]
    session = requests.Session()
    session.trust_env = False

    def run() -> list[int]:
        values: list[int] = []
        for body in bodies:
            answers = session.post(url, json=body, timeout=30).json()
            answers.sort(key=lambda a: a["id"])
            values.extend(int(a["result"], 16) for a in answers)
        return values

    return run


class CountingRpc(RpcClient):
    """Our client, counting the HTTP requests it sends."""

    requests = 0

    def _post(self, payload: list[dict[str, Any]]) -> list[Any]:
        self.requests += 1
        return super()._post(payload)


def aggregate_floor(url: str, targets: list[Target], block: Block) -> Callable[[], list[int]]:
    """The floor: one aggregate3 eth_call of every read, pre-built with eth_abi outside the timing."""
    calls = []
    for t in targets:
        calls.append((t.address, True, bytes.fromhex(TOTAL_SUPPLY[2:])))
        calls.extend((t.address, True, bytes.fromhex(balance_of_calldata(h)[2:])) for _b, h in t.deductions)
    data = "0x82ad56cb" + encode(["(address,bool,bytes)[]"], [calls]).hex()
    pin = {"blockHash": block.hash, "requireCanonical": True}
    body = {"jsonrpc": "2.0", "id": 1, "method": "eth_call", "params": [{"to": MULTICALL3, "data": data}, pin]}
    session = requests.Session()
    session.trust_env = False

    def run() -> list[int]:
        out = session.post(url, json=body, timeout=30).json()["result"][2:]
        start = int(out[:64], 16) * 2 + 64
        values = []
        for i in range(int(out[start - 64 : start], 16)):
            at = start + int(out[start + 64 * i : start + 64 * i + 64], 16) * 2
            values.append(int(out[at + 192 : at + 256], 16))  # success, offset, length, then the word
        return values

    return run


def naive_web3(url: str, targets: list[Target], block: Block) -> list[int]:
    w3 = Web3(Web3.HTTPProvider(url))
    abi = load_artifact("LegacyToken")["abi"]
    values: list[int] = []
    for t in targets:
        contract = w3.eth.contract(address=Web3.to_checksum_address(t.address), abi=abi)
        values.append(contract.functions.totalSupply().call(block_identifier=block.number))
        for _bucket, holder in t.deductions:
            values.append(contract.functions.balanceOf(holder).call(block_identifier=block.number))
    return values


TIMES: dict[str, list[float]] = {}


def timed(name: str, run: Any, rounds: int = 5) -> Any:
    result = None
    for _ in range(rounds):
        started = time.perf_counter()
        result = run()
        TIMES.setdefault(name, []).append(time.perf_counter() - started)
    return result


def flatten(readings: list[RawReading]) -> list[int]:
    return [v for r in readings for v in [r.total_supply, *(int(b["raw"]) for b in r.balances)]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokens", type=int, default=500)
    parser.add_argument("--naive-sample", type=int, default=100, help="tokens read by the (slow) naive loop")
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()

    with Anvil(extra_args=["--gas-limit", "2000000000", "--no-request-size-limit"]) as node:
        rpc = RpcClient([node.url], timeout=60)
        started = time.perf_counter()
        targets = deploy_tokens(rpc, options.tokens)
        deploy_seconds = time.perf_counter() - started
        block = finalised_head(rpc, 1)
        reads = sum(1 + len(t.deductions) for t in targets)

        floor_run = raw_batch(node.url, targets, block)
        aggregate_run = aggregate_floor(node.url, targets, block)
        counting = CountingRpc([node.url], timeout=60)
        # Alternate the fast readers so a noisy neighbour on the machine hits them alike.
        for _ in range(options.rounds):
            mine = timed("ours", lambda: flatten(ours(counting, targets, block)), 1)
            aggregate = timed("aggregate", aggregate_run, 1)
            floor = timed("raw batch", floor_run, 1)
        requests_per_read = counting.requests / options.rounds
        sample = targets[: options.naive_sample]
        naive = timed("naive web3", lambda: naive_web3(node.url, sample, block), 1)
        sample_reads = sum(1 + len(t.deductions) for t in sample)
        assert mine == floor == aggregate, "our reader, the aggregate and the raw batch disagree"
        assert naive == mine[: len(naive)], "web3 and our reader disagree"

    rate = {
        "ours": reads / statistics.median(TIMES["ours"]),
        "aggregate": reads / statistics.median(TIMES["aggregate"]),
        "raw batch": reads / statistics.median(TIMES["raw batch"]),
        "naive web3": sample_reads / statistics.median(TIMES["naive web3"]),
    }
    print(f"deployed {options.tokens} tokens and {3 * options.tokens} transfers in {deploy_seconds:.2f} s")
    print(f"{options.tokens} deployments x (totalSupply + 3 balanceOf) = {reads} reads at block {block.number}")
    print(f"{'reader':<12} {'median s':>9} {'reads/s':>10}   (runs)")
    for name, seconds in TIMES.items():
        count = sample_reads if name == "naive web3" else reads
        runs = ", ".join(f"{s:.3f}" for s in seconds)
        print(f"{name:<12} {statistics.median(seconds):>9.3f} {rate[name]:>10,.0f}   ({runs}; {count} reads)")
    vs_naive = rate["ours"] / rate["naive web3"]
    vs_raw = rate["ours"] / rate["raw batch"]
    vs_aggregate = rate["ours"] / rate["aggregate"]
    print(f"ours / naive web3 = {vs_naive:.1f}x (target >= 50x: {'met' if vs_naive >= 50 else 'MISSED'})")
    print(f"ours / raw batch  = {vs_raw:.2f}")
    print(f"ours / aggregate  = {vs_aggregate:.2f} (target >= 0.5: {'met' if vs_aggregate >= 0.5 else 'MISSED'})")
    print(f"HTTP requests per read of {reads} values: {requests_per_read:g} (target <= 2)")
    print(
        json.dumps(
            {
                "reads": reads,
                "reads_per_s": {name: round(value) for name, value in rate.items()},
                "ours_vs_naive": round(vs_naive, 1),
                "ours_vs_raw": round(vs_raw, 3),
                "ours_vs_aggregate": round(vs_aggregate, 3),
                "requests_per_read": requests_per_read,
            }
        )
    )


if __name__ == "__main__":
    main()
