"""Small SVG charts drawn as text: lines over dates, columns over dates, paired bars.

Every chart is one `<svg>` element with its size in a viewBox, so it scales with the
page; colours come from the page's CSS classes. Each line is a `<polyline>` with one
point per value (`data-series` names it, `data-points` counts them); each marker,
column and bar carries a `<title>`, which a browser shows on hover. Floats are used
for drawing only: the numbers a person reads are in the page's tables.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal

import attrs

__all__ = ["Bar", "Line", "Marker", "bar_pairs", "columns", "line_chart"]

WIDTH, HEIGHT = 900, 300
LEFT, RIGHT, TOP, BOTTOM = 80, 20, 30, 40


@attrs.frozen(kw_only=True)
class Line:
    """One series: `name` for the legend, `kind` its CSS class, values by date (oldest first)."""

    name: str
    kind: str
    values: Sequence[tuple[date, Decimal]]


@attrs.frozen(kw_only=True)
class Marker:
    """A dated event drawn as a tick under the plot: `kind` its CSS class, `label` its title."""

    day: date
    kind: str
    label: str


@attrs.frozen(kw_only=True)
class Bar:
    """One group of `paired_bars`: a label and (name, kind, value) per bar."""

    label: str
    values: Sequence[tuple[str, str, Decimal]]


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round values from `low` to `high`, about `count` of them (1, 2 or 5 × 10ⁿ apart)."""
    if high <= low:
        return [low]
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.ceil(low / step) * step
    return [first + n * step for n in range(int((high - first) / step + 1e-9) + 1)]


def _frame(
    title: str,
    body: list[str],
    legend: Sequence[tuple[str, str]],
    chart: str,
    height: int = HEIGHT,
) -> str:
    keys = "".join(
        f'<g class="key {_esc(kind)}" transform="translate({LEFT + 180 * n},{TOP - 12})">'
        f'<rect width="12" height="12" y="-10"/><text x="18">{_esc(name)}</text></g>'
        for n, (name, kind) in enumerate(legend)
    )
    return (
        f'<svg class="chart" data-chart="{_esc(chart)}" viewBox="0 0 {WIDTH} {height}" '
        f'role="img" aria-label="{_esc(title)}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{_esc(title)}</title>{keys}{''.join(body)}</svg>"
    )


class _Scale:
    """Dates to x and values to y inside the plot area."""

    def __init__(self, first: date, last: date, low: float, high: float) -> None:
        self.first, self.days = first, max((last - first).days, 1)
        self.low, self.span = low, (high - low) or 1.0

    def x(self, day: date) -> float:
        return LEFT + (WIDTH - LEFT - RIGHT) * (day - self.first).days / self.days

    def y(self, value: float) -> float:
        return HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * (value - self.low) / self.span


def _axes(scale: _Scale, ticks: list[float], last: date, label: Callable[[float], str]) -> str:
    parts = [
        f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{scale.y(t):.1f}" '
        f'y2="{scale.y(t):.1f}"/><text class="axis" x="{LEFT - 6}" y="{scale.y(t) + 4:.1f}" '
        f'text-anchor="end">{_esc(label(t))}</text>'
        for t in ticks
    ]
    span = (last - scale.first).days
    count = 6 if span else 1
    for n in range(count):
        day = date.fromordinal(scale.first.toordinal() + span * n // 5)
        anchor = "start" if n == 0 else "end" if n == count - 1 else "middle"
        parts.append(
            f'<text class="axis" x="{scale.x(day):.1f}" y="{HEIGHT - BOTTOM + 18}" '
            f'text-anchor="{anchor}">{day.isoformat()}</text>'
        )
    return "".join(parts)


def line_chart(
    title: str,
    lines: Sequence[Line],
    *,
    markers: Sequence[Marker] = (),
    label: Callable[[float], str] = lambda value: f"{value:,.0f}",
    chart: str = "",
) -> str:
    """Lines over their dates on one scale, markers as ticks under the plot area."""
    days = [day for line in lines for day, _ in line.values] + [m.day for m in markers]
    values = [float(value) for line in lines for _, value in line.values]
    low, high = min(values), max(values)
    ticks = _ticks(low, high)
    scale = _Scale(min(days), max(days), min(low, ticks[0]), max(high, ticks[-1]))
    body = [_axes(scale, ticks, max(days), label)]
    for line in lines:
        points = " ".join(f"{scale.x(d):.1f},{scale.y(float(v)):.1f}" for d, v in line.values)
        body.append(
            f'<polyline class="line {_esc(line.kind)}" data-series="{_esc(line.kind)}" '
            f'data-points="{len(line.values)}" points="{points}"><title>{_esc(line.name)}</title>'
            "</polyline>"
        )
    body.extend(
        f'<line class="marker {_esc(m.kind)}" data-marker="{_esc(m.kind)}" '
        f'x1="{scale.x(m.day):.1f}" x2="{scale.x(m.day):.1f}" y1="{HEIGHT - BOTTOM}" '
        f'y2="{HEIGHT - BOTTOM + 6 if m.kind == "rebalance" else HEIGHT - BOTTOM - 8}">'
        f"<title>{_esc(m.label)}</title></line>"
        for m in markers
    )
    legend = [(line.name, line.kind) for line in lines]
    return _frame(title, body, legend, chart)


def columns(
    title: str,
    values: Sequence[tuple[date, Decimal, str]],
    *,
    span: tuple[date, date],
    label: Callable[[float], str],
    chart: str = "",
) -> str:
    """One thin column per (date, value, title) on the dates of `span` (first, last)."""
    first, last = span
    heights = [float(value) for _, value, _ in values] or [0.0]
    ticks = _ticks(0.0, max(heights))
    scale = _Scale(first, last, 0.0, max(*heights, ticks[-1]))
    body = [_axes(scale, ticks, last, label)]
    body.extend(
        f'<rect class="column" x="{scale.x(day) - 1.5:.1f}" y="{scale.y(float(value)):.1f}" '
        f'width="3" height="{scale.y(0.0) - scale.y(float(value)):.1f}">'
        f"<title>{_esc(text)}</title></rect>"
        for day, value, text in values
    )
    return _frame(title, body, [], chart)


def bar_pairs(
    title: str, groups: Sequence[Bar], *, label: Callable[[float], str], chart: str = ""
) -> str:
    """Horizontal bars, one group per label (e.g. a symbol's weight now and its target)."""
    per = max((len(group.values) for group in groups), default=1)
    row, gap = 14, 10
    height = TOP + len(groups) * (per * row + gap) + 20
    top = max((float(v) for g in groups for _, _, v in g.values), default=0.0)
    ticks = _ticks(0.0, top or 1.0)
    width = WIDTH - LEFT - RIGHT - 60
    high = max(top, ticks[-1]) or 1.0
    body: list[str] = []
    for n, group in enumerate(groups):
        y = TOP + n * (per * row + gap)
        body.append(
            f'<text class="axis" x="{LEFT - 6}" y="{y + per * row / 2 + 4:.1f}" '
            f'text-anchor="end">{_esc(group.label)}</text>'
        )
        for k, (name, kind, value) in enumerate(group.values):
            size = width * float(value) / high
            body.append(
                f'<rect class="bar {_esc(kind)}" x="{LEFT}" y="{y + k * row}" '
                f'width="{size:.1f}" height="{row - 2}"><title>{_esc(group.label)} {_esc(name)}: '
                f"{_esc(label(float(value)))}</title></rect>"
                f'<text class="value" x="{LEFT + size + 4:.1f}" y="{y + k * row + row - 4}">'
                f"{_esc(label(float(value)))}</text>"
            )
    legend = [(name, kind) for name, kind, _ in (groups[0].values if groups else ())]
    return _frame(title, body, legend, chart, height)
