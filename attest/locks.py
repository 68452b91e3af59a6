"""Single-flight locks in Redis, shared by every worker on every host."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

import redis
from django.conf import settings
from redis.exceptions import LockError

log = logging.getLogger(__name__)
_clients: dict[int, redis.Redis] = {}


def redis_client() -> redis.Redis:
    # One client per process: a forked Celery child must not share its parent's sockets.
    client = _clients.get(os.getpid())
    if client is None:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=5, socket_connect_timeout=2)
        _clients[os.getpid()] = client
    return client


@contextmanager
def single_flight(name: str, *, timeout: int) -> Iterator[bool]:
    """Yield True to the one caller holding the lock ``name``; every other caller gets False at once.

    ``timeout`` bounds how long a crashed holder can keep others out. With tasks running
    in-process (the demo without Redis) there is only one process, so no lock is needed.
    """
    # Scoped by database: a lock guards rows of one database, and several deployments (or test
    # runs) may share one Redis.
    scope = settings.DATABASES["default"]["NAME"]
    lock = redis_client().lock(f"attest:lock:{scope}:{name}", timeout=timeout, blocking=False)
    try:
        acquired = bool(lock.acquire())
    except redis.ConnectionError:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            yield True
            return
        raise
    try:
        yield acquired
    finally:
        if acquired:
            try:
                lock.release()
            except LockError:
                log.warning("lock %s expired before its holder finished (timeout %ss too short?)", name, timeout)
