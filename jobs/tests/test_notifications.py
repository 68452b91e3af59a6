"""Flag notifications against a real HTTP receiver on a free port: signature, retries, delivery log, email."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from typing import Any

import pytest
from celery import current_app
from django.core import mail
from django.core.management import call_command

from jobs.models import OutboxMessage
from jobs.tasks import notification_deliver_task
from jobs.tests.outbox_helpers import outbox_drain
from reserves.models import DeliveryStatus, Flag, NotificationDelivery, NotificationEndpoint
from reserves.notifications import SIGNATURE_HEADER, TIMESTAMP_HEADER, notifications_queue, signature_verify

pytestmark = pytest.mark.django_db

SECRET = "whsec-test-0123456789"


class Receiver:
    """An HTTP server that answers with the queued status codes (then 200) and checks every signature."""

    def __init__(self) -> None:
        self.statuses: list[int] = []
        self.requests: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(
                    {
                        "body": body,
                        "headers": dict(self.headers),
                        "valid": signature_verify(
                            secret=SECRET,
                            timestamp=self.headers[TIMESTAMP_HEADER],
                            body=body,
                            header=self.headers[SIGNATURE_HEADER],
                        ),
                    }
                )
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(autouse=True)
def _eager_retries() -> Iterator[None]:
    """``task.apply()`` runs a task's retries in this process, one after another, only when eager
    errors are not propagated; countdowns are skipped there, so backoff costs the tests nothing."""
    before = current_app.conf.task_eager_propagates
    current_app.conf.task_eager_propagates = False
    yield
    current_app.conf.task_eager_propagates = before


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def flag(db):
    from attest.models import Issuer, Stablecoin
    from reserves.models import ReconciliationRun

    coin = Stablecoin.objects.create(issuer=Issuer.objects.create(name="N Ltd"), symbol="NTC", name="N", currency="USD")
    run = ReconciliationRun.objects.create(
        stablecoin=coin, profile="US_GENIUS", rulepack_version="x", trigger="manual", inputs={}, input_hash="h",
        status="under_collateralised", ratio=Decimal("0.9"),
    )  # fmt: skip
    return Flag.objects.create(
        stablecoin=coin, rule="R1", profile="US_GENIUS", severity="critical", message="short by 10",
        opened_at=datetime(2026, 11, 25, tzinfo=UTC), opened_by_run=run, last_run=run,
    )  # fmt: skip


def _webhook(url: str, **extra: Any) -> NotificationEndpoint:
    return NotificationEndpoint.objects.create(name="regulator hook", kind="webhook", url=url, secret=SECRET, **extra)


def test_it_signs_the_body_and_retries_5xx_until_delivered(receiver, flag, settings):
    settings.NOTIFY_MAX_RETRIES = 5
    _webhook(receiver.url)
    [delivery] = notifications_queue(flag=flag, event="flag.opened")
    receiver.statuses = [500, 503]
    notification_deliver_task.apply(args=(delivery.pk,))
    # Each retry is an outbox message held back by its countdown (30 s, then 60 s), never a Celery countdown.
    waiting = OutboxMessage.objects.get(task=notification_deliver_task.name, done_at__isnull=True)
    assert 25 <= (waiting.not_before - waiting.created_at).total_seconds() <= 35
    assert outbox_drain() == 2
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 3, 200)
    assert [r["valid"] for r in receiver.requests] == [True, True, True]
    sent = receiver.requests[-1]
    assert sent["body"] == delivery.body.encode()
    body = json.loads(sent["body"])
    assert (body["event"], body["flag"]["rule"], body["flag"]["stablecoin"]) == ("flag.opened", "R1", "NTC")
    assert sent["headers"]["X-Attest-Event"] == "flag.opened"
    assert sent["headers"][SIGNATURE_HEADER].startswith("sha256=")
    # A tampered body or a stale timestamp does not verify.
    ts = sent["headers"][TIMESTAMP_HEADER]
    assert not signature_verify(
        secret=SECRET, timestamp=ts, body=sent["body"] + b" ", header=sent["headers"][SIGNATURE_HEADER]
    )
    assert not signature_verify(
        secret=SECRET, timestamp=ts, body=sent["body"], header=sent["headers"][SIGNATURE_HEADER], now=int(ts) + 301
    )


def test_it_does_not_retry_a_4xx(receiver, flag):
    _webhook(receiver.url)
    [delivery] = notifications_queue(flag=flag, event="flag.resolved")
    receiver.statuses = [410]
    notification_deliver_task.apply(args=(delivery.pk,))
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("failed", 1, 410)
    assert len(receiver.requests) == 1


def test_it_gives_up_on_transport_errors_after_the_last_retry(flag, settings):
    settings.NOTIFY_MAX_RETRIES = 2
    closed = Receiver()
    url = closed.url
    closed.close()  # nothing listens on that port any more
    _webhook(url)
    [delivery] = notifications_queue(flag=flag, event="flag.opened")
    notification_deliver_task.apply(args=(delivery.pk,))
    outbox_drain()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("failed", 3, None)
    assert "ConnectionError" in delivery.last_error


def test_it_emails_and_filters_endpoints_by_coin_and_profile(flag):
    NotificationEndpoint.objects.create(name="desk", kind="email", email="desk@regulator.example")
    NotificationEndpoint.objects.create(name="hk only", kind="email", email="hk@regulator.example", profile="HK")
    deliveries = notifications_queue(flag=flag, event="flag.opened")
    assert [d.endpoint.name for d in deliveries] == ["desk"]
    notification_deliver_task.apply(args=(deliveries[0].pk,))
    [message] = mail.outbox
    assert message.to == ["desk@regulator.example"]
    assert "R1 opened on NTC (US_GENIUS)" in message.subject
    assert NotificationDelivery.objects.get(pk=deliveries[0].pk).status == DeliveryStatus.DELIVERED


def test_the_ping_command_sends_a_signed_test_notification(receiver):
    endpoint = _webhook(receiver.url)
    out = StringIO()
    call_command("webhookping", str(endpoint.pk), stdout=out)
    assert "delivered" in out.getvalue()
    [request] = receiver.requests
    assert request["valid"] and json.loads(request["body"])["event"] == "ping"


def test_flags_opened_by_a_run_queue_notifications(flag):
    from reserves.services import _apply_flags

    NotificationEndpoint.objects.create(name="desk", kind="email", email="desk@regulator.example")
    run = flag.last_run
    run.results = [{"rule": "R3", "outcome": "warn", "severity": "high", "message": "inside the buffer"}]
    flag.delete()
    _apply_flags(run)
    [delivery] = NotificationDelivery.objects.all()
    assert delivery.flag is not None
    assert (delivery.event, delivery.flag.rule) == ("flag.opened", "R3")


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_a_run_that_opens_a_flag_notifies_through_the_celery_worker(receiver, celery_worker_process):
    """End to end: the run commits, the real worker process posts the signed webhook to our receiver."""
    import time
    from datetime import timedelta

    from django.contrib.auth import get_user_model

    from attest.models import Attestation, Issuer, Licence, Membership, Role, Stablecoin
    from attest.services import HoldingInput, attestation_create
    from chain.models import Deployment, Network, SupplyReading
    from jobs.workflows import stablecoin_reconcile

    issuer = Issuer.objects.create(name="Worker Ltd")
    user = get_user_model().objects.create_user("issuer_wendy", password="wendy-pass-123")
    Membership.objects.create(user=user, role=Role.ISSUER, issuer=issuer)
    coin = Stablecoin.objects.create(issuer=issuer, symbol="WKR", name="Worker", currency="USD")
    # The licence opts into the proposed rules, so R12 and R4 open flags like rules in force.
    Licence.objects.create(stablecoin=coin, profile="US_GENIUS", licence_id="G-1", apply_proposed=True)
    deployment = Deployment.objects.create(
        stablecoin=coin, network=Network.objects.create(name="w", chain_id=31399), address="0x" + "3" * 40, decimals=6
    )
    now = datetime.now(UTC)
    SupplyReading.objects.create(
        deployment=deployment, chain_id=31399, block_number=1, block_hash="0x" + "b" * 64,
        block_time=now - timedelta(minutes=1), total_supply=100 * 10**6, balances=[], read_at=now,
    )  # fmt: skip
    _webhook(receiver.url, stablecoin=coin)
    attestation = attestation_create(
        user=user, stablecoin=coin, as_of=now - timedelta(minutes=1), as_of_timezone="UTC",
        holdings=[HoldingInput("demand_deposit", "Bank", "USD", Decimal("99.99"))],
    )  # fmt: skip
    # Submitted directly: attestation_submit would also enqueue a pin at the as-of block, and this network has no chain.
    Attestation.objects.filter(pk=attestation.pk).update(status="submitted")
    stablecoin_reconcile(stablecoin=coin, trigger="schedule")
    deadline = time.monotonic() + 20
    while NotificationDelivery.objects.filter(status=DeliveryStatus.PENDING).exists():
        assert time.monotonic() < deadline, "the worker did not deliver"
        time.sleep(0.2)
    # R1 (99.99 against 100), R4 (issuance must halt), R12 (every dollar at one bank), R25 (no examination
    # opinion) and R26 (no CEO/CFO certification: a breach under GENIUS, not a gap) open, each sent once, signed.
    opened = ["R1", "R12", "R25", "R26", "R4"]
    assert sorted(d.flag.rule for d in NotificationDelivery.objects.all() if d.flag) == opened
    assert set(NotificationDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}
    assert all(r["valid"] for r in receiver.requests)
    assert sorted(json.loads(r["body"])["flag"]["rule"] for r in receiver.requests) == opened
