"""The independent monitor (scripts/attest_monitor.py), run as a real process against a live server,
holding heads saved before the log was tampered with, catches every way of tampering (issue 12)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from attest import logkeys
from attest.audit import AuditEntry, AuditNode, TreeHead
from tests.logtamper import REPO, TAMPERINGS, populate, resign, superuser, tamper

pytestmark = pytest.mark.django_db(transaction=True)


def monitor(url: str, state: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        # --settle 0: the tests turn the API's answer reuse off (API_CACHE_SECONDS=0), so nothing lags.
        [
            sys.executable,
            str(REPO / "scripts" / "attest_monitor.py"),
            "--api",
            url,
            "--state",
            str(state),
            "--settle",
            "0",
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin"},  # nothing of Attest's: it must stand on its own
    )


def _is_caught(result: subprocess.CompletedProcess[str]) -> bool:
    lines = result.stdout.splitlines()
    return result.returncode == 1 and lines[0].startswith("TAMPERED: ") and lines[-1].startswith("FAILED after")


def _caught(result: subprocess.CompletedProcess[str]) -> str:
    assert _is_caught(result), result.stdout + result.stderr
    return result.stdout


def test_an_untouched_log_passes_twice_and_says_what_it_checked(live_server, tmp_path):
    state = tmp_path / "heads.json"
    populate(5)
    first = monitor(live_server.url, state)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "trusted 1 key(s) on first use" in first.stdout and "all 5 entries re-hashed" in first.stdout
    populate(3)
    second = monitor(live_server.url, state)
    assert second.returncode == 0, second.stdout + second.stderr
    last = second.stdout.splitlines()[-1]
    assert last.startswith("OK 8 entries") and "consistent with the head of size 5 seen before" in last


def _snapshot() -> list[list[Any]]:
    return [list(AuditEntry.objects.all()), list(AuditNode.objects.all()), list(TreeHead.objects.all())]


def _restore(rows: list[list[Any]]) -> None:
    with superuser():
        entries, nodes, heads = rows
        AuditEntry.objects.all().delete()
        AuditNode.objects.all().delete()
        TreeHead.objects.all().delete()
        AuditEntry.objects.bulk_create(entries)
        AuditNode.objects.bulk_create(nodes)
        TreeHead.objects.bulk_create(heads)


def test_the_monitor_catches_each_tampering_and_its_cover_up(live_server, tmp_path):
    """One log and one saved state for every case (restored between cases): eleven flushes and
    baseline runs would cost more than the checks."""
    state = tmp_path / "heads.json"
    populate(12)
    assert monitor(live_server.url, state).returncode == 0
    saved, missed = _snapshot(), []
    for name in TAMPERINGS:
        tamper(name, 12)
        runs = [monitor(live_server.url, state)]
        if name != "forged append with a valid hash":  # that forger has no key to cover up with
            resign()  # the operator rebuilds every subtree and signs a head over what the table now holds
            runs.append(monitor(live_server.url, state))
        missed += [f"{name}: {r.stdout}{r.stderr}" for r in runs if not _is_caught(r)]
        _restore(saved)
    assert not missed, "\n".join(missed)
    assert monitor(live_server.url, state).returncode == 0  # the restored log is the one it saw: no residue


def test_the_monitor_refuses_a_head_signed_with_another_key(live_server, tmp_path, settings):
    state = tmp_path / "heads.json"
    populate(6)
    assert monitor(live_server.url, state).returncode == 0
    other = Ed25519PrivateKey.generate()
    resign(other)  # re-signed by a key the server does not even publish
    assert "which this monitor does not trust" in _caught(monitor(live_server.url, state))
    settings.AUDIT_SIGNING_KEY = logkeys.key_pem(other)  # now the server publishes it as its only key
    assert "which this monitor does not trust" in _caught(monitor(live_server.url, state))
