"""Benchmark the public API under gunicorn against a trivial Django JSON view on the same server.

    .venv/bin/python bench/api.py [--coins 1000] [--days 365] [--seconds 10] [--clients 32]

Uses its own PostgreSQL database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/attest_bench_11),
creates and migrates it, and fills it once with N coins and a year of daily reconciliation runs per
coin (bulk inserts, straight into the tables). Then it starts gunicorn (ATTEST_BENCH=1 adds
/api/v1/bench/trivial/), drives each URL with CLIENTS concurrent keep-alive clients (threads over
http.client, in two processes so one GIL does not cap them) for a bounded time and request count, and
prints requests/s, p50 and p99; queries per request are counted in-process with CaptureQueriesContext.
Throttling is off (API_ANON_RATE="") so the view itself is measured, not the 429s.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/attest_bench_11")
ENV = {
    "DATABASE_URL": DB_URL,
    "DEBUG": "0",
    "SECRET_KEY": "bench-only-" + "x" * 40,
    "AUDIT_SIGNING_KEY": "YmVuY2gtb25seS1sb2cta2V5LXh4eHh4eHh4eHh4eHg=",  # base64 of a 32-byte seed, bench only
    "ATTEST_BENCH": "1",
    "API_ANON_RATE": "",
    "LOG_LEVEL": "WARNING",
    # Plain HTTP on loopback: production's HTTPS redirect (docs/security.md) would answer every request 301.
    "SECURE_SSL_REDIRECT": "0",
}
os.environ.update(ENV)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from bench.api_seed import ensure_database, seed  # noqa: E402 - after sys.path and the environment are set


def queries_per_request(paths: dict[str, str]) -> dict[str, int]:
    """Queries of a request that computes its answer (the process cache off)."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    settings.API_CACHE_SECONDS = 0
    client = Client(HTTP_HOST="127.0.0.1")
    counts = {}
    for name, path in paths.items():
        client.get(path)  # warm caches of the schema and url resolver
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(path).status_code == 200, path
        counts[name] = len(ctx.captured_queries)
    return counts


def _client_thread(port: int, path: str, deadline: float, budget: int, out: list[float], errors: list[int]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for _ in range(budget):
        if time.monotonic() >= deadline:
            break
        t0 = time.perf_counter()
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                errors.append(response.status)
                continue
        except (OSError, http.client.HTTPException):
            errors.append(0)
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        out.append(time.perf_counter() - t0)
    conn.close()


def _client_process(args: tuple[int, str, float, int, int]) -> tuple[list[float], list[int]]:
    port, path, seconds, threads, budget = args
    latencies: list[float] = []
    errors: list[int] = []
    deadline = time.monotonic() + seconds
    workers = [
        threading.Thread(target=_client_thread, args=(port, path, deadline, budget, latencies, errors))
        for _ in range(threads)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return latencies, errors


def load(port: int, path: str, *, clients: int, seconds: float, max_requests: int) -> dict[str, float]:
    processes = 2
    per_process = max(1, clients // processes)
    budget = max(1, max_requests // clients)
    _client_process((port, path, 1.0, 4, 50))  # warm-up
    started = time.monotonic()
    with multiprocessing.Pool(processes) as pool:
        results = pool.map(_client_process, [(port, path, seconds, per_process, budget)] * processes)
    elapsed = time.monotonic() - started
    latencies = sorted(x for lat, _ in results for x in lat)
    errors = sum(len(e) for _, e in results)
    if not latencies:
        return {"requests": 0, "errors": errors, "rps": 0.0, "p50_ms": 0.0, "p99_ms": 0.0}
    return {
        "requests": len(latencies),
        "errors": errors,
        "rps": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--coins", type=int, default=1000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seconds", type=float, default=10.0, help="per URL")
    parser.add_argument("--max-requests", type=int, default=200_000, help="per URL")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument(
        "--latency-clients",
        type=int,
        default=2,
        help="clients of the latency pass (list p99, history p50): one per core, so it measures the request",
    )
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) + 1, help="gunicorn processes")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per process")
    parser.add_argument("--port", type=int, default=8790)
    options = parser.parse_args()

    ensure_database(DB_URL)
    import warnings

    import django

    warnings.filterwarnings("ignore", message="No directory at")  # WhiteNoise without collectstatic
    django.setup()
    print(f"database {DB_URL}: seeding {options.coins} coins x {options.days} days (once)", flush=True)
    seed(options.coins, options.days)
    from reserves.models import ReconciliationRun

    runs = ReconciliationRun.objects.count()
    middle = f"C{options.coins // 2:04d}"
    paths = {
        "trivial": "/api/v1/bench/trivial/",
        "detail": f"/api/v1/stablecoins/{middle}/",
        "list": "/api/v1/stablecoins/",
        "history": f"/api/v1/stablecoins/{middle}/history/?limit=365",
    }
    queries = queries_per_request(paths)

    report: dict[str, object] = {"queries": queries}
    print(
        f"\n{options.coins} coins, {runs} runs; gunicorn {options.workers} x {options.threads} gthread; "
        f"{options.clients} clients, {options.seconds:.0f} s per URL; "
        f"{os.cpu_count()} CPUs shared by server and clients"
    )
    for cache_seconds in ("2", "0"):
        results = serve_and_load(options, paths, cache_seconds)
        print(f"\nAPI_CACHE_SECONDS={cache_seconds}\n")
        print("| URL | requests | errors | req/s | p50 ms | p99 ms | queries/request |\n|---|---|---|---|---|---|---|")
        for name, path in paths.items():
            r = results[name]
            print(
                f"| `{path}` ({name}) | {r['requests']:.0f} | {r['errors']:.0f} | {r['rps']:.0f} | "
                f"{r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {queries[name]} |"
            )
        ratio = results["detail"]["rps"] / results["trivial"]["rps"] if results["trivial"]["rps"] else 0.0
        print(f"\ndetail / trivial throughput: {ratio:.2f} (target >= 0.5)")
        report[f"API_CACHE_SECONDS={cache_seconds}"] = {"results": results, "ratio": ratio}
    uncached = report["API_CACHE_SECONDS=0"]
    assert isinstance(uncached, dict)
    latency = serve_and_load(
        options,
        {"list": paths["list"], "history": paths["history"]},
        "0",
        clients=options.latency_clients,
    )
    print(
        f"\nlatency pass, API_CACHE_SECONDS=0, {options.latency_clients} clients: list p99 "
        f"{latency['list']['p99_ms']:.1f} ms (target <= 100), history p50 {latency['history']['p50_ms']:.1f} ms "
        "(target <= 20)"
    )
    report["uncached"] = {
        "detail_vs_trivial": round(uncached["ratio"], 3),
        "list_p99_ms": round(latency["list"]["p99_ms"], 1),
        "history_p50_ms": round(latency["history"]["p50_ms"], 1),
        "latency_clients": options.latency_clients,
        "list_p99_ms_at_load": round(uncached["results"]["list"]["p99_ms"], 1),
        "history_p50_ms_at_load": round(uncached["results"]["history"]["p50_ms"], 1),
        "load_clients": options.clients,
    }
    print(json.dumps(report))


def serve_and_load(
    options: argparse.Namespace, paths: dict[str, str], cache_seconds: str, *, clients: int | None = None
) -> dict[str, dict[str, float]]:
    server = subprocess.Popen(
        [
            str(REPO / ".venv" / "bin" / "gunicorn"),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{options.port}",
            "--workers",
            str(options.workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(options.threads),
            "--keep-alive",
            "30",
            "--log-level",
            "warning",
        ],
        cwd=REPO,
        env={**os.environ, **ENV, "API_CACHE_SECONDS": cache_seconds},
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", options.port, timeout=2)
                conn.request("GET", "/api/v1/bench/trivial/")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        return {
            name: load(
                options.port,
                path,
                clients=clients or options.clients,
                seconds=options.seconds,
                max_requests=options.max_requests,
            )
            for name, path in paths.items()
        }
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
