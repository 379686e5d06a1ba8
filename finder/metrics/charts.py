"""Horizontal bar charts as plain SVG, drawn on the server so they need no JavaScript.

`bar_chart` does the arithmetic; the `bar_chart` macro in templates/metrics/charts.html draws it with a <title> and
<desc> (the chart's text alternative), and every chart sits beside a table of the same numbers. Horizontal bars keep
long labels (queries, languages, in any script) readable at phone widths.
"""

from __future__ import annotations

from dataclasses import dataclass

# Geometry in SVG user units; the SVG scales to the width of its container.
WIDTH = 420
LABEL_WIDTH = 170
VALUE_WIDTH = 80
BAR_HEIGHT = 22
GAP = 8


@dataclass(frozen=True)
class Bar:
    label: str
    shown: str  # the value as the page shows it (formatted, or "fewer than 10" on the public page)
    y: int
    width: int


@dataclass(frozen=True)
class BarChart:
    title: str
    description: str
    bars: list[Bar]
    height: int
    width: int = WIDTH
    label_width: int = LABEL_WIDTH
    bar_height: int = BAR_HEIGHT


def bar_chart(title: str, description: str, rows: list[tuple[str, float | None, str]]) -> BarChart:
    """A chart of (label, value, value as shown) rows; a missing or suppressed value (None) draws no bar."""
    largest = max((value for _, value, _ in rows if value), default=0)
    room = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    bars = []
    for index, (label, value, shown) in enumerate(rows):
        length = round(room * value / largest) if value and largest else 0
        bars.append(Bar(label=label, shown=shown, y=GAP + index * (BAR_HEIGHT + GAP), width=length))
    return BarChart(title=title, description=description, bars=bars, height=GAP + len(rows) * (BAR_HEIGHT + GAP))
