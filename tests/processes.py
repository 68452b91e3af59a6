"""Real processes for the fault tests: a private redis-server, Celery workers and beat, gunicorn.

Every process is started against the test database and a Redis of the test's own (never the shared one:
the fault tests stop and restart it), logs to a file the test can print on failure, and is stopped by the
test's ``finally``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import redis
from django.conf import settings
from django.db import connection

REPO = Path(__file__).resolve().parent.parent


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def wait_until(predicate: Callable[[], Any], *, timeout: float, what: str, every: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(every)


def database_url_of_tests(host: str | None = None, port: int | None = None) -> str:
    db = settings.DATABASES["default"]
    return (
        f"postgres://{db['USER']}@{host or db['HOST'] or '127.0.0.1'}:{port or db['PORT'] or 5432}/"
        f"{connection.settings_dict['NAME']}"
    )


class Process:
    """A child process with its output in a temporary file."""

    def __init__(self, name: str, argv: Sequence[str], env: dict[str, str], *, prefix: Sequence[str] = ()) -> None:
        self.name = name
        self.log = tempfile.NamedTemporaryFile(prefix=f"attest-{name}-", suffix=".log", delete=False)  # noqa: SIM115
        self.popen = subprocess.Popen(
            [*prefix, *argv],
            cwd=REPO,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: a kill reaches its pool children too
        )

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def wait_for_output(self, text: str, timeout: float = 60.0) -> None:
        def seen() -> bool:
            if self.popen.poll() is not None:
                raise AssertionError(f"{self.name} exited ({self.popen.returncode}):\n{self.output()[-3000:]}")
            return text in self.output()

        wait_until(seen, timeout=timeout, what=f"{self.name} to print {text!r}")

    def kill(self) -> None:
        """SIGKILL to the whole process group: the host is gone, with no chance to hand work back."""
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait()

    def stop(self) -> None:
        if self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, signal.SIGTERM)
                self.popen.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                self.kill()
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)


def stop_all(processes: Sequence[Process]) -> None:
    """Stop them together: SIGTERM to all, then wait (a Celery worker's warm shutdown takes a second or two)."""
    for process in processes:
        if process.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.popen.pid, signal.SIGTERM)
    for process in processes:
        process.stop()


class RedisServer:
    """A private redis-server on a free port (no persistence), which a test may stop and start again."""

    def __init__(self, *, bind: Sequence[str] = ("127.0.0.1",), port: int | None = None) -> None:
        self.bind = list(bind)
        self.port = port or free_port()
        self.process: Process | None = None
        self.start()

    def url(self, host: str = "127.0.0.1") -> str:
        return f"redis://{host}:{self.port}/0"

    def start(self) -> None:
        argv = ["redis-server", "--port", str(self.port), "--bind", *self.bind, "--save", "", "--appendonly", "no"]
        # Bound to loopback and, for the namespace tests, a private bridge only: no password needed.
        argv += ["--protected-mode", "no"]
        self.process = Process("redis", argv, dict(os.environ))
        client = redis.Redis(host=self.bind[0], port=self.port, socket_connect_timeout=0.5)
        wait_until(lambda: _pings(client), timeout=15, what="redis-server to answer")

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
            self.process = None


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


def service_env(*, redis_url: str, database_url: str, queue: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DEBUG="0",
        SECRET_KEY="fault-test-" + "k" * 40,
        AUDIT_SIGNING_KEY="ZmF1bHQtdGVzdC1sb2cta2V5LXh4eHh4eHh4eHh4eHg=",  # base64 of a 32-byte seed, tests only
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        CELERY_QUEUE=queue,
        CELERY_TASK_ALWAYS_EAGER="0",
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
        # Plain HTTP on loopback: production's HTTPS redirect (docs/security.md) would answer 301.
        SECURE_SSL_REDIRECT="0",
    )
    env.update(extra)
    return env


def celery_worker(name: str, env: dict[str, str], *, prefix: Sequence[str] = (), concurrency: int = 1) -> Process:
    argv = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "prefork"]
    argv += ["--concurrency", str(concurrency), "--hostname", f"{name}@%h", "--without-gossip", "--without-mingle"]
    argv += ["--without-heartbeat", "-l", "INFO"]
    return Process(name, argv, env, prefix=prefix)


def celery_beat(env: dict[str, str], schedule: Path) -> Process:
    argv = [sys.executable, "-m", "celery", "-A", "config", "beat", "-l", "INFO", "--schedule", str(schedule)]
    return Process("beat", argv, env)


def gunicorn(env: dict[str, str], port: int) -> Process:
    argv = [sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1", "--threads", "4"]
    return Process("gunicorn", [*argv, "--access-logfile", "-"], env)
