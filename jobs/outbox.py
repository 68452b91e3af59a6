"""The outbox (``jobs/models.py``): write in the caller's transaction, relay to Celery, mark done once run.

- ``outbox_enqueue`` writes the rows in the caller's transaction and, once it commits, tries to relay them
  at once. If the broker is down the caller does not notice: the rows wait, and beat's
  ``outbox_relay_task`` (every ``OUTBOX_RELAY_INTERVAL``) or the next commit relays them when it is back.
- ``outbox_relay`` claims due rows (``SELECT ... FOR UPDATE SKIP LOCKED``, so relays on several hosts share
  the work), marks them sent and commits, then publishes. A row whose task has not finished by its
  ``redeliver_at`` (the task's hard time limit plus a grace: ``jobs/limits.py``) is due again: that is what
  brings back the work of a worker killed mid-task, without waiting for the broker's visibility timeout.
- The consumer (``OutboxConsumer``, the base of every task) learns its row from the task id ``outbox-<id>``,
  skips a row already done (a duplicate delivery) and marks it done when the run finishes. Tasks are
  idempotent besides, so the rare second run (killed after its commit, before the mark) changes nothing.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

import redis
from celery import Task, current_app
from celery.exceptions import Retry, SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from attest.locks import redis_client
from jobs.limits import redeliver_after
from jobs.models import OutboxMessage

log = logging.getLogger(__name__)

TASK_ID_PREFIX = "outbox-"
# A message sent this many times without its task ever finishing is given up on (and logged as an error):
# a task that kills its worker every time must not do so forever.
MAX_SENDS = 5
RELAY_BATCH = 500


def _key(task: str, args: Sequence[Any]) -> str:
    return f"{task}:{json.dumps(list(args), separators=(',', ':'), default=str)}"[:300]


def outbox_enqueue(task: str, calls: Iterable[Sequence[Any]], *, delay: float = 0) -> int:
    """Record one message per argument tuple of ``task`` in the current transaction; relay them once it commits.

    ``delay`` seconds hold the messages back (a retry's countdown). The same task with the same arguments
    already waiting unsent is not written twice. Returns the number of calls asked for.
    """
    now = timezone.now()
    rows = [
        OutboxMessage(
            task=task,
            args=list(args),
            dedupe_key=_key(task, args),
            created_at=now,
            not_before=now + timedelta(seconds=delay),
        )
        for args in calls
    ]
    if not rows:
        return 0
    OutboxMessage.objects.bulk_create(rows, ignore_conflicts=True)
    if delay <= 0:
        keys = [row.dedupe_key for row in rows]
        transaction.on_commit(lambda: outbox_relay(keys=keys))
    return len(rows)


def _due(now: datetime) -> Q:
    return Q(done_at__isnull=True) & (Q(sent_at__isnull=True, not_before__lte=now) | Q(redeliver_at__lte=now))


def _kind(task_name: str) -> str:
    task = current_app.tasks.get(task_name)
    return str(getattr(task, "limits_kind", "reconcile"))


def _claim(*, keys: list[str] | None, now: datetime, limit: int) -> list[OutboxMessage]:
    scale = settings.TASK_TIME_LIMIT_SCALE
    with transaction.atomic():
        due = OutboxMessage.objects.filter(_due(now))
        if keys is not None:
            due = due.filter(dedupe_key__in=keys)
        rows = list(due.select_for_update(skip_locked=True).order_by("pk")[:limit])
        for row in rows:
            row.sent_at = now
            row.redeliver_at = now + timedelta(seconds=redeliver_after(_kind(row.task), scale))
            row.sends += 1
        OutboxMessage.objects.bulk_update(rows, ["sent_at", "redeliver_at", "sends"])
    return rows


def _broker_reachable() -> bool:
    """One quick PING of the broker (Redis) before publishing: Celery's own connection attempts to a broker
    that refuses take seconds, which a web request (an issuer's submit) must not wait through."""
    try:
        return bool(redis_client().ping())
    except redis.RedisError as exc:
        log.warning("outbox: broker unreachable (%s); the messages wait in the outbox for the next relay", exc)
        return False


def outbox_relay(*, keys: list[str] | None = None, now: datetime | None = None, limit: int = RELAY_BATCH) -> int:
    """Hand due messages (all, or those with ``keys``) to the broker; returns how many were published.

    Never raises for a broker that cannot be reached: it logs, and the messages stay due for the next relay.
    """
    if not current_app.conf.task_always_eager and not _broker_reachable():
        return 0
    rows = _claim(keys=keys, now=now or timezone.now(), limit=limit)
    published = 0
    for index, row in enumerate(rows):
        if row.sends > MAX_SENDS:
            log.error("outbox: %s was sent %d times and never finished; giving up", row, row.sends - 1)
            OutboxMessage.objects.filter(pk=row.pk).update(
                done_at=timezone.now(), error=f"never finished after {row.sends - 1} sends"
            )
            continue
        task = current_app.tasks[row.task]
        if current_app.conf.task_always_eager:
            # In-process (no broker): the task runs here; its errors are the caller's, as with .delay().
            task.apply_async(args=row.args, task_id=f"{TASK_ID_PREFIX}{row.pk}")
            published += 1
            continue
        try:
            task.apply_async(args=row.args, task_id=f"{TASK_ID_PREFIX}{row.pk}", retry=False)
        except Exception as exc:  # kombu/redis raise several unrelated types for "broker unreachable"
            unsent = [r.pk for r in rows[index:]]
            log.warning(
                "outbox: broker unreachable (%s: %s); %d message(s) stay in the outbox for the next relay",
                type(exc).__name__,
                exc,
                len(unsent),
            )
            # Due again at once, and this send not counted; sent_at stays set so a newer unsent row for
            # the same work (coalescing) cannot collide with it.
            OutboxMessage.objects.filter(pk__in=unsent).update(redeliver_at=timezone.now(), sends=F("sends") - 1)
            break
        published += 1
    return published


def outbox_latest(task: str, args: Sequence[Any]) -> OutboxMessage | None:
    """The newest message for this work (``task`` with ``args``), if the outbox still holds one: whether it waits,
    is out, is done, or gave up and why. Done messages are purged after a day; those that gave up stay."""
    return OutboxMessage.objects.filter(dedupe_key=_key(task, args)).order_by("-pk").first()


def outbox_retry(ids: Iterable[int]) -> int:
    """Make messages that gave up (done with an error) due again, their sends counted afresh; returns how many.

    For an operator, once the cause is fixed (the admin's "send again"): the next relay sends them. Tasks are
    idempotent, so work that has been done since by other means is not done twice.
    """
    given_up = OutboxMessage.objects.filter(pk__in=list(ids), done_at__isnull=False, sent_at__isnull=False)
    return given_up.exclude(error="").update(done_at=None, error="", redeliver_at=timezone.now(), sends=0)


def outbox_purge(*, older_than: timedelta) -> int:
    """Delete messages done longer ago than ``older_than``; returns how many. Those that gave up stay, with
    their error, until an operator sends them again (``outbox_retry``) or deletes them."""
    old = OutboxMessage.objects.filter(done_at__lt=timezone.now() - older_than, error="")
    deleted, _ = old.delete()
    return deleted


def _outbox_id(task_id: str | None) -> int | None:
    if not task_id or not task_id.startswith(TASK_ID_PREFIX):
        return None
    try:
        return int(task_id.removeprefix(TASK_ID_PREFIX))
    except ValueError:
        return None


class OutboxConsumer(Task):  # type: ignore[type-arg]
    """Base of every task: a delivery of an outbox row already done is skipped; a finished run marks it done.

    A retry (``Retry``) or a run stopped by its soft time limit leaves the row pending, so the outbox sends it
    again after its deadline; any other error gives the row up (marked done with the error) after logging it.
    """

    limits_kind = "reconcile"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        pk = _outbox_id(self.request.id)
        if pk is not None and OutboxMessage.objects.filter(pk=pk, done_at__isnull=False).exists():
            log.info("outbox: %s #%d already done; this delivery is a duplicate", self.name, pk)
            return None
        try:
            result = super().__call__(*args, **kwargs)
        except (Retry, SoftTimeLimitExceeded):
            raise
        except Exception as exc:
            if pk is not None:
                OutboxMessage.objects.filter(pk=pk, done_at__isnull=True).update(
                    done_at=timezone.now(), error=f"{type(exc).__name__}: {exc}"[:2000]
                )
            raise
        if pk is not None:
            OutboxMessage.objects.filter(pk=pk, done_at__isnull=True).update(done_at=timezone.now())
        return result
