"""The wiring is in jobs.workflows: domain services enqueue nothing; the workflow enqueues the follow-up on commit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from celery import current_app
from django.core import mail
from django.utils import timezone

from attest import services as attest_services
from attest.evidence import attestation_sign
from attest.models import AttestationStatus
from attest.signing import attestation_payload, signature_make, typed_data
from attest.tests.conftest import ALPHA_KEY
from jobs import workflows
from jobs.tasks import notifications_sweep_task
from reserves.flags import flag_resolve_manually
from reserves.models import DeliveryStatus, Flag, NotificationDelivery, NotificationEndpoint, ReconciliationRun
from reserves.notifications import deliveries_unsent
from reserves.tests.pagedata import coin_with_runs, regulator

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager_tasks() -> Iterator[None]:
    """Run what a workflow enqueues in this process, so its effect can be read back."""
    before = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True
    yield
    current_app.conf.task_always_eager = before


@pytest.fixture
def signed_draft(alpha_draft, issuer_alice):
    signature = signature_make(typed_data(attestation_payload(alpha_draft)), ALPHA_KEY)
    attestation_sign(user=issuer_alice, attestation=alpha_draft, signature=signature)
    return alpha_draft


def test_the_attest_service_submits_without_setting_anything_off(
    signed_draft, issuer_alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        attest_services.attestation_submit(user=issuer_alice, attestation=signed_draft)
    assert signed_draft.status == AttestationStatus.SUBMITTED
    assert callbacks == []


def test_submitting_through_the_workflow_reconciles_the_attestation_once_it_commits(
    signed_draft, issuer_alice, django_capture_on_commit_callbacks, eager_tasks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        workflows.attestation_submit(user=issuer_alice, attestation=signed_draft)
    assert len(callbacks) == 1
    assert not ReconciliationRun.objects.filter(attestation=signed_draft).exists()
    callbacks[0]()
    assert ReconciliationRun.objects.filter(attestation=signed_draft, trigger="attestation").exists()


@pytest.fixture
def flag() -> Flag:
    coin_with_runs("SHRT", reserves="90", tokens=100_000, runs=1)
    NotificationEndpoint.objects.create(name="desk", kind="email", email="desk@regulator.example")
    return Flag.objects.get(rule="R1")


def test_resolving_a_flag_writes_its_delivery_and_the_workflow_sends_it_on_commit(
    flag, django_capture_on_commit_callbacks, eager_tasks
):
    with django_capture_on_commit_callbacks(execute=True):
        workflows.flag_resolve_manually(flag=flag, user=regulator(), reason="topped up")
    [delivery] = NotificationDelivery.objects.filter(event="flag.resolved")
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DELIVERED, 1)
    # The resolution republishes the coin; its shortfall still stands, so R1 opens again, and says so.
    assert [d.event for d in NotificationDelivery.objects.order_by("pk")] == ["flag.resolved", "flag.opened"]
    assert len(mail.outbox) == 2
    # Sending again finds nothing left: a delivery is sent once.
    assert workflows.deliveries_send(stablecoin_id=flag.stablecoin_id) == 0


def test_the_sweep_sends_a_delivery_whose_enqueue_was_lost_and_leaves_fresh_ones_to_their_workflow(
    flag, eager_tasks, django_capture_on_commit_callbacks
):
    flag_resolve_manually(flag=flag, user=regulator(), reason="topped up")  # the service alone: rows, no sending
    [delivery] = NotificationDelivery.objects.filter(event="flag.resolved")
    assert deliveries_unsent(stablecoin_id=flag.stablecoin_id) == [delivery.pk]
    assert notifications_sweep_task() == 0  # too fresh: its workflow may still be about to send it
    NotificationDelivery.objects.filter(pk=delivery.pk).update(created_at=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications_sweep_task() == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert deliveries_unsent() == []
