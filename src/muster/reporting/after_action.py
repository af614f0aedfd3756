"""The after-action review of one incident: what happened, in what order, how
fast against the targets, what was said, where the units drove, and whether
the record is intact.

Intervals follow the response-time report (``muster.reporting.service``): call
processing and total response once for the incident; turnout, travel and
time committed per assignment, judged against the profile's first target
tier only for unit assignments that were not declined (the rows reports count).
"""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from muster.core import clock
from muster.dispatch.models import Assignment
from muster.events import service as event_service
from muster.events.models import Event
from muster.incidents.models import Incident
from muster.org import service as org_service
from muster.reporting import profiles as profile_service
from muster.reporting.after_action_loading import Record, load_record
from muster.reporting.after_action_schemas import (
    AfterActionReview,
    AssignmentReview,
    DepartmentBrief,
    Escalation,
    Integrity,
    IntervalResult,
    StationBrief,
    TimelineEntry,
)
from muster.reporting.after_action_sections import (
    incident_summary,
    lifecycle,
    messages,
    station_brief,
)
from muster.reporting.event_lines import describe
from muster.reporting.event_text import text
from muster.reporting.targets import Interval, Profile, RowClass
from muster.reporting.track_map import TrackInput, build_tracks

LABELS = {
    Interval.CALL_PROCESSING: "Call processing",
    Interval.TURNOUT: "Turnout",
    Interval.TRAVEL: "Travel",
    Interval.TOTAL_RESPONSE: "Total response",
    Interval.COMMITTED: "Time committed",
}


def _interval(
    interval: Interval,
    span: tuple[datetime | None, datetime | None],
    profile: Profile,
    row_class: RowClass | None,
) -> IntervalResult:
    """One interval; ``row_class`` ``None`` holds it to no target."""
    start, end = span
    seconds = (end - start).total_seconds() if start and end else None
    tiers = profile.tiers(interval, row_class) if row_class is not None else ()
    target = tiers[0] if tiers else None
    met = None
    if target is not None and seconds is not None and seconds >= 0:
        met = seconds <= target.seconds
    return IntervalResult(
        interval=interval.value,
        label=LABELS[interval],
        start=start,
        end=end,
        seconds=seconds,
        target_s=target.seconds if target else None,
        target_percentile=target.share if target else None,
        met=met,
    )


def _category(incident: Incident, profile: Profile) -> RowClass:
    ems = incident.incident_type.category in profile.ems_categories
    return RowClass.EMS if ems else RowClass.FIRE


def _incident_intervals(incident: Incident, profile: Profile) -> list[IntervalResult]:
    received = incident.received_at
    return [
        _interval(
            Interval.CALL_PROCESSING,
            (received, incident.dispatched_at),
            profile,
            RowClass.ANY,
        ),
        _interval(
            Interval.TOTAL_RESPONSE,
            (received, incident.first_on_scene_at),
            profile,
            _category(incident, profile),
        ),
    ]


def _is_first_on_scene(assignment: Assignment, incident: Incident) -> bool:
    first, arrived = incident.first_on_scene_at, assignment.on_scene_at
    return first is not None and arrived is not None and arrived <= first


def _assignment_intervals(
    assignment: Assignment, incident: Incident, profile: Profile
) -> list[IntervalResult]:
    counted = assignment.unit_id is not None and assignment.declined_at is None
    category = _category(incident, profile) if counted else None
    arrival = None
    if counted:
        first = _is_first_on_scene(assignment, incident)
        arrival = RowClass.FIRST_ON_SCENE if first else RowClass.LATER_ON_SCENE
    a = assignment
    return [
        _interval(
            Interval.TURNOUT, (a.dispatched_at, a.en_route_at), profile, category
        ),
        _interval(Interval.TRAVEL, (a.en_route_at, a.on_scene_at), profile, arrival),
        _interval(Interval.COMMITTED, (a.dispatched_at, a.cleared_at), profile, None),
    ]


def _escalations(events: Sequence[Event]) -> dict[str, list[Escalation]]:
    found: dict[str, list[Escalation]] = {}
    for event in events:
        if event.kind != "assignment.escalated":
            continue
        following = event.data.get("next")
        found.setdefault(text(event.data, "assignment_id"), []).append(
            Escalation(
                at=event.at,
                seq=event.seq,
                cause=text(event.data, "cause", "unanswered"),
                next_candidate=text(following, "name") or None,
                shortfall=text(event.data, "shortfall") or None,
            )
        )
    return found


def _assignment(
    record: Record,
    assignment: Assignment,
    profile: Profile,
    escalations: dict[str, list[Escalation]],
) -> AssignmentReview:
    unit = record.units.get(assignment.unit_id or "")
    station = record.stations.get(unit.station_id or "") if unit else None
    lender = assignment.provider_department_id
    a = assignment
    return AssignmentReview(
        id=a.id,
        kind="unit" if a.unit_id else "member",
        unit_id=a.unit_id,
        member_id=a.member_id,
        name=record.names.assignment(a.id),
        unit_type=unit.unit_type.code if unit else None,
        station=station.code if station else None,
        mutual_aid_from=record.names.department(lender) if lender else None,
        alarm_level=a.alarm_level,
        capability=a.capability,
        status=a.status,
        reason=a.reason,
        pages=a.pages,
        first_on_scene=_is_first_on_scene(a, record.incident),
        dispatched_at=a.dispatched_at,
        acknowledged_at=a.acknowledged_at,
        declined_at=a.declined_at,
        en_route_at=a.en_route_at,
        on_scene_at=a.on_scene_at,
        cleared_at=a.cleared_at,
        escalations=escalations.get(a.id, []),
        intervals=_assignment_intervals(a, record.incident, profile),
    )


def _timeline(record: Record) -> list[TimelineEntry]:
    return [
        TimelineEntry(
            seq=event.seq,
            at=event.at,
            kind=event.kind,
            actor=event.actor,
            summary=describe(event.kind, event.data, record.names),
            data=event.data,
        )
        for event in record.events
    ]


async def _integrity(
    session: AsyncSession, department_id: str, events: Sequence[Event]
) -> Integrity:
    if not events:
        return Integrity(
            verified=None,
            events_checked=0,
            first_seq=None,
            last_seq=None,
            last_hash=None,
            broken_seq=None,
            reason=None,
        )
    first, last = events[0], events[-1]
    report = await event_service.verify_span(
        session, department_id=department_id, from_seq=first.seq, to_seq=last.seq
    )
    return Integrity(
        verified=report.ok,
        events_checked=report.checked,
        first_seq=first.seq,
        last_seq=last.seq,
        last_hash=last.hash,
        broken_seq=report.broken_seq,
        reason=report.reason,
    )


def _map_stations(record: Record) -> list[StationBrief]:
    return [station_brief(s) for s in record.stations.values()]


def _tracks(record: Record) -> list[TrackInput]:
    return [
        TrackInput(
            assignment_id=a.id,
            unit_id=a.unit_id,
            name=record.names.assignment(a.id),
            fixes=record.tracks.get(a.id, []),
        )
        for a in record.assignments
        if a.unit_id is not None
    ]


async def after_action_review(
    session: AsyncSession,
    *,
    department_id: str,
    incident_id: str,
    profile: str | None = None,
) -> AfterActionReview:
    """Assemble the review (read only; verifies the chain across the incident's
    events). Raises ``IncidentNotFound`` for an incident the department does
    not have and ``BadReportQuery`` for an unknown profile."""
    targets = await profile_service.resolve_profile(
        session, department_id=department_id, name=profile
    )
    department = await org_service.get_department(session, department_id)
    record = await load_record(session, department=department, incident_id=incident_id)
    incident = record.incident
    escalations = _escalations(record.events)
    return AfterActionReview(
        generated_at=clock.now(),
        department=DepartmentBrief(
            id=department.id, name=department.name, timezone=department.timezone
        ),
        profile=targets.name,
        incident=incident_summary(record),
        lifecycle=lifecycle(incident),
        intervals=_incident_intervals(incident, targets),
        assignments=[
            _assignment(record, a, targets, escalations) for a in record.assignments
        ],
        timeline=_timeline(record),
        messages=messages(record),
        stations=_map_stations(record),
        tracks=build_tracks(_tracks(record)),
        integrity=await _integrity(session, department_id, record.events),
    )
