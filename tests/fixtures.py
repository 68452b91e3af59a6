"""Shared fixtures: PostgreSQL only, a private Celery queue, a real Celery worker on the test database.

The chain fixtures (anvil on a free port) live in tests/chain_fixtures.py; both are loaded by the
root conftest.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session", autouse=True)
def _require_postgres_and_private_queue(django_db_setup: None, django_db_blocker) -> Iterator[None]:
    """Tests run on PostgreSQL (SQLite cannot hold uint256 exactly) and on a queue of their own."""
    with django_db_blocker.unblock():
        assert connection.vendor == "postgresql", "run the tests with DATABASE_URL=postgres://... (make test does)"
        # The log's tables refuse TRUNCATE (attest/appendonly.py) except where this is on: only in the test
        # database, so flushing it between transactional tests (pytest-django TRUNCATEs) still works.
        name = connection.settings_dict["NAME"]
        if name.startswith("test_"):  # no test database is made when no collected test uses one
            with connection.cursor() as cursor:
                cursor.execute(f"ALTER DATABASE {connection.ops.quote_name(name)} SET attest.allow_truncate = 'on'")
            connection.close()  # the setting applies to sessions opened from now on
    # A queue named for this session keeps a developer's demo worker from eating test tasks.
    queue = f"attest-test-{uuid.uuid4().hex[:8]}"
    celery_app.conf.task_default_queue = queue
    os.environ["CELERY_QUEUE"] = queue  # inherited by the worker process below
    yield


@pytest.fixture(scope="session")
def celery_worker_process(
    _require_postgres_and_private_queue: None, django_db_blocker
) -> Iterator[subprocess.Popen[bytes]]:
    """A real `celery worker` process consuming this session's queue against the test database."""
    with django_db_blocker.unblock():
        db_name = connection.settings_dict["NAME"]
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    env.update(
        DEBUG="1",
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db_name}",
        CELERY_TASK_ALWAYS_EAGER="0",
    )
    log = open(REPO / ".pytest-celery-worker.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "INFO",
        ],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"celery worker exited: {(REPO / '.pytest-celery-worker.log').read_text()[-2000:]}")
        if b"ready." in (REPO / ".pytest-celery-worker.log").read_bytes():
            break
        time.sleep(0.2)
    else:
        raise RuntimeError("celery worker did not become ready in 30 s")
    yield process
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


@pytest.fixture(autouse=True)
def _api_unthrottled(settings) -> None:
    """Every test client shares 127.0.0.1; the throttling tests turn API_ANON_RATE back on for themselves."""
    settings.API_ANON_RATE = ""
    settings.PAGE_ANON_RATE = ""  # the public pages' throttle likewise (web/tests/test_headers_and_throttle.py)
    settings.API_CACHE_SECONDS = 0  # tests change rows between requests; the micro-cache test turns it on
