"""Single-flight locks in Redis, shared by every worker on every host, held as short renewed leases.

A lock lasts ``LOCK_LEASE_SECONDS`` unless renewed; while its holder works, a thread renews it every third
of that. A holder that dies (``kill -9``, a lost host) stops renewing, so the others can take the work over
within one lease, however long the work itself takes. The lock's value names its holder (host, process), so
an operator can see who holds what: ``GET <prefix>attest:lock:<database>:<name>``.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import redis
from django.conf import settings
from redis.exceptions import LockError, LockNotOwnedError

log = logging.getLogger(__name__)
_clients: dict[int, redis.Redis] = {}


def redis_client() -> redis.Redis:
    # One client per process: a forked Celery child must not share its parent's sockets.
    client = _clients.get(os.getpid())
    if client is None:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=5, socket_connect_timeout=2)
        _clients[os.getpid()] = client
    return client


def lock_key(name: str) -> str:
    # Scoped by database: a lock guards rows of one database, and several deployments (or test
    # runs) may share one Redis.
    scope = settings.DATABASES["default"]["NAME"]
    return f"{settings.REDIS_KEY_PREFIX}attest:lock:{scope}:{name}"


def _renew(lock: redis.lock.Lock, name: str, every: float, stop: threading.Event) -> None:
    while not stop.wait(every):
        try:
            lock.reacquire()
        except LockNotOwnedError:
            log.error("lock %s: lease lost before its holder finished (expired while Redis was unreachable?)", name)
            return
        except redis.RedisError as exc:
            log.warning("lock %s: renewing the lease failed (%s); trying again", name, exc)


@contextmanager
def single_flight(name: str, *, lease: float | None = None) -> Iterator[bool]:
    """Yield True to the one caller holding the lock ``name``; every other caller gets False at once.

    The lease (``LOCK_LEASE_SECONDS`` by default) is renewed while the body runs. With tasks running
    in-process (the demo without Redis) there is only one process, so no lock is needed.
    """
    seconds = float(lease if lease is not None else settings.LOCK_LEASE_SECONDS)
    lock = redis_client().lock(lock_key(name), timeout=seconds, blocking=False)
    token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex}"
    try:
        acquired = bool(lock.acquire(token=token))
    except redis.ConnectionError:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            yield True
            return
        raise
    if not acquired:
        yield False
        return
    stop = threading.Event()
    renewer = threading.Thread(target=_renew, args=(lock, name, seconds / 3, stop), name=f"lease:{name}", daemon=True)
    renewer.start()
    try:
        yield True
    finally:
        stop.set()
        renewer.join()
        try:
            lock.release()
        except LockError:
            log.warning("lock %s: the lease had expired before its holder finished", name)
