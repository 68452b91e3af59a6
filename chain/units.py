"""Raw base units to whole tokens, exactly."""

from __future__ import annotations

from contextlib import AbstractContextManager
from decimal import Context, Decimal, localcontext

# Wide enough for any uint256 (78 digits) at any scale: Decimal's default 28-digit context would
# round a raw supply of 10**30 + 1 to 10**30 when it is scaled.
_EXACT = Context(prec=100)


def exact_arithmetic() -> AbstractContextManager[Context]:
    """Sums and products of token amounts inside this block are exact (a USDT-sized supply at 18
    decimals already has 30 digits, past the default context's 28)."""
    return localcontext(_EXACT)


def tokens(raw: int, decimals: int) -> Decimal:
    """``raw`` base units of a token with ``decimals`` decimals, as an exact Decimal of whole tokens."""
    return Decimal(raw).scaleb(-decimals, context=_EXACT)
