"""Charts as inline SVG, drawn on the server: they print, need no script, and
carry their figures as text for screen readers.

Bars are coloured by the verdict against the target (within it or over it);
the target is a dashed line across the chart with its value written on it."""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

GOOD = "#1d6b34"
BAD = "#a4161a"
PLAIN = "#0b4f8a"
GRID = "#c9ced6"
INK = "#1a1d21"
NO_VALUE = "\u2013"  # an en dash: no figure


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: float | None
    note: str = ""
    met: bool | None = None


@dataclass(frozen=True, slots=True)
class Chart:
    title: str
    bars: Sequence[Bar]
    target: float | None = None
    unit: str = "s"


def duration(seconds: float | None) -> str:
    """Seconds as a reader says them: ``45 s``, ``4:05``, ``1 h 02 min``."""
    if seconds is None:
        return NO_VALUE
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60}:{whole % 60:02d}"
    return f"{whole // 3600} h {whole % 3600 // 60:02d} min"


def _label(value: float | None, unit: str) -> str:
    if unit == "s":
        return duration(value)
    return NO_VALUE if value is None else f"{value:,.1f} {unit}".strip()


def _colour(bar: Bar, target: float | None) -> str:
    if bar.met is not None:
        return GOOD if bar.met else BAD
    if target is None or bar.value is None:
        return PLAIN
    return GOOD if bar.value <= target else BAD


def _scale(chart: Chart) -> float:
    values = [b.value for b in chart.bars if b.value is not None]
    top = max([*values, chart.target or 0.0, 1.0])
    return top * 1.08


def _heading(chart: Chart) -> str:
    title = escape(chart.title)
    return f'<text x="0" y="16" font-weight="600" fill="{INK}">{title}</text>'


def _frame(width: int, height: int, chart: Chart, body: list[str]) -> Markup:
    title = escape(chart.title)
    summary = "; ".join(
        f"{b.label}: {_label(b.value, chart.unit)}" for b in chart.bars[:40]
    )
    if chart.target is not None:
        summary = f"target {_label(chart.target, chart.unit)}; {summary}"
    ref = (
        "c" + hashlib.sha1(chart.title.encode(), usedforsecurity=False).hexdigest()[:8]
    )
    # Every text that came from data went through escape() above.
    return Markup(  # noqa: S704 - assembled from escaped parts only
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="{ref}t {ref}d" '
        f'font-family="system-ui, sans-serif" font-size="12">'
        f'<title id="{ref}t">{title}</title>'
        f'<desc id="{ref}d">{escape(summary)}</desc>{"".join(body)}</svg>'
    )


def horizontal_bars(chart: Chart, *, width: int = 720) -> Markup:
    """One labelled bar a row: for groups with names (types, stations, units)."""
    row, left, right, top = 24, 150, 200, 28
    plot = width - left - right
    height = top + row * max(len(chart.bars), 1) + 10
    scale = _scale(chart)
    body = [_heading(chart)]
    for i, bar in enumerate(chart.bars):
        y = top + i * row
        body.append(
            f'<text x="{left - 6}" y="{y + 16}" text-anchor="end" fill="{INK}">'
            f"{escape(bar.label[:22])}</text>"
        )
        if bar.value is not None:
            length = plot * bar.value / scale
            body.append(
                f'<rect x="{left}" y="{y + 4}" width="{length:.1f}" height="{row - 8}" '
                f'fill="{_colour(bar, chart.target)}"/>'
            )
        text = _label(bar.value, chart.unit) + (f"  {bar.note}" if bar.note else "")
        x = left + (plot * bar.value / scale if bar.value is not None else 0) + 4
        body.append(
            f'<text x="{x:.1f}" y="{y + 16}" fill="{INK}">{escape(text)}</text>'
        )
    if chart.target is not None:
        x = left + plot * chart.target / scale
        body.append(
            f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{height - 6}" '
            f'stroke="{INK}" stroke-dasharray="5 4"/>'
            f'<text x="{x + 3:.1f}" y="{top - 8}" fill="{INK}">target '
            f"{escape(_label(chart.target, chart.unit))}</text>"
        )
    return _frame(width, height, chart, body)


def columns(chart: Chart, *, width: int = 720, height: int = 240) -> Markup:
    """One column per bar left to right: for ordered keys (hours of the day)."""
    left, bottom, top = 48, 28, 30
    plot_h = height - top - bottom
    slot = (width - left - 8) / max(len(chart.bars), 1)
    scale = _scale(chart)
    body = [_heading(chart)]
    for tick in (0.25, 0.5, 0.75, 1.0):
        y = top + plot_h * (1 - tick)
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - 8}" y2="{y:.1f}" '
            f'stroke="{GRID}"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="10" '
            f'fill="{INK}">{escape(_label(scale * tick, chart.unit))}</text>'
        )
    for i, bar in enumerate(chart.bars):
        x = left + i * slot
        if bar.value is not None:
            h = plot_h * bar.value / scale
            body.append(
                f'<rect x="{x + 2:.1f}" y="{top + plot_h - h:.1f}" '
                f'width="{max(slot - 4, 1):.1f}" height="{h:.1f}" '
                f'fill="{_colour(bar, chart.target)}">'
                f"<title>{escape(bar.label)}: {escape(_label(bar.value, chart.unit))}"
                f"</title></rect>"
            )
        body.append(
            f'<text x="{x + slot / 2:.1f}" y="{height - 10}" text-anchor="middle" '
            f'font-size="10" fill="{INK}">{escape(bar.label)}</text>'
        )
    if chart.target is not None:
        y = top + plot_h * (1 - chart.target / scale)
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - 8}" y2="{y:.1f}" '
            f'stroke="{INK}" stroke-dasharray="5 4"/>'
            f'<text x="{width - 10}" y="{y - 4:.1f}" text-anchor="end" fill="{INK}">'
            f"target {escape(_label(chart.target, chart.unit))}</text>"
        )
    return _frame(width, height, chart, body)
