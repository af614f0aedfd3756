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


class Track:
    """One unit's distance over its fixes, fed in time order (epoch seconds).

    A fix reported less accurate than ``max_accuracy_m`` is left out. A leg
    implying more than ``max_speed_kmh`` (a bad fix, or a unit moved with its
    tracker off) counts nothing, and the next leg starts from the new fix: a
    single bad fix costs the two legs around it and never adds its jump. A fix
    with the time and place of the one before is a repeat and counts once.
    """

    def __init__(self, rules: TrackRules) -> None:
        self.max_speed_ms = rules.max_speed_kmh / 3.6
        self.max_accuracy_m = rules.max_accuracy_m
        self.metres = 0.0
        self.repeats = 0
        self.first_repeat_t: float | None = None
        self.last_repeat_t: float | None = None
        self._previous: tuple[float, float, float] | None = None
        self._anchor: tuple[float, float, float] | None = None

    def add(self, t: float, lat: float, lon: float, accuracy_m: float | None) -> None:
        fix = (t, lat, lon)
        if fix == self._previous:
            self._repeat(t)
            return
        self._previous = fix
        if accuracy_m is not None and accuracy_m > self.max_accuracy_m:
            return
        anchor, self._anchor = self._anchor, fix
        if anchor is not None:
            self.metres += self._leg(anchor, fix)

    def _leg(
        self, start: tuple[float, float, float], end: tuple[float, float, float]
    ) -> float:
        metres = distance_m(start[1], start[2], end[1], end[2])
        seconds = end[0] - start[0]
        if metres == 0 or seconds <= 0 or metres / seconds > self.max_speed_ms:
            return 0.0
        return metres

    def _repeat(self, t: float) -> None:
        self.repeats += 1
        if self.first_repeat_t is None:
            self.first_repeat_t = t
        self.last_repeat_t = t


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
