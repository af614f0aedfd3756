"""Hour of day and shift in the department's time zone, as SQL expressions.

The database keeps UTC. A report spans a known period, over which a zone has
few offsets (two a year where daylight saving applies), so local time is UTC
plus a ``CASE`` over those offsets: one expression on both databases, no time
zone tables needed in either.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, case, literal
from sqlalchemy.orm import InstrumentedAttribute

from muster.reporting.sql import epoch_seconds, floor_int

_DAY = timedelta(days=1)
_SECOND = timedelta(seconds=1)
_HOUR_S = 3600
# Shifts count from far enough before any record that the count is positive.
_SHIFT_BASE_PERIODS = 300_000


@dataclass(frozen=True, slots=True)
class ShiftRotation:
    """Shifts of ``length_h`` hours taking turns in ``names`` order.

    The first name's shift starts on ``anchor`` at ``change_hour`` local time;
    24 h shifts A, B, C make the common three-platoon rotation, and 8 h
    shifts make three daily watches.
    """

    names: tuple[str, ...] = ("A", "B", "C")
    length_h: int = 24
    anchor: date = date(2026, 1, 1)
    change_hour: int = 8


def _offset_s(zone: ZoneInfo, at: datetime) -> int:
    offset = at.astimezone(zone).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def _change_within(zone: ZoneInfo, start: datetime, end: datetime) -> datetime:
    """The first second in (start, end] whose offset differs from start's."""
    before = _offset_s(zone, start)
    low, high = start, end
    while high - low > _SECOND:
        middle = low + (high - low) / 2
        if _offset_s(zone, middle) == before:
            low = middle
        else:
            high = middle
    return high.replace(microsecond=0)


def offsets(zone: ZoneInfo, start: datetime, end: datetime) -> list[tuple[float, int]]:
    """(epoch second from which it applies, offset in seconds) over [start, end]."""
    current = start.astimezone(UTC)
    found = [(float("-inf"), _offset_s(zone, current))]
    while current < end:
        step = min(current + _DAY, end)
        if _offset_s(zone, step) != found[-1][1]:
            change = _change_within(zone, current, step)
            found.append((change.timestamp(), _offset_s(zone, change)))
        current = step
    return found


def local_epoch(
    received: InstrumentedAttribute[datetime], periods: list[tuple[float, int]]
) -> ColumnElement[float]:
    """Seconds since 1970 on the local wall clock, for ``received`` (UTC)."""
    epoch = epoch_seconds(received)
    if len(periods) == 1:
        return epoch + literal(periods[0][1])
    whens = [(epoch < since, offset) for (since, _), (_, offset) in _pairs(periods)]
    return epoch + case(*whens, else_=periods[-1][1])


def _pairs(
    periods: list[tuple[float, int]],
) -> list[tuple[tuple[float, int], tuple[float, int]]]:
    return [(periods[i + 1], periods[i]) for i in range(len(periods) - 1)]


def hour_of_day(local: ColumnElement[float]) -> ColumnElement[int]:
    return floor_int(local / _HOUR_S) % 24


def shift_index(
    local: ColumnElement[float], rotation: ShiftRotation
) -> ColumnElement[int]:
    """Which of ``rotation.names`` was on duty at local time ``local``."""
    period_s = rotation.length_h * _HOUR_S
    anchor_days = (rotation.anchor - date(1970, 1, 1)).days
    anchor_s = anchor_days * 86400 + rotation.change_hour * _HOUR_S
    turns = len(rotation.names)
    base = anchor_s - _SHIFT_BASE_PERIODS * turns * period_s
    return floor_int((local - base) / period_s) % turns
