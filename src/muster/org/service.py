"""Departments, members, authentication and stations.

Every query takes the caller's ``department_id``; anything outside it is
reported as not found, so one department never learns of another's rows.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from muster.core import clock
from muster.core.errors import (
    InvalidTransition,
    PermissionDenied,
    Unauthenticated,
    ValidationFailed,
    check_version,
    field_error,
)
from muster.core.pagination import (
    PageRequest,
    decode_cursor,
    encode_cursor,
    keyset_page,
)
from muster.core.security import (
    dummy_verify,
    hash_password,
    hash_token,
    new_token,
    verify_password,
)
from muster.events import service as event_service
from muster.events.schemas import Actor, Context
from muster.org.errors import (
    DepartmentNotFound,
    DuplicateMembership,
    DuplicateSlug,
    DuplicateStationCode,
    InvalidCredentials,
    MemberNotFound,
    StationNotFound,
    TokenNotFound,
)
from muster.org.models import ApiToken, Department, Member, Membership, Station
from muster.org.principal import Principal
from muster.org.roles import Role
from muster.org.schemas import (
    ApiTokenCreate,
    MemberCreate,
    MemberUpdate,
    StationCreate,
    StationUpdate,
)


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str
    record: ApiToken
    department: Department


# Departments ---------------------------------------------------------------------


async def create_department(
    session: AsyncSession, *, name: str, slug: str, timezone: str = "UTC", actor: Actor
) -> Department:
    """Create a department with an empty event chain. Raises ``DuplicateSlug``."""
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise field_error("timezone", f"unknown time zone {timezone!r}") from exc
    if await session.scalar(select(Department.id).where(Department.slug == slug)):
        raise DuplicateSlug(f"a department with slug {slug!r} exists", slug=slug)
    department = Department(
        name=name, slug=slug, timezone=timezone, created_at=clock.now()
    )
    session.add(department)
    await session.flush()
    await event_service.create_chain(session, department_id=department.id)
    await event_service.append(
        session,
        ctx=Context(department.id, actor),
        kind="department.created",
        data={"name": name, "slug": slug, "timezone": timezone},
    )
    return department


async def get_department_by_slug(session: AsyncSession, slug: str) -> Department:
    department = await session.scalar(select(Department).where(Department.slug == slug))
    if department is None:
        raise DepartmentNotFound(f"no department {slug!r}", slug=slug)
    return department


async def get_department(session: AsyncSession, department_id: str) -> Department:
    department = await session.get(Department, department_id)
    if department is None:
        raise DepartmentNotFound(f"no department {department_id}")
    return department


# A department's time zone is set when it is created and never changed, so
# each process keeps what it has read (incident numbering asks on every call).
_timezones: dict[str, str] = {}


async def department_timezone(session: AsyncSession, department_id: str) -> str:
    """The department's IANA time zone. Raises ``DepartmentNotFound``."""
    zone = _timezones.get(department_id)
    if zone is None:
        zone = (await get_department(session, department_id)).timezone
        _timezones[department_id] = zone
    return zone


async def list_member_departments(
    session: AsyncSession, *, member_id: str
) -> Sequence[Department]:
    query = (
        select(Department)
        .join(Membership, Membership.department_id == Department.id)
        .where(Membership.member_id == member_id, Membership.is_active.is_(True))
        .order_by(Department.name)
    )
    return (await session.scalars(query)).all()


# Members ---------------------------------------------------------------------------


async def find_member_by_email(session: AsyncSession, email: str) -> Member | None:
    return await session.scalar(select(Member).where(Member.email == email.lower()))


async def _check_station(
    session: AsyncSession, department_id: str, station_id: str
) -> None:
    owner = await session.scalar(
        select(Station.department_id).where(Station.id == station_id)
    )
    if owner != department_id:
        raise field_error("station_id", f"unknown station {station_id}")


async def add_member(
    session: AsyncSession, *, ctx: Context, data: MemberCreate
) -> tuple[Member, Membership]:
    """Add a person to the department, creating their account if the email is new.

    An existing account keeps its password; it only gains a membership here.
    Raises ``DuplicateMembership`` if they already belong to the department.
    """
    if data.station_id is not None:
        await _check_station(session, ctx.department_id, data.station_id)
    member = await find_member_by_email(session, data.email)
    if member is None:
        member = Member(
            email=data.email,
            is_active=True,
            password_hash=hash_password(data.password) if data.password else None,
            created_at=clock.now(),
        )
        session.add(member)
        await session.flush()
    elif await _find_membership(session, ctx.department_id, member.id) is not None:
        raise DuplicateMembership(f"{data.email} already belongs to this department")
    membership = Membership(
        department_id=ctx.department_id,
        member_id=member.id,
        name=data.name,
        phone=data.phone,
        roles=[str(role) for role in data.roles],
        qualifications=data.qualifications,
        station_id=data.station_id,
        is_active=True,
        created_at=clock.now(),
    )
    session.add(membership)
    await session.flush()
    await event_service.append(
        session,
        ctx=ctx,
        kind="member.added",
        data={"member_id": member.id, "name": data.name, "roles": membership.roles},
    )
    return member, membership


async def _find_membership(
    session: AsyncSession, department_id: str, member_id: str
) -> Membership | None:
    return await session.scalar(
        select(Membership).where(
            Membership.department_id == department_id, Membership.member_id == member_id
        )
    )


async def get_member(
    session: AsyncSession, *, department_id: str, member_id: str
) -> tuple[Member, Membership]:
    row = (
        await session.execute(
            select(Member, Membership)
            .join(Membership, Membership.member_id == Member.id)
            .where(Membership.department_id == department_id, Member.id == member_id)
        )
    ).one_or_none()
    if row is None:
        raise MemberNotFound(f"no member {member_id}", member_id=member_id)
    return row[0], row[1]


async def list_members(
    session: AsyncSession, *, department_id: str, cursor: str | None, limit: int
) -> tuple[list[tuple[Member, Membership]], str | None]:
    """Members in name order, one page at a time."""
    query = (
        select(Member, Membership)
        .join(Membership, Membership.member_id == Member.id)
        .where(Membership.department_id == department_id)
        .order_by(Membership.name, Member.id)
        .limit(limit + 1)
    )
    if cursor:
        name, member_id = decode_cursor(cursor, size=2)
        query = query.where(
            (Membership.name > name)
            | ((Membership.name == name) & (Member.id > member_id))
        )
    rows = [(row[0], row[1]) for row in (await session.execute(query)).all()]
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(rows[-1][1].name, rows[-1][0].id)
    return rows, next_cursor


async def update_member(
    session: AsyncSession,
    *,
    ctx: Context,
    member_id: str,
    data: MemberUpdate,
    expected_version: int | None = None,
) -> tuple[Member, Membership]:
    """Change a member's profile and their membership of this department.

    Raises ``StaleVersion`` on a stale ``expected_version`` and
    ``InvalidTransition`` when an admin would drop their own admin role.
    """
    member, membership = await get_member(
        session, department_id=ctx.department_id, member_id=member_id
    )
    check_version(membership.version, expected_version)
    drops_own_admin = (
        ctx.actor.id == member_id
        and data.roles is not None
        and Role.ADMIN not in data.roles
        and Role.ADMIN in membership.roles
    )
    if drops_own_admin:
        raise InvalidTransition("an admin cannot remove their own admin role")
    changes = data.model_dump(exclude_unset=True)
    if changes.get("station_id") is not None:
        await _check_station(session, ctx.department_id, changes["station_id"])
    for field, value in changes.items():
        setattr(membership, field, value)
    if "roles" in changes:
        membership.roles = [str(role) for role in changes["roles"]]
    await session.flush()
    await event_service.append(
        session,
        ctx=ctx,
        kind="member.updated",
        data={"member_id": member.id, "changes": changes},
    )
    return member, membership


async def set_password(
    session: AsyncSession, *, ctx: Context, member_id: str, password: str
) -> None:
    """An admin sets a member's password.

    Raises ``PermissionDenied`` when the account also belongs to another
    department: one department's admin must not be able to log in elsewhere
    as that person; only the person can change it then (``change_own_password``).
    """
    member, _ = await get_member(
        session, department_id=ctx.department_id, member_id=member_id
    )
    shared = await session.scalar(
        select(Membership.id).where(
            Membership.member_id == member_id,
            Membership.department_id != ctx.department_id,
        )
    )
    if shared is not None and ctx.actor.id != member_id:
        raise PermissionDenied(
            "this account also belongs to another department; only its owner can"
            " change its password"
        )
    member.password_hash = hash_password(password)
    await event_service.append(
        session, ctx=ctx, kind="member.password_set", data={"member_id": member.id}
    )


async def change_own_password(
    session: AsyncSession, *, ctx: Context, current: str, new: str
) -> None:
    """The caller changes their own password; a wrong current one is a 422."""
    member = await session.get(Member, ctx.actor.id)
    if member is None or member.password_hash is None:
        raise field_error("current_password", "the account has no password yet")
    if not verify_password(member.password_hash, current):
        raise field_error("current_password", "the current password is wrong")
    member.password_hash = hash_password(new)
    await event_service.append(
        session, ctx=ctx, kind="member.password_set", data={"member_id": member.id}
    )


# Authentication --------------------------------------------------------------------


async def _pick_membership(
    session: AsyncSession, member: Member, slug: str | None
) -> tuple[Department, Membership]:
    query = (
        select(Department, Membership)
        .join(Membership, Membership.department_id == Department.id)
        .where(Membership.member_id == member.id, Membership.is_active.is_(True))
        .order_by(Department.slug)
    )
    rows = [(row[0], row[1]) for row in (await session.execute(query)).all()]
    if slug is not None:
        rows = [row for row in rows if row[0].slug == slug]
    if len(rows) == 1:
        return rows[0]
    if not rows:
        raise InvalidCredentials("email, password or department is wrong")
    slugs = ", ".join(row[0].slug for row in rows)
    raise field_error("department", f"member belongs to several departments: {slugs}")


async def login(
    session: AsyncSession,
    *,
    email: str,
    password: str,
    department_slug: str | None,
    ttl: timedelta,
) -> IssuedToken:
    """Check the password and issue a session token for one department.

    Raises ``InvalidCredentials`` without saying which part was wrong.
    """
    member = await find_member_by_email(session, email)
    if member is None or member.password_hash is None:
        dummy_verify()
        raise InvalidCredentials("email, password or department is wrong")
    if not verify_password(member.password_hash, password) or not member.is_active:
        raise InvalidCredentials("email, password or department is wrong")
    department, membership = await _pick_membership(session, member, department_slug)
    token = new_token()
    record = ApiToken(
        token_hash=hash_token(token),
        member_id=member.id,
        department_id=department.id,
        kind="session",
        name="login",
        roles=None,
        created_at=clock.now(),
        expires_at=clock.now() + ttl,
        revoked_at=None,
    )
    session.add(record)
    await session.flush()
    await event_service.append(
        session,
        ctx=Context(department.id, Actor(id=member.id, name=membership.name)),
        kind="member.logged_in",
        data={"token_id": record.id},
    )
    return IssuedToken(token=token, record=record, department=department)


# Every request authenticates, so the lookup is built once and read as plain rows.
_TOKEN_LOOKUP = (
    select(
        ApiToken.id,
        ApiToken.member_id,
        ApiToken.department_id,
        ApiToken.roles.label("token_roles"),
        ApiToken.expires_at,
        Membership.name,
        Membership.roles,
    )
    .join(Member, Member.id == ApiToken.member_id)
    .join(
        Membership,
        (Membership.member_id == ApiToken.member_id)
        & (Membership.department_id == ApiToken.department_id),
    )
    .where(
        ApiToken.token_hash == bindparam("token_hash"),
        ApiToken.revoked_at.is_(None),
        Member.is_active.is_(True),
        Membership.is_active.is_(True),
    )
)


async def authenticate(session: AsyncSession, token: str) -> Principal:
    """Resolve a bearer token to a principal. Raises ``Unauthenticated``."""
    connection = await session.connection()
    result = await connection.execute(_TOKEN_LOOKUP, {"token_hash": hash_token(token)})
    row = result.one_or_none()
    expired = row is not None and row.expires_at is not None
    if row is None or (expired and row.expires_at <= clock.now()):
        raise Unauthenticated(
            "the bearer token is missing, unknown, expired or revoked"
        )
    roles = {Role(role) for role in row.roles}
    if row.token_roles is not None:
        roles &= {Role(role) for role in row.token_roles}
    return Principal(
        member_id=row.member_id,
        member_name=row.name,
        department_id=row.department_id,
        roles=frozenset(roles),
        token_id=row.id,
    )


async def create_api_token(
    session: AsyncSession, *, principal: Principal, data: ApiTokenCreate
) -> tuple[str, ApiToken]:
    """Issue a long-lived token for a device or integration, shown only once."""
    member_id = data.member_id or principal.member_id
    _, membership = await get_member(
        session, department_id=principal.department_id, member_id=member_id
    )
    if data.roles is not None and not {str(r) for r in data.roles} <= set(
        membership.roles
    ):
        raise ValidationFailed(
            "a token cannot hold roles its member does not have",
            errors=[
                {"loc": ["body", "roles"], "msg": "not a subset of the member's roles"}
            ],
        )
    token = new_token()
    expires = (
        clock.now() + timedelta(days=data.expires_in_days)
        if data.expires_in_days
        else None
    )
    record = ApiToken(
        token_hash=hash_token(token),
        member_id=member_id,
        department_id=principal.department_id,
        kind="api",
        name=data.name,
        roles=[str(r) for r in data.roles] if data.roles is not None else None,
        created_at=clock.now(),
        expires_at=expires,
        revoked_at=None,
    )
    session.add(record)
    await session.flush()
    await event_service.append(
        session,
        ctx=principal.context,
        kind="token.created",
        data={"token_id": record.id, "member_id": member_id, "name": data.name},
    )
    return token, record


async def list_api_tokens(
    session: AsyncSession, *, department_id: str
) -> Sequence[ApiToken]:
    query = (
        select(ApiToken)
        .where(ApiToken.department_id == department_id, ApiToken.kind == "api")
        .order_by(ApiToken.created_at)
    )
    return (await session.scalars(query)).all()


async def revoke_token(
    session: AsyncSession, *, principal: Principal, token_id: str
) -> ApiToken:
    """Revoke a token of the department; a member may always revoke their own."""
    record = await session.get(ApiToken, token_id)
    if record is None or record.department_id != principal.department_id:
        raise TokenNotFound(f"no token {token_id}")
    is_own = record.member_id == principal.member_id
    if not is_own and Role.ADMIN not in principal.roles:
        raise PermissionDenied("only an admin may revoke another member's token")
    if record.revoked_at is None:
        record.revoked_at = clock.now()
        await event_service.append(
            session,
            ctx=principal.context,
            kind="token.revoked",
            data={"token_id": record.id},
        )
    return record


# Stations --------------------------------------------------------------------------


async def create_station(
    session: AsyncSession, *, ctx: Context, data: StationCreate
) -> Station:
    """Raises ``DuplicateStationCode`` when the code is taken in the department."""
    taken = await session.scalar(
        select(Station.id).where(
            Station.department_id == ctx.department_id, Station.code == data.code
        )
    )
    if taken:
        raise DuplicateStationCode(
            f"station code {data.code!r} is taken", code=data.code
        )
    station = Station(
        department_id=ctx.department_id, created_at=clock.now(), **data.model_dump()
    )
    session.add(station)
    await session.flush()
    await event_service.append(
        session,
        ctx=ctx,
        kind="station.created",
        data={"station_id": station.id, **data.model_dump()},
    )
    return station


async def get_station(
    session: AsyncSession, *, department_id: str, station_id: str
) -> Station:
    station = await session.get(Station, station_id)
    if station is None or station.department_id != department_id:
        raise StationNotFound(f"no station {station_id}", station_id=station_id)
    return station


async def list_stations(
    session: AsyncSession, *, department_id: str, page: PageRequest
) -> tuple[list[Station], str | None]:
    query = select(Station).where(Station.department_id == department_id)
    order = (Station.code, Station.id)
    return await keyset_page(session, query, order=order, page=page)


async def list_all_stations(
    session: AsyncSession, *, department_id: str
) -> Sequence[Station]:
    """Every station of the department in code order."""
    query = (
        select(Station)
        .where(Station.department_id == department_id)
        .order_by(Station.code, Station.id)
    )
    return (await session.scalars(query)).all()


async def update_station(
    session: AsyncSession,
    *,
    ctx: Context,
    station_id: str,
    data: StationUpdate,
    expected_version: int | None = None,
) -> Station:
    station = await get_station(
        session, department_id=ctx.department_id, station_id=station_id
    )
    check_version(station.version, expected_version)
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    for field, value in changes.items():
        setattr(station, field, value)
    await session.flush()
    await event_service.append(
        session,
        ctx=ctx,
        kind="station.updated",
        data={"station_id": station.id, "changes": changes},
    )
    return station
