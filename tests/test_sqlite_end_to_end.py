"""The embedded default database is SQLite: a 10**30-base-unit coin through reconciliation, the public API,
the public page and verifyrun on it, digit for digit. A process of its own (the suite runs on PostgreSQL)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_a_coin_of_ten_to_the_thirty_base_units_is_exact_on_sqlite(tmp_path):
    env = {**os.environ, "DEBUG": "1", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    env.update(CELERY_TASK_ALWAYS_EAGER="1")
    done = subprocess.run(
        [sys.executable, "-m", "tests.sqlite_size_check"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["total_supply"] == str(10**30 + 1)
    assert found["run_outstanding"] == found["api_outstanding"] == "1000000000000.000000000000000001"
    assert found["api_reserves"] == "1000000000000000000.000000000000000000"
    assert found["page_has_outstanding"]
    assert "single source" in found["single_source"]
    assert "OK" in found["verifyrun"]
