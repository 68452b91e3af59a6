"""How amounts and ages read on a page: exact Decimal rounding for display only, never a float.

The backing ratio is not formatted here: a publication carries it already cut to 4 places
(``ratio_display``), and a run's own ratio is cut by the same function (``reserves.compute.ratio_cut``).
"""

from __future__ import annotations

from decimal import Decimal

from attest.exact import EXACT

DASH = "—"


def fmt_amount(value: Decimal | None, places: int = 2) -> str:
    """Grouped thousands, exact Decimal rounding (half-even) to ``places``; a dash when there is no figure."""
    if value is None:
        return DASH
    # In the wide context: a uint256 of tokens has 78 digits, past the default 28 (InvalidOperation there).
    return f"{value.quantize(Decimal(1).scaleb(-places), context=EXACT):,f}"


def fmt_age(seconds: int | None) -> str:
    if seconds is None:
        return DASH
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 172_800:
        return f"{seconds // 3600} h"
    return f"{seconds // 86_400} d"
