"""A Redis cache that fails open: Redis being down makes the cache miss, never makes a request fail.

Everything the web processes keep in the cache is an optimisation or a courtesy (anonymous API throttling
counts requests here), so a page or an API answer must not turn into a 500 because Redis is away. Each
call that cannot reach Redis answers as an empty cache would (a miss, a dropped write), and logs a warning
once per ``LOG_EVERY`` seconds per process. After a failure the process leaves Redis alone for
``RETRY_AFTER`` seconds, so a hung Redis costs one socket timeout per process per interval rather than one
per request.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

RETRY_AFTER = 2.0
LOG_EVERY = 30.0


class _Breaker:
    """Per process: when Redis last failed, and when that was last logged."""

    failed_at = -1e18
    logged_at = -1e18

    @classmethod
    def open(cls) -> bool:
        return time.monotonic() - cls.failed_at < RETRY_AFTER

    @classmethod
    def trip(cls, op: str, exc: Exception) -> None:
        now = time.monotonic()
        cls.failed_at = now
        if now - cls.logged_at >= LOG_EVERY:
            cls.logged_at = now
            log.warning(
                "cache: Redis unreachable on %s (%s: %s); failing open: cache misses, throttling off, until it returns",
                op,
                type(exc).__name__,
                exc,
            )


def _failing_open(op: str, default: Any) -> Any:
    def wrap(method: Any) -> Any:
        def call(self: RedisCacheClient, *args: Any, **kwargs: Any) -> Any:
            if _Breaker.open():
                return default(args) if callable(default) else default
            try:
                return method(self, *args, **kwargs)
            except (RedisError, OSError) as exc:
                _Breaker.trip(op, exc)
                return default(args) if callable(default) else default

        return call

    return wrap


class FailOpenClient(RedisCacheClient):
    add = _failing_open("add", False)(RedisCacheClient.add)
    get = _failing_open("get", lambda args: args[1])(RedisCacheClient.get)  # the caller's default
    set = _failing_open("set", None)(RedisCacheClient.set)
    touch = _failing_open("touch", False)(RedisCacheClient.touch)
    delete = _failing_open("delete", False)(RedisCacheClient.delete)
    get_many = _failing_open("get_many", lambda args: {})(RedisCacheClient.get_many)
    has_key = _failing_open("has_key", False)(RedisCacheClient.has_key)
    set_many = _failing_open("set_many", lambda args: [])(RedisCacheClient.set_many)
    delete_many = _failing_open("delete_many", None)(RedisCacheClient.delete_many)
    clear = _failing_open("clear", False)(RedisCacheClient.clear)
    # incr is left strict: it raises ValueError on a missing key, and there is no count to make up.


class FailOpenRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = FailOpenClient
