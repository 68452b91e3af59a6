"""Benchmark: the last block at or before an instant on a 10^6-block chain, in round trips.

Starts its own anvil, mines ``--blocks`` blocks with ``anvil_mine`` in runs of uneven intervals
(1 to 30 s), then looks up ``--probes`` random instants with ``chain.blockcache.block_at_or_before``
(the batched 32-ary search; no database cache) and with a plain bisection (one header per round
trip, the search it replaced). Every answer is checked against the headers on both sides of it.
Ends with one JSON line: round trips (median and max) and milliseconds per lookup for both.

Run: ``.venv/bin/python bench/block_at_time.py`` (``--blocks 1000000 --probes 50``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--blocks", type=int, default=1_000_000)
    parser.add_argument("--probes", type=int, default=50)
    options = parser.parse_args()
    rng = random.Random(11)
    with Anvil(chain_id=31998, timestamp=1_600_000_000) as node:
        rpc = RpcClient([node.url], timeout=300)
        started = time.perf_counter()
        mined = 0
        while mined < options.blocks:
            run = min(options.blocks - mined, rng.randint(50_000, 150_000))
            rpc.call("anvil_mine", [hex(run), hex(rng.randint(1, 30))])
            mined += run
        mine_seconds = time.perf_counter() - started
        upper = finalised_head(rpc, 0)
        figures: dict[str, dict[str, list[float]]] = {
            "ours": {"trips": [], "ms": []},
            "bisection": {"trips": [], "ms": []},
        }
        for _ in range(options.probes):
            ts = rng.randint(1_600_000_000, upper.timestamp - 1)
            answers = []
            for name, search in (
                ("ours", lambda c, t: block_at_or_before(c, t, upper=upper)),
                ("bisection", lambda c, t: bisect(c, t, upper)),
            ):
                counting = CountingRpc([node.url], timeout=60)
                began = time.perf_counter()
                found = search(counting, ts)
                figures[name]["ms"].append((time.perf_counter() - began) * 1000)
                figures[name]["trips"].append(counting.requests)
                answers.append(found)
            assert answers[0] == answers[1] and answers[0] is not None
            here, after = blocks_by_number(rpc, [answers[0].number, answers[0].number + 1])
            assert here.timestamp <= ts < after.timestamp, "wrong block"
    summary = {
        name: {
            "round_trips_median": statistics.median(f["trips"]),
            "round_trips_max": max(f["trips"]),
            "ms_median": round(statistics.median(f["ms"]), 1),
        }
        for name, f in figures.items()
    }
    print(f"mined {options.blocks:,} blocks in {mine_seconds:.1f} s; {options.probes} lookups each, all checked")
    for name, s in summary.items():
        print(f"{name:<10} round trips {s['round_trips_median']:g} (max {s['round_trips_max']}), {s['ms_median']} ms")
    met = summary["ours"]["round_trips_max"] <= 5
    print(f"target <= 5 round trips on {options.blocks:,} blocks: {'met' if met else 'MISSED'}")
    print(json.dumps({"blocks": options.blocks, "probes": options.probes, **summary}))


if __name__ == "__main__":
    main()
