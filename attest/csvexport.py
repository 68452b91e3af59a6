"""The one CSV writer of every export: the regulator's tables (web/exports.py) and the API's ?format=csv.

Cells are text as spreadsheets will read them. A cell starting with = + - @, a tab or a carriage
return would be taken for a formula (CSV injection: an issuer's assurer name or amendment reason
reaching a regulator's spreadsheet), so it is prefixed with a single quote; numbers, negative ones
included, are left as they are. Amounts are exact decimal strings, times ISO 8601.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")  # str() writes 0E-18 or 1E-7 for small amounts
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    if text.startswith(FORMULA_PREFIXES) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        return Decimal(text).is_finite()
    except InvalidOperation:
        return False


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """The table as CSV text (CRLF line ends, as RFC 4180 says), every cell through `csv_cell`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_cell(h) for h in header])
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return buffer.getvalue()
