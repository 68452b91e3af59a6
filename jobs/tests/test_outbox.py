"""The transactional outbox: rows commit or roll back with the change, coalesce, are re-sent, done once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from celery import current_app
from django.db import transaction
from django.utils import timezone

from jobs import workflows
from jobs.models import OutboxMessage
from jobs.outbox import MAX_SENDS, outbox_relay
from jobs.tasks import stablecoin_reconcile_task
from jobs.tests.outbox_helpers import outbox_drain
from reserves.models import ReconciliationRun
from reserves.tests.pagedata import coin_with_runs

pytestmark = pytest.mark.django_db


@pytest.fixture
def coin():
    return coin_with_runs("OBX", reserves="100", tokens=100, runs=1).coin


def test_a_rolled_back_change_leaves_no_message_and_a_committed_one_leaves_one(coin):
    with pytest.raises(RuntimeError), transaction.atomic():
        workflows.reconcile_on_commit(stablecoin_ids=[coin.pk], trigger="manual")
        raise RuntimeError("the change fails")
    assert not OutboxMessage.objects.exists()
    workflows.reconcile_on_commit(stablecoin_ids=[coin.pk], trigger="manual")
    [message] = OutboxMessage.objects.all()
    assert (message.task, message.args) == (stablecoin_reconcile_task.name, [coin.pk, "manual"])


def test_the_same_work_waiting_unsent_is_written_once(coin):
    for _ in range(3):
        workflows.reconcile_on_commit(stablecoin_ids=[coin.pk], trigger="supply")
    assert OutboxMessage.objects.count() == 1


def test_a_message_runs_once_and_a_duplicate_delivery_is_skipped(coin):
    workflows.reconcile_on_commit(stablecoin_ids=[coin.pk], trigger="manual")
    runs = ReconciliationRun.objects.count()
    assert outbox_drain() == 1
    message = OutboxMessage.objects.get()
    assert message.done_at is not None and message.sends == 1
    made = ReconciliationRun.objects.count() - runs
    # The broker hands the same message out again (a visibility timeout, a restored message): nothing runs.
    result = stablecoin_reconcile_task.apply(args=(coin.pk, "manual"), task_id=f"outbox-{message.pk}")
    assert result.result is None
    assert ReconciliationRun.objects.count() - runs == made


def test_a_message_sent_and_not_done_by_its_deadline_is_sent_again_then_given_up(coin):
    workflows.reconcile_on_commit(stablecoin_ids=[coin.pk], trigger="manual")
    message = OutboxMessage.objects.get()
    past = timezone.now() - timedelta(seconds=1)
    # Sent, and its worker died: not done by its deadline.
    OutboxMessage.objects.filter(pk=message.pk).update(sent_at=past, redeliver_at=past, sends=1)
    current_app.conf.task_always_eager, before = True, current_app.conf.task_always_eager
    try:
        assert outbox_relay() == 1
    finally:
        current_app.conf.task_always_eager = before
    message.refresh_from_db()
    assert message.done_at is not None and message.sends == 2
    # A message that never finishes, however often it is sent, is given up on with a reason.
    OutboxMessage.objects.filter(pk=message.pk).update(done_at=None, redeliver_at=past, sends=MAX_SENDS)
    assert outbox_relay() == 0
    message.refresh_from_db()
    assert message.done_at is not None and "never finished" in message.error


def test_a_held_back_message_waits_for_its_time(coin):
    workflows.enqueue(stablecoin_reconcile_task, [(coin.pk, "manual")], delay=60)
    assert outbox_relay() == 0
    assert outbox_drain(ahead=timedelta(seconds=61)) == 1
