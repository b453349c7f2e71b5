"""Charts as inline SVG written on the server: no script, nothing loaded from anywhere.

Each chart is an ``<svg role="img">`` named by its ``<title>`` and described by its ``<desc>``
(which states the numbers in words); each bar carries a ``<title>`` tooltip, and the page puts a
data table next to every chart. Colours are the site's, each at least 3:1 against white.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

BLUE = "#1a4f8b"
RED = "#a8201a"
GREEN = "#1c6530"
PURPLE = "#5b3a8c"
INK = "#1f2329"
MUTED = "#555d6b"
GRID = "#d5dae1"
FONT = 'font-family="inherit"'


@dataclass(frozen=True)
class Bar:
    label: str  # in full, for the tooltip
    short: str  # under the bar
    value: float


@dataclass(frozen=True)
class Series:
    name: str
    colour: str


@dataclass(frozen=True)
class Group:
    label: str
    values: Sequence[float | None]  # one per series, 0..1, None when there is no denominator


def count_scale(value: float, most_ticks: int = 5) -> tuple[int, int]:
    """(top, step) of an axis for counts up to ``value``: a whole step of 1, 2 or 5 × 10ⁿ with
    at most ``most_ticks`` steps, and the top the first multiple of it at or above ``value``."""
    if value <= 0:
        return 1, 1
    power = 10 ** max(math.floor(math.log10(value / most_ticks)), 0)
    for factor in (1, 2, 5, 10):
        step = factor * power
        if math.ceil(value / step) <= most_ticks:
            return step * math.ceil(value / step), step
    raise AssertionError(value)  # factor 10 always fits


def _svg(template: str, **values: object) -> SafeString:
    """format_html with coordinates rounded to a tenth (format_html escapes every value, so a
    format spec cannot be used in the template)."""
    shown = {
        key: f"{value:.1f}".removesuffix(".0") if isinstance(value, float) else value
        for key, value in values.items()
    }
    return format_html(template, **shown)


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _open(chart_id: str, title: str, description: str, width: int, height: int) -> str:
    return _svg(
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {w} {h}" '
        'width="100%" preserveAspectRatio="xMinYMin meet" aria-labelledby="{id}-title {id}-desc" '
        'style="max-width:{w}px;height:auto;display:block">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>',
        w=width,
        h=height,
        id=chart_id,
        title=title,
        desc=description,
    )


def column_chart(
    *, chart_id: str, title: str, description: str, bars: Sequence[Bar], colour: str = BLUE
) -> SafeString:
    """Vertical bars with a value axis from 0 (monthly counts)."""
    width, height = 640, 280
    left, right, top, bottom = 52, 12, 20, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    ceiling, tick = count_scale(max((bar.value for bar in bars), default=0))
    parts = [_open(chart_id, title, description, width, height)]
    for value in range(0, ceiling + 1, tick):
        y = top + plot_h - plot_h * value / ceiling
        parts.append(
            _svg(
                '<line x1="{x1}" x2="{x2}" y1="{y}" y2="{y}" stroke="{c}" />'
                '<text x="{tx}" y="{ty}" text-anchor="end" font-size="14" fill="{m}" {f}>'
                "{v}</text>",
                x1=left,
                x2=width - right,
                y=y,
                c=GRID,
                tx=left - 6,
                ty=y + 4,
                m=MUTED,
                f=mark_safe(FONT),  # noqa: S308 - a constant
                v=_number(value),
            )
        )
    slot = plot_w / max(len(bars), 1)
    bar_w = max(min(slot * 0.7, 48), 2)
    label_every = max(1, math.ceil(len(bars) / 12))
    for index, bar in enumerate(bars):
        bar_h = plot_h * bar.value / ceiling
        x = left + slot * index + (slot - bar_w) / 2
        y = top + plot_h - bar_h
        parts.append(
            _svg(
                '<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{c}">'
                "<title>{label}：{v}</title></rect>",
                x=x,
                y=y,
                w=bar_w,
                h=bar_h,
                c=colour,
                label=bar.label,
                v=_number(bar.value),
            )
        )
        if bar.value and len(bars) <= 24:
            parts.append(
                _svg(
                    '<text x="{x}" y="{y}" text-anchor="middle" font-size="13" '
                    'fill="{c}" {f}>{v}</text>',
                    x=x + bar_w / 2,
                    y=y - 4,
                    c=INK,
                    f=mark_safe(FONT),  # noqa: S308 - a constant
                    v=_number(bar.value),
                )
            )
        if index % label_every == 0:
            parts.append(
                _svg(
                    '<text x="{x}" y="{y}" text-anchor="middle" font-size="14" fill="{c}" '
                    "{f}>{label}</text>",
                    x=x + bar_w / 2,
                    y=height - bottom + 18,
                    c=INK,
                    f=mark_safe(FONT),  # noqa: S308 - a constant
                    label=bar.short,
                )
            )
    parts.append(
        _svg(
            '<line x1="{x1}" x2="{x2}" y1="{y}" y2="{y}" stroke="{c}" />',
            x1=left,
            x2=width - right,
            y=top + plot_h,
            c=INK,
        )
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every part above is escaped


def grouped_bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    series: Sequence[Series],
    groups: Sequence[Group],
) -> SafeString:
    """Horizontal bars from 0 to 100 %, one row of bars per group and one bar per series."""
    width = 640
    left, right, top = 132, 56, 36
    bar_h, gap = 16, 18
    group_h = bar_h * len(series) + gap
    height = top + group_h * max(len(groups), 1) + 8
    plot_w = width - left - right
    parts = [_open(chart_id, title, description, width, height)]
    x = left
    for item in series:  # the legend
        parts.append(
            _svg(
                '<rect x="{x}" y="8" width="14" height="14" fill="{c}" />'
                '<text x="{tx}" y="20" font-size="14" fill="{ink}" {f}>{name}</text>',
                x=x,
                c=item.colour,
                tx=x + 20,
                ink=INK,
                f=mark_safe(FONT),  # noqa: S308 - a constant
                name=item.name,
            )
        )
        x += 20 + 14 * len(item.name) + 24
    for step in range(5):
        gx = left + plot_w * step / 4
        parts.append(
            _svg(
                '<line x1="{x}" x2="{x}" y1="{y1}" y2="{y2}" stroke="{c}" />',
                x=gx,
                y1=top - 4,
                y2=height - 8,
                c=GRID,
            )
        )
    for index, group in enumerate(groups):
        y0 = top + group_h * index
        parts.append(
            _svg(
                '<text x="{x}" y="{y}" text-anchor="end" font-size="14" fill="{c}" {f}>'
                "{label}</text>",
                x=left - 8,
                y=y0 + bar_h * len(series) / 2 + 4,
                c=INK,
                f=mark_safe(FONT),  # noqa: S308 - a constant
                label=group.label,
            )
        )
        for position, (item, value) in enumerate(zip(series, group.values, strict=True)):
            y = y0 + bar_h * position
            w = plot_w * min(max(value or 0.0, 0.0), 1.0)
            parts.append(
                _svg(
                    '<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{c}">'
                    "<title>{group} · {name}：{v}</title></rect>"
                    '<text x="{tx}" y="{ty}" font-size="13" fill="{ink}" {f}>{v}</text>',
                    x=left,
                    y=y,
                    w=w,
                    h=bar_h - 2,
                    c=item.colour,
                    group=group.label,
                    name=item.name,
                    v=percent(value),
                    tx=left + w + 4,
                    ty=y + bar_h - 3,
                    ink=INK,
                    f=mark_safe(FONT),  # noqa: S308 - a constant
                )
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every part above is escaped


def describe(pairs: Sequence[tuple[str, str]]) -> str:
    """A sentence listing ``label value`` pairs, for a chart's <desc>."""
    return "；".join(f"{label} {value}" for label, value in pairs)
