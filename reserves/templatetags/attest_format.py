"""Template filters for exact amounts and ages (no float: Decimal rounding only)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from reserves.page_selectors import fmt_age, fmt_amount

register = template.Library()


@register.filter
def amount(value: Decimal | None, places: int = 2) -> str:
    return fmt_amount(value, int(places))


@register.filter
def age(seconds: int | None) -> str:
    return fmt_age(seconds)


@register.filter
def get(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key)
