"""How amounts and ages read on a page: exact Decimal rounding for display only, never a float.

The backing ratio is not formatted here: a publication carries it already cut to 4 places
(``ratio_display``), and a run's own ratio is cut by the same function (``reserves.compute.ratio_cut``).
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.utils import formats
from django.utils.translation import gettext

from attest.exact import EXACT

DASH = "—"


def fmt_amount(value: Decimal | None, places: int = 2) -> str:
    """Grouped thousands, exact Decimal rounding (half-even) to ``places``; a dash when there is no figure."""
    if value is None:
        return DASH
    # In the wide context: a uint256 of tokens has 78 digits, past the default 28 (InvalidOperation there).
    # The reader's locale's separators (Django's number_format keeps a Decimal exact).
    return formats.number_format(value.quantize(Decimal(1).scaleb(-places), context=EXACT), places, force_grouping=True)


def fmt_age(seconds: int | None) -> str:
    if seconds is None:
        return DASH
    # A clock a little ahead of the database's reads a moment as negative: it is "now", never "-1 d".
    seconds = max(seconds, 0)
    if seconds < 120:
        return gettext("%(n)d s") % {"n": seconds}
    if seconds < 7200:
        return gettext("%(n)d min") % {"n": seconds // 60}
    if seconds < 172_800:
        return gettext("%(n)d h") % {"n": seconds // 3600}
    return gettext("%(n)d d") % {"n": seconds // 86_400}


# An amount in a rule's message: a number followed by a currency code or "tokens" ("90000.000000 USD").
_AMOUNT = re.compile(r"(?<![\w.])(-?\d+(?:\.\d+)?)(?=\s+(?:[A-Z]{3}\b|tokens\b))")


# Ages in the rules' messages, worded as the engine stored them (a stored run must recompute to its own text):
# "-1 days old" is a report stated a moment after the evaluation, "at most 61" lacks its unit.
_NEGATIVE_AGE = re.compile(r"(?<![\w.])-\d+ (days|s) old")
_LIMIT_UNIT = re.compile(r"(\d+ (days|s) old\b[^;]*; at most \d+)(?![\w ]*(?:days|s)\b)")


def fmt_message_amounts(message: str) -> str:
    """A finding's text for reading: amounts grouped and rounded to cents, ages never negative and their
    limits with units. Display only: the stored text stays exact, and the figures are beside it."""
    text = _AMOUNT.sub(lambda m: fmt_amount(Decimal(m.group(1))), message)
    text = _NEGATIVE_AGE.sub(lambda m: f"0 {m.group(1)} old", text)
    return _LIMIT_UNIT.sub(lambda m: f"{m.group(1)} {m.group(2)}", text)
