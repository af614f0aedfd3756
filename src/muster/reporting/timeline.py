"""Time arithmetic of the workload report: the period, unions of intervals,
hours per local week, and how long a count of available units stayed low.

Pure functions over values already read, so the rules are tested without a
database.
"""

import heapq
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

Interval = tuple[datetime, datetime]


@dataclass(frozen=True, slots=True)
class Period:
    """``start`` inclusive to ``end`` exclusive, ``end`` no later than now."""

    start: datetime
    end: datetime

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600

    def clip(self, start: datetime, end: datetime | None) -> Interval | None:
        """The part of ``start`` to ``end`` inside the period (an open end runs
        to the period's end); ``None`` when nothing of it is."""
        low = max(start, self.start)
        high = self.end if end is None else min(end, self.end)
        return (low, high) if high > low else None


def merged(intervals: Iterable[Interval]) -> Iterator[Interval]:
    """The union of intervals given in order of start, as disjoint intervals."""
    current: Interval | None = None
    for start, end in intervals:
        if current is None:
            current = (start, end)
        elif start <= current[1]:
            current = (current[0], max(current[1], end))
        else:
            yield current
            current = (start, end)
    if current is not None:
        yield current


def seconds_of(intervals: Iterable[Interval]) -> float:
    return sum((end - start).total_seconds() for start, end in intervals)


def week_start(at: datetime, zone: ZoneInfo) -> date:
    """The Monday of the local week ``at`` falls in."""
    local = at.astimezone(zone).date()
    return local - timedelta(days=local.weekday())


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=zone)


def hours_per_week(intervals: Iterable[Interval], zone: ZoneInfo) -> dict[date, float]:
    """Hours of disjoint intervals per local week (keyed by its Monday); an
    interval across midnight between Sunday and Monday is split there."""
    weeks: dict[date, float] = {}
    for start, end in intervals:
        at = start
        while at < end:
            monday = week_start(at, zone)
            boundary = _local_midnight(monday + timedelta(days=7), zone)
            until = min(end, boundary)
            hours = (until - at).total_seconds() / 3600
            weeks[monday] = weeks.get(monday, 0.0) + hours
            at = until
    return weeks


@dataclass(frozen=True, slots=True)
class Strain:
    seconds: float
    episodes: int
    lowest: int


def _segments(
    initial: int, changes: Iterable[tuple[float, int]], start: float, end: float
) -> Iterator[tuple[float, int]]:
    """(length, count) of each stretch of time with one count; changes at one
    moment all apply before the stretch after it starts."""
    count, at = initial, start
    for t, delta in changes:
        if t >= end:
            break
        if t > at:
            yield t - at, count
            at = t
        count += delta
    if end > at:
        yield end - at, count


def strain(
    initial: int,
    ups: Sequence[float],
    downs: Sequence[float],
    *,
    threshold: int,
    period: tuple[float, float],
) -> Strain:
    """How long a count stayed below ``threshold`` within ``period`` (epoch
    seconds, start and end), in how many separate stretches, and its lowest.

    The count is ``initial`` at the start and moves by one at each time in
    ``ups`` (a unit became available) and ``downs`` (one stopped being);
    changes before the start count from the start.
    """
    changes = heapq.merge(
        ((t, 1) for t in sorted(ups)), ((t, -1) for t in sorted(downs))
    )
    below, episodes, lowest, was_below = 0.0, 0, None, False
    for seconds, count in _segments(initial, changes, *period):
        lowest = count if lowest is None else min(lowest, count)
        is_below = count < threshold
        if is_below:
            below += seconds
            episodes += 0 if was_below else 1
        was_below = is_below
    return Strain(below, episodes, initial if lowest is None else lowest)
