"""The transactional outbox: work a committed change implies, recorded in the same transaction as the change.

A workflow writes one ``OutboxMessage`` per task it sets off, inside the transaction of the state change, so
the change and the work it implies commit (or roll back) together; the broker being down loses neither.
``jobs/outbox.py`` relays rows to Celery (at once on commit, and from beat every ``OUTBOX_RELAY_INTERVAL``)
and the consumer marks a row done, so a row is worked until one run of its task finishes.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone


class OutboxMessage(models.Model):
    task = models.CharField(max_length=200, help_text="the Celery task's name, jobs.tasks.*")
    args = models.JSONField(default=list, help_text="its positional arguments (ids and short strings)")
    dedupe_key = models.CharField(
        max_length=300, help_text="task and arguments: a second unsent message with the same key is not written"
    )
    created_at = models.DateTimeField(default=timezone.now)
    not_before = models.DateTimeField(default=timezone.now, help_text="not relayed before this (retry countdowns)")
    sent_at = models.DateTimeField(null=True, blank=True, help_text="last handed to the broker")
    redeliver_at = models.DateTimeField(
        null=True, blank=True, help_text="sent again if not done by then (the task's hard limit plus a grace)"
    )
    sends = models.PositiveIntegerField(default=0)
    done_at = models.DateTimeField(null=True, blank=True, help_text="a run of the task finished (or gave up)")
    error = models.TextField(blank=True, help_text="why the task gave up, if it did")

    class Meta:
        constraints = [
            # Coalescing: while a message waits unsent, the same work is not queued twice. Once it is sent,
            # a new change may queue the work again (the running task may have read the state before it).
            models.UniqueConstraint(
                fields=["dedupe_key"], condition=Q(sent_at__isnull=True), name="outbox_one_unsent_per_key"
            ),
        ]
        indexes = [
            models.Index(fields=["not_before"], condition=Q(done_at__isnull=True), name="outbox_pending"),
            models.Index(fields=["done_at"], condition=Q(done_at__isnull=False), name="outbox_done"),
        ]

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)} #{self.pk}"
