"""Charts drawn on the server as inline SVG: no CDN, no JavaScript, works offline and in print.

The series come from the read model (``reserves.readmodel.ratio_series`` and ``supply_series``): one
point per publication, at the instant it was published. This module only draws them.

Values stay ``Decimal`` all the way; the only conversion is to integer pixel coordinates, done with
Decimal arithmetic and rounded half-even. Every chart carries a ``<title>`` and an ``aria-label``, and
the pages show the same numbers in a table next to it, so nothing is only in the picture.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from attest.exact import EXACT
from reserves.readmodel import Series

# Colour-blind-safe palette (Okabe-Ito) darkened enough for 3:1 against white.
PALETTE = ["#0b5cad", "#b35806", "#116329", "#8e2c8e", "#a40e26", "#3d5a80", "#7a4d00", "#1b1f24"]
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 96, 16, 12, 28
# One drawing per width band, shown by CSS (static/attest.css, .chart-set): the text is 13 units in a
# viewBox close to the width it is shown at, so it reads at 11 px or more from a 390 px phone to a desktop.
SIZES = (("narrow", 360, 260), ("medium", 720, 280), ("wide", 1100, 320))


def _when(at: datetime) -> str:
    """An instant on an axis or in a tooltip, in the reader's zone (the page says which)."""
    return f"{timezone.localtime(at):%Y-%m-%d %H:%M}"


def _px(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_HALF_EVEN))


def _seconds(delta: timedelta) -> int:
    """Whole seconds of a timedelta, without going through a float."""
    return delta.days * 86_400 + delta.seconds


def _label(value: Decimal) -> str:
    """An axis label: grouped thousands, at most 4 places, trailing zeros dropped."""
    quantised = value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN, context=EXACT)
    text = f"{quantised:,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _empty(title: str, width: int, height: int) -> SafeString:
    return mark_safe(  # noqa: S308 - title is escaped, the rest is our own markup
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>"
        f'<text x="{width // 2}" y="{height // 2}" text-anchor="middle" class="chart-empty">'
        f"{escape(gettext('no data yet'))}</text></svg>"
    )


def line_chart(
    series: Sequence[Series],
    *,
    title: str,
    width: int = 640,
    height: int = 220,
    reference: Decimal | None = None,
    reference_label: str = "",
) -> SafeString:
    """One polyline per series against time, with an optional horizontal reference line (e.g. ratio 1)."""
    points = [p for s in series for p in s.points]
    if not points:
        return _empty(title, width, height)
    values = [p.value for p in points] + ([reference] if reference is not None else [])
    low, high = min(values), max(values)
    if low == high:  # a flat line still needs a scale: pad it by 1% (or 1 when it is zero)
        pad = abs(low) / 100 or Decimal(1)
        low, high = low - pad, high + pad
    start, end = min(p.at for p in points), max(p.at for p in points)
    span = max(_seconds(end - start), 1)
    plot_w = width - MARGIN_LEFT - MARGIN_RIGHT
    plot_h = height - MARGIN_TOP - MARGIN_BOTTOM

    def x(at: datetime) -> int:
        if start == end:  # every point at one instant: draw it in the middle, not against the axis
            return MARGIN_LEFT + plot_w // 2
        return MARGIN_LEFT + _px(Decimal(_seconds(at - start)) * plot_w / span)

    def y(value: Decimal) -> int:
        return MARGIN_TOP + _px((high - value) * plot_h / (high - low))

    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<rect x="{MARGIN_LEFT}" y="{MARGIN_TOP}" width="{plot_w}" height="{plot_h}" class="chart-frame"/>',
        f'<text x="{MARGIN_LEFT - 6}" y="{MARGIN_TOP + 10}" text-anchor="end" class="chart-axis">{_label(high)}</text>',
        f'<text x="{MARGIN_LEFT - 6}" y="{MARGIN_TOP + plot_h}" text-anchor="end" class="chart-axis">'
        f"{_label(low)}</text>",
        f'<text x="{MARGIN_LEFT - 6}" y="{MARGIN_TOP + plot_h // 2 + 5}" text-anchor="end" class="chart-axis">'
        f"{_label((high + low) / 2)}</text>",
        f'<line x1="{MARGIN_LEFT}" x2="{width - MARGIN_RIGHT}" y1="{MARGIN_TOP + plot_h // 2}" '
        f'y2="{MARGIN_TOP + plot_h // 2}" class="chart-grid"/>',
        f'<text x="{MARGIN_LEFT}" y="{height - 8}" class="chart-axis">{_when(start)}</text>',
        f'<text x="{width - MARGIN_RIGHT}" y="{height - 8}" text-anchor="end" class="chart-axis">{_when(end)}</text>',
    ]
    if reference is not None:
        ry = y(reference)
        parts.append(
            f'<line x1="{MARGIN_LEFT}" x2="{width - MARGIN_RIGHT}" y1="{ry}" y2="{ry}" class="chart-reference"/>'
            f'<text x="{width - MARGIN_RIGHT - 4}" y="{ry - 4}" text-anchor="end" class="chart-axis">'
            f"{escape(reference_label or _label(reference))}</text>"
        )
    for i, s in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        coords = " ".join(f"{x(p.at)},{y(p.value)}" for p in sorted(s.points, key=lambda p: p.at))
        if len(s.points) > 1:
            parts.append(
                f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2" '
                f'data-series="{escape(s.label)}"/>'
            )
        # Every point answers hover (its <title>) and keyboard focus (static/charts.js shows the value).
        for p in s.points:
            tip = f"{escape(s.label) + ': ' if s.label else ''}{_label(p.value)} · {_when(p.at)}"
            parts.append(
                f'<circle cx="{x(p.at)}" cy="{y(p.value)}" r="{4 if len(s.points) == 1 else 3}" fill="{colour}" '
                f'class="pt" tabindex="0" data-tip="{tip}"><title>{tip}</title></circle>'
            )
    if len(series) > 1 or (series and series[0].label):
        for i, s in enumerate(series):
            colour = PALETTE[i % len(PALETTE)]
            ly = MARGIN_TOP + 14 + 16 * i
            parts.append(
                f'<rect x="{MARGIN_LEFT + 8}" y="{ly - 9}" width="10" height="10" fill="{colour}"/>'
                f'<text x="{MARGIN_LEFT + 22}" y="{ly}" class="chart-legend">{escape(s.label)}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text node above is escaped


def bar_chart(bars: Sequence[tuple[str, Decimal]], *, title: str, width: int = 640) -> SafeString:
    """Horizontal bars, one per (label, value), scaled to the largest; negative values draw as zero."""
    bar_h, gap = 18, 8
    label_w = min(240, width // 3)
    height = max(len(bars), 1) * (bar_h + gap) + gap
    if not bars:
        return _empty(title, width, 60)
    top = max((v for _, v in bars), default=Decimal(0))
    total = sum((v for _, v in bars if v > 0), Decimal(0))
    plot_w = width - label_w - 90
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (label, value) in enumerate(bars):
        by = gap + i * (bar_h + gap)
        w = _px(max(value, Decimal(0)) * plot_w / top) if top > 0 else 0
        share = f"{(value * 100 / total).quantize(Decimal('0.1'), rounding=ROUND_HALF_EVEN)}%" if total > 0 else "—"
        parts.append(
            f'<text x="{label_w - 6}" y="{by + 13}" text-anchor="end" class="chart-label">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{by}" width="{max(w, 1)}" height="{bar_h}" fill="{PALETTE[i % len(PALETTE)]}" '
            f'class="pt" tabindex="0" data-tip="{escape(label)}: {_label(value)} ({share})">'
            f"<title>{escape(label)}: {_label(value)} ({share})</title></rect>"
            f'<text x="{label_w + max(w, 1) + 6}" y="{by + 13}" class="chart-label">{share}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text node above is escaped


def responsive(draw: Callable[..., SafeString], *args: Any, bars: bool = False, **kwargs: Any) -> SafeString:
    """The chart drawn once per width band (``SIZES``), each shown by CSS at the widths it reads best at."""
    drawings = []
    for name, width, height in SIZES:
        size = {"width": width} if bars else {"width": width, "height": height}
        drawings.append(f'<div class="chart-{name}">{draw(*args, **kwargs, **size)}</div>')
    return mark_safe(f'<div class="chart-set">{"".join(drawings)}</div>')  # noqa: S308 - our markup around drawn charts
