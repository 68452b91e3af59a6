"""Telling people about flags: a signed webhook POST or an email per endpoint, retried with backoff.

Flow: when a flag opens or resolves, ``notifications_queue`` (inside the run's transaction) writes a
pending ``NotificationDelivery`` per matching endpoint with the exact JSON body. Sending is the
caller's: the workflows in ``jobs/workflows.py`` enqueue ``notification_deliver_task`` on commit for
every delivery never attempted (``deliveries_unsent``), and a beat sweep catches any whose enqueue
was lost. The task calls ``delivery_attempt`` once per try; it retries with exponential backoff only
on transport errors and 5xx answers (docs/notifications.md).

Signature: ``X-Attest-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>." + raw body)>`` with
``X-Attest-Timestamp: <unix seconds>``; receivers recompute it and reject old timestamps.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import time
from datetime import datetime
from typing import Any

import requests
from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from attest.locks import single_flight
from reserves.models import DeliveryStatus, EndpointKind, Flag, NotificationDelivery, NotificationEndpoint

SIGNATURE_HEADER = "X-Attest-Signature"
TIMESTAMP_HEADER = "X-Attest-Timestamp"
EVENT_HEADER = "X-Attest-Event"
DELIVERY_HEADER = "X-Attest-Delivery"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """``sha256=`` + hex HMAC-SHA256 over ``b"<timestamp>." + body``.

    The timestamp is part of what is signed, so a captured request cannot be replayed with a fresh one.
    """
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def signature_verify(
    *, secret: str, timestamp: str, body: bytes, header: str, tolerance: int = 300, now: float | None = None
) -> bool:
    """What a receiver does: recompute in constant time and refuse timestamps off by more than ``tolerance`` s."""
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - sent) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, sent, body), header)


def _flag_body(flag: Flag, event: str) -> dict[str, Any]:
    return {
        "event": event,
        "flag": {
            "id": flag.pk,
            "stablecoin": flag.stablecoin.symbol,
            "rule": flag.rule,
            "profile": flag.profile,
            "severity": flag.severity,
            "status": flag.status,
            "message": flag.message,
            "opened_at": flag.opened_at.isoformat(),
            "resolved_at": flag.resolved_at.isoformat() if flag.resolved_at else None,
            "run_id": flag.last_run_id,
        },
        "url": f"{settings.SITE_URL.rstrip('/')}/regulator/",
    }


def _encode(body: dict[str, Any]) -> str:
    return json.dumps(body, sort_keys=True, separators=(",", ":"))


def notifications_queue(*, flag: Flag, event: str) -> list[NotificationDelivery]:
    """A pending delivery per active endpoint that wants this coin and profile; the caller has them sent."""
    endpoints = NotificationEndpoint.objects.filter(active=True).filter(
        Q(stablecoin__isnull=True) | Q(stablecoin_id=flag.stablecoin_id), Q(profile="") | Q(profile=flag.profile)
    )
    body = _encode(_flag_body(flag, event))
    return [NotificationDelivery.objects.create(endpoint=e, flag=flag, event=event, body=body) for e in endpoints]


def deliveries_unsent(*, stablecoin_id: int | None = None, created_before: datetime | None = None) -> list[int]:
    """Ids of flag deliveries still pending and never attempted: the ones nobody has tried to send yet.

    Sending one twice is harmless (``delivery_attempt`` is single-flight and re-reads the status), so
    enqueueing everything this returns is idempotent.
    """
    unsent = NotificationDelivery.objects.filter(status=DeliveryStatus.PENDING, attempts=0, flag__isnull=False)
    if stablecoin_id is not None:
        unsent = unsent.filter(flag__stablecoin_id=stablecoin_id)
    if created_before is not None:
        unsent = unsent.filter(created_at__lt=created_before)
    return list(unsent.order_by("pk").values_list("pk", flat=True))


def _post(endpoint: NotificationEndpoint, delivery: NotificationDelivery) -> tuple[bool, bool, int | None, str]:
    """(delivered, retryable, status code, error) of one webhook POST."""
    raw = delivery.body.encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Attest-Webhook/1",
        SIGNATURE_HEADER: signature(endpoint.secret, timestamp, raw),
        TIMESTAMP_HEADER: str(timestamp),
        EVENT_HEADER: delivery.event,
        DELIVERY_HEADER: str(delivery.pk),
    }
    try:
        response = requests.post(
            endpoint.url, data=raw, headers=headers, timeout=settings.NOTIFY_TIMEOUT, allow_redirects=False
        )
    except requests.RequestException as exc:
        return False, True, None, f"{type(exc).__name__}: {exc}"
    if 200 <= response.status_code < 300:
        return True, False, response.status_code, ""
    return False, response.status_code >= 500, response.status_code, response.text[:500] or response.reason


EVENTS = {
    "flag.opened": gettext_noop("opened"),
    "flag.resolved": gettext_noop("resolved"),
    "flag.acknowledged": gettext_noop("acknowledged"),
    "flag.resolved_manually": gettext_noop("resolved by hand"),
}


def _email_words(flag: dict[str, Any], event: str, url: str, raw: str) -> tuple[str, str]:
    """Subject and text in English, then in Traditional Chinese (Hong Kong): a regulator's desk may read either."""
    if not flag:
        return "[Attest] test notification · 測試通知", f"{raw}\n"
    subjects, texts = [], []
    for language in ("en", "zh-hant"):
        with translation.override(language):
            words = {
                "rule": flag.get("rule", ""),
                "event": gettext(EVENTS.get(event, event.removeprefix("flag."))),
                "coin": flag.get("stablecoin", ""),
                "licence": flag.get("profile") or gettext("no licence"),
                "severity": gettext(str(flag.get("severity", ""))),
            }
            subjects.append(gettext("%(rule)s %(event)s on %(coin)s (%(licence)s)") % words)
            texts.append(f"{flag.get('message', '')}\n\n" + gettext("Severity: %(severity)s") % words + f"\n{url}\n")
    return f"[Attest] {subjects[0]} · {subjects[1]}", "\n".join(texts) + f"\n{raw}\n"


def _email(endpoint: NotificationEndpoint, delivery: NotificationDelivery) -> tuple[bool, bool, int | None, str]:
    body = json.loads(delivery.body)
    flag = body.get("flag") or {}
    subject, text = _email_words(flag, delivery.event, str(body.get("url", "")), delivery.body)
    try:
        send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, [endpoint.email])
    except (smtplib.SMTPException, OSError) as exc:
        return False, True, None, f"{type(exc).__name__}: {exc}"
    return True, False, None, ""


def delivery_attempt(*, delivery: NotificationDelivery, final: bool = False) -> str:
    """One try: returns "delivered", "failed" (given up) or "retry" (transport error or 5xx, tries left).

    The HTTP request runs outside any transaction; the outcome is then written in one UPDATE.
    """
    # One sender per delivery at a time (a redelivered task message, or two workers, must not send
    # twice); the status is re-read under the lock.
    with single_flight(f"delivery:{delivery.pk}") as mine:
        if not mine:
            return "retry"
        delivery.refresh_from_db(fields=["status", "attempts"])
        return _attempt(delivery=delivery, final=final)


def _attempt(*, delivery: NotificationDelivery, final: bool) -> str:
    if delivery.status != DeliveryStatus.PENDING:
        return str(delivery.status)
    endpoint = delivery.endpoint
    delivered, retryable, code, error = (_post if endpoint.kind == EndpointKind.WEBHOOK else _email)(endpoint, delivery)
    now = timezone.now()
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.last_status_code = code
    delivery.last_error = error
    if delivered:
        delivery.status, delivery.delivered_at = DeliveryStatus.DELIVERED, now
    elif not retryable or final:
        delivery.status = DeliveryStatus.FAILED
    delivery.save(
        update_fields=["attempts", "last_attempt_at", "last_status_code", "last_error", "status", "delivered_at"]
    )
    return "retry" if delivery.status == DeliveryStatus.PENDING else str(delivery.status)


def endpoint_ping(*, endpoint: NotificationEndpoint) -> NotificationDelivery:
    """Send a signed test notification now, once, and return its logged delivery (for receivers to verify)."""
    body = {"event": "ping", "endpoint": endpoint.name, "sent_at": timezone.now().isoformat()}
    delivery = NotificationDelivery.objects.create(endpoint=endpoint, event="ping", body=_encode(body))
    delivery_attempt(delivery=delivery, final=True)
    return delivery


def retry_countdown(retries: int) -> int:
    """Seconds before try ``retries + 1``: NOTIFY_RETRY_BACKOFF x 2^retries, at most an hour."""
    return int(min(settings.NOTIFY_RETRY_BACKOFF * 2**retries, 3600))
