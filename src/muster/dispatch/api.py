"""JSON routes for dispatch: settings, response plans, recommendation,
assignments, and the intake and unit-status routes that dispatch keeps in step."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from muster.core.http import IfMatchDep, PageDep, SessionDep, SettingsDep
from muster.dispatch import assignments as assignment_service
from muster.dispatch import intake
from muster.dispatch import service as dispatch_service
from muster.dispatch.models import Assignment, ResponsePlan
from muster.dispatch.recommend import Recommendation
from muster.dispatch.schemas import (
    Ack,
    AssignmentCreate,
    AssignmentList,
    AssignmentRead,
    CoverGapRead,
    DispatchRequest,
    DispatchResult,
    IncidentIntake,
    PickRead,
    RecommendationRead,
    ResponsePlanCreate,
    ResponsePlanList,
    ResponsePlanRead,
    SettingsRead,
    SettingsUpdate,
    ShortfallRead,
)
from muster.incidents import service as incident_service
from muster.incidents.schemas import (
    Closure,
    IncidentCreate,
    IncidentRead,
    PossibleDuplicate,
    incident_read,
    read_fields,
)
from muster.org.deps import Reader, require
from muster.org.principal import Principal
from muster.org.roles import Permission
from muster.units.schemas import UnitRead, UnitStatusChange, unit_read

router = APIRouter(tags=["dispatch"])

DispatchAdmin = Annotated[Principal, Depends(require(Permission.DISPATCH_MANAGE))]
Writer = Annotated[Principal, Depends(require(Permission.INCIDENT_WRITE))]
StatusReporter = Annotated[Principal, Depends(require(Permission.UNIT_STATUS))]


def plan_read(plan: ResponsePlan, type_code: str) -> ResponsePlanRead:
    return ResponsePlanRead(
        id=plan.id,
        incident_type=type_code,
        name=plan.name,
        zone=plan.zone,
        station_id=plan.station_id,
        alarms=plan.alarms,
        version=plan.version,
    )


def recommendation_read(
    incident_id: str, alarm: int, plan_id: str | None, found: Recommendation
) -> RecommendationRead:
    return RecommendationRead(
        incident_id=incident_id,
        alarm=alarm,
        plan_id=plan_id,
        picks=[PickRead.model_validate(p) for p in found.picks],
        shortfalls=[ShortfallRead.model_validate(s) for s in found.shortfalls],
        cover=[CoverGapRead.model_validate(gap) for gap in found.cover],
    )


def _assignments(rows: list[Assignment]) -> list[AssignmentRead]:
    return [AssignmentRead.model_validate(a) for a in rows]


@router.get("/dispatch/settings")
async def read_settings(principal: Reader, session: SessionDep) -> SettingsRead:
    found = await dispatch_service.get_settings(
        session, department_id=principal.department_id
    )
    return SettingsRead.model_validate(found)


@router.patch("/dispatch/settings")
async def update_settings(
    body: SettingsUpdate,
    principal: DispatchAdmin,
    session: SessionDep,
    version: IfMatchDep,
) -> SettingsRead:
    found = await dispatch_service.update_settings(
        session, ctx=principal.context, data=body, expected_version=version
    )
    return SettingsRead.model_validate(found)


@router.get("/response-plans")
async def list_plans(
    principal: Reader, session: SessionDep, page: PageDep
) -> ResponsePlanList:
    plans, next_cursor = await dispatch_service.list_plans(
        session, department_id=principal.department_id, page=page
    )
    codes = await dispatch_service.type_codes(session, plans=plans)
    items = [plan_read(p, codes[p.incident_type_id]) for p in plans]
    return ResponsePlanList(items=items, next_cursor=next_cursor)


@router.post("/response-plans", status_code=status.HTTP_201_CREATED)
async def create_plan(
    body: ResponsePlanCreate, principal: DispatchAdmin, session: SessionDep
) -> ResponsePlanRead:
    plan = await dispatch_service.create_plan(session, ctx=principal.context, data=body)
    return plan_read(plan, body.incident_type)


@router.get("/response-plans/{plan_id}")
async def read_plan(
    plan_id: str, principal: Reader, session: SessionDep
) -> ResponsePlanRead:
    plan = await dispatch_service.get_plan(
        session, department_id=principal.department_id, plan_id=plan_id
    )
    codes = await dispatch_service.type_codes(session, plans=[plan])
    return plan_read(plan, codes[plan.incident_type_id])


@router.get("/incidents/{incident_id}/recommendation")
async def recommend(
    incident_id: str,
    principal: Reader,
    session: SessionDep,
    alarm: Annotated[int, Query(ge=1, le=10)] = 1,
) -> RecommendationRead:
    """Units to send for an alarm level, ranked by arrival, each with its reason."""
    plan, found = await dispatch_service.recommend_alarm(
        session,
        department_id=principal.department_id,
        incident_id=incident_id,
        alarm=alarm,
    )
    return recommendation_read(incident_id, alarm, plan.id, found)


@router.post("/incidents/{incident_id}/dispatch")
async def dispatch(
    incident_id: str, body: DispatchRequest, principal: Writer, session: SessionDep
) -> DispatchResult:
    """Assign the recommendation for an alarm level in one call."""
    made, found = await assignment_service.dispatch_alarm(
        session, ctx=principal.context, incident_id=incident_id, alarm=body.alarm
    )
    return DispatchResult(
        incident_id=incident_id,
        alarm=body.alarm,
        assignments=_assignments(made),
        shortfalls=[ShortfallRead.model_validate(s) for s in found.shortfalls],
    )


@router.get("/incidents/{incident_id}/assignments")
async def list_assignments(
    incident_id: str, principal: Reader, session: SessionDep
) -> AssignmentList:
    rows = await assignment_service.list_assignments(
        session, department_id=principal.department_id, incident_id=incident_id
    )
    return AssignmentList(items=_assignments(list(rows)), next_cursor=None)


@router.post(
    "/incidents/{incident_id}/assignments", status_code=status.HTTP_201_CREATED
)
async def assign(
    incident_id: str, body: AssignmentCreate, principal: Writer, session: SessionDep
) -> AssignmentRead:
    """Send a unit or a person; a unit committed elsewhere is 409 naming where."""
    if body.unit_id is not None:
        order = assignment_service.UnitOrder(body.unit_id, body.alarm)
        made = await assignment_service.assign_unit(
            session, ctx=principal.context, incident_id=incident_id, order=order
        )
    else:
        made = await assignment_service.assign_member(
            session,
            ctx=principal.context,
            incident_id=incident_id,
            member_id=body.member_id or "",
        )
    return AssignmentRead.model_validate(made)


@router.post("/assignments/{assignment_id}/ack")
async def acknowledge(
    assignment_id: str, body: Ack, principal: StatusReporter, session: SessionDep
) -> AssignmentRead:
    made = await assignment_service.acknowledge(
        session,
        ctx=principal.context,
        assignment_id=assignment_id,
        response=body.response,
    )
    return AssignmentRead.model_validate(made)


@router.post("/assignments/{assignment_id}/clear")
async def clear(
    assignment_id: str, principal: Writer, session: SessionDep
) -> AssignmentRead:
    made = await assignment_service.clear(
        session, ctx=principal.context, assignment_id=assignment_id
    )
    return AssignmentRead.model_validate(made)


@router.post("/units/{unit_id}/status", tags=["units"])
async def change_unit_status(
    unit_id: str,
    body: UnitStatusChange,
    principal: StatusReporter,
    session: SessionDep,
    version: IfMatchDep,
) -> UnitRead:
    """Report a unit's new status; an illegal transition or a committed unit is 409."""
    unit = await assignment_service.report_unit_status(
        session,
        ctx=principal.context,
        unit_id=unit_id,
        data=body,
        expected_version=version,
    )
    return unit_read(unit)


@router.post("/incidents", tags=["incidents"], status_code=status.HTTP_201_CREATED)
async def create_incident(
    body: IncidentCreate, principal: Writer, session: SessionDep, settings: SettingsDep
) -> IncidentIntake:
    """Record a call as a new incident, with possible duplicates nearby; a type
    under automatic dispatch gets its first alarm assigned in the same call."""
    taken = await intake.take_call(
        session,
        ctx=principal.context,
        data=body,
        rule=incident_service.duplicate_rule(settings),
    )
    return IncidentIntake(
        **read_fields(taken.incident, taken.reports),
        possible_duplicates=[
            PossibleDuplicate.model_validate(d) for d in taken.duplicates
        ],
        assignments=_assignments(taken.assignments),
        shortfalls=[ShortfallRead.model_validate(s) for s in taken.shortfalls],
    )


@router.post("/incidents/{incident_id}/close", tags=["incidents"])
async def close_incident(
    incident_id: str,
    body: Closure,
    principal: Writer,
    session: SessionDep,
    version: IfMatchDep,
) -> IncidentRead:
    """Close with a disposition; live assignments are cleared and units freed."""
    incident = await assignment_service.close_incident(
        session,
        ctx=principal.context,
        incident_id=incident_id,
        disposition=body.disposition,
        expected_version=version,
    )
    reports = await incident_service.list_reports(session, incident_id=incident.id)
    return incident_read(incident, reports)
