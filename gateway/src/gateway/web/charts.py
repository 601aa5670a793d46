"""Charts drawn on the server as SVG: no script, printable in black and white (bars are labelled
with their numbers, series differ by dash pattern as well as colour), and each chart is paired
with a table of its numbers on the page for screen readers. Text is escaped; sizes are fixed
so the page lays out before anything loads."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

BAR_HEIGHT = 18
GAP = 6
LABEL_WIDTH = 190
PLOT_WIDTH = 360
DASHES = ("", "6 3", "2 3", "8 3 2 3")
COLOURS = ("#a3161a", "#1f5f99", "#2e7d32", "#6d4c41")


def bar_chart(
    rows: Sequence[tuple[str, float | None]], *, title: str, unit: str = "%", maximum: float = 100.0
) -> Markup:
    """Horizontal bars, one per row (label, value); a missing value is drawn as "—"."""
    height = len(rows) * (BAR_HEIGHT + GAP) + GAP + 20
    width = LABEL_WIDTH + PLOT_WIDTH + 60
    top = max([maximum, *(value or 0 for _, value in rows)])
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for index, (label, value) in enumerate(rows):
        y = GAP + index * (BAR_HEIGHT + GAP)
        baseline = y + BAR_HEIGHT - 5
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{baseline}" text-anchor="end" font-size="12">{escape(label)}</text>'
        )
        if value is None:
            parts.append(f'<text x="{LABEL_WIDTH + 4}" y="{y + BAR_HEIGHT - 5}" font-size="12">—</text>')
            continue
        length = PLOT_WIDTH * min(value, top) / top if top else 0
        parts.append(
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length:.1f}" height="{BAR_HEIGHT}" fill="{COLOURS[0]}" '
            f'stroke="#000" stroke-width="0.5"/>'
        )
        parts.append(
            f'<text x="{LABEL_WIDTH + length + 4:.1f}" y="{y + BAR_HEIGHT - 5}" font-size="12">'
            f"{escape(_number(value))}{escape(unit)}</text>"
        )
    axis_y = height - 14
    parts.append(
        f'<line x1="{LABEL_WIDTH}" y1="{axis_y}" x2="{LABEL_WIDTH + PLOT_WIDTH}" y2="{axis_y}" stroke="#000"/>'
    )
    for fraction in (0, 0.5, 1):
        x = LABEL_WIDTH + PLOT_WIDTH * fraction
        tick = f"{_number(top * fraction)}{escape(unit)}"
        parts.append(f'<text x="{x:.1f}" y="{height - 2}" text-anchor="middle" font-size="10">{tick}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it went through escape()


def line_chart(years: Sequence[int], series: Sequence[tuple[str, Sequence[float | None]]], *, title: str) -> Markup:
    """One line per series over ``years``; each series has its own dash pattern and a legend."""
    width, height, left, bottom, top_margin = 560, 240, 50, 30, 10
    plot_w, plot_h = width - left - 20, height - bottom - top_margin - 20 * len(series)
    values = [v for _, points in series for v in points if v is not None]
    top = max([*values, 1.0])
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{left}" y1="{top_margin + plot_h}" x2="{left + plot_w}" y2="{top_margin + plot_h}" stroke="#000"/>',
        f'<line x1="{left}" y1="{top_margin}" x2="{left}" y2="{top_margin + plot_h}" stroke="#000"/>',
        f'<text x="{left - 4}" y="{top_margin + 8}" text-anchor="end" font-size="10">{_number(top)}</text>',
        f'<text x="{left - 4}" y="{top_margin + plot_h}" text-anchor="end" font-size="10">0</text>',
    ]
    step = plot_w / max(len(years) - 1, 1)
    for index, year in enumerate(years):
        x = left + index * step
        parts.append(
            f'<text x="{x:.1f}" y="{top_margin + plot_h + 14}" text-anchor="middle" font-size="10">{year}</text>'
        )
    for number, (name, points) in enumerate(series):
        colour, dash = COLOURS[number % len(COLOURS)], DASHES[number % len(DASHES)]
        coordinates = [
            (left + index * step, top_margin + plot_h - plot_h * value / top)
            for index, value in enumerate(points)
            if value is not None
        ]
        if coordinates:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coordinates)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2" stroke-dasharray="{dash}"/>'
            )
            parts.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>' for x, y in coordinates)
        legend_y = height - 20 * (len(series) - number) + 8
        parts.append(
            f'<line x1="{left}" y1="{legend_y - 4}" x2="{left + 24}" y2="{legend_y - 4}" stroke="{colour}" '
            f'stroke-width="2" stroke-dasharray="{dash}"/>'
            f'<text x="{left + 30}" y="{legend_y}" font-size="11">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it went through escape()


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
