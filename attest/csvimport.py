"""Holdings from a CSV file: every row parsed and checked, every problem reported, nothing kept on any error.

The columns are the HoldingInput field names (docs/attestations.md lists them); the header row is
required, column order is free, and only asset_class, custodian, currency and market_value are
required. Amounts are plain decimals ("1800000.00", no thousands separators), dates are
YYYY-MM-DD, booleans are true/false, yes/no or 1/0 (blank means the default).
"""

from __future__ import annotations

import csv
import io
from dataclasses import fields
from typing import Any

from django.core.exceptions import ValidationError

from attest.parsing import parse_amount, parse_date, shown
from attest.validation import HOLDING_FIELDS, MAX_HOLDINGS, HoldingInput, holding_errors

REQUIRED_COLUMNS = ["asset_class", "custodian", "currency", "market_value"]
MAX_ROWS = MAX_HOLDINGS
# 500 rows of every column at its longest is under 1 MB; anything much larger is not a holdings file.
MAX_BYTES = 2 * 1024 * 1024
_TYPES = {f.name: str(f.type) for f in fields(HoldingInput)}
_TRUE, _FALSE = {"true", "yes", "1", "y"}, {"false", "no", "0", "n"}


def _convert(name: str, raw: str) -> Any:
    kind = _TYPES[name]
    text = raw.strip()
    if "Decimal" in kind:
        if not text:
            if "None" in kind:
                return None
            raise ValueError("This field is required.")
        return parse_amount(text)
    if "date" in kind:
        return parse_date(text) if text else None
    if "bool" in kind:
        if not text:
            if "None" in kind:
                return None
            return name == "segregated"  # the defaults: segregated yes, encumbered no
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise ValueError(f"{shown(text)} is not true or false.")
    if name in {"currency", "custodian_country"}:
        return text.upper()
    if name == "valuation_method" and not text:
        return "market"
    return text


def holdings_from_csv(content: bytes) -> list[HoldingInput]:
    """Parse and check a holdings CSV; raise one ValidationError({"csv": [...]}) listing every problem."""
    if len(content) > MAX_BYTES:
        raise ValidationError({"csv": [f"The file is {len(content)} bytes; the limit is {MAX_BYTES}."]})
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError({"csv": ["The file is not UTF-8 text."]}) from None
    try:
        return _holdings(csv.DictReader(io.StringIO(text)))
    except csv.Error as exc:  # a malformed file: an unclosed quote, a field past the csv module's limit
        raise ValidationError({"csv": [f"The file is not readable as CSV: {exc}."]}) from None


def _holdings(reader: csv.DictReader[str]) -> list[HoldingInput]:
    columns = [c.strip() for c in reader.fieldnames or []]
    problems: list[str] = []
    if not columns:
        raise ValidationError({"csv": ["The file is empty: it needs a header row naming the columns."]})
    if unknown := [c for c in columns if c not in HOLDING_FIELDS]:
        problems.append(
            f"Unknown columns: {', '.join(c if c.isprintable() and len(c) <= 40 else shown(c) for c in unknown)}."
        )
    if missing := [c for c in REQUIRED_COLUMNS if c not in columns]:
        problems.append(f"Missing required columns: {', '.join(missing)}.")
    if problems:
        raise ValidationError({"csv": problems})
    holdings: list[HoldingInput] = []
    for number, row in enumerate(reader, start=1):
        line = number + 1  # the file's line, counting the header
        if number > MAX_ROWS:
            problems.append(f"More than {MAX_ROWS} rows; split the file.")
            break
        if None in row:
            problems.append(f"Row {number} (line {line}): more values than columns.")
            continue
        values: dict[str, Any] = {}
        row_problems = []
        for raw_name, raw in row.items():
            name = (raw_name or "").strip()
            try:
                values[name] = _convert(name, raw or "")
            except ValueError as exc:
                row_problems.append(f"Row {number} (line {line}), {name}: {exc}")
        if row_problems:
            problems.extend(row_problems)
            continue
        holding = HoldingInput(**values)
        for name, messages in holding_errors(holding).items():
            problems.extend(f"Row {number} (line {line}), {name}: {m}" for m in messages)
        holdings.append(holding)
    if not problems and not holdings:
        problems.append("The file has a header but no rows.")
    if problems:
        raise ValidationError({"csv": problems})
    return holdings
