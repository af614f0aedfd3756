"""JSON routes for authentication, members and stations."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status

from muster.core.http import IfMatchDep, Limit, PageDep, SessionDep, SettingsDep
from muster.core.pagination import DEFAULT_LIMIT
from muster.org import service as org_service
from muster.org.deps import Caller, Reader, require
from muster.org.models import Member, Membership
from muster.org.principal import Principal
from muster.org.ratelimit import throttled_login
from muster.org.roles import Permission, Role
from muster.org.schemas import (
    ApiTokenCreate,
    ApiTokenCreated,
    ApiTokenRead,
    DepartmentRead,
    MemberCreate,
    MemberList,
    MemberPasswordSet,
    MemberRead,
    MemberUpdate,
    MeRead,
    OwnPasswordChange,
    StationCreate,
    StationList,
    StationRead,
    StationUpdate,
    TokenRequest,
    TokenResponse,
)

router = APIRouter()

MemberAdmin = Annotated[Principal, Depends(require(Permission.MEMBER_MANAGE))]
StationAdmin = Annotated[Principal, Depends(require(Permission.STATION_MANAGE))]
TokenAdmin = Annotated[Principal, Depends(require(Permission.TOKEN_MANAGE))]


def member_read(member: Member, membership: Membership) -> MemberRead:
    return MemberRead(
        id=member.id,
        email=member.email,
        name=membership.name,
        phone=membership.phone,
        roles=[Role(r) for r in membership.roles],
        qualifications=membership.qualifications,
        station_id=membership.station_id,
        is_active=member.is_active and membership.is_active,
        version=membership.version,
    )


@router.post("/auth/token", tags=["auth"])
async def issue_token(
    body: TokenRequest, request: Request, session: SessionDep, settings: SettingsDep
) -> TokenResponse:
    """Log in with email and password; the token acts in one department."""
    issued = await throttled_login(request, session, settings, body)
    return TokenResponse(
        access_token=issued.token,
        expires_at=issued.record.expires_at,
        department=DepartmentRead.model_validate(issued.department),
    )


@router.post("/auth/logout", tags=["auth"], status_code=status.HTTP_204_NO_CONTENT)
async def logout(principal: Caller, session: SessionDep) -> None:
    """Revoke the token this request carries."""
    await org_service.revoke_token(
        session, principal=principal, token_id=principal.token_id
    )


@router.get("/me", tags=["auth"])
async def read_me(principal: Caller, session: SessionDep) -> MeRead:
    member, membership = await org_service.get_member(
        session, department_id=principal.department_id, member_id=principal.member_id
    )
    department = await org_service.get_department(session, principal.department_id)
    departments = await org_service.list_member_departments(
        session, member_id=member.id
    )
    return MeRead(
        member=member_read(member, membership),
        department=DepartmentRead.model_validate(department),
        roles=sorted(principal.roles),
        departments=[DepartmentRead.model_validate(d) for d in departments],
    )


@router.post("/me/password", tags=["auth"], status_code=status.HTTP_204_NO_CONTENT)
async def change_own_password(
    body: OwnPasswordChange, principal: Caller, session: SessionDep
) -> None:
    """Change your own password; the current one must be given."""
    await org_service.change_own_password(
        session,
        ctx=principal.context,
        current=body.current_password,
        new=body.new_password,
    )


@router.post("/auth/tokens", tags=["auth"], status_code=status.HTTP_201_CREATED)
async def create_api_token(
    body: ApiTokenCreate, principal: TokenAdmin, session: SessionDep
) -> ApiTokenCreated:
    """Issue a long-lived token for a device or an integration (shown once)."""
    token, record = await org_service.create_api_token(
        session, principal=principal, data=body
    )
    return ApiTokenCreated(
        token=token, **ApiTokenRead.model_validate(record).model_dump()
    )


@router.get("/auth/tokens", tags=["auth"])
async def list_api_tokens(
    principal: TokenAdmin, session: SessionDep
) -> list[ApiTokenRead]:
    records = await org_service.list_api_tokens(
        session, department_id=principal.department_id
    )
    return [ApiTokenRead.model_validate(r) for r in records]


@router.delete("/auth/tokens/{token_id}", tags=["auth"])
async def revoke_api_token(
    token_id: str, principal: Caller, session: SessionDep
) -> ApiTokenRead:
    record = await org_service.revoke_token(
        session, principal=principal, token_id=token_id
    )
    return ApiTokenRead.model_validate(record)


@router.get("/members", tags=["members"])
async def list_members(
    principal: Reader,
    session: SessionDep,
    cursor: str | None = None,
    limit: Limit = DEFAULT_LIMIT,
) -> MemberList:
    rows, next_cursor = await org_service.list_members(
        session, department_id=principal.department_id, cursor=cursor, limit=limit
    )
    return MemberList(
        items=[member_read(*row) for row in rows], next_cursor=next_cursor
    )


@router.post("/members", tags=["members"], status_code=status.HTTP_201_CREATED)
async def add_member(
    body: MemberCreate, principal: MemberAdmin, session: SessionDep
) -> MemberRead:
    member, membership = await org_service.add_member(
        session, ctx=principal.context, data=body
    )
    return member_read(member, membership)


@router.get("/members/{member_id}", tags=["members"])
async def read_member(
    member_id: str, principal: Reader, session: SessionDep
) -> MemberRead:
    member, membership = await org_service.get_member(
        session, department_id=principal.department_id, member_id=member_id
    )
    return member_read(member, membership)


@router.patch("/members/{member_id}", tags=["members"])
async def update_member(
    member_id: str,
    body: MemberUpdate,
    principal: MemberAdmin,
    session: SessionDep,
    version: IfMatchDep,
) -> MemberRead:
    member, membership = await org_service.update_member(
        session,
        ctx=principal.context,
        member_id=member_id,
        data=body,
        expected_version=version,
    )
    return member_read(member, membership)


@router.post(
    "/members/{member_id}/password",
    tags=["members"],
    status_code=status.HTTP_204_NO_CONTENT,
)
async def set_member_password(
    member_id: str, body: MemberPasswordSet, principal: MemberAdmin, session: SessionDep
) -> None:
    await org_service.set_password(
        session,
        ctx=principal.context,
        member_id=member_id,
        password=body.password,
    )


@router.get("/stations", tags=["stations"])
async def list_stations(
    principal: Reader, session: SessionDep, page: PageDep
) -> StationList:
    stations, next_cursor = await org_service.list_stations(
        session, department_id=principal.department_id, page=page
    )
    return StationList(
        items=[StationRead.model_validate(s) for s in stations],
        next_cursor=next_cursor,
    )


@router.post("/stations", tags=["stations"], status_code=status.HTTP_201_CREATED)
async def create_station(
    body: StationCreate, principal: StationAdmin, session: SessionDep
) -> StationRead:
    station = await org_service.create_station(
        session, ctx=principal.context, data=body
    )
    return StationRead.model_validate(station)


@router.get("/stations/{station_id}", tags=["stations"])
async def read_station(
    station_id: str, principal: Reader, session: SessionDep
) -> StationRead:
    station = await org_service.get_station(
        session, department_id=principal.department_id, station_id=station_id
    )
    return StationRead.model_validate(station)


@router.patch("/stations/{station_id}", tags=["stations"])
async def update_station(
    station_id: str,
    body: StationUpdate,
    principal: StationAdmin,
    session: SessionDep,
    version: IfMatchDep,
) -> StationRead:
    station = await org_service.update_station(
        session,
        ctx=principal.context,
        station_id=station_id,
        data=body,
        expected_version=version,
    )
    return StationRead.model_validate(station)
