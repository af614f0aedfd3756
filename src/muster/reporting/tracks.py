"""Distance driven from a unit's position history, repeated position reports,
and incidents that may be one call taken twice: rules over rows fed in order,
so any number of rows streams through in constant memory per subject."""

import math
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from muster.core.geo import EARTH_RADIUS_M, distance_m


@dataclass(frozen=True, slots=True)
class TrackRules:
    max_speed_kmh: float
    max_accuracy_m: float


@dataclass(frozen=True, slots=True)
class Fix:
    at: datetime
    lat: float
    lon: float
    accuracy_m: float | None


class Track:
    """One unit's distance over its fixes, fed in time order.

    A fix reported less accurate than ``max_accuracy_m`` is left out. A leg
    implying more than ``max_speed_kmh`` (a bad fix, or a unit moved with its
    tracker off) counts nothing, and the next leg starts from the new fix: a
    single bad fix costs the two legs around it and never adds its jump. A fix
    with the time and place of the one before is a repeat and counts once.
    """

    def __init__(self, rules: TrackRules) -> None:
        self.rules = rules
        self.metres = 0.0
        self.repeats = 0
        self.first_repeat_at: datetime | None = None
        self.last_repeat_at: datetime | None = None
        self._previous: tuple[datetime, float, float] | None = None
        self._anchor: Fix | None = None

    def add(self, fix: Fix) -> None:
        raw = (fix.at, fix.lat, fix.lon)
        if raw == self._previous:
            self._repeat(fix.at)
            return
        self._previous = raw
        if fix.accuracy_m is not None and fix.accuracy_m > self.rules.max_accuracy_m:
            return
        anchor, self._anchor = self._anchor, fix
        if anchor is not None:
            self.metres += self._leg(anchor, fix)

    def _leg(self, start: Fix, end: Fix) -> float:
        metres = distance_m(start.lat, start.lon, end.lat, end.lon)
        seconds = (end.at - start.at).total_seconds()
        if metres == 0:
            return 0.0
        if seconds <= 0 or metres / seconds * 3.6 > self.rules.max_speed_kmh:
            return 0.0
        return metres

    def _repeat(self, at: datetime) -> None:
        self.repeats += 1
        self.first_repeat_at = self.first_repeat_at or at
        self.last_repeat_at = at


@dataclass(frozen=True, slots=True)
class Call:
    id: str
    number: str
    type_id: str
    lat: float
    lon: float
    received_at: datetime


@dataclass(frozen=True, slots=True)
class CallPair:
    """``second`` was received within the window after ``first``, near it."""

    first: Call
    second: Call
    distance_m: float


class NearbyCalls:
    """Pairs of incidents of one type received within ``window`` of each other
    and ``radius_m`` apart, from incidents fed in order of receipt."""

    def __init__(self, *, radius_m: float, window: timedelta) -> None:
        self.radius_m = radius_m
        self.window = window
        # A cheap first test before the haversine: the latitude difference
        # alone already rules most pairs out.
        self._max_dlat = math.degrees(radius_m / EARTH_RADIUS_M)
        self._recent: dict[str, deque[Call]] = {}

    def add(self, call: Call) -> list[CallPair]:
        recent = self._recent.setdefault(call.type_id, deque())
        while recent and call.received_at - recent[0].received_at > self.window:
            recent.popleft()
        pairs = []
        for earlier in recent:
            metres = self._apart(earlier, call)
            if metres is not None:
                pairs.append(CallPair(earlier, call, metres))
        recent.append(call)
        return pairs

    def _apart(self, first: Call, second: Call) -> float | None:
        if abs(first.lat - second.lat) > self._max_dlat:
            return None
        metres = distance_m(first.lat, first.lon, second.lat, second.lon)
        return metres if metres <= self.radius_m else None
