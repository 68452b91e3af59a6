"""The feed's figure and its deviation threshold, at the edges (pure)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from reserves.feeds.answer import answer_of
from reserves.feeds.publisher import deviates


@pytest.mark.parametrize(
    ("reserves", "decimals", "expected"),
    [
        ("10100000.00", 6, 10_100_000_000_000),
        ("0.0000019", 6, 1),  # rounded down: a feed never overstates
        ("140000000000.123456789", 6, 140_000_000_000_123_456),  # USDT's size
        ("1000000000000000000", 18, 10**36),  # 10^18 currency units at 18 decimals: exact
        ("0", 18, 0),
    ],
)
def test_answer_in_token_base_units(reserves, decimals, expected):
    assert answer_of(Decimal(reserves), decimals) == expected


@pytest.mark.parametrize(
    ("new", "old", "bps", "expected"),
    [
        (10_050, 10_000, 50, False),  # exactly 0.5%: not past the threshold
        (10_051, 10_000, 50, True),
        (9_949, 10_000, 50, True),
        (0, 0, 50, False),
        (1, 0, 50, True),
        (10**36 + 1, 10**36, 0, True),  # a zero threshold posts every change
    ],
)
def test_deviation_threshold(new, old, bps, expected):
    assert deviates(new, old, bps) is expected
