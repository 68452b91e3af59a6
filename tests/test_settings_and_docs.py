"""Settings fail loudly, and every environment variable they read is documented."""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _settings_env_vars() -> set[str]:
    source = (REPO / "config" / "settings.py").read_text()
    names = set(re.findall(r'\benv(?:bool|int|float|secret)?\(\s*"([A-Z0-9_]+)"', source))
    assert names, "no env() calls found: did the helpers get renamed?"
    return names


def test_every_env_var_is_in_env_example_and_readme():
    example = (REPO / ".env.example").read_text()
    readme = (REPO / "README.md").read_text()
    missing_example = {n for n in _settings_env_vars() if not re.search(rf"^#?\s*{n}=", example, re.M)}
    missing_readme = {n for n in _settings_env_vars() if f"`{n}`" not in readme}
    assert not missing_example, f".env.example lacks {sorted(missing_example)}"
    assert not missing_readme, f"README's configuration table lacks {sorted(missing_readme)}"


def _django_check(**env: str) -> subprocess.CompletedProcess[str]:
    drop = {"DEBUG", "SECRET_KEY", "SECRET_KEY_FILE", "AUDIT_SIGNING_KEY", "AUDIT_SIGNING_KEY_FILE"}
    clean = {k: v for k, v in os.environ.items() if k not in drop}
    clean.update(env)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE','config.settings'); django.setup()",
        ],
        cwd=REPO,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off():
    result = _django_check(DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_it_reads_the_secret_key_from_a_file(tmp_path):
    key = tmp_path / "key"
    key.write_text("from-a-file\n")
    log_key = tmp_path / "log-key"
    log_key.write_text("YmVuY2gtb25seS1sb2cta2V5LXh4eHh4eHh4eHh4eHg=\n")  # base64 of a 32-byte Ed25519 seed
    assert _django_check(DEBUG="0", SECRET_KEY_FILE=str(key), AUDIT_SIGNING_KEY_FILE=str(log_key)).returncode == 0


def test_it_refuses_to_start_without_a_log_signing_key_when_debug_is_off(tmp_path):
    result = _django_check(DEBUG="0", SECRET_KEY="x" * 50)
    assert result.returncode != 0
    assert "AUDIT_SIGNING_KEY must be set" in result.stderr


def test_it_rejects_a_boolean_it_cannot_read():
    result = _django_check(DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr


def test_production_settings_pass_check_deploy_with_no_warning():
    # As a deployment would run: none of the test run's own switches (Playwright sets DJANGO_ALLOW_ASYNC_UNSAFE).
    dropped = {
        "DEBUG",
        "SECRET_KEY",
        "SECRET_KEY_FILE",
        "AUDIT_SIGNING_KEY",
        "AUDIT_SIGNING_KEY_FILE",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
    }
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(
        DEBUG="0",
        SECRET_KEY="p" + "r0duct10n-k3y-" * 5,  # long and varied, as check --deploy asks
        AUDIT_SIGNING_KEY=base64.b64encode(bytes(range(32))).decode(),  # a 32-byte Ed25519 seed
        ALLOWED_HOSTS="attest.example.org",
        SITE_URL="https://attest.example.org",
        SECURE_PROXY_SSL_HEADER="1",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_seeddemo_refuses_to_run_with_debug_off(settings):
    import pytest
    from django.core.management import CommandError, call_command

    settings.DEBUG = False
    with pytest.raises(CommandError, match="only with DEBUG=1"):
        call_command("seeddemo")
