"""CSV cells: exact amounts as written, and text that a spreadsheet would run as a formula is defused."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

from attest.exact import EXACT
from web.exports import csv_response


def test_amounts_stay_exact_and_formulas_are_quoted():
    response = csv_response(
        "x.csv",
        ["a", "b", "c", "d", "e"],
        [
            [Decimal("-16000.000000000000000001"), "=HYPERLINK(1)", "-cmd", None, datetime(2026, 11, 1, tzinfo=UTC)],
            [Decimal("0E-18"), Decimal(2**256 - 1).scaleb(-77, context=EXACT), "", "", ""],
        ],
    )
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'
    row, small_and_large = list(csv.reader(io.StringIO(response.content.decode())))[1:]
    assert row == ["-16000.000000000000000001", "'=HYPERLINK(1)", "'-cmd", "", "2026-11-01T00:00:00+00:00"]
    digits = str(2**256 - 1)
    assert small_and_large[:2] == ["0.000000000000000000", f"{digits[0]}.{digits[1:]}"]


def test_tab_carriage_return_and_plus_are_defused_but_numbers_are_not():
    response = csv_response("x.csv", ["a", "b", "c", "d", "e"], [["\t=1", "\r=1", "+cmd", "+5", "-0.5"]])
    [row] = list(csv.reader(io.StringIO(response.content.decode())))[1:]
    assert row == ["'\t=1", "'\r=1", "'+cmd", "+5", "-0.5"]
