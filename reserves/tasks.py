"""Celery interface of `reserves`: ids in, one service call, a count out."""

from __future__ import annotations

from celery import Task, shared_task
from django.conf import settings

from attest.models import Attestation, Stablecoin
from chain.rpc import RpcTransportError
from reserves.models import NotificationDelivery
from reserves.notifications import delivery_attempt, retry_countdown
from reserves.services import attestation_reconcile, stablecoin_reconcile


@shared_task(autoretry_for=(RpcTransportError,), retry_backoff=2, retry_backoff_max=60, max_retries=5)
def attestation_reconcile_task(attestation_id: int) -> int:
    attestation = Attestation.objects.select_related("stablecoin").get(pk=attestation_id)
    return len(attestation_reconcile(attestation=attestation))


@shared_task
def stablecoin_reconcile_task(stablecoin_id: int, trigger: str = "schedule") -> int:
    stablecoin = Stablecoin.objects.get(pk=stablecoin_id)
    return len(stablecoin_reconcile(stablecoin=stablecoin, trigger=trigger))


@shared_task
def reconcile_all_task() -> int:
    """The schedule: every coin against the clock, which is what catches stale attestations and chain data."""
    ids = list(Stablecoin.objects.values_list("pk", flat=True))
    for pk in ids:
        stablecoin_reconcile_task.delay(pk, "schedule")
    return len(ids)


@shared_task(bind=True, max_retries=None)
def notification_deliver_task(self: Task, delivery_id: int) -> str:  # type: ignore[type-arg]
    """One delivery; retried with exponential backoff only on transport errors and 5xx (see delivery_attempt)."""
    delivery = NotificationDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    final = self.request.retries >= settings.NOTIFY_MAX_RETRIES
    outcome = delivery_attempt(delivery=delivery, final=final)
    if outcome == "retry":
        raise self.retry(countdown=retry_countdown(self.request.retries))
    return outcome
