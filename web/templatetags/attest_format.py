"""Template filters for exact amounts and ages (no float: Decimal rounding only)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from reserves.page_selectors import STATUS_LABELS, fmt_age, fmt_amount, fmt_ratio

register = template.Library()


@register.filter
def ratio(value: object) -> str:
    return fmt_ratio(value if isinstance(value, Decimal) else None)


@register.filter
def amount(value: object, places: int = 2) -> str:
    """A Decimal for display; anything else (None, or "" for a missing attribute such as no run) is a dash."""
    return fmt_amount(value if isinstance(value, Decimal) else None, int(places))


@register.filter
def age(seconds: object) -> str:
    return fmt_age(seconds if isinstance(seconds, int) else None)


@register.filter
def get(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key)


@register.filter
def status_label(status: str) -> str:
    """A run status in words: "under_collateralised" -> "Under-collateralised"."""
    return STATUS_LABELS.get(status, status)
