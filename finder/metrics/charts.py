"""Horizontal bar charts as plain SVG, drawn on the server so they need no JavaScript.

`bar_chart` does the arithmetic; the `bar_chart` macro in templates/metrics/charts.html draws it with a <title> and
<desc> (the chart's text alternative), and every chart sits beside a table of the same numbers. Horizontal bars keep
long labels (queries, languages, in any script) readable at phone widths. In a right-to-left language the chart is
mirrored as the page is: labels on the right, bars growing leftwards from them, each value at its bar's far end.
"""

from __future__ import annotations

from dataclasses import dataclass

# Geometry in SVG user units; the SVG scales to the width of its container.
WIDTH = 420
LABEL_WIDTH = 170
VALUE_WIDTH = 80
BAR_HEIGHT = 22
GAP = 8
# Between a label or a value and its bar.
PADDING = 6


@dataclass(frozen=True)
class Bar:
    label: str
    shown: str  # the value as the page shows it (formatted, or "fewer than 10" on the public page)
    y: int
    width: int
    x: int  # the bar's left edge
    label_x: int  # where the label ends (text-anchor "end" in the chart's direction)
    value_x: int  # where the value starts (text-anchor "start" in the chart's direction)


@dataclass(frozen=True)
class BarChart:
    title: str
    description: str
    bars: list[Bar]
    height: int
    direction: str = "ltr"
    width: int = WIDTH
    bar_height: int = BAR_HEIGHT


def bar_chart(
    title: str, description: str, rows: list[tuple[str, float | None, str]], right_to_left: bool = False
) -> BarChart:
    """A chart of (label, value, value as shown) rows; a missing or suppressed value (None) draws no bar.

    `right_to_left` mirrors it for a right-to-left page: bars start at the labels on the right and grow leftwards.
    """
    largest = max((value for _, value, _ in rows if value), default=0)
    room = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    bars = []
    for index, (label, value, shown) in enumerate(rows):
        length = round(room * value / largest) if value and largest else 0
        if right_to_left:
            start = WIDTH - LABEL_WIDTH  # the bars' common edge, beside the labels
            x, label_x, value_x = start - length, start + PADDING, start - length - PADDING
        else:
            x, label_x, value_x = LABEL_WIDTH, LABEL_WIDTH - PADDING, LABEL_WIDTH + length + PADDING
        y = GAP + index * (BAR_HEIGHT + GAP)
        bars.append(Bar(label=label, shown=shown, y=y, width=length, x=x, label_x=label_x, value_x=value_x))
    return BarChart(
        title=title,
        description=description,
        bars=bars,
        height=GAP + len(rows) * (BAR_HEIGHT + GAP),
        direction="rtl" if right_to_left else "ltr",
    )
