"""Workflows: a domain service call, then the work it sets off, enqueued once the caller's transaction commits.

Each follow-up is written here once, and every entry point (issuer pages, issuer API, tasks, commands,
demo data) goes through the same function:

- ``attestation_submit``: submit (``attest.services``), then on commit ``attestation_reconcile_task``.
- ``supply_read``: read a network's supply, then on commit ``stablecoin_reconcile_task`` per coin read.
- ``reorg_check``: confirm or orphan provisional rows, reconcile the coins whose readings were orphaned
  (even if the re-read fails), then re-read the network (``supply_read``).
- ``ledger_reconcile``: check the ledger; a mismatch has its coin reconciled at once (rule R18).
- ``stablecoin_reconcile`` / ``attestation_reconcile`` / ``flag_resolve_manually``: the service, then
  on commit ``notification_deliver_task`` for every flag delivery not yet attempted (``deliveries_send``).
- ``attestation_review`` / ``flag_acknowledge`` / ``flag_resolve_manually``: the regulator's decision, then
  on commit the coin is judged again, so its publication says what the regulator decided.
- ``feed_publish``: post a coin's reserves to its on-chain feed if due, then refresh the coin's API
  answer so it names the new round.
- ``supply_read_failed``: a network's read failed; its coins are judged again, so their publications
  turn degraded at once (docs/publications.md).

Domain services never enqueue work: they return what the follow-up needs (ids, checks, outcomes).
Every follow-up goes through ``enqueue``: a row in the transactional outbox (``jobs/outbox.py``), written in
the caller's transaction and relayed to Celery once it commits, so a commit never loses the work it implies,
even with the broker down.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from celery import Task
from django.db import transaction

from attest import review
from attest import services as attest_services
from attest.confirmations import BalanceInput, confirmation_record
from attest.models import Attestation, CustodianConfirmation, Stablecoin
from attest.redemptions import RedemptionInput, redemptions_record
from attest.services import User
from chain.ledger.checks import ledger_reconcile_network
from chain.models import Network
from chain.reorg import ReorgOutcome, reorg_check_network
from chain.services import stablecoin_ids_of, supply_read_all
from jobs import tasks
from jobs.outbox import outbox_enqueue
from reserves import flags
from reserves import services as reserves_services
from reserves.documents import coin_document_refresh
from reserves.feeds.publisher import feed_publish as feed_post
from reserves.feeds.publisher import feed_signer
from reserves.models import Feed, Flag, NotificationDelivery, ReconciliationRun
from reserves.notifications import deliveries_unsent, retry_countdown
from reserves.selectors import attestations_pinned_on


def enqueue(task: Task, calls: Iterable[Sequence[Any]], *, delay: float = 0) -> int:  # type: ignore[type-arg]
    """Run ``task`` once per argument tuple after the caller's transaction commits (at once outside one).

    Written to the outbox in the caller's transaction; relayed to Celery on commit, or later if the broker
    is down. ``delay`` holds the messages back that many seconds. Returns the number of calls.
    """
    return outbox_enqueue(task.name, calls, delay=delay)


def reconcile_on_commit(*, stablecoin_ids: Iterable[int], trigger: str) -> None:
    """Judge each coin again once the caller's transaction commits (at once outside a transaction)."""
    enqueue(tasks.stablecoin_reconcile_task, [(pk, trigger) for pk in stablecoin_ids])


def deliveries_send(*, stablecoin_id: int | None = None, created_before: datetime | None = None) -> int:
    """Enqueue every flag delivery never attempted (of one coin, or all); idempotent, see ``deliveries_unsent``."""
    ids = deliveries_unsent(stablecoin_id=stablecoin_id, created_before=created_before)
    return enqueue(tasks.notification_deliver_task, [(pk,) for pk in ids])


def deliveries_send_on_commit(*, stablecoin_id: int) -> None:
    """Send the coin's new flag deliveries once the rows that created them are committed."""
    transaction.on_commit(lambda: deliveries_send(stablecoin_id=stablecoin_id))


def delivery_retry_later(*, delivery: NotificationDelivery) -> None:
    """Try the delivery again after its backoff (NOTIFY_RETRY_BACKOFF x 2^tries so far, at most an hour)."""
    enqueue(tasks.notification_deliver_task, [(delivery.pk,)], delay=retry_countdown(max(0, delivery.attempts - 1)))


def attestation_submit(*, user: User, attestation: Attestation) -> Attestation:
    """Draft -> submitted, then (on commit) the attestation against supply pinned at its as-of instant.

    The follow-up is an outbox row in the submit's own transaction: if the broker is down the issuer still
    sees success, and the pinned run happens once the relay reaches the broker again.
    """
    with transaction.atomic():
        submitted = attest_services.attestation_submit(user=user, attestation=attestation)
        enqueue(tasks.attestation_reconcile_task, [(submitted.pk,)])
    return submitted


def redemptions_report(*, user: User, stablecoin: Stablecoin, rows: Sequence[RedemptionInput]) -> dict[str, int]:
    """Record a batch of redemptions, then judge the coin again (R28-R30, R13) once it commits."""
    with transaction.atomic():
        counts = redemptions_record(user=user, stablecoin=stablecoin, rows=rows)
        reconcile_on_commit(stablecoin_ids=[stablecoin.pk], trigger="report")
    return counts


def confirmation_submit(
    *, user: User, stablecoin: Stablecoin, cut_off: datetime, balances: Sequence[BalanceInput], signature: str = ""
) -> CustodianConfirmation:
    """Store a custodian's confirmation, then judge the coin again (R19) once it commits."""
    with transaction.atomic():
        confirmation = confirmation_record(
            user=user, stablecoin=stablecoin, cut_off=cut_off, balances=balances, signature=signature
        )
        reconcile_on_commit(stablecoin_ids=[stablecoin.pk], trigger="report")
    return confirmation


def attestation_reconcile(*, attestation: Attestation) -> list[ReconciliationRun]:
    runs = reserves_services.attestation_reconcile(attestation=attestation)
    deliveries_send_on_commit(stablecoin_id=attestation.stablecoin_id)
    return runs


def stablecoin_reconcile(
    *, stablecoin: Stablecoin, trigger: str, now: datetime | None = None
) -> list[ReconciliationRun]:
    runs = reserves_services.stablecoin_reconcile(stablecoin=stablecoin, trigger=trigger, now=now)
    deliveries_send_on_commit(stablecoin_id=stablecoin.pk)
    return runs


def attestation_review(*, user: User, attestation: Attestation, decision: str, comment: str = "") -> Attestation:
    """A regulator decides; the coin's publication then says so (accepted, under review, rejected)."""
    with transaction.atomic():
        decided = review.attestation_review(user=user, attestation=attestation, decision=decision, comment=comment)
        reconcile_on_commit(stablecoin_ids=[decided.stablecoin_id], trigger="manual")
    return decided


def flag_acknowledge(*, flag: Flag, user: User, note: str) -> Flag:
    """A regulator acknowledges a flag; the coin's publication lists it as acknowledged."""
    with transaction.atomic():
        acknowledged = flags.flag_acknowledge(flag=flag, user=user, note=note)
        reconcile_on_commit(stablecoin_ids=[acknowledged.stablecoin_id], trigger="manual")
    return acknowledged


def flag_resolve_manually(*, flag: Flag, user: User, reason: str) -> Flag:
    """A regulator resolves a flag; receivers hear of it, and the publication drops it, once committed."""
    with transaction.atomic():
        resolved = flags.flag_resolve_manually(flag=flag, user=user, reason=reason)
        deliveries_send_on_commit(stablecoin_id=resolved.stablecoin_id)
        reconcile_on_commit(stablecoin_ids=[resolved.stablecoin_id], trigger="manual")
    return resolved


def supply_read_failed(*, network: Network) -> None:
    """A network's read failed: its coins are judged again, so their publications turn degraded now
    rather than at the next scheduled reconciliation (their old figures are never shown as fresh)."""
    reconcile_on_commit(
        stablecoin_ids=Stablecoin.objects.filter(deployments__network=network).values_list("pk", flat=True).distinct(),
        trigger="supply",
    )


def supply_read(*, network: Network) -> int:
    """Read every deployment of the network at its finalised head, then reconcile the coins read."""
    readings = supply_read_all(network=network)
    reconcile_on_commit(stablecoin_ids=stablecoin_ids_of(readings), trigger="supply")
    return len(readings)


def reorg_check(*, network: Network) -> ReorgOutcome:
    """Confirm or orphan the network's provisional rows; after a reorg, reconcile and re-read.

    Steps: ``reorg_check_network``; the coins whose readings were orphaned are judged again on commit
    from their remaining readings, before the re-read, so the latest run never keeps standing on an
    orphaned block even if the re-read fails; every attestation whose as-of runs stood on an orphaned
    reading is reconciled again (supply pinned at its as-of instant anew, on the canonical chain); then
    the network is read again at the new head.
    """
    outcome = reorg_check_network(network=network)
    reconcile_on_commit(stablecoin_ids=outcome.stablecoin_ids, trigger="supply")
    enqueue(
        tasks.attestation_reconcile_task,
        [(pk,) for pk in attestations_pinned_on(reading_ids=outcome.orphaned_readings)],
    )
    if outcome.orphaned_readings:
        outcome.reread = supply_read(network=network)
    return outcome


def ledger_reconcile(*, network: Network) -> int:
    """Check the ledger against supply changes; a mismatch (R18) has its coin reconciled at once. Returns checks."""
    checks = ledger_reconcile_network(network=network)
    mismatched = sorted({c.deployment.stablecoin_id for c in checks if not c.matched})
    reconcile_on_commit(stablecoin_ids=mismatched, trigger="supply")
    return len(checks)


def feed_publish(*, feed_id: int) -> bool:
    """Post the feed's next round if it is due (reserves/feeds/publisher.py); True when one was posted."""
    posted = feed_post(feed_id=feed_id, signer=feed_signer())
    if posted is None:
        return False
    coin_document_refresh(stablecoin=Feed.objects.select_related("stablecoin").get(pk=feed_id).stablecoin)
    return True
