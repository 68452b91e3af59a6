"""`make demo`: anvil, the demo coins, a Celery worker and beat, and the web server, on the embedded defaults.

Everything lives in .demo/ (SQLite database, anvil state, beat schedule), or .demo-<PORT>/ for a demo on
another port than 8000 (``--dir`` or DEMO_DIR to choose). The chain and the database are kept together
across runs; if either is missing the other is thrown away too, so the database never points at contracts
that do not exist. Ctrl-C stops everything started here.

Each demo is one instance, named by its port: its Celery queue is ``attest-demo-<PORT>`` and every Redis
key it writes (Celery's, the locks', the cache's) starts with ``attest-demo-<PORT>:``, so two demos on one
machine sharing one Redis share no queue and no key.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from devtools.devchain import DEV_KEY_7, Anvil  # noqa: E402 - needs the repo on sys.path first


def redis_reachable(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping())
    except redis.RedisError:
        return False


def demo_dir(port: int, chosen: str | None) -> Path:
    if chosen:
        return Path(chosen).resolve()
    return REPO / (".demo" if port == 8000 else f".demo-{port}")


def instance_env(port: int, environ: dict[str, str]) -> dict[str, str]:
    """The queue and Redis key prefix of the demo on ``port`` (an explicit CELERY_QUEUE / REDIS_KEY_PREFIX wins)."""
    name = f"attest-demo-{port}"
    return {
        "CELERY_QUEUE": environ.get("CELERY_QUEUE", name),
        "REDIS_KEY_PREFIX": environ.get("REDIS_KEY_PREFIX", f"{name}:"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--dir", default=os.environ.get("DEMO_DIR"), help="where the demo keeps its state")
    parser.add_argument("--block-time", type=int, default=2, help="seconds between demo chain blocks")
    args = parser.parse_args()

    home = demo_dir(args.port, args.dir)
    home.mkdir(exist_ok=True)
    db, state = home / "db.sqlite3", home / "anvil-state.json"
    log_key = home / "audit-signing-key"
    if db.exists() != state.exists() or db.exists() != log_key.exists():
        print("demo: chain state, database and log key are out of step; starting afresh")
        db.unlink(missing_ok=True)
        state.unlink(missing_ok=True)
        log_key.unlink(missing_ok=True)

    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    # Historical states are kept so attestations pinned before a restart can still be re-read.
    # Automine while seeding (each deployment transaction is mined at once), then a block every
    # --block-time seconds so the finalised head moves on as a real chain's does.
    anvil = Anvil(
        chain_id=31337,
        state_path=state,
        cache_path=home / "anvil-cache",
        extra_args=["--preserve-historical-states"],
    )
    print(f"demo: anvil (chain 31337) at {anvil.url}")
    env = dict(os.environ)
    env.update(
        DEBUG="1",
        DATABASE_URL=f"sqlite:///{db}",
        CHAIN_RPC_URL=anvil.url,
        REDIS_URL=redis_url,
        **instance_env(args.port, env),
        SUPPLY_READ_INTERVAL=env.get("SUPPLY_READ_INTERVAL", "15"),
        RECONCILE_INTERVAL=env.get("RECONCILE_INTERVAL", "60"),
        FEED_INTERVAL=env.get("FEED_INTERVAL", "30"),
        # anvil's public dev key 7, which the demo feeds name as their poster (devtools/feeds.py).
        FEED_SIGNER_KEY=env.get("FEED_SIGNER_KEY", DEV_KEY_7),
        PYTHONUNBUFFERED="1",
        AUDIT_SIGNING_KEY_FILE=str(log_key),  # the transparency log's key, made below on first start
    )
    in_process = not redis_reachable(redis_url)
    if in_process:
        print(
            f"demo: Redis at {redis_url} cannot be reached, so there is no Celery worker or beat: tasks run "
            "in-process (CELERY_TASK_ALWAYS_EAGER=1) and a loop in this demo reads supply on the beat schedule."
        )
        env["CELERY_TASK_ALWAYS_EAGER"] = "1"

    python = sys.executable
    manage = [python, str(REPO / "manage.py")]
    children: list[subprocess.Popen[bytes]] = []

    def stop(*_: object) -> None:
        for child in reversed(children):
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
        anvil.stop()  # SIGTERM: anvil writes its state file as it exits

    def on_sigterm(*_: object) -> None:
        stop()
        sys.exit(0)

    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        if not log_key.exists():
            keyless = {k: v for k, v in env.items() if k != "AUDIT_SIGNING_KEY_FILE"}  # settings would read it
            subprocess.run([*manage, "auditkey", "--out", str(log_key)], env=keyless, check=True, cwd=REPO)
        subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, check=True, cwd=REPO)
        subprocess.run([*manage, "seeddemo", "--rpc-url", anvil.url], env=env, check=True, cwd=REPO)
        anvil.rpc.call("evm_setIntervalMining", [max(1, args.block_time)])
        print(f"demo: a block every {max(1, args.block_time)} s from now on")
        if in_process:
            children.append(subprocess.Popen([*manage, "runperiodic"], env=env, cwd=REPO))
        else:
            celery = [python, "-m", "celery", "-A", "config"]
            # prefork (one process): the only pool that enforces the tasks' time limits.
            children.append(
                subprocess.Popen(
                    [
                        *celery,
                        "worker",
                        "--pool",
                        "prefork",
                        "--concurrency",
                        "1",
                        "--hostname",
                        f"worker-{args.port}@%h",
                        "--without-gossip",
                        "--without-mingle",
                        "-l",
                        "WARNING",
                    ],
                    env=env,
                    cwd=REPO,
                )
            )
            children.append(
                subprocess.Popen(
                    [*celery, "beat", "-l", "WARNING", "--schedule", str(home / "celerybeat-schedule")],
                    env=env,
                    cwd=REPO,
                )
            )
            print(
                f"demo: Celery worker and beat on {redis_url} (queue {env['CELERY_QUEUE']}, "
                f"Redis keys {env['REDIS_KEY_PREFIX']}*)"
            )
        children.append(
            subprocess.Popen([*manage, "runserver", f"127.0.0.1:{args.port}", "--noreload"], env=env, cwd=REPO)
        )
        print(
            f"\ndemo: open http://127.0.0.1:{args.port}/  (API: http://127.0.0.1:{args.port}/api/v1/stablecoins/)\n"
            "demo: log in as issuer / issuer-demo-pass (files USDX attestations), regulator / regulator-demo-pass,\n"
            "      hkissuer / hkissuer-demo-pass, or auditor / auditor-demo-pass (countersigns the seeded filings).\n"
            "      Password-reset emails are printed here (console email backend). Ctrl-C stops everything.\n"
            f"demo: audit the log: python scripts/attest_monitor.py --api http://127.0.0.1:{args.port} "
            "--state .demo/monitor.json\n"
        )
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        print("demo: a process stopped; shutting the rest down")
        return 1
    except KeyboardInterrupt:
        print("\ndemo: stopping")
        return 0
    except subprocess.CalledProcessError as exc:
        print(f"demo: {' '.join(map(str, exc.cmd[1:3]))} failed (exit {exc.returncode})")
        return 1
    finally:
        stop()
        shutil.rmtree(home / "anvil-cache", ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
