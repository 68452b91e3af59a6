"""The public pages: a Content-Security-Policy with no inline script, throttling like the API, failing open."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db
TEMPLATES = Path(__file__).resolve().parents[2]


def test_every_page_carries_a_policy_that_allows_no_inline_script():
    response = Client().get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "object-src 'none'" in policy


def test_no_template_has_an_inline_script_or_handler():
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=", re.I)
    offenders = [
        str(p)
        for p in TEMPLATES.glob("**/templates/**/*.html")
        if ".venv" not in p.parts and inline.search(p.read_text())
    ]
    assert offenders == []


def test_the_public_pages_are_throttled_per_address(settings):
    settings.PAGE_ANON_RATE = "3/minute"
    # Addresses of this run only: the counts live in the shared Redis for a minute.
    first, second = (f"10.{random.randrange(256)}.{random.randrange(256)}.{n}" for n in (1, 2))
    client = Client(REMOTE_ADDR=first)
    assert [client.get("/").status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get("/coins/NONE/")
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert Client(REMOTE_ADDR=second).get("/").status_code == 200


def test_the_login_the_reset_form_and_the_api_docs_share_the_page_throttle(settings, mailoutbox):
    settings.PAGE_ANON_RATE = "3/minute"
    client = Client(REMOTE_ADDR=f"10.{random.randrange(256)}.{random.randrange(256)}.3")
    assert [client.get(path).status_code for path in ("/login/", "/account/reset/", "/api/docs/")] == [200] * 3
    for path in ("/login/", "/account/reset/", "/api/docs/"):
        assert client.get(path).status_code == 429, path
    assert client.post("/account/reset/", {"email": "someone@example.test"}).status_code == 429
    assert mailoutbox == []


def test_the_page_throttle_fails_open_when_the_cache_is_down(settings, caplog):
    settings.PAGE_ANON_RATE = "1/minute"
    # A Redis nobody listens on: the cache raises on every call.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    client = Client(REMOTE_ADDR="10.9.0.3")
    assert [client.get("/").status_code for _ in range(3)] == [200, 200, 200]
    assert "page throttle skipped" in caplog.text


def test_a_login_lasts_a_working_day_not_two_weeks(issuer_alice):
    from attest.tests.conftest import PASSWORD

    response = Client().post("/login/", {"username": "issuer_alice", "password": PASSWORD})
    assert response.status_code == 302
    assert response.cookies["sessionid"]["max-age"] == 8 * 3600
