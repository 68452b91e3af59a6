"""The embedded default (SQLite, what `make demo` runs on) serves the same prepared API answers as
PostgreSQL. The answers' query is hand-written SQL per database, so both are exercised: the same
probe runs here on the test PostgreSQL and in a child process on a fresh SQLite file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

# A coin whose document was prepared 400 s after its chain data was read, asked now: older than
# CHAIN_STALE_AFTER (300 s), so the stale variant is served with the exact age; a second coin has no
# document at all (never reconciled) and gets the unpublished answer.
PROBE = """
import json
from datetime import timedelta
from django.test import Client
from django.utils import timezone
from attest.models import Issuer, Stablecoin
from reserves.documents import coin_answers
from reserves.models import CoinDocument

now = timezone.now().replace(microsecond=250000)
issuer = Issuer.objects.create(name="Probe Issuer")
coin = Stablecoin.objects.create(issuer=issuer, symbol="PRB", name="Probe", currency="USD")
Stablecoin.objects.create(issuer=issuer, symbol="NEW", name="New", currency="USD")
read_at = now - timedelta(seconds=400, microseconds=500000)
CoinDocument.objects.create(
    stablecoin=coin, body_fresh='"which":"fresh"', body_stale='"which":"stale"', read_at=read_at,
    read_at_text=read_at.isoformat(), freshness="fresh", published_at=now - timedelta(seconds=10), digest="d",
)
answers = {a.symbol: a for a in coin_answers(now=now)}
assert answers["PRB"].body == '"which":"stale"', answers["PRB"].body
assert answers["PRB"].freshness["age_seconds"] == 400, answers["PRB"].freshness
assert answers["PRB"].freshness["status"] == "stale", answers["PRB"].freshness
assert answers["PRB"].changed_at == int((now - timedelta(seconds=10)).timestamp()), answers["PRB"].changed_at
assert answers["NEW"].freshness["status"] == "no_data", answers["NEW"].freshness
client = Client()
for url in ("/api/v1/stablecoins/", "/api/v1/stablecoins/PRB/", "/api/v1/stablecoins/NEW/"):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    json.loads(response.content)
print("probe ok")
"""


@pytest.mark.django_db
def test_prepared_answers_on_postgresql():
    exec(PROBE, {})  # noqa: S102 - our own probe text, shared with the SQLite child below


def test_prepared_answers_on_embedded_sqlite(tmp_path):
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'embedded.sqlite3'}",
        "CELERY_TASK_ALWAYS_EAGER": "1",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "ALLOWED_HOSTS": "testserver",
    }
    code = "import django; django.setup()\nfrom django.core.management import call_command\n"
    code += "call_command('migrate', verbosity=0)\n" + PROBE
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "probe ok" in done.stdout
