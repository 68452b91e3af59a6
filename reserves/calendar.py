"""Business days per jurisdiction: the calendar behind "overnight", "1 business day" and
"15 consecutive business days".

Holidays come from the maintained `holidays` package rather than a table of our own: lunar
holidays, substitution days and newly declared holidays change every year, and keeping them right
is that package's whole job. What is ours is which calendar each jurisdiction's banks keep:

- HK: general holidays (the package's ``public`` plus ``optional`` categories), the days banks close.
- US: Federal Reserve holidays. The Fed observes a Sunday holiday on Monday but stays open on the
  Friday before a Saturday holiday, so the package's Friday "(observed)" days are business days.
- EU: the TARGET2 calendar (the package's ``XECB`` financial calendar), which euro settlement keeps.
- SG: Singapore public holidays.

Saturdays and Sundays are never business days.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

JURISDICTIONS = ("HK", "US", "EU", "SG")

# Rule-pack profile -> the jurisdiction whose banking days it counts.
PROFILE_JURISDICTION = {
    "HK": "HK",
    "US_GENIUS": "US",
    "US_NYDFS": "US",
    "EU_MICA": "EU",
    "SG_MAS": "SG",
}

# Where each jurisdiction's day begins and ends: "yesterday's statement" and "received on day D".
ZONES = {"HK": "Asia/Hong_Kong", "US": "America/New_York", "EU": "Europe/Brussels", "SG": "Asia/Singapore"}

_SATURDAY = 5
_FRIDAY = 4


class UnknownJurisdiction(ValueError):
    pass


def jurisdiction_of(profile: str) -> str:
    """The calendar a rule-pack profile counts business days in."""
    try:
        return PROFILE_JURISDICTION[profile]
    except KeyError:
        raise UnknownJurisdiction(f"no business-day calendar for profile {profile!r}") from None


@cache
def _holidays_in(jurisdiction: str, year: int) -> frozenset[date]:
    # Cached per (jurisdiction, year): static reference data, identical in every process.
    if jurisdiction == "HK":
        found = holidays.country_holidays("HK", years=year, categories=("public", "optional"))
    elif jurisdiction == "US":
        found = holidays.country_holidays("US", years=year)
        return frozenset(
            day for day, name in found.items() if not (day.weekday() == _FRIDAY and "(observed)" in name.lower())
        )
    elif jurisdiction == "EU":
        found = holidays.financial_holidays("XECB", years=year)
    elif jurisdiction == "SG":
        found = holidays.country_holidays("SG", years=year)
    else:
        raise UnknownJurisdiction(f"no business-day calendar for {jurisdiction!r}; known: {', '.join(JURISDICTIONS)}")
    return frozenset(found.keys())


def local_date(moment: datetime, jurisdiction: str) -> date:
    """The date an instant falls on in the jurisdiction's own time zone."""
    return moment.astimezone(ZoneInfo(ZONES[jurisdiction])).date()


def is_business_day(day: date, jurisdiction: str) -> bool:
    return day.weekday() < _SATURDAY and day not in _holidays_in(jurisdiction, day.year)


def next_business_day(day: date, jurisdiction: str) -> date:
    """The first business day strictly after ``day``."""
    return add_business_days(day, 1, jurisdiction)


def add_business_days(day: date, count: int, jurisdiction: str) -> date:
    """The ``count``-th business day after ``day`` (``count`` >= 0; 0 returns ``day`` itself)."""
    if count < 0:
        raise ValueError("count must be >= 0")
    current = day
    remaining = count
    while remaining:
        current += timedelta(days=1)
        if is_business_day(current, jurisdiction):
            remaining -= 1
    return current


def business_days_between(start: date, end: date, jurisdiction: str) -> int:
    """Business days in the half-open interval (start, end]: 0 when ``end`` <= ``start``.

    A Friday-to-Monday span is 1, which is why a weekend reverse repo is still overnight.
    """
    count = 0
    current = start
    while current < end:
        current += timedelta(days=1)
        if is_business_day(current, jurisdiction):
            count += 1
    return count
