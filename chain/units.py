"""Raw base units to whole tokens, exactly."""

from __future__ import annotations

from decimal import Decimal

from attest.exact import EXACT, exact_arithmetic

__all__ = ["exact_arithmetic", "tokens"]


def tokens(raw: int, decimals: int) -> Decimal:
    """``raw`` base units of a token with ``decimals`` decimals, as an exact Decimal of whole tokens."""
    return Decimal(raw).scaleb(-decimals, context=EXACT)
