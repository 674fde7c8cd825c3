"""Server-side SVG charts, readable without JavaScript.

Each chart carries a ``<title>`` and a ``<desc>`` given by the caller, which should
state the figures in words. The statistics page also prints the same figures as a
table, so a screen reader or a printout loses nothing.
"""

from dataclasses import dataclass
from html import escape

# Colours of the outcomes, chosen for a 3:1 contrast with the white background.
OUTCOME_COLOURS = {
    "unknown": "#2e6b30",
    "recoverable_aid": "#a3261b",
    "possible_overpayment": "#8a5a00",
    "ambiguous": "#3b4fa0",
    "pending_review": "#6b6b6b",
}
DEFAULT_COLOUR = "#444444"

WIDTH = 720
HEIGHT = 340
MARGIN_LEFT = 48
MARGIN_RIGHT = 16
MARGIN_TOP = 16
MARGIN_BOTTOM = 92


@dataclass
class Series:
    """One stacked layer of the chart: a key (for its colour), its legend label and values."""

    key: str
    label: str
    values: list[int]


def stacked_bar_chart(*, title: str, description: str, categories: list[str], series: list[Series]) -> str:
    """Render a stacked bar chart as an inline ``<svg>`` element.

    :param categories: the label under each bar (a month such as ``"2026-03"``).
    :param series: one ``Series`` per layer, each with one value per category.
    """
    totals = [sum(layer.values[index] for layer in series) for index in range(len(categories))]
    top = _nice_ceiling(max(totals, default=0))
    plot_width = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_height = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    slot = plot_width / max(len(categories), 1)
    bar_width = max(slot * 0.6, 2)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-labelledby="chart-title chart-desc" class="chart">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<desc id="chart-desc">{escape(description)}</desc>',
    ]
    parts.extend(_axis(top, plot_height))

    for index, category in enumerate(categories):
        x = MARGIN_LEFT + slot * index + (slot - bar_width) / 2
        y_bottom = MARGIN_TOP + plot_height
        for layer in series:
            value = layer.values[index]
            if not value:
                continue
            height = plot_height * value / top
            y_bottom -= height
            colour = OUTCOME_COLOURS.get(layer.key, DEFAULT_COLOUR)
            parts.append(
                f'<rect x="{x:.1f}" y="{y_bottom:.1f}" width="{bar_width:.1f}" height="{height:.1f}" '
                f'fill="{colour}"><title>{escape(category)} — {escape(layer.label)} : {value}</title></rect>'
            )
        label_x = x + bar_width / 2
        label_y = MARGIN_TOP + plot_height + 14
        parts.append(
            f'<text x="{label_x:.1f}" y="{label_y}" font-size="11" text-anchor="end" '
            f'transform="rotate(-45 {label_x:.1f} {label_y})">{escape(category)}</text>'
        )

    parts.extend(_legend(series))
    parts.append("</svg>")
    return "\n".join(parts)


def _axis(top: int, plot_height: float) -> list[str]:
    """Draw the vertical axis with five gridlines, labelled with whole numbers."""
    parts = []
    for step in range(5):
        value = top * step // 4
        y = MARGIN_TOP + plot_height - plot_height * value / top
        parts.append(
            f'<line x1="{MARGIN_LEFT}" y1="{y:.1f}" x2="{WIDTH - MARGIN_RIGHT}" y2="{y:.1f}" '
            f'stroke="#cccccc" stroke-width="1"/>'
        )
        parts.append(f'<text x="{MARGIN_LEFT - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end">{value}</text>')
    return parts


def _legend(series: list[Series]) -> list[str]:
    parts = []
    x = MARGIN_LEFT
    y = HEIGHT - 14
    for layer in series:
        colour = OUTCOME_COLOURS.get(layer.key, DEFAULT_COLOUR)
        parts.append(f'<rect x="{x}" y="{y - 10}" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{x + 16}" y="{y}" font-size="12">{escape(layer.label)}</text>')
        # An estimate of the label's width, enough for the default sans-serif font.
        x += 16 + 7 * len(layer.label) + 16
    return parts


def _nice_ceiling(value: int) -> int:
    """Return a round number at least ``value`` and divisible by 4, so that the five
    gridlines fall on whole numbers."""
    if value <= 4:
        return 4
    step = max(10 ** (len(str(value)) - 2), 1) * 4
    return -(-value // step) * step
