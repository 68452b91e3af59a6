"""Celery interface of `chain`: ids in, one service call, a count out."""

from __future__ import annotations

from celery import shared_task

from attest.locks import single_flight
from chain.models import Network
from chain.rpc import RpcTransportError
from chain.services import supply_read_all


@shared_task
def read_all_networks_task() -> int:
    ids = list(Network.objects.values_list("pk", flat=True))
    for pk in ids:
        read_network_task.delay(pk)
    return len(ids)


# Only transport faults are worth retrying; a node's JSON-RPC error or a wrong chain id is not.
@shared_task(autoretry_for=(RpcTransportError,), retry_backoff=2, retry_backoff_max=60, max_retries=3)
def read_network_task(network_id: int) -> int:
    with single_flight(f"read-network:{network_id}", timeout=120) as mine:
        if not mine:
            return 0  # another worker is reading this network right now
        network = Network.objects.get(pk=network_id)
        return supply_read_all(network=network)
