"""Where an imported department goes: a new one, or an empty one it replaces.

The event chain's hashes cover the department's id, so an imported department
keeps the id it had. An empty department set up to receive it (created, given
an administrator, perhaps logged into) is replaced in the same transaction:
its slug, memberships and tokens pass to the imported department, and the
few events its setup wrote are summarised on the imported chain before the
empty department is removed. A department holding anything else is refused.
"""

import logging
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, delete, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from muster.dispatch.models import DispatchSettings
from muster.events.models import Event, EventHead
from muster.jobs.models import Job
from muster.org.errors import DepartmentNotFound
from muster.org.models import ApiToken, Department, Membership
from muster.reporting.archive_schemas import Manifest
from muster.reporting.archive_tables import TABLES
from muster.reporting.errors import ArchiveConflict

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Target:
    """A department by slug (created when missing) or by id (must exist)."""

    slug: str | None = None
    department_id: str | None = None


@dataclass(frozen=True, slots=True)
class Shell:
    """The empty department an import replaces, and what its chain held."""

    id: str
    slug: str
    events: int
    last_hash: str | None

    def summary(self) -> dict[str, object]:
        return {"id": self.id, "events": self.events, "last_hash": self.last_hash}


async def _find(session: AsyncSession, target: Target) -> Department | None:
    if target.department_id is not None:
        found = await session.get(Department, target.department_id)
        if found is None:
            raise DepartmentNotFound(f"no department {target.department_id}")
        return found
    return await session.scalar(
        select(Department).where(Department.slug == target.slug)
    )


async def _check_empty(session: AsyncSession, department: Department) -> None:
    for spec in TABLES:
        if spec.shell_ok:
            continue
        held = await session.scalar(
            select(exists().where(spec.scope(department.id)).select_from(spec.table))
        )
        if held:
            raise ArchiveConflict(
                f"department {department.slug} is not empty (it holds"
                f" {spec.name.replace('_', ' ')}); import into a new or empty"
                " department",
                department_slug=department.slug,
            )


async def _summarise(session: AsyncSession, department: Department) -> Shell:
    last_seq = await session.scalar(
        select(EventHead.last_seq).where(EventHead.department_id == department.id)
    )
    last_hash = await session.scalar(
        select(Event.hash).where(
            Event.department_id == department.id, Event.seq == last_seq
        )
    )
    return Shell(department.id, department.slug, int(last_seq or 0), last_hash)


async def prepare(
    session: AsyncSession, *, target: Target, manifest: Manifest
) -> tuple[str, Shell | None]:
    """Check the target and free its slug; return the slug and any shell.

    Raises ``ArchiveConflict`` when the archive's department is already on
    this instance or the target department is not empty, and
    ``DepartmentNotFound`` for a target id that does not exist.
    """
    archive_id = manifest.department.id
    already = await session.get(Department, archive_id)
    if already is not None:
        raise ArchiveConflict(
            f"the archive's department ({archive_id}) is already on this instance"
            f" as {already.slug}; an archive is imported once",
            department_slug=already.slug,
        )
    found = await _find(session, target)
    if found is None:
        return cast(str, target.slug), None
    await _check_empty(session, found)
    shell = await _summarise(session, found)
    # The slug passes to the imported department; the shell gives it up first.
    found.slug = found.id
    await session.flush()
    return shell.slug, shell


def _table(model: type[object]) -> Table:
    return cast(Table, model.__table__)  # type: ignore[attr-defined]  # declarative class


async def replace_shell(
    session: AsyncSession, *, shell: Shell, department_id: str
) -> None:
    """Hand the shell's people and tokens to ``department_id``; remove the shell.

    A member the archive also holds keeps the archive's membership.
    """
    memberships = _table(Membership)
    kept = select(memberships.c.member_id).where(
        memberships.c.department_id == department_id
    )
    await session.execute(
        update(memberships)
        .where(
            memberships.c.department_id == shell.id,
            memberships.c.member_id.not_in(kept),
        )
        .values(department_id=department_id)
    )
    for moved in (_table(ApiToken), _table(Job)):
        await session.execute(
            update(moved)
            .where(moved.c.department_id == shell.id)
            .values(department_id=department_id)
        )
    for models in (Membership, DispatchSettings, Event, EventHead):
        dropped = _table(models)
        await session.execute(
            delete(dropped).where(dropped.c.department_id == shell.id)
        )
    await session.execute(delete(_table(Department)).where(Department.id == shell.id))
    logger.info(
        "empty_department_replaced",
        extra={"department_id": department_id, "replaced_id": shell.id},
    )
