"""How raw text from outside becomes a typed value, the same way at every entry point.

The attestation form (web/forms.py), the issuer API (api/issuer.py), the holdings CSV
(attest/csvimport.py) and the public API's query parameters (api/coins.py) all parse through here,
and attest/validation.py checks what they parsed with the same rules, so one input is refused or
accepted alike everywhere. Each parser raises ``ValueError`` with a message fit for the person who
typed the value.

What is refused, and why:
- Amounts: only ASCII digits, one optional point and a sign. ``Decimal()`` alone also takes NaN,
  sNaN, Infinity (sNaN raises on the first comparison), exponents (``0E-1000000``), underscores and
  any Unicode digit (the fullwidth digits U+FF10 to U+FF19); none of them is how anyone writes money.
- Dates and instants: years outside 1900 to 2999 (year 0001 cannot even be read back once converted to
  UTC), UTC offsets beyond ±14:00 (none exists; PostgreSQL refuses them), and only ISO 8601.
- Text: NUL and other control characters (PostgreSQL refuses NUL; the rest hide text), lone
  surrogates (not encodable), and anything longer than its column.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

# Longer than any amount a column can hold, short enough that parsing it costs nothing.
AMOUNT_MAX_CHARS = 200
# Free text without a column limit (an amendment's reason, a review comment): a page of text, not a book.
TEXT_MAX_CHARS = 10_000
DATE_MIN, DATE_MAX = date(1900, 1, 1), date(2999, 12, 31)
OFFSET_MAX = timedelta(hours=14)
# Tab, line feed and carriage return are allowed where text may span lines; no other control character.
_LINE_BREAKS = {"\t", "\n", "\r"}
_AMOUNT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)", re.ASCII)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_DATE_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?",
    re.ASCII,
)


def parse_amount(text: str) -> Decimal:
    """A decimal written as plain ASCII digits with an optional sign and point: "1800000.25"."""
    stripped = text.strip()
    if len(stripped) > AMOUNT_MAX_CHARS:
        raise ValueError(f"An amount has at most {AMOUNT_MAX_CHARS} characters.")
    if not _AMOUNT.fullmatch(stripped):
        raise ValueError(f"{shown(stripped)} is not a decimal number (use 1234.56, no thousands separators).")
    return Decimal(stripped)


def date_problem(value: date) -> str | None:
    """Why a parsed date (or the date of an instant) is not acceptable, or None."""
    day = value.date() if isinstance(value, datetime) else value
    if day < DATE_MIN:
        return f"{day.isoformat()} is before {DATE_MIN.year}: check the year."
    if day > DATE_MAX:
        return f"{day.isoformat()} is after {DATE_MAX.year}: check the year."
    return None


def instant_problem(value: datetime) -> str | None:
    """Why a parsed date-time is not acceptable, or None: its date and, if it has one, its UTC offset."""
    offset = value.utcoffset()
    if offset is not None and abs(offset) > OFFSET_MAX:
        return "A UTC offset is at most 14 hours either way."
    return date_problem(value)


def parse_date(text: str) -> date:
    """A calendar date, YYYY-MM-DD, within DATE_MIN..DATE_MAX."""
    stripped = text.strip()
    if not _DATE.fullmatch(stripped):
        raise ValueError(f"{shown(stripped)} is not a date in the form YYYY-MM-DD.")
    try:
        day = date.fromisoformat(stripped)
    except ValueError:
        raise ValueError(f"{shown(stripped)} is not a date that exists.") from None
    if problem := date_problem(day):
        raise ValueError(problem)
    return day


def parse_instant(text: str) -> datetime:
    """An ISO 8601 date-time, naive when it has no offset; its offset within ±14:00, its year sane."""
    stripped = text.strip()
    if not _DATE_TIME.fullmatch(stripped):
        raise ValueError(f"{shown(stripped)} is not an ISO 8601 date-time, e.g. 2026-11-24T23:59:59+08:00.")
    try:
        value = datetime.fromisoformat(stripped)
    except ValueError:
        raise ValueError(f"{shown(stripped)} is not a date-time that exists.") from None
    if problem := instant_problem(value):
        raise ValueError(problem)
    return value


def as_utc(value: datetime) -> datetime:
    """An aware instant in UTC, so no odd offset travels further (into SQL or into stored rows)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def text_problem(value: str, *, max_length: int | None, multiline: bool = False) -> str | None:
    """Why a piece of text is not acceptable, or None: control characters, lone surrogates, length."""
    for char in value:
        category = unicodedata.category(char)
        if category == "Cs":
            return "The text contains an invalid character (a lone surrogate)."
        if category == "Cc" and not (multiline and char in _LINE_BREAKS):
            return f"The text contains a control character (U+{ord(char):04X}); remove it."
    if max_length is not None and len(value) > max_length:
        return f"At most {max_length} characters (this has {len(value)})."
    return None


def shown(text: str) -> str:
    """A refused value as it goes back into a message: quoted, and cut if long."""
    return repr(text if len(text) <= 40 else text[:40] + "…")


def parse_integer(text: str) -> int:
    """A whole number in ASCII digits: int() alone also takes fullwidth digits and underscores."""
    stripped = text.strip()
    if len(stripped) > AMOUNT_MAX_CHARS or not re.fullmatch(r"[+-]?[0-9]+", stripped, re.ASCII):
        raise ValueError(f"{shown(stripped)} is not a whole number (use digits 0-9).")
    return int(stripped)
