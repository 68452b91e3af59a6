"""The outbox in the admin: a message that gave up is listed with its error, kept, and can be sent again."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from jobs import workflows
from jobs.beat import OUTBOX_KEEP
from jobs.models import OutboxMessage
from jobs.outbox import outbox_purge
from jobs.tests.outbox_helpers import outbox_drain
from reserves.tests.pagedata import coin_with_runs

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/jobs/outboxmessage/"


@pytest.fixture
def staff() -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("root", "root@example.test", "x"))
    return client


def _listed(staff: Client, state: str) -> tuple[list[int], bool]:
    """The ids the changelist shows in ``state``, and whether the error text is on the page."""
    page = staff.get(CHANGELIST, {"state": state}).content.decode()
    ids = [int(pk) for pk in re.findall(r'name="_selected_action" value="(\d+)"', page)]
    return sorted(ids), "no contract there" in page


def test_a_message_that_gave_up_is_shown_with_why_and_runs_once_sent_again(staff):
    coin = coin_with_runs("OBA", reserves="100", tokens=100, runs=1).coin
    workflows.reconcile_on_commit(stablecoin_ids=[coin.pk], trigger="manual")
    workflows.reconcile_on_commit(stablecoin_ids=[coin.pk], trigger="supply")
    failed, waiting = OutboxMessage.objects.order_by("pk")
    # What the consumer records when a task raises (jobs.outbox.OutboxConsumer): done, with the error.
    failed_error = "RpcError: totalSupply() of 0xabc at block 0 failed (reverted, or no contract there)"
    OutboxMessage.objects.filter(pk=failed.pk).update(sent_at=timezone.now(), sends=1, done_at=timezone.now())
    OutboxMessage.objects.filter(pk=failed.pk).update(error=failed_error)

    assert _listed(staff, "gave_up") == ([failed.pk], True)
    assert _listed(staff, "waiting") == ([waiting.pk], False)

    answer = staff.post(
        CHANGELIST, {"action": "send_again", "_selected_action": [failed.pk, waiting.pk]}, follow=True
    ).content.decode()
    assert "1 message(s) are due again" in answer and "1 had not given up and were left alone" in answer
    failed.refresh_from_db()
    assert (failed.done_at, failed.error, failed.sends) == (None, "", 0)

    assert outbox_drain() == 2  # the one sent again and the one that was waiting
    failed.refresh_from_db()
    assert failed.done_at is not None and not failed.error and failed.sends == 1
    assert _listed(staff, "gave_up") == ([], False)


def test_the_purge_deletes_old_finished_messages_and_keeps_those_that_gave_up():
    coin = coin_with_runs("OBP", reserves="100", tokens=100, runs=1).coin
    workflows.reconcile_on_commit(stablecoin_ids=[coin.pk], trigger="manual")
    workflows.reconcile_on_commit(stablecoin_ids=[coin.pk], trigger="supply")
    _finished, gave_up = OutboxMessage.objects.order_by("pk")
    long_ago = timezone.now() - OUTBOX_KEEP - timedelta(hours=1)
    OutboxMessage.objects.update(sent_at=long_ago, done_at=long_ago)
    OutboxMessage.objects.filter(pk=gave_up.pk).update(error="ValueError: it broke")
    assert outbox_purge(older_than=OUTBOX_KEEP) == 1
    assert list(OutboxMessage.objects.values_list("pk", flat=True)) == [gave_up.pk]
