"""JSON routes for incident types, incidents, their callers, notes and timeline."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from muster.core.http import IfMatchDep, PageDep, SessionDep, SettingsDep
from muster.events.models import Event
from muster.events.schemas import ActorRead, EventList, EventRead
from muster.incidents import lifecycle_service, type_service
from muster.incidents import service as incident_service
from muster.incidents.models import Incident
from muster.incidents.schemas import (
    DuplicateCheck,
    DuplicateList,
    IncidentList,
    IncidentQuery,
    IncidentRead,
    IncidentSummary,
    IncidentTypeCreate,
    IncidentTypeList,
    IncidentTypeRead,
    IncidentUpdate,
    NoteCreate,
    NoteRead,
    PossibleDuplicate,
    ReportCreate,
    ReportRead,
    StatusChange,
    incident_read,
    summary_fields,
)
from muster.org.deps import Reader, require
from muster.org.principal import Principal
from muster.org.roles import Permission

router = APIRouter()

TypeAdmin = Annotated[Principal, Depends(require(Permission.TYPE_MANAGE))]
Writer = Annotated[Principal, Depends(require(Permission.INCIDENT_WRITE))]
NoteTaker = Annotated[Principal, Depends(require(Permission.INCIDENT_NOTE))]

TIMELINE_LIMIT = 5000


def event_read(event: Event) -> EventRead:
    return EventRead(
        seq=event.seq,
        at=event.at,
        actor=ActorRead(id=event.actor_id, name=event.actor),
        kind=event.kind,
        incident_id=event.incident_id,
        data=event.data,
    )


@router.get("/incident-types", tags=["incident types"])
async def list_incident_types(
    principal: Reader, session: SessionDep, page: PageDep
) -> IncidentTypeList:
    types, next_cursor = await type_service.list_incident_types(
        session, department_id=principal.department_id, page=page
    )
    return IncidentTypeList(
        items=[IncidentTypeRead.model_validate(t) for t in types],
        next_cursor=next_cursor,
    )


@router.post(
    "/incident-types", tags=["incident types"], status_code=status.HTTP_201_CREATED
)
async def create_incident_type(
    body: IncidentTypeCreate, principal: TypeAdmin, session: SessionDep
) -> IncidentTypeRead:
    incident_type = await type_service.create_incident_type(
        session, ctx=principal.context, data=body
    )
    return IncidentTypeRead.model_validate(incident_type)


@router.get("/incident-types/{type_id}", tags=["incident types"])
async def read_incident_type(
    type_id: str, principal: Reader, session: SessionDep
) -> IncidentTypeRead:
    incident_type = await type_service.get_incident_type(
        session, department_id=principal.department_id, type_id=type_id
    )
    return IncidentTypeRead.model_validate(incident_type)


@router.get("/incidents", tags=["incidents"])
async def list_incidents(
    principal: Reader, session: SessionDep, query: Annotated[IncidentQuery, Query()]
) -> IncidentList:
    incidents, next_cursor = await incident_service.list_incidents(
        session,
        department_id=principal.department_id,
        filters=query,
        cursor=query.cursor,
        limit=query.limit,
    )
    items = [IncidentSummary(**summary_fields(i)) for i in incidents]
    return IncidentList(items=items, next_cursor=next_cursor)


@router.post("/incidents/duplicates", tags=["incidents"])
async def check_duplicates(
    body: DuplicateCheck, principal: Writer, session: SessionDep, settings: SettingsDep
) -> DuplicateList:
    """The open incidents a call of this type at this place would be flagged
    as possibly duplicating, before it is taken; nothing is written."""
    found = await incident_service.preview_duplicates(
        session,
        department_id=principal.department_id,
        type_code=body.type,
        point=(body.location.lat, body.location.lon),
        rule=incident_service.duplicate_rule(settings),
    )
    return DuplicateList(items=[PossibleDuplicate.model_validate(d) for d in found])


@router.get("/incidents/{incident_id}", tags=["incidents"])
async def read_incident(
    incident_id: str, principal: Reader, session: SessionDep
) -> IncidentRead:
    incident = await incident_service.get_incident(
        session, department_id=principal.department_id, incident_id=incident_id
    )
    reports = await incident_service.list_reports(session, incident_id=incident.id)
    return incident_read(incident, reports)


async def _read_after_change(session: SessionDep, incident: Incident) -> IncidentRead:
    reports = await incident_service.list_reports(session, incident_id=incident.id)
    return incident_read(incident, reports)


@router.patch("/incidents/{incident_id}", tags=["incidents"])
async def update_incident(
    incident_id: str,
    body: IncidentUpdate,
    principal: Writer,
    session: SessionDep,
    version: IfMatchDep,
) -> IncidentRead:
    """Edit an incident; send ``If-Match: <version>`` to refuse a stale write (409)."""
    incident = await incident_service.update_incident(
        session,
        ctx=principal.context,
        incident_id=incident_id,
        data=body,
        expected_version=version,
    )
    return await _read_after_change(session, incident)


@router.post(
    "/incidents/{incident_id}/reports",
    tags=["incidents"],
    status_code=status.HTTP_201_CREATED,
)
async def add_report(
    incident_id: str, body: ReportCreate, principal: Writer, session: SessionDep
) -> ReportRead:
    """Attach another caller's report to the incident."""
    report = await incident_service.add_report(
        session,
        ctx=principal.context,
        incident_id=incident_id,
        caller=body,
        received_at=body.received_at,
    )
    return ReportRead.model_validate(report)


@router.post(
    "/incidents/{incident_id}/notes",
    tags=["incidents"],
    status_code=status.HTTP_201_CREATED,
)
async def add_note(
    incident_id: str, body: NoteCreate, principal: NoteTaker, session: SessionDep
) -> NoteRead:
    note = await incident_service.add_note(
        session,
        ctx=principal.context,
        incident_id=incident_id,
        text=body.text,
    )
    return NoteRead.model_validate(note)


@router.post("/incidents/{incident_id}/status", tags=["incidents"])
async def change_status(
    incident_id: str,
    body: StatusChange,
    principal: Writer,
    session: SessionDep,
    version: IfMatchDep,
) -> IncidentRead:
    incident = await lifecycle_service.change_status(
        session,
        ctx=principal.context,
        incident_id=incident_id,
        change=body,
        expected_version=version,
    )
    return await _read_after_change(session, incident)


@router.post("/incidents/{incident_id}/reopen", tags=["incidents"])
async def reopen_incident(
    incident_id: str, principal: Writer, session: SessionDep, version: IfMatchDep
) -> IncidentRead:
    incident = await lifecycle_service.reopen_incident(
        session,
        ctx=principal.context,
        incident_id=incident_id,
        expected_version=version,
    )
    return await _read_after_change(session, incident)


@router.get("/incidents/{incident_id}/timeline", tags=["incidents"])
async def read_timeline(
    incident_id: str,
    principal: Reader,
    session: SessionDep,
    after: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=TIMELINE_LIMIT)] = TIMELINE_LIMIT,
) -> EventList:
    """The incident's events in sequence order; page with ``after=<seq>``."""
    events = await incident_service.timeline(
        session,
        department_id=principal.department_id,
        incident_id=incident_id,
        after_seq=after,
        limit=limit,
    )
    next_cursor = str(events[-1].seq) if len(events) == limit else None
    return EventList(items=[event_read(e) for e in events], next_cursor=next_cursor)
