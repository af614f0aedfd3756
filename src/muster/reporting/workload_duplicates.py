"""Repeated or duplicate updates in the period, in one table.

- ``possible_duplicate_incident``: an incident received no more than the
  duplicate window (``MUSTER_DUPLICATE_WINDOW_MIN``) after an earlier one of
  the same type, within the duplicate radius (``MUSTER_DUPLICATE_RADIUS_M``)
  of it: the rule intake warns with, applied afterwards to every pair and
  whatever became of the incidents.
- ``repeated_status``: per unit or member, status reports that named the
  status it was already in and were still recorded (they carried a position,
  an ETA or an incident); exact repeats change nothing and leave no trace.
- ``repeated_position``: per unit, position reports with the time and place
  of the unit's report before (a device resending a fix).
"""

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from muster.reporting import workload_queries as q
from muster.reporting.timeline import Period
from muster.reporting.tracks import Call, CallPair, NearbyCalls, Track
from muster.reporting.workload_fleet import Fleet
from muster.reporting.workload_schemas import Duplicate, DuplicateKind, WorkloadRules
from muster.reporting.workload_status import Repeats

K = DuplicateKind
_ORDER = {
    K.POSSIBLE_DUPLICATE_INCIDENT: 0,
    K.REPEATED_STATUS: 1,
    K.REPEATED_POSITION: 2,
}


def _pair_row(pair: CallPair) -> Duplicate:
    return Duplicate(
        kind=K.POSSIBLE_DUPLICATE_INCIDENT,
        subject_type="incident",
        subject_id=pair.second.id,
        subject=pair.second.number,
        other=pair.first.number,
        count=1,
        first_at=pair.first.received_at,
        last_at=pair.second.received_at,
        distance_m=round(pair.distance_m, 1),
    )


async def incident_pairs(
    session: AsyncSession, *, department_id: str, period: Period, rules: WorkloadRules
) -> list[Duplicate]:
    """Pairs of incidents received in the period that may be one call."""
    nearby = NearbyCalls(
        radius_m=rules.duplicate_radius_m, window=rules.duplicate_window
    )
    rows = []
    async for row in q.stream(session, q.department_calls(department_id, period)):
        for pair in nearby.add(Call(*row)):
            rows.append(_pair_row(pair))
    return rows


def _repeat_row(
    kind: DuplicateKind, subject: tuple[str, str], repeats: Repeats
) -> Duplicate | None:
    if repeats.first_at is None or repeats.last_at is None:
        return None
    return Duplicate(
        kind=kind,
        subject_type=subject[0],
        subject_id=subject[1],
        subject=repeats.name,
        other=None,
        count=repeats.count,
        first_at=repeats.first_at,
        last_at=repeats.last_at,
        distance_m=None,
    )


def repeated_rows(
    statuses: dict[tuple[str, str], Repeats], tracks: dict[str, Track], fleet: Fleet
) -> list[Duplicate]:
    names = {unit.id: unit.name for unit in fleet.units}
    rows = [_repeat_row(K.REPEATED_STATUS, key, r) for key, r in statuses.items()]
    for unit_id, track in tracks.items():
        if track.first_repeat_t is None or track.last_repeat_t is None:
            continue
        repeats = Repeats(
            names.get(unit_id, unit_id),
            track.repeats,
            datetime.fromtimestamp(track.first_repeat_t, UTC),
            datetime.fromtimestamp(track.last_repeat_t, UTC),
        )
        rows.append(_repeat_row(K.REPEATED_POSITION, ("unit", unit_id), repeats))
    return [row for row in rows if row is not None]


def ordered(rows: list[Duplicate]) -> list[Duplicate]:
    """Duplicate incidents first, then the most repeated, then the earliest."""
    return sorted(rows, key=lambda r: (_ORDER[r.kind], -r.count, r.first_at, r.subject))
