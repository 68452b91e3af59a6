"""Every Celery task: ids in, one workflow or service call, a count out.

Tasks take ids, are idempotent and retry only on transport errors. What a task sets off afterwards
(reconciling the coins it read, sending the notifications a run created) is wired in
``jobs/workflows.py``, so the same wiring serves pages, APIs and tasks.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import Task, shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from attest.locks import single_flight
from attest.models import Attestation, Stablecoin
from chain.ledger.index import CursorOrphaned, ledger_index_network
from chain.models import Network
from chain.rpc import RpcError, RpcTransportError
from jobs import workflows
from jobs.beat import UNSENT_AFTER_SECONDS
from reserves.feeds.publisher import NoSigner
from reserves.models import Feed, NotificationDelivery
from reserves.notifications import delivery_attempt, retry_countdown

logger = logging.getLogger(__name__)

# ---- chain: supply reads, the mint/burn ledger, reorgs ------------------------------------------


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
        try:
            return workflows.supply_read(network=network)
        except RpcError:
            workflows.supply_read_failed(network=network)
            raise


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
            workflows.reorg_check(network=network)
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
        outcome = workflows.reorg_check(network=network)
        workflows.ledger_reconcile(network=network)
        return len(outcome.orphaned_readings)


# ---- reserves: reconciliation and notifications ---------------------------------------------------


@shared_task(autoretry_for=(RpcTransportError,), retry_backoff=2, retry_backoff_max=60, max_retries=5)
def attestation_reconcile_task(attestation_id: int) -> int:
    attestation = Attestation.objects.select_related("stablecoin").get(pk=attestation_id)
    return len(workflows.attestation_reconcile(attestation=attestation))


@shared_task
def stablecoin_reconcile_task(stablecoin_id: int, trigger: str = "schedule") -> int:
    stablecoin = Stablecoin.objects.get(pk=stablecoin_id)
    return len(workflows.stablecoin_reconcile(stablecoin=stablecoin, trigger=trigger))


@shared_task
def reconcile_all_task() -> int:
    """The schedule: every coin against the clock, which is what catches stale attestations and chain data."""
    ids = list(Stablecoin.objects.values_list("pk", flat=True))
    for pk in ids:
        stablecoin_reconcile_task.delay(pk, "schedule")
    return len(ids)


@shared_task
def feeds_publish_all_task() -> int:
    ids = list(Feed.objects.values_list("pk", flat=True))
    for pk in ids:
        feed_publish_task.delay(pk)
    return len(ids)


@shared_task(autoretry_for=(RpcTransportError,), retry_backoff=2, retry_backoff_max=60, max_retries=3)
def feed_publish_task(feed_id: int) -> int:
    """One feed: post a round if the reserves moved or the heartbeat is due; serialised on the feed's row."""
    try:
        return int(workflows.feed_publish(feed_id=feed_id))
    except NoSigner as exc:
        logger.warning("feed %s not posted: %s", feed_id, exc)
        return 0


@shared_task(bind=True, max_retries=None)
def notification_deliver_task(self: Task, delivery_id: int) -> str:  # type: ignore[type-arg]
    """One delivery; retried with exponential backoff only on transport errors and 5xx (see delivery_attempt)."""
    delivery = NotificationDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    final = self.request.retries >= settings.NOTIFY_MAX_RETRIES
    outcome = delivery_attempt(delivery=delivery, final=final)
    if outcome == "retry":
        raise self.retry(countdown=retry_countdown(self.request.retries))
    return outcome


@shared_task
def notifications_sweep_task() -> int:
    """The safety net: send deliveries never attempted a while after they were created (their enqueue was lost)."""
    return workflows.deliveries_send(created_before=timezone.now() - timedelta(seconds=UNSENT_AFTER_SECONDS))
