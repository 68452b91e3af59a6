"""The figure a coin's feed carries, from its publication. Pure.

The eligible reserves under the coin's headline licence (its worst), in token base units, rounded
down so a feed never overstates. None while the ripcord holds: the headline publication is
unverified, or its chain data stale, degraded or missing, so nothing trustworthy can be posted.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from reserves.readmodel import CoinState
from reserves.verdict import UNVERIFIED

RIPCORD_FRESHNESS = frozenset({"stale", "degraded", "no_data"})


def answer_of(reserves: Decimal, decimals: int) -> int:
    return int((reserves * (Decimal(10) ** decimals)).to_integral_value(rounding=ROUND_FLOOR))


def current_answer(state: CoinState | None, decimals: int) -> tuple[int | None, str]:
    """(answer, "") when the coin's publication can be posted, else (None, why not)."""
    if state is None or state.headline is None:
        return None, "not yet published"
    headline = state.headline
    if headline.verdict == UNVERIFIED:
        texts = "; ".join(r["text"] for r in headline.reasons) or "unverified"
        return None, f"ripcord: the coin is unverified ({texts})"
    if headline.freshness.status in RIPCORD_FRESHNESS:
        return None, f"ripcord: chain data {headline.freshness.status} ({headline.freshness.reason})"
    reserves = headline.reserves
    if reserves is None or reserves < 0:
        return None, "the publication states no reserves"
    return answer_of(reserves, decimals), ""
