"""Redemptions reported by issuers (API, CSV batch, form): recorded all or nothing, settled once.

A batch is a list of ``RedemptionInput``; each row is a request (``request_id``, ``received_at``,
``amount``) and, once paid, its settlement (``settled_at``, ``fee``). Reporting the same request
again with its settlement completes it; a settled request never changes, and a report that
contradicts what is stored is refused with the row named. Rules R13, R28-R30 read them (docs/rules.md).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from attest.audit import audit_append
from attest.models import Redemption, Stablecoin
from attest.services import User, require_issuer_staff
from attest.validation import TOKEN_DIGITS, TOKEN_PLACES, Errors, amount_error


@dataclass(frozen=True)
class RedemptionInput:
    """One redemption as reported: a request, and its settlement once made."""

    request_id: str
    received_at: datetime
    amount: Decimal
    settled_at: datetime | None = None
    fee: Decimal | None = None


REDEMPTION_FIELDS = list(RedemptionInput.__dataclass_fields__)


def redemption_errors(r: RedemptionInput, *, now: datetime) -> Errors:
    """One redemption's errors, keyed by field name."""
    errors: Errors = {}
    if not r.request_id.strip():
        errors["request_id"] = ["This field is required."]
    elif len(r.request_id) > 100:
        errors["request_id"] = ["At most 100 characters."]
    for name in ("received_at", "settled_at"):
        value = getattr(r, name)
        if value is None:
            continue
        if value.tzinfo is None:
            errors[name] = ["The time needs a time zone (an offset such as +08:00 or Z)."]
        elif value > now:
            errors[name] = ["This time is in the future."]
    timed = not errors.get("received_at") and not errors.get("settled_at")
    if timed and r.settled_at is not None and r.settled_at < r.received_at:
        errors["settled_at"] = ["Settled before it was received."]
    if message := amount_error(r.amount, digits=TOKEN_DIGITS, places=TOKEN_PLACES):
        errors["amount"] = [message]
    elif r.amount == 0:
        errors["amount"] = ["Must be more than zero."]
    if message := amount_error(r.fee):
        errors["fee"] = [message]
    return errors


MAX_ROWS = 5000
REQUIRED_COLUMNS = ["request_id", "received_at", "amount"]


def _conflict(stored: Redemption, row: RedemptionInput) -> str | None:
    if stored.received_at != row.received_at or stored.amount != row.amount:
        return "differs from the request already reported (received_at and amount never change)"
    if stored.settled_at is not None and (stored.settled_at != row.settled_at or stored.fee != row.fee):
        return "was settled already; a settlement never changes"
    return None


def redemptions_record(*, user: User, stablecoin: Stablecoin, rows: Sequence[RedemptionInput]) -> dict[str, int]:
    """Record a batch: new requests created, unsettled ones completed; every error refuses the whole batch."""
    require_issuer_staff(user, stablecoin)
    now = timezone.now()
    errors: dict[str, list[str]] = {}
    seen: set[str] = set()
    for i, row in enumerate(rows):
        for name, messages in redemption_errors(row, now=now).items():
            errors[f"redemptions.{i}.{name}"] = messages
        if row.request_id in seen:
            errors.setdefault(f"redemptions.{i}.request_id", []).append(f"{row.request_id!r} is listed twice.")
        seen.add(row.request_id)
    if not rows:
        errors["redemptions"] = ["Report at least one redemption."]
    if errors:
        raise ValidationError(errors)
    counts = {"created": 0, "settled": 0, "unchanged": 0}
    with transaction.atomic():
        Stablecoin.objects.select_for_update().get(pk=stablecoin.pk)
        stored = {r.request_id: r for r in Redemption.objects.filter(stablecoin=stablecoin, request_id__in=seen)}
        for i, row in enumerate(rows):
            if (old := stored.get(row.request_id)) is not None and (problem := _conflict(old, row)):
                errors[f"redemptions.{i}.request_id"] = [f"{row.request_id!r} {problem}."]
        if errors:
            raise ValidationError(errors)
        new = [
            Redemption(stablecoin=stablecoin, reported_by=user, **{n: getattr(r, n) for n in REDEMPTION_FIELDS})  # type: ignore[misc]
            for r in rows
            if r.request_id not in stored
        ]
        Redemption.objects.bulk_create(new)
        counts["created"] = len(new)
        for row in rows:
            old = stored.get(row.request_id)
            if old is None:
                continue
            if old.settled_at is None and row.settled_at is not None:
                old.settled_at, old.fee, old.reported_by = row.settled_at, row.fee, user  # type: ignore[assignment]
                old.save(update_fields=["settled_at", "fee", "reported_by", "reported_at"])
                counts["settled"] += 1
            else:
                counts["unchanged"] += 1
        audit_append(
            actor=user.get_username(),
            action="redemptions.reported",
            object_type="stablecoin",
            object_id=stablecoin.pk,
            payload={"stablecoin": stablecoin.symbol, **counts},
        )
    return counts


def redemptions_of(*, stablecoin: Stablecoin) -> QuerySet[Redemption]:
    return Redemption.objects.filter(stablecoin=stablecoin).order_by("-received_at", "request_id")


def _instant(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO 8601 time such as 2026-11-24T10:00:00+08:00.") from None
    if value.tzinfo is None:
        raise ValueError(f"{text!r} has no offset; add one such as +08:00 or Z.")
    return value


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a decimal number (use 1234.56, no thousands separators).") from None


_PARSERS: dict[str, Callable[[str], Any]] = {
    "received_at": _instant,
    "amount": _decimal,
    "settled_at": _instant,
    "fee": _decimal,
}


def _cells(cells: dict[str, str], where: str) -> tuple[dict[str, Any], list[str]]:
    """One row's typed values and its problems; received_at and amount are required."""
    values: dict[str, Any] = {}
    problems: list[str] = []
    for name, parse in _PARSERS.items():
        text = cells.get(name, "")
        if not text:
            values[name] = None
            if name in REQUIRED_COLUMNS:
                problems.append(f"{where}, {name}: This field is required.")
            continue
        try:
            values[name] = parse(text)
        except ValueError as exc:
            problems.append(f"{where}, {name}: {exc}")
    return values, problems


def redemptions_from_csv(content: bytes) -> list[RedemptionInput]:
    """Parse a redemptions CSV (columns request_id, received_at, amount, settled_at, fee); one error lists all."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError({"csv": ["The file is not UTF-8 text."]}) from None
    reader = csv.DictReader(io.StringIO(text))
    columns = [c.strip() for c in reader.fieldnames or []]
    if not columns:
        raise ValidationError({"csv": ["The file is empty: it needs a header row naming the columns."]})
    problems: list[str] = []
    if unknown := [c for c in columns if c not in REDEMPTION_FIELDS]:
        problems.append(f"Unknown columns: {', '.join(unknown)}.")
    if missing := [c for c in REQUIRED_COLUMNS if c not in columns]:
        problems.append(f"Missing required columns: {', '.join(missing)}.")
    if problems:
        raise ValidationError({"csv": problems})
    rows: list[RedemptionInput] = []
    now = timezone.now()
    for number, raw in enumerate(reader, start=1):
        if number > MAX_ROWS:
            problems.append(f"More than {MAX_ROWS} rows; split the file.")
            break
        if None in raw:
            problems.append(f"Row {number} (line {number + 1}): more values than columns.")
            continue
        cells = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
        where = f"Row {number} (line {number + 1})"
        values, row_problems = _cells(cells, where)
        if row_problems:
            problems.extend(row_problems)
            continue
        row = RedemptionInput(cells.get("request_id", ""), **values)
        for name, messages in redemption_errors(row, now=now).items():
            problems.extend(f"{where}, {name}: {m}" for m in messages)
        rows.append(row)
    if not problems and not rows:
        problems.append("The file has a header but no rows.")
    if problems:
        raise ValidationError({"csv": problems})
    return rows
