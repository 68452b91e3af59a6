"""Load: the public API and pages under 32 connections for 60 s while a Celery worker reads the chain.

    .venv/bin/python bench/load.py [--seconds 60] [--connections 32] [--read-interval 2]

It is a bench, not a test (it runs a minute): it starts a private anvil with the demo coins mining a block a
second, migrates and seeds its own PostgreSQL database (BENCH_LOAD_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/attest_bench_load; recreated each run), then gunicorn (DEBUG=0), a Celery
worker (prefork) and beat reading supply every ``--read-interval`` seconds, on a Redis database of its own
(BENCH_LOAD_REDIS_URL, default redis://127.0.0.1:6379/13, keys and queue under a prefix of this run). The load
generator is ``--connections`` keep-alive HTTP/1.1 clients (threads over http.client in two processes), each
cycling through the public routes. Throttling is off (every client shares one address). An error is any
answer other than 200 or a failed connection. It ends with one JSON line of its figures.
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
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
DB_URL = os.environ.get("BENCH_LOAD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/attest_bench_load")
REDIS_URL = os.environ.get("BENCH_LOAD_REDIS_URL", "redis://127.0.0.1:6379/13")
RUN = uuid.uuid4().hex[:8]
ENV = {
    "DATABASE_URL": DB_URL,
    "REDIS_URL": REDIS_URL,
    "REDIS_KEY_PREFIX": f"attest-bench-{RUN}:",
    "CELERY_QUEUE": f"attest-bench-{RUN}",
    "DEBUG": "0",
    "SECRET_KEY": "bench-only-" + "x" * 40,
    "AUDIT_SIGNING_KEY": "YmVuY2gtb25seS1sb2cta2V5LXh4eHh4eHh4eHh4eHg=",  # base64 of a 32-byte seed, bench only
    "API_ANON_RATE": "",
    # 32 connections from one address: the pages' throttle off like the API's; plain HTTP, so no HTTPS redirect.
    "PAGE_ANON_RATE": "",
    "SECURE_SSL_REDIRECT": "0",
    "LOG_LEVEL": "WARNING",
    "CHAIN_CONFIRMATIONS": "1",
}
PATHS = [
    "/api/v1/stablecoins/",
    "/api/v1/stablecoins/HKDA/",
    "/api/v1/stablecoins/USDX/",
    "/api/v1/stablecoins/HKDA/history/",
    "/api/v1/stablecoins/HKDA/supply/",
    "/api/v1/stablecoins/HKDA/attestations/",
    "/api/v1/stablecoins/EURA/runs/",
    "/api/v1/audit/head/",
    "/",
    "/coins/HKDA/",
]


def _client(port: int, deadline: float, offset: int, latencies: list[float], statuses: Counter[int]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    i = offset
    while time.monotonic() < deadline:
        path = PATHS[i % len(PATHS)]
        i += 1
        started = time.perf_counter()
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            statuses[0] += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        statuses[response.status] += 1
        if response.status == 200:
            latencies.append(time.perf_counter() - started)
    conn.close()


def _client_process(args: tuple[int, float, int, int]) -> tuple[list[float], dict[int, int]]:
    port, seconds, threads, first = args
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    deadline = time.monotonic() + seconds
    pool = [
        threading.Thread(target=_client, args=(port, deadline, first + n, latencies, statuses)) for n in range(threads)
    ]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return latencies, dict(statuses)


def _recreate_database() -> None:
    from urllib.parse import urlsplit

    import psycopg

    parts = urlsplit(DB_URL)
    name = parts.path.lstrip("/")
    admin = f"host={parts.hostname} port={parts.port or 5432} user={parts.username} dbname=postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _wait_http(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/api/v1/audit/head/")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not answer")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--read-interval", type=int, default=2, help="seconds between the worker's supply reads")
    parser.add_argument("--web-workers", type=int, default=(os.cpu_count() or 1) + 1, help="gunicorn processes")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per process")
    parser.add_argument("--port", type=int, default=8791)
    options = parser.parse_args()

    os.environ.update(ENV)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from devtools.devchain import Anvil

    anvil = Anvil(chain_id=31337)
    env = {**os.environ, **ENV, "CHAIN_RPC_URL": anvil.url, "SUPPLY_READ_INTERVAL": str(options.read_interval)}
    children: list[subprocess.Popen[bytes]] = []
    logs = tempfile.TemporaryDirectory(prefix="attest-bench-load-")
    try:
        _recreate_database()
        manage = [sys.executable, str(REPO / "manage.py")]
        subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, check=True, cwd=REPO)
        subprocess.run(
            [*manage, "seeddemo", "--rpc-url", anvil.url], env=env, check=True, cwd=REPO, capture_output=True
        )
        anvil.rpc.call("evm_setIntervalMining", [1])

        def start(name: str, argv: list[str]) -> None:
            log = open(Path(logs.name) / f"{name}.log", "wb")  # noqa: SIM115 - closed with the directory
            children.append(subprocess.Popen(argv, env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT))

        celery = [sys.executable, "-m", "celery", "-A", "config"]
        start("worker", [*celery, "worker", "--pool", "prefork", "--concurrency", "1", "-l", "WARNING"])
        start("beat", [*celery, "beat", "-l", "WARNING", "--schedule", str(Path(logs.name) / "beat-schedule")])
        start(
            "gunicorn",
            [
                sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{options.port}",
                "-w", str(options.web_workers), "--threads", str(options.threads), "-k", "gthread",
            ],
        )  # fmt: skip
        _wait_http(options.port)

        import django

        django.setup()
        from chain.models import SupplyReading
        from reserves.models import Publication, ReconciliationRun

        readings0, runs0 = SupplyReading.objects.count(), ReconciliationRun.objects.count()
        pubs0 = Publication.objects.count()
        processes = 2
        per_process = max(1, options.connections // processes)
        started = time.monotonic()
        with multiprocessing.Pool(processes) as pool:
            results = pool.map(
                _client_process,
                [(options.port, options.seconds, per_process, n * per_process) for n in range(processes)],
            )
        elapsed = time.monotonic() - started
        latencies = sorted(x for lat, _ in results for x in lat)
        statuses: Counter[int] = Counter()
        for _, counts in results:
            statuses.update(counts)
        errors = sum(n for status, n in statuses.items() if status != 200)
        dead = [name for name, child in zip(("worker", "beat", "gunicorn"), children, strict=True) if child.poll()]
        figures = {
            "bench": "load",
            "seconds": round(elapsed, 1),
            "connections": per_process * processes,
            "paths": len(PATHS),
            "requests": sum(statuses.values()),
            "errors": errors,
            "statuses": {str(k): v for k, v in sorted(statuses.items())},
            "rps": round(len(latencies) / elapsed, 1),
            "p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
            "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 1) if latencies else None,
            "supply_readings_during": SupplyReading.objects.count() - readings0,
            "runs_during": ReconciliationRun.objects.count() - runs0,
            "publications_during": Publication.objects.count() - pubs0,
            "processes_died": dead,
        }
        f = figures
        print(
            f"{f['requests']} requests in {f['seconds']} s over {f['connections']} connections: {f['errors']} errors, "
            f"{f['rps']} req/s, p50 {f['p50_ms']} ms, p99 {f['p99_ms']} ms; meanwhile the worker stored "
            f"{f['supply_readings_during']} readings and {f['runs_during']} runs",
            flush=True,
        )
        print(json.dumps(figures, separators=(",", ":")))
    finally:
        for child in children:
            child.terminate()
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
        anvil.stop()
        logs.cleanup()


if __name__ == "__main__":
    main()
