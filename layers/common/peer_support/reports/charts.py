"""Bar charts of a report's measures, as the geometry an inline SVG draws (no script). Pure.

A hidden value draws no bar, and says so where the bar would be: a chart never shows more than
the table beside it."""

from __future__ import annotations

from dataclasses import dataclass

from peer_support.reports.report import Report

WIDTH, HEIGHT, TOP, BOTTOM, LEFT = 640, 220, 24, 40, 8


@dataclass(frozen=True)
class Bar:
    month: str
    label: str  # the value as printed
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Chart:
    measure: str
    bars: tuple[Bar, ...]
    width: int = WIDTH
    height: int = HEIGHT
    baseline: float = HEIGHT - BOTTOM


def bar_chart(report: Report, measure: str) -> Chart:
    printed = [report.values[month].get(measure, "") for month in report.months]
    numbers = [int(value) if value.isdigit() else 0 for value in printed]
    tallest = max(numbers) or 1
    slot = (WIDTH - 2 * LEFT) / len(report.months)
    plot = HEIGHT - TOP - BOTTOM
    bars = []
    for i, (month, value, number) in enumerate(zip(report.months, printed, numbers, strict=True)):
        height = plot * number / tallest
        bars.append(
            Bar(
                month=month,
                label=value or "-",
                x=LEFT + i * slot + slot * 0.15,
                y=HEIGHT - BOTTOM - height,
                width=slot * 0.7,
                height=height,
            )
        )
    return Chart(measure, tuple(bars))
