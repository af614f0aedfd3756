"""JSON routes for mutual aid: links between departments and requests for units."""

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from muster.core.http import PageDep, SessionDep
from muster.dispatch import aid_answers, mutual_aid
from muster.dispatch.models import DepartmentLink, MutualAidRequest
from muster.dispatch.mutual_aid import AidStatus, Direction
from muster.dispatch.schemas import (
    AidDecline,
    AidRequestList,
    AidRequestRead,
    DepartmentRef,
    LinkCreate,
    LinkList,
    LinkRead,
)
from muster.org.deps import Reader, require
from muster.org.models import Department
from muster.org.principal import Principal
from muster.org.roles import Permission

router = APIRouter(prefix="/mutual-aid", tags=["mutual aid"])

DispatchAdmin = Annotated[Principal, Depends(require(Permission.DISPATCH_MANAGE))]
Writer = Annotated[Principal, Depends(require(Permission.INCIDENT_WRITE))]


def _ref(department: Department) -> DepartmentRef:
    return DepartmentRef(id=department.id, slug=department.slug, name=department.name)


async def _names(
    session: AsyncSession, pairs: Sequence[tuple[str, str]]
) -> dict[str, DepartmentRef]:
    ids = {one for pair in pairs for one in pair}
    found = await mutual_aid.departments(session, ids)
    return {key: _ref(value) for key, value in found.items()}


async def _links(
    session: AsyncSession, links: Sequence[DepartmentLink]
) -> list[LinkRead]:
    refs = await _names(session, [(x.department_id, x.partner_id) for x in links])
    return [
        LinkRead(
            id=link.id,
            department=refs[link.department_id],
            partner=refs[link.partner_id],
            created_at=link.created_at,
        )
        for link in links
    ]


async def _requests(
    session: AsyncSession, requests: Sequence[MutualAidRequest]
) -> list[AidRequestRead]:
    refs = await _names(
        session, [(r.department_id, r.provider_department_id) for r in requests]
    )
    labels = await mutual_aid.labels(session, requests)
    return [
        AidRequestRead(
            id=request.id,
            status=request.status,
            department=refs[request.department_id],
            provider=refs[request.provider_department_id],
            incident_id=request.incident_id,
            incident_number=labels.incidents[request.incident_id],
            unit_id=request.unit_id,
            unit_name=labels.units[request.unit_id],
            assignment_id=request.assignment_id,
            created_at=request.created_at,
            answered_at=request.answered_at,
        )
        for request in requests
    ]


@router.get("/links")
async def list_links(principal: Reader, session: SessionDep) -> LinkList:
    links = await mutual_aid.list_links(session, department_id=principal.department_id)
    return LinkList(items=await _links(session, links))


@router.post("/links", status_code=status.HTTP_201_CREATED)
async def grant_link(
    body: LinkCreate, principal: DispatchAdmin, session: SessionDep
) -> LinkRead:
    link = await mutual_aid.grant(session, ctx=principal.context, slug=body.department)
    (read,) = await _links(session, [link])
    return read


@router.delete("/links/{link_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_link(
    link_id: str, principal: DispatchAdmin, session: SessionDep
) -> Response:
    await mutual_aid.revoke(session, ctx=principal.context, link_id=link_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/requests")
async def list_requests(
    principal: Reader,
    session: SessionDep,
    page: PageDep,
    direction: Annotated[Direction | None, Query()] = None,
    state: Annotated[AidStatus | None, Query(alias="status")] = None,
) -> AidRequestList:
    found, next_cursor = await mutual_aid.list_requests(
        session,
        department_id=principal.department_id,
        direction=direction,
        status=state,
        page=page,
    )
    return AidRequestList(
        items=await _requests(session, found), next_cursor=next_cursor
    )


@router.post("/requests/{request_id}/accept")
async def accept_request(
    request_id: str, principal: Writer, session: SessionDep
) -> AidRequestRead:
    request = await aid_answers.accept(
        session, ctx=principal.context, request_id=request_id
    )
    (read,) = await _requests(session, [request])
    return read


@router.post("/requests/{request_id}/decline")
async def decline_request(
    request_id: str, body: AidDecline, principal: Writer, session: SessionDep
) -> AidRequestRead:
    request = await aid_answers.decline(
        session, ctx=principal.context, request_id=request_id, reason=body.reason
    )
    (read,) = await _requests(session, [request])
    return read
