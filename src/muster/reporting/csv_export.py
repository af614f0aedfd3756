"""The response-time report as CSV: one row per group and interval.

Group keys come from outside data (unit names and type codes an import took
from a source file), so any cell a spreadsheet would read as a formula is
neutralised with a leading apostrophe.
"""

import csv
import io
from collections.abc import Iterator

from muster.reporting.schemas import IntervalStats, ResponseTimeReport

COLUMNS = (
    "group_by",
    "key",
    "interval",
    "count",
    "mean_s",
    "median_s",
    "p90_s",
    "target_s",
    "target_percentile",
    "within_target",
    "meets_target",
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | float | bool | None


def neutralise(cell: Cell) -> Cell:
    """``cell``, with a leading ``'`` if it is text a spreadsheet would evaluate."""
    if isinstance(cell, str) and cell.startswith(_FORMULA_STARTS):
        return "'" + cell
    return cell


def _row(group_by: str, key: Cell, interval: str, stats: IntervalStats) -> list[Cell]:
    return [
        group_by,
        key,
        interval,
        stats.count,
        stats.mean,
        stats.median,
        stats.p90,
        stats.target_s,
        stats.target_percentile,
        stats.within_target,
        stats.meets_target,
    ]


def _rows(report: ResponseTimeReport) -> Iterator[list[Cell]]:
    for interval, stats in report.intervals.items():
        yield _row("all", None, interval, stats)
    group_by = report.group_by.value if report.group_by else ""
    for group in report.groups:
        for interval, stats in group.intervals.items():
            yield _row(group_by, group.key, interval, stats)


def report_csv(report: ResponseTimeReport) -> str:
    """The whole report as CSV text with a header row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in _rows(report):
        writer.writerow(["" if cell is None else neutralise(cell) for cell in row])
    return out.getvalue()
