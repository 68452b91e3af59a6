"""Template filters for the reader's language and zone: domain codes as words, instants as <time>."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django import template
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from web import labels
from web.findings import event_note, finding_text
from web.format import DASH

register = template.Library()


@register.filter
def label(code: object) -> str:
    """A verdict, freshness, severity or status code as words in the reader's language."""
    return labels.code_label(str(code)) if code else DASH


@register.filter
def review(status: object) -> str:
    return labels.review_label(str(status or ""))


@register.filter
def reason(value: dict[str, Any]) -> str:
    return labels.reason_text(value)


@register.filter
def tr(value: object) -> str:
    return labels.text(str(value)) if value is not None else ""


@register.filter
def source(value: object) -> str:
    """A publication's "single source: ..." note in the reader's language."""
    return labels.single_source_text(str(value or ""))


@register.filter
def rule_name(rule: object, profile: object = "") -> str:
    return labels.rule_name(str(rule), str(profile or ""))


def _instant(value: object) -> datetime | None:
    if isinstance(value, str) and value:
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    return value if timezone.is_aware(value) else value.replace(tzinfo=UTC)


def zone_name() -> str:
    name = timezone.get_current_timezone_name()
    return gettext("Hong Kong time") if name == "Asia/Hong_Kong" else name


@register.filter
def when(value: object, style: str = "DATETIME_FORMAT") -> SafeString | str:
    """An instant in the reader's zone and language, with the UTC instant on hover and in ``datetime``."""
    instant = _instant(value)
    if instant is None:
        return DASH
    utc = instant.astimezone(UTC)
    local = timezone.localtime(instant)
    return format_html(
        '<time datetime="{}" title="{} UTC">{} <span class="zone">{}</span></time>',
        utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        utc.strftime("%Y-%m-%d %H:%M:%S"),
        formats.date_format(local, style),
        zone_name(),
    )


@register.simple_tag
def reader_zone() -> str:
    return zone_name()


@register.filter
def regulator_name(profile: object) -> str:
    name = labels.REGULATORS.get(str(profile))
    return gettext(name) if name else ""


@register.filter
def tidy(message: object) -> str:
    """A finding's text in the reader's language, amounts grouped and rounded to cents (the figures stay exact)."""
    return finding_text(str(message or ""))


@register.filter
def system_note(event: Any) -> str:
    """A flag event's note: the engine's own (no actor) read in the reader's language, a person's as written."""
    return str(event.note) if event.actor_id else event_note(str(event.kind), str(event.note))


@register.filter
def plain(value: object) -> str:
    """A rule's figure as text: mappings as "key: value" pairs and lists joined, never a Python repr."""
    if isinstance(value, dict):
        return "; ".join(f"{k}: {plain(v)}" for k, v in value.items()) or DASH
    if isinstance(value, list | tuple):
        return ", ".join(plain(v) for v in value) or DASH
    if value is None:
        return DASH
    return str(value)
