"""Template filters for exact amounts and ages (no float: Decimal rounding only)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django import template

from reserves.compute import ratio_cut
from web.format import DASH, fmt_age, fmt_amount

register = template.Library()


@register.filter
def ratio(value: object) -> str:
    """A run's own ratio, cut to 4 places like every published ``ratio_display`` (one function for both)."""
    return ratio_cut(value) if isinstance(value, Decimal) else DASH


@register.filter
def amount(value: object, places: int = 2) -> str:
    """A Decimal (or a publication's exact decimal string) for display; anything else is a dash."""
    if isinstance(value, str) and value:
        try:
            return fmt_amount(Decimal(value), int(places))
        except ArithmeticError:
            return value
    return fmt_amount(value if isinstance(value, Decimal) else None, int(places))


@register.filter
def age(seconds: object) -> str:
    return fmt_age(seconds if isinstance(seconds, int) else None)


@register.filter
def get(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key)


@register.filter
def isotime(value: object) -> str:
    """An ISO 8601 instant stored as text (a publication's findings carry them so) as "YYYY-MM-DD HH:MM"."""
    if not isinstance(value, str) or not value:
        return DASH
    try:
        return datetime.fromisoformat(value).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return value
