"""What the recommender ranks units by: their description, a department's rules,
the shared semantics of eligibility, origin and ETA, and the ``UnitSource``
protocol that both the full scan and the spatial index answer. Pure: no
database, no clock.
"""

from collections.abc import Callable, Iterable, Mapping
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
    """A department's dispatch settings at one moment (``now``).

    ``crew_etas`` holds, per station, when the members responding to it expect
    to arrive (earliest first): an on-call unit there can roll once enough of
    them are in.
    """

    now: datetime
    turnout_s: float = 60.0
    crew_callback_s: float = 420.0
    default_speed_kmh: float = 50.0
    detour_factor: float = 1.3
    position_max_age_s: float = 300.0
    allow_returning: bool = False
    max_radius_m: float | None = None
    crew_etas: Mapping[str, tuple[datetime, ...]] = field(
        default_factory=dict, repr=False, compare=False
    )
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
    def from_settings(
        cls,
        settings: DispatchSettings,
        now: datetime,
        crew_etas: Mapping[str, tuple[datetime, ...]] | None = None,
    ) -> "Rules":
        return cls(
            now=now,
            crew_etas=crew_etas or {},
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


def crew_wait_s(candidate: Candidate, rules: Rules) -> float | None:
    """Seconds until enough of a called-in crew has reported it will be at the
    unit's station (its crew size, at least one); None when too few have."""
    if candidate.station_id is None:
        return None
    etas = rules.crew_etas.get(candidate.station_id, ())
    needed = max(1, candidate.crew_size)
    if len(etas) < needed:
        return None
    return max(0.0, (etas[needed - 1] - rules.now).total_seconds())


def mobilisation_s(candidate: Candidate, rules: Rules) -> float:
    """Turnout for a crew at hand; for one that must come in, its members'
    reported arrival plus turnout, or the configured call-in delay."""
    if not calls_crew_in(candidate):
        return rules.turnout_s
    wait = crew_wait_s(candidate, rules)
    return rules.crew_callback_s if wait is None else wait + rules.turnout_s


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
