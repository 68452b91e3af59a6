"""Celery interface of `chain`: ids in, one service call, a count out."""

from __future__ import annotations

from celery import shared_task
from django.db import transaction

from attest.locks import single_flight
from chain.ledger import CursorOrphaned, ledger_index_network, ledger_reconcile_network
from chain.models import Network
from chain.reorg import reorg_check_network
from chain.rpc import RpcTransportError
from chain.services import supply_read_all


@shared_task
def read_all_networks_task() -> int:
    """Beat's entry point: one read task per network, sent once the caller's transaction commits."""
    ids = list(Network.objects.values_list("pk", flat=True))
    for pk in ids:
        transaction.on_commit(lambda pk=pk: read_network_task.delay(pk))  # type: ignore[misc]
    return len(ids)


# Only transport faults are worth retrying; a node's JSON-RPC error, a wrong chain id or two
# disagreeing nodes are not. The service records every failure on the network before raising.
@shared_task(autoretry_for=(RpcTransportError,), retry_backoff=2, retry_backoff_max=60, max_retries=3)
def read_network_task(network_id: int) -> int:
    # One reader per network at a time, across workers and hosts; a duplicate tick returns at once.
    # Running it twice is harmless: readings are unique per (deployment, block hash).
    with single_flight(f"read-network:{network_id}", timeout=120) as mine:
        if not mine:
            return 0
        network = Network.objects.filter(pk=network_id).first()
        if network is None:
            return 0  # deleted since the tick
        return supply_read_all(network=network)


@shared_task
def ledger_index_all_task() -> int:
    ids = list(Network.objects.filter(deployments__isnull=False).distinct().values_list("pk", flat=True))
    for pk in ids:
        ledger_index_network_task.delay(pk)
    return len(ids)


@shared_task(autoretry_for=(RpcTransportError,), retry_backoff=2, retry_backoff_max=60, max_retries=3)
def ledger_index_network_task(network_id: int) -> int:
    """Index the network's mint/burn ledger up to head; a cursor on an orphaned block is rewound first."""
    with single_flight(f"ledger-index:{network_id}", timeout=600) as mine:
        if not mine:
            return 0
        network = Network.objects.get(pk=network_id)
        try:
            return ledger_index_network(network=network)
        except CursorOrphaned:
            reorg_check_network(network=network)
            return ledger_index_network(network=network)


@shared_task
def reorg_check_all_task() -> int:
    ids = list(Network.objects.values_list("pk", flat=True))
    for pk in ids:
        reorg_check_network_task.delay(pk)
    return len(ids)


@shared_task(autoretry_for=(RpcTransportError,), retry_backoff=2, retry_backoff_max=60, max_retries=3)
def reorg_check_network_task(network_id: int) -> int:
    """Confirm or orphan provisional rows, then check the ledger against newly confirmed readings."""
    with single_flight(f"reorg-check:{network_id}", timeout=300) as mine:
        if not mine:
            return 0
        network = Network.objects.get(pk=network_id)
        outcome = reorg_check_network(network=network)
        ledger_reconcile_network(network=network)
        return len(outcome.orphaned_readings)
