"""Every Celery task: ids in, one workflow or service call, a count out.

Tasks take ids, are idempotent and retry only on transport errors. What a task sets off afterwards
(reconciling the coins it read, sending the notifications a run created) is wired in
``jobs/workflows.py``, so the same wiring serves pages, APIs and tasks; it is sent through the outbox
(``jobs/outbox.py``). Every task is declared with ``job(kind)``: soft and hard time limits of its kind
(``jobs/limits.py``) and the outbox consumer as its base (a duplicate delivery of a done message is skipped).
Messages are acknowledged late and rejected back to the queue when the worker process dies (settings).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from attest.locks import single_flight
from attest.models import Attestation, Stablecoin
from chain.ledger.index import CursorOrphaned, ledger_index_network
from chain.models import Network
from chain.rpc import RpcError, RpcTransportError
from jobs import workflows
from jobs.beat import OUTBOX_KEEP, UNSENT_AFTER_SECONDS
from jobs.limits import RETRY_BACKOFF_MAX, limits
from jobs.outbox import OutboxConsumer, outbox_purge, outbox_relay
from reserves.feeds.publisher import NoSigner
from reserves.models import Feed, NotificationDelivery
from reserves.notifications import delivery_attempt


def job(kind: str, **options: Any) -> Callable[[Callable[..., Any]], Any]:
    """``shared_task`` with the time limits of ``kind`` and the outbox consumer as base."""
    limit = limits(kind, settings.TASK_TIME_LIMIT_SCALE)
    decorate: Any = shared_task  # its stubs do not know the extra attribute ``limits_kind``
    return decorate(  # type: ignore[no-any-return]
        base=OutboxConsumer, soft_time_limit=limit.soft, time_limit=limit.hard, limits_kind=kind, **options
    )


logger = logging.getLogger(__name__)

# ---- chain: supply reads, the mint/burn ledger, reorgs ------------------------------------------


@job("fan_out")
def read_all_networks_task() -> int:
    """Beat's entry point: one read task per network, sent once the caller's transaction commits."""
    ids = list(Network.objects.values_list("pk", flat=True))
    return workflows.enqueue(read_network_task, [(pk,) for pk in ids])


# Only transport faults are worth retrying; a node's JSON-RPC error, a wrong chain id or two
# disagreeing nodes are not. The service records every failure on the network before raising.
@job(
    "read_network",
    autoretry_for=(RpcTransportError,),
    retry_backoff=2,
    retry_backoff_max=RETRY_BACKOFF_MAX,
    max_retries=3,
)
def read_network_task(network_id: int) -> int:
    # One reader per network at a time, across workers and hosts; a duplicate tick returns at once.
    # Running it twice is harmless: readings are unique per (deployment, block hash).
    with single_flight(f"read-network:{network_id}") as mine:
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


@job("fan_out")
def ledger_index_all_task() -> int:
    ids = list(Network.objects.filter(deployments__isnull=False).distinct().values_list("pk", flat=True))
    return workflows.enqueue(ledger_index_network_task, [(pk,) for pk in ids])


@job(
    "ledger_index",
    autoretry_for=(RpcTransportError,),
    retry_backoff=2,
    retry_backoff_max=RETRY_BACKOFF_MAX,
    max_retries=3,
)
def ledger_index_network_task(network_id: int) -> int:
    """Index the network's mint/burn ledger up to head; a cursor on an orphaned block is rewound first."""
    with single_flight(f"ledger-index:{network_id}") as mine:
        if not mine:
            return 0
        network = Network.objects.get(pk=network_id)
        try:
            return ledger_index_network(network=network)
        except CursorOrphaned:
            workflows.reorg_check(network=network)
            return ledger_index_network(network=network)


@job("fan_out")
def reorg_check_all_task() -> int:
    ids = list(Network.objects.values_list("pk", flat=True))
    return workflows.enqueue(reorg_check_network_task, [(pk,) for pk in ids])


@job(
    "reorg_check",
    autoretry_for=(RpcTransportError,),
    retry_backoff=2,
    retry_backoff_max=RETRY_BACKOFF_MAX,
    max_retries=3,
)
def reorg_check_network_task(network_id: int) -> int:
    """Confirm or orphan provisional rows, then check the ledger against newly confirmed readings."""
    with single_flight(f"reorg-check:{network_id}") as mine:
        if not mine:
            return 0
        network = Network.objects.get(pk=network_id)
        outcome = workflows.reorg_check(network=network)
        workflows.ledger_reconcile(network=network)
        return len(outcome.orphaned_readings)


# ---- reserves: reconciliation and notifications ---------------------------------------------------


@job(
    "reconcile", autoretry_for=(RpcTransportError,), retry_backoff=2, retry_backoff_max=RETRY_BACKOFF_MAX, max_retries=5
)
def attestation_reconcile_task(attestation_id: int) -> int:
    attestation = Attestation.objects.select_related("stablecoin").get(pk=attestation_id)
    return len(workflows.attestation_reconcile(attestation=attestation))


@job("reconcile")
def stablecoin_reconcile_task(stablecoin_id: int, trigger: str = "schedule") -> int:
    stablecoin = Stablecoin.objects.get(pk=stablecoin_id)
    return len(workflows.stablecoin_reconcile(stablecoin=stablecoin, trigger=trigger))


@job("fan_out")
def reconcile_all_task() -> int:
    """The schedule: every coin against the clock, which is what catches stale attestations and chain data."""
    ids = list(Stablecoin.objects.values_list("pk", flat=True))
    return workflows.enqueue(stablecoin_reconcile_task, [(pk, "schedule") for pk in ids])


@job("fan_out")
def feeds_publish_all_task() -> int:
    ids = list(Feed.objects.values_list("pk", flat=True))
    return workflows.enqueue(feed_publish_task, [(pk,) for pk in ids])


@job(
    "feed_publish",
    autoretry_for=(RpcTransportError,),
    retry_backoff=2,
    retry_backoff_max=RETRY_BACKOFF_MAX,
    max_retries=3,
)
def feed_publish_task(feed_id: int) -> int:
    """One feed: post a round if the reserves moved or the heartbeat is due; serialised on the feed's row."""
    try:
        return int(workflows.feed_publish(feed_id=feed_id))
    except NoSigner as exc:
        logger.warning("feed %s not posted: %s", feed_id, exc)
        return 0


@job("notify")
def notification_deliver_task(delivery_id: int) -> str:
    """One delivery; retried with exponential backoff only on transport errors and 5xx (see delivery_attempt).

    The retry is a new outbox message held back by the countdown (up to an hour), never a Celery countdown:
    a message held that long by a worker would outlive the broker's visibility timeout and run twice.
    """
    delivery = NotificationDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    final = delivery.attempts >= settings.NOTIFY_MAX_RETRIES
    outcome = delivery_attempt(delivery=delivery, final=final)
    if outcome == "retry":
        workflows.delivery_retry_later(delivery=delivery)
    return outcome


@job("fan_out")
def notifications_sweep_task() -> int:
    """The safety net: send deliveries never attempted a while after they were created (their enqueue was lost)."""
    return workflows.deliveries_send(created_before=timezone.now() - timedelta(seconds=UNSENT_AFTER_SECONDS))


# ---- the outbox -----------------------------------------------------------------------------------


@job("outbox")
def outbox_relay_task() -> int:
    """Beat's relay: every message due (never sent, held back until now, or sent and not done in time)."""
    return outbox_relay()


@job("fan_out")
def outbox_purge_task() -> int:
    return outbox_purge(older_than=OUTBOX_KEEP)
