"""The one decimal context for money and token arithmetic: wide enough that nothing we hold rounds.

Decimal's default context keeps 28 significant digits, and silently rounds past them: a USDT-sized
supply at 18 decimals already has 30. A token amount has at most 78 significant digits (a uint256)
and at most 77 places; a sum across deployments of different decimals needs 78 + 77, a product with
a par value or an exchange rate 20 more. 400 digits holds all of that with room to spare.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from decimal import Context, Decimal, localcontext

EXACT = Context(prec=400)


def exact_arithmetic() -> AbstractContextManager[Context]:
    """Sums and products of amounts inside this block are exact."""
    return localcontext(EXACT)


def amount_text(value: Decimal, places: int = 18) -> str:
    """An amount as plain decimal text with at least ``places`` places (18: any usual token's), and every
    place beyond that it has (a token of more decimals): never rounded, never in exponent form."""
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    return format(value if exponent < -places else value.quantize(Decimal(1).scaleb(-places), context=EXACT), "f")
