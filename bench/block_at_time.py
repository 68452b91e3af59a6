"""Benchmark: the last block at or before an instant on a 10^6-block chain, in round trips.

Looks up ``--probes`` random instants with ``chain.blockcache.block_at_or_before`` (the batched
32-ary search; no database cache) and with a plain bisection (one header per round trip, the search
it replaced), on two nodes, and checks every answer against the headers on both sides of it:

- **a header node of 10^6 blocks** (``--blocks``): a small JSON-RPC server in this script that
  answers ``eth_blockNumber`` and ``eth_getBlockByNumber`` (batches too) for a chain whose block
  times advance by uneven gaps (runs of 1 to 30 s). anvil cannot be used at that height here:
  ``anvil_mine`` makes about 220 blocks/s on this machine (2,000 in 9 s), so 10^6 blocks take over
  an hour. The search only reads headers, so the round-trip count is the same on any node.
- **anvil** with ``--anvil-blocks`` blocks mined the same way: the real node, for latency.

Ends with one JSON line: round trips (median and max) and milliseconds per lookup, per node and search.

Run: ``.venv/bin/python bench/block_at_time.py`` (``--blocks 1000000 --anvil-blocks 3000 --probes 40``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from eth_utils.crypto import keccak

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# chain.blockcache imports the models (its cache table); the search itself touches no database.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")

import django

django.setup()

from chain.blockcache import block_at_or_before  # noqa: E402
from chain.blocks import Block, block_by_number, blocks_by_number, finalised_head  # noqa: E402
from chain.rpc import RpcClient  # noqa: E402
from devtools.devchain import Anvil  # noqa: E402


class CountingRpc(RpcClient):
    requests = 0

    def _post(self, payload: list[dict[str, Any]]) -> list[Any]:
        self.requests += 1
        return super()._post(payload)


def bisect(rpc: RpcClient, ts: int, upper: Block) -> Block | None:
    low = block_by_number(rpc, 0)
    if low.timestamp > ts:
        return None
    if upper.timestamp <= ts:
        return upper
    high = upper.number
    while high - low.number > 1:
        middle = block_by_number(rpc, (low.number + high) // 2)
        if middle.timestamp <= ts:
            low = middle
        else:
            high = middle.number
    return low


class HeaderNode:
    """A JSON-RPC server of headers only, for a chain of ``count`` blocks with the given timestamps."""

    def __init__(self, timestamps: list[int]) -> None:
        self.timestamps = timestamps
        node = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                items = request if isinstance(request, list) else [request]
                answers = [{"jsonrpc": "2.0", "id": i["id"], "result": node.answer(i)} for i in items]
                body = json.dumps(answers if isinstance(request, list) else answers[0]).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, item: dict[str, Any]) -> Any:
        if item["method"] == "eth_blockNumber":
            return hex(len(self.timestamps) - 1)
        number = int(item["params"][0], 16)
        if item["method"] != "eth_getBlockByNumber" or number >= len(self.timestamps):
            return None
        block_hash = "0x" + keccak(number.to_bytes(8, "big")).hex()
        return {"number": hex(number), "hash": block_hash, "timestamp": hex(self.timestamps[number])}


def uneven_gaps(rng: random.Random, count: int) -> list[tuple[int, int]]:
    """(blocks, seconds apart) runs covering ``count`` blocks after genesis."""
    runs, left = [], count
    while left > 0:
        run = min(left, rng.randint(count // 20 + 1, count // 7 + 1))
        runs.append((run, rng.randint(1, 30)))
        left -= run
    return runs


def measure(url: str, upper: Block, probes: int, rng: random.Random, first: int) -> dict[str, dict[str, Any]]:
    rpc = RpcClient([url], timeout=60)
    figures: dict[str, dict[str, list[float]]] = {"ours": {"trips": [], "ms": []}, "bisection": {"trips": [], "ms": []}}
    for _ in range(probes):
        ts = rng.randint(first, upper.timestamp - 1)
        answers = []
        for name, search in (
            ("ours", lambda c, t: block_at_or_before(c, t, upper=upper)),
            ("bisection", lambda c, t: bisect(c, t, upper)),
        ):
            counting = CountingRpc([url], timeout=60)
            began = time.perf_counter()
            found = search(counting, ts)
            figures[name]["ms"].append((time.perf_counter() - began) * 1000)
            figures[name]["trips"].append(counting.requests)
            answers.append(found)
        assert answers[0] == answers[1] and answers[0] is not None
        here, after = blocks_by_number(rpc, [answers[0].number, answers[0].number + 1])
        assert here.timestamp <= ts < after.timestamp, "wrong block"
    return {
        name: {
            "round_trips_median": statistics.median(f["trips"]),
            "round_trips_max": max(f["trips"]),
            "ms_median": round(statistics.median(f["ms"]), 1),
        }
        for name, f in figures.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--blocks", type=int, default=1_000_000)
    parser.add_argument("--anvil-blocks", type=int, default=3_000)
    parser.add_argument("--probes", type=int, default=40)
    options = parser.parse_args()
    rng = random.Random(11)
    genesis = 1_600_000_000

    timestamps = [genesis]
    for run, gap in uneven_gaps(rng, options.blocks):
        timestamps.extend(timestamps[-1] + gap * (i + 1) for i in range(run))
    headers = HeaderNode(timestamps)
    upper = finalised_head(RpcClient([headers.url]), 0)
    results = {"header_node": measure(headers.url, upper, options.probes, rng, genesis)}
    headers.server.shutdown()

    with Anvil(chain_id=31998, timestamp=genesis) as node:
        started = time.perf_counter()
        for run, gap in uneven_gaps(rng, options.anvil_blocks):
            node.rpc.call("anvil_mine", [hex(run), hex(gap)])
        mine_seconds = time.perf_counter() - started
        anvil_upper = finalised_head(node.rpc, 0)
        results["anvil"] = measure(node.url, anvil_upper, options.probes, rng, genesis)

    print(
        f"header node: {options.blocks:,} blocks; anvil: {options.anvil_blocks:,} blocks mined in {mine_seconds:.1f} s"
    )
    print(f"{options.probes} lookups per node and search, every answer checked against its neighbours")
    for where, summary in results.items():
        for name, f in summary.items():
            print(
                f"{where:<12} {name:<10} round trips {f['round_trips_median']:g} (max {f['round_trips_max']}),"
                f" {f['ms_median']} ms"
            )
    met = results["header_node"]["ours"]["round_trips_max"] <= 5
    print(f"target <= 5 round trips on {options.blocks:,} blocks: {'met' if met else 'MISSED'}")
    print(json.dumps({"blocks": options.blocks, "anvil_blocks": options.anvil_blocks, **results}))


if __name__ == "__main__":
    main()
