"""Unit recommendation: fill a plan's needs with the units that would arrive first,
and explain the picks, the shortfalls and the station cover they leave. Pure:
no database, no clock.

The filling logic is written once, over a ``UnitSource`` (see ``ranking``).
``brute_force`` runs it on a plain scan of every candidate;
``muster.dispatch.index.UnitIndex`` runs it on a spatial grid and must return
exactly the same ``Recommendation``. The types callers need are re-exported
here.
"""

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field

from muster.dispatch.ranking import (
    Assessment,
    Candidate,
    CoverGap,
    MoveUp,
    Need,
    Order,
    Origin,
    Pick,
    Point,
    Pool,
    Ranked,
    Recommendation,
    Rules,
    Search,
    Shortfall,
    UnitSource,
    assess,
    calls_crew_in,
    crew_wait_s,
    has_place,
    in_pool,
    is_eligible,
    mobilisation_s,
    rank,
)
from muster.units.status import UnitStatus

__all__ = [
    "Assessment",
    "Candidate",
    "CoverGap",
    "MoveUp",
    "Need",
    "Order",
    "Origin",
    "Pick",
    "Point",
    "Pool",
    "Ranked",
    "Recommendation",
    "Rules",
    "ScanSource",
    "Search",
    "Shortfall",
    "UnitSource",
    "assess",
    "brute_force",
    "mobilisation_s",
    "rank",
    "recommend_with",
]


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
        wait = crew_wait_s(candidate, rules)
        parts.append("crew called in" if wait is None else f"crew in {_minutes(wait)}")
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
