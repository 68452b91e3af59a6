"""Redis down: the cache misses instead of raising, and the throttled API answers (and says so in the log)."""

from __future__ import annotations

import logging

import pytest
from django.core.cache import caches
from django.test import Client

from config import cache as failopen
from tests.processes import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_gone(settings):
    """The cache pointed at a port nothing listens on."""
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.FailOpenRedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    failopen._Breaker.failed_at = failopen._Breaker.logged_at = -1e18
    yield caches["default"]
    failopen._Breaker.failed_at = failopen._Breaker.logged_at = -1e18


def test_the_cache_answers_as_an_empty_cache_would(redis_gone, caplog):
    with caplog.at_level(logging.WARNING, logger="config.cache"):
        assert redis_gone.get("k", "default") == "default"
        redis_gone.set("k", "v")
        assert redis_gone.get_many(["a", "b"]) == {}
        assert redis_gone.add("k", "v") is False
    assert [r.message for r in caplog.records if "failing open" in r.message]


def test_the_throttled_api_and_the_pages_answer_with_redis_down(redis_gone, settings, caplog):
    settings.API_ANON_RATE = "2/minute"
    client = Client()
    with caplog.at_level(logging.WARNING, logger="config.cache"):
        for _ in range(4):  # past the rate: no count can be kept, so nobody is refused
            assert client.get("/api/v1/stablecoins/").status_code == 200
        assert client.get("/").status_code == 200
    assert any("throttling off" in r.message for r in caplog.records)
