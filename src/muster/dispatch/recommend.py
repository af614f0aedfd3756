"""Unit recommendation: rank eligible units by estimated arrival and explain the picks,
the shortfalls and the station cover they leave. Pure: no database, no clock.

The filling logic is written once, over a ``UnitSource``. ``brute_force`` runs it
on a plain scan of every candidate; ``muster.dispatch.index.UnitIndex`` runs it on a
spatial grid and must return exactly the same ``Recommendation``.
"""

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import NamedTuple, Protocol

from muster.core.geo import distance_m
from muster.dispatch.models import DispatchSettings
from muster.units.status import COMMITTED, UnitStatus

STAFFED = "staffed"
KMH_PER_MS = 3.6


# Inputs -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Candidate:
    """What the recommender knows of one unit.

    ``lat``/``lon`` are the last reported position (taken at ``position_at``);
    ``home_lat``/``home_lon`` are its home station's. ``speed_kmh`` is the unit
    type's speed, ``None`` for the department default.
    """

    unit_id: str
    name: str
    department_id: str
    capabilities: frozenset[str]
    status: str
    incident_id: str | None = None
    incident_number: str | None = None
    lat: float | None = None
    lon: float | None = None
    position_at: datetime | None = None
    home_lat: float | None = None
    home_lon: float | None = None
    station_id: str | None = None
    station_code: str | None = None
    staffing: str = STAFFED
    crew_size: int = 0
    speed_kmh: float | None = None


@dataclass(frozen=True, slots=True)
class Rules:
    """A department's dispatch settings at one moment (``now``)."""

    now: datetime
    turnout_s: float = 60.0
    crew_callback_s: float = 420.0
    default_speed_kmh: float = 50.0
    detour_factor: float = 1.3
    position_max_age_s: float = 300.0
    allow_returning: bool = False
    max_radius_m: float | None = None
    fresh_since: datetime = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # The index's lower bounds assume times and speeds that cannot go negative.
        if min(self.turnout_s, self.crew_callback_s, self.position_max_age_s) < 0:
            raise ValueError("times must not be negative")
        if self.default_speed_kmh <= 0 or self.detour_factor <= 0:
            raise ValueError("speed and detour factor must be positive")
        since = self.now - timedelta(seconds=self.position_max_age_s)
        object.__setattr__(self, "fresh_since", since)

    @classmethod
    def from_settings(cls, settings: DispatchSettings, now: datetime) -> "Rules":
        return cls(
            now=now,
            turnout_s=settings.turnout_s,
            crew_callback_s=settings.crew_callback_s,
            default_speed_kmh=settings.default_speed_kmh,
            detour_factor=settings.detour_factor,
            position_max_age_s=settings.position_max_age_s,
            allow_returning=settings.allow_returning,
            max_radius_m=settings.max_radius_m,
        )


class Point(NamedTuple):
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class Need:
    capability: str
    count: int


# Results ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pick:
    unit_id: str
    name: str
    capability: str
    eta_s: float
    distance_m: float
    reason: str
    department_id: str
    crew_size: int = 0
    mutual_aid: bool = False


@dataclass(frozen=True, slots=True)
class Shortfall:
    capability: str
    missing: int
    reason: str


@dataclass(frozen=True, slots=True)
class MoveUp:
    """An available unit suggested to stand in at a station left without cover."""

    unit_id: str
    name: str
    from_station_id: str | None
    eta_s: float
    distance_m: float


@dataclass(frozen=True, slots=True)
class CoverGap:
    """A station the picks leave without an available unit of ``capability``."""

    station_id: str
    station_code: str | None
    capability: str
    move_up: MoveUp | None
    reason: str


@dataclass(frozen=True, slots=True)
class Recommendation:
    picks: list[Pick]
    shortfalls: list[Shortfall]
    cover: list[CoverGap] = field(default_factory=list)


# Shared semantics -------------------------------------------------------------------


class Origin(StrEnum):
    POSITION = "position"
    HOME = "home"
    STALE_POSITION = "stale_position"


class Assessment(NamedTuple):
    origin: Origin
    distance_m: float
    eta_s: float


class Pool(StrEnum):
    ELIGIBLE = "eligible"
    COMMITTED = "committed"


class Order(StrEnum):
    ETA = "eta"
    DISTANCE = "distance"


def _accept_all(_candidate: Candidate) -> bool:
    return True


@dataclass(frozen=True, slots=True)
class Search:
    """Which units to rank and how: the ``limit`` best by ``order`` then name and id.

    ``within_m`` keeps units at most that far from ``target``, ``beyond_m`` those
    farther; ``accept`` is any further filter on the candidate itself.
    """

    capability: str
    target: Point
    rules: Rules
    pool: Pool = Pool.ELIGIBLE
    order: Order = Order.ETA
    limit: int = 1
    within_m: float | None = None
    beyond_m: float | None = None
    accept: Callable[[Candidate], bool] = _accept_all


class Ranked(NamedTuple):
    key: tuple[float, str, str]
    candidate: Candidate
    assessment: Assessment


def is_eligible(candidate: Candidate, rules: Rules) -> bool:
    """Available, or returning when the department allows it."""
    status = candidate.status
    return status == UnitStatus.AVAILABLE or (
        rules.allow_returning and status == UnitStatus.RETURNING
    )


def in_pool(candidate: Candidate, search: Search) -> bool:
    if search.capability not in candidate.capabilities:
        return False
    if search.pool is Pool.ELIGIBLE:
        return is_eligible(candidate, search.rules)
    return candidate.status in COMMITTED


def has_home(candidate: Candidate) -> bool:
    return candidate.home_lat is not None and candidate.home_lon is not None


def has_place(candidate: Candidate) -> bool:
    """Whether the unit has any position to rank it from (reported or home)."""
    reported = candidate.lat is not None and candidate.lon is not None
    return reported or has_home(candidate)


def is_fresh(candidate: Candidate, rules: Rules) -> bool:
    """Whether the reported position is recent enough to start from."""
    at = candidate.position_at
    return (
        at is not None
        and at >= rules.fresh_since
        and candidate.lat is not None
        and candidate.lon is not None
    )


def origin_of(candidate: Candidate, rules: Rules) -> tuple[float, float, Origin] | None:
    """Where the unit starts from: a fresh position, else home, else a stale one."""
    lat, lon = candidate.lat, candidate.lon
    if lat is not None and lon is not None and is_fresh(candidate, rules):
        return lat, lon, Origin.POSITION
    if candidate.home_lat is not None and candidate.home_lon is not None:
        return candidate.home_lat, candidate.home_lon, Origin.HOME
    if lat is not None and lon is not None:
        return lat, lon, Origin.STALE_POSITION
    return None


def calls_crew_in(candidate: Candidate) -> bool:
    """An on-call unit in quarters must wait for its crew; one on the road need not."""
    return candidate.staffing != STAFFED and candidate.status != UnitStatus.RETURNING


def mobilisation_s(candidate: Candidate, rules: Rules) -> float:
    # TODO(#4): a crew that must come in should count from its members' reported
    # ETAs once personnel status exists; until then the configured delay.
    return rules.crew_callback_s if calls_crew_in(candidate) else rules.turnout_s


def speed_kmh(candidate: Candidate, rules: Rules) -> float:
    speed = candidate.speed_kmh
    return speed if speed is not None and speed > 0 else rules.default_speed_kmh


def assess(candidate: Candidate, target: Point, rules: Rules) -> Assessment | None:
    """Origin, straight-line distance and ETA to ``target``; None without a position.

    The index's lower bound mirrors this formula term by term, so keep them in step.
    """
    origin = origin_of(candidate, rules)
    if origin is None:
        return None
    lat, lon, kind = origin
    metres = distance_m(lat, lon, target.lat, target.lon)
    speed_ms = speed_kmh(candidate, rules) / KMH_PER_MS
    eta = mobilisation_s(candidate, rules) + metres * rules.detour_factor / speed_ms
    return Assessment(kind, metres, eta)


def rank(candidate: Candidate, search: Search) -> Ranked | None:
    """The candidate's sort key under ``search``, or None when it doesn't qualify.

    Pool membership is the caller's job (a scan checks ``in_pool``, the index
    keeps pools apart).
    """
    if not search.accept(candidate):
        return None
    assessment = assess(candidate, search.target, search.rules)
    if assessment is None:
        return None
    metres = assessment.distance_m
    if search.within_m is not None and metres > search.within_m:
        return None
    if search.beyond_m is not None and metres <= search.beyond_m:
        return None
    first = assessment.eta_s if search.order is Order.ETA else metres
    return Ranked((first, candidate.name, candidate.unit_id), candidate, assessment)


class UnitSource(Protocol):
    """Where the recommender finds units: a full scan or the spatial index."""

    def search(self, search: Search) -> list[Ranked]:
        """Units of the pool accepted by ``search``, best first, at most its limit."""
        ...

    def unplaced(self, capability: str) -> Iterable[Candidate]:
        """Units (any status) with the capability and neither position nor home."""
        ...

    def count_eligible(self, capability: str, rules: Rules) -> int:
        """Eligible units with the capability, placed or not."""
        ...

    def at_station(self, station_id: str) -> Iterable[Candidate]:
        """Units whose home is the station."""
        ...


# Filling needs ----------------------------------------------------------------------


@dataclass(slots=True)
class _Fill:
    """The state of one recommendation while its needs are filled in order."""

    source: UnitSource
    target: Point
    rules: Rules
    used: set[str] = field(default_factory=set)
    chosen: list[tuple[Pick, Candidate]] = field(default_factory=list)
    shortfalls: list[Shortfall] = field(default_factory=list)


def recommend_with(
    source: UnitSource,
    needs: Sequence[Need],
    target: Point,
    rules: Rules,
    exclude: Collection[str] = (),
) -> Recommendation:
    """Fill ``needs`` in order, each with the lowest-ETA units not already picked.

    Ties go to the unit first by name, then id. Units in ``exclude`` (say, one
    that declined) are never picked. Every unfilled need gives a shortfall; the
    stations the picks leave uncovered come last.
    """
    fill = _Fill(source, target, rules, used=set(exclude))
    for need in needs:
        if need.count > 0:
            _fill_need(fill, need)
    return Recommendation(
        picks=[pick for pick, _ in fill.chosen],
        shortfalls=fill.shortfalls,
        cover=_cover(source, fill.chosen, rules),
    )


def _fill_need(fill: _Fill, need: Need) -> None:
    used = fill.used
    found = fill.source.search(
        Search(
            capability=need.capability,
            target=fill.target,
            rules=fill.rules,
            limit=need.count,
            within_m=fill.rules.max_radius_m,
            accept=lambda candidate: candidate.unit_id not in used,
        )
    )
    for ranked in found:
        used.add(ranked.candidate.unit_id)
        fill.chosen.append(
            (_pick(ranked, need.capability, fill.rules), ranked.candidate)
        )
    if len(found) < need.count:
        reason = _shortfall_reason(
            fill.source, need.capability, fill.target, fill.rules
        )
        fill.shortfalls.append(
            Shortfall(need.capability, need.count - len(found), reason)
        )


def _pick(ranked: Ranked, capability: str, rules: Rules) -> Pick:
    candidate, assessment = ranked.candidate, ranked.assessment
    return Pick(
        unit_id=candidate.unit_id,
        name=candidate.name,
        capability=capability,
        eta_s=assessment.eta_s,
        distance_m=assessment.distance_m,
        reason=_pick_reason(candidate, assessment, rules),
        department_id=candidate.department_id,
        crew_size=candidate.crew_size,
    )


# Reasons ----------------------------------------------------------------------------


def _km(metres: float) -> str:
    return f"{metres / 1000:.1f} km"


def _minutes(seconds: float) -> str:
    return f"about {max(1, round(seconds / 60))} min"


def _age(candidate: Candidate, rules: Rules) -> str:
    if candidate.position_at is None:
        return "age unknown"
    minutes = int((rules.now - candidate.position_at).total_seconds() // 60)
    return f"{minutes} min old"


def _origin_phrase(candidate: Candidate, assessment: Assessment, rules: Rules) -> str:
    if assessment.origin is Origin.POSITION:
        return "last position"
    if assessment.origin is Origin.STALE_POSITION:
        return f"last position (stale, {_age(candidate, rules)})"
    if candidate.lat is None or candidate.lon is None:
        return "home station (no position reported)"
    return f"home station (position stale, {_age(candidate, rules)})"


def _pick_reason(candidate: Candidate, assessment: Assessment, rules: Rules) -> str:
    """E.g. "E7, 3.4 km from last position, about 5 min"."""
    label = candidate.name
    if candidate.status == UnitStatus.RETURNING:
        label += " (returning)"
    origin = _origin_phrase(candidate, assessment, rules)
    parts = [label, f"{_km(assessment.distance_m)} from {origin}"]
    if calls_crew_in(candidate):
        parts.append("crew called in")
    parts.append(_minutes(assessment.eta_s))
    return ", ".join(parts)


def _shortfall_reason(
    source: UnitSource, capability: str, target: Point, rules: Rules
) -> str:
    """Why a need is short: the closest committed unit, then what availability lacks."""
    parts = []
    committed = source.search(
        Search(capability, target, rules, pool=Pool.COMMITTED, order=Order.DISTANCE)
    )
    if committed:
        unit = committed[0].candidate
        where = unit.incident_number or "an incident"
        parts.append(f"closest {capability} {unit.name} is committed to {where}")
    parts.append(_availability(source, capability, target, rules))
    return "; ".join(parts)


def _availability(
    source: UnitSource, capability: str, target: Point, rules: Rules
) -> str:
    if rules.max_radius_m is not None:
        outside = source.search(
            Search(
                capability,
                target,
                rules,
                order=Order.DISTANCE,
                beyond_m=rules.max_radius_m,
            )
        )
        if outside:
            return _outside_radius(outside[0], capability, rules)
    lost = [c for c in source.unplaced(capability) if is_eligible(c, rules)]
    if lost:
        unit = min(lost, key=lambda c: (c.name, c.unit_id))
        return f"available {capability} {unit.name} has no known position"
    if source.count_eligible(capability, rules):
        return f"no other available {capability}"
    return f"no available {capability}"


def _outside_radius(ranked: Ranked, capability: str, rules: Rules) -> str:
    unit, assessment = ranked.candidate, ranked.assessment
    radius = f"{(rules.max_radius_m or 0) / 1000:g} km"
    detail = _km(assessment.distance_m)
    if assessment.origin is Origin.STALE_POSITION:
        detail += ", position stale"
    elif assessment.origin is Origin.HOME and unit.lat is not None:
        detail += " from home station, position stale"
    return (
        f"nearest available {capability} {unit.name} is outside the {radius} radius"
        f" ({detail})"
    )


# Cover ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Gap:
    """One station and capability the picks took the last eligible unit of."""

    station_id: str
    station_code: str | None
    home: Point | None
    capability: str


def _cover(
    source: UnitSource, chosen: Sequence[tuple[Pick, Candidate]], rules: Rules
) -> list[CoverGap]:
    """Stations whose last eligible unit of a picked capability was picked.

    Each gets the quickest eligible unit that can leave its own station (it is
    not that station's last of the capability) as a move-up; a unit is suggested
    once.
    """
    taken = {candidate.unit_id for _, candidate in chosen}
    gaps = []
    for gap in _uncovered(source, chosen, taken, rules):
        move_up = _move_up(source, gap, taken, rules)
        if move_up is not None:
            taken.add(move_up.unit_id)
        gaps.append(_cover_gap(gap, move_up))
    return gaps


def _uncovered(
    source: UnitSource,
    chosen: Sequence[tuple[Pick, Candidate]],
    taken: set[str],
    rules: Rules,
) -> list[_Gap]:
    gaps: dict[tuple[str, str], _Gap] = {}
    for pick, unit in chosen:
        station, capability = unit.station_id, pick.capability
        if station is None or (station, capability) in gaps:
            continue
        if _spare(source, station, capability, taken, rules):
            continue
        home = None
        if unit.home_lat is not None and unit.home_lon is not None:
            home = Point(unit.home_lat, unit.home_lon)
        gaps[station, capability] = _Gap(station, unit.station_code, home, capability)
    return list(gaps.values())


def _spare(
    source: UnitSource, station_id: str, capability: str, taken: set[str], rules: Rules
) -> int:
    """Eligible units of the capability at the station that are not spoken for."""
    return sum(
        1
        for unit in source.at_station(station_id)
        if capability in unit.capabilities
        and unit.unit_id not in taken
        and is_eligible(unit, rules)
    )


def _move_up(
    source: UnitSource, gap: _Gap, taken: set[str], rules: Rules
) -> MoveUp | None:
    if gap.home is None:
        return None
    spares: dict[str, int] = {}

    def can_leave(unit: Candidate) -> bool:
        if unit.unit_id in taken or unit.station_id == gap.station_id:
            return False
        if unit.station_id is None:
            return True
        if unit.station_id not in spares:
            spares[unit.station_id] = _spare(
                source, unit.station_id, gap.capability, taken, rules
            )
        return spares[unit.station_id] >= 2

    found = source.search(Search(gap.capability, gap.home, rules, accept=can_leave))
    if not found:
        return None
    unit, assessment = found[0].candidate, found[0].assessment
    return MoveUp(
        unit.unit_id,
        unit.name,
        unit.station_id,
        assessment.eta_s,
        assessment.distance_m,
    )


def _cover_gap(gap: _Gap, move_up: MoveUp | None) -> CoverGap:
    station = f"station {gap.station_code or gap.station_id}"
    reason = f"{station} has no available {gap.capability} left"
    if gap.home is None:
        reason += "; its position is unknown, so no move-up is ranked"
    elif move_up is None:
        reason += f"; no {gap.capability} can move up"
    else:
        reason += (
            f"; move up {move_up.name}, {_km(move_up.distance_m)},"
            f" {_minutes(move_up.eta_s)}"
        )
    return CoverGap(gap.station_id, gap.station_code, gap.capability, move_up, reason)


# Brute force ------------------------------------------------------------------------


class ScanSource:
    """Every question answered by looking at every candidate."""

    def __init__(self, candidates: Iterable[Candidate]) -> None:
        self._candidates = list(candidates)

    def search(self, search: Search) -> list[Ranked]:
        ranked = [
            found
            for candidate in self._candidates
            if in_pool(candidate, search)
            and (found := rank(candidate, search)) is not None
        ]
        ranked.sort(key=lambda found: found.key)
        return ranked[: search.limit]

    def unplaced(self, capability: str) -> list[Candidate]:
        return [
            c
            for c in self._candidates
            if capability in c.capabilities and not has_place(c)
        ]

    def count_eligible(self, capability: str, rules: Rules) -> int:
        return sum(
            1
            for c in self._candidates
            if capability in c.capabilities and is_eligible(c, rules)
        )

    def at_station(self, station_id: str) -> list[Candidate]:
        return [c for c in self._candidates if c.station_id == station_id]


def brute_force(
    candidates: Iterable[Candidate],
    needs: Sequence[Need],
    target: tuple[float, float],
    rules: Rules,
    exclude: Collection[str] = (),
) -> Recommendation:
    """The recommendation from a scan of every candidate (the index's reference)."""
    source = ScanSource(candidates)
    return recommend_with(source, needs, Point(*target), rules, exclude)
