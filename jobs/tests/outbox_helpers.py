"""Run what the outbox holds, in this process (eager tasks), as beat's relay would over time."""

from __future__ import annotations

from datetime import timedelta

from celery import current_app
from django.utils import timezone

from jobs.outbox import outbox_relay


def outbox_drain(*, ahead: timedelta = timedelta(hours=2), rounds: int = 20) -> int:
    """Relay (and so run, eagerly) every message due within ``ahead``, again until none is left; returns runs."""
    before = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True
    runs = 0
    try:
        for _ in range(rounds):
            published = outbox_relay(now=timezone.now() + ahead)
            if not published:
                break
            runs += published
    finally:
        current_app.conf.task_always_eager = before
    return runs
