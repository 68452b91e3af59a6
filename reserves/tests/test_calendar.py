"""Business days per jurisdiction, against dates anyone can check on a bank's holiday notice."""

from __future__ import annotations

from datetime import date

import pytest

from reserves.calendar import (
    UnknownJurisdiction,
    add_business_days,
    business_days_between,
    is_business_day,
    jurisdiction_of,
    next_business_day,
)


@pytest.mark.parametrize(
    ("jurisdiction", "day", "expected"),
    [
        ("HK", date(2026, 2, 17), False),  # Lunar New Year
        ("HK", date(2026, 4, 7), False),  # the day following Easter Monday / Ching Ming observed
        ("HK", date(2026, 12, 28), True),  # the Monday after Boxing Day's substitute Saturday
        ("US", date(2026, 6, 19), False),  # Juneteenth
        ("US", date(2026, 7, 3), True),  # the Fed stays open the Friday before a Saturday holiday
        ("US", date(2026, 11, 11), False),  # Veterans Day
        ("EU", date(2026, 5, 1), False),  # TARGET2 closed on Labour Day
        ("EU", date(2026, 11, 11), True),
        ("SG", date(2026, 8, 10), False),  # National Day (Sunday 9 Aug) observed Monday
        ("HK", date(2026, 12, 5), False),  # a Saturday
    ],
)
def test_business_days(jurisdiction, day, expected):
    assert is_business_day(day, jurisdiction) is expected


def test_friday_to_monday_is_one_business_day():
    assert business_days_between(date(2026, 12, 4), date(2026, 12, 7), "US") == 1
    assert next_business_day(date(2026, 12, 4), "HK") == date(2026, 12, 7)


def test_counting_across_a_holiday_week():
    # Lunar New Year 2026: Tue 17 to Thu 19 Feb are closed in Hong Kong.
    assert add_business_days(date(2026, 2, 16), 1, "HK") == date(2026, 2, 20)
    assert business_days_between(date(2026, 2, 16), date(2026, 2, 20), "HK") == 1
    assert business_days_between(date(2026, 2, 20), date(2026, 2, 16), "HK") == 0
    assert add_business_days(date(2026, 2, 16), 0, "HK") == date(2026, 2, 16)


def test_profiles_map_to_calendars_and_unknowns_are_refused():
    assert jurisdiction_of("US_NYDFS") == "US"
    assert jurisdiction_of("EU_MICA") == "EU"
    with pytest.raises(UnknownJurisdiction):
        jurisdiction_of("MARS")
    with pytest.raises(UnknownJurisdiction):
        is_business_day(date(2026, 1, 5), "MARS")
