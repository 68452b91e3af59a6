"""Celery interface of `reserves`: ids in, one service call, a count out."""

from __future__ import annotations

from celery import shared_task

from attest.models import Attestation, Stablecoin
from chain.rpc import RpcTransportError
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
    ids = list(Stablecoin.objects.values_list("pk", flat=True))
    for pk in ids:
        stablecoin_reconcile_task.delay(pk, "schedule")
    return len(ids)
