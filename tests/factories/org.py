"""Departments with members and ready bearer tokens."""

import itertools
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from muster.core import clock
from muster.core.db import transaction
from muster.core.security import hash_token, new_token
from muster.events.schemas import Actor, Context
from muster.org import service as org_service
from muster.org.models import ApiToken
from muster.org.roles import Role
from muster.org.schemas import MemberCreate

_counter = itertools.count(1)
FACTORY_ACTOR = Actor(name="test factory")


@dataclass
class Caller:
    """A member of a department with a token, ready to send requests."""

    department_id: str
    department_slug: str
    member_id: str
    email: str
    token: str
    headers: dict[str, str] = field(default_factory=dict)


async def make_department(
    sessions: async_sessionmaker[AsyncSession],
    *,
    slug: str | None = None,
    timezone: str = "UTC",
) -> tuple[str, str]:
    slug = slug or f"dept-{next(_counter)}"
    async with transaction(sessions) as session:
        department = await org_service.create_department(
            session,
            name=f"Department {slug}",
            slug=slug,
            timezone=timezone,
            actor=FACTORY_ACTOR,
        )
        return department.id, slug


async def make_caller(
    sessions: async_sessionmaker[AsyncSession],
    *,
    department: tuple[str, str] | None = None,
    roles: tuple[Role, ...] = (Role.ADMIN,),
    password: str | None = None,
    email: str | None = None,
) -> Caller:
    """A member with ``roles`` in ``department`` (a new one by default) and a token."""
    department_id, slug = department or await make_department(sessions)
    email = email or f"member{next(_counter)}@example.org"
    token = new_token()
    async with transaction(sessions) as session:
        member, _ = await org_service.add_member(
            session,
            ctx=Context(department_id, FACTORY_ACTOR),
            data=MemberCreate(
                email=email,
                name=email.split("@")[0],
                password=password,
                roles=list(roles),
            ),
        )
        session.add(
            ApiToken(
                token_hash=hash_token(token),
                member_id=member.id,
                department_id=department_id,
                kind="api",
                name="test",
                roles=None,
                created_at=clock.now(),
                expires_at=None,
                revoked_at=None,
            )
        )
    return Caller(
        department_id=department_id,
        department_slug=slug,
        member_id=member.id,
        email=email,
        token=token,
        headers={"Authorization": f"Bearer {token}"},
    )
