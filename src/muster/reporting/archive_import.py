"""Loading a department archive into this instance, all or nothing.

The archive has been opened and its files proven against the manifest
(``archive_read``). Here every row is checked against its table's schema,
the department it must belong to and the rows it names, then inserted with
the ids it had, file by file in an order where references point backwards.
Afterwards the event chain is verified exactly as ``muster audit verify``
does, and the import itself is appended to it. Everything happens in the
caller's transaction: any refusal leaves the database as it was.

Rows are parsed and checked in a worker thread, a batch at a time, so a
large import does not stall the server's other requests.
"""

import asyncio
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError
from sqlalchemy import insert, or_, select
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from muster.dispatch.models import Assignment
from muster.events import service as event_service
from muster.events.schemas import Actor, Context
from muster.incidents.models import Incident
from muster.messaging.schemas import EndpointKind
from muster.messaging.signing import new_secret
from muster.org.models import Department, Member
from muster.reporting import archive_target
from muster.reporting.archive_read import Archive
from muster.reporting.archive_refs import Foreign, References
from muster.reporting.archive_schemas import ImportSummary, row_model
from muster.reporting.archive_tables import BY_NAME, TABLES, TableSpec
from muster.reporting.archive_target import Shell, Target
from muster.reporting.errors import ArchiveConflict, ArchiveInvalid
from muster.units.models import Unit

logger = logging.getLogger(__name__)

BATCH = 500
IMPORTED_KIND = "department.imported"
_SIGNED = frozenset({EndpointKind.WEBHOOK, EndpointKind.GATEWAY})
_OWN_SIDE_EXEMPT = frozenset({"department", "department_links", "mutual_aid_requests"})

Progress = Callable[[str, int], None]
Lines = Iterator[tuple[int, bytes]]


@dataclass(frozen=True, slots=True)
class ImportRequest:
    """Where the archive goes, who imports it, and who hears of progress."""

    target: Target
    actor: Actor
    on_rows: Progress | None = None


def _validated(spec: TableSpec, raw: bytes, line: int) -> dict[str, Any]:
    try:
        model = row_model(spec).model_validate_json(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        message = f"{where}: {first['msg']}" if where else first["msg"]
        raise ArchiveInvalid(message, file=spec.file, line=line) from exc
    return model.model_dump()


def scan_foreign(archive: Archive, department_id: str) -> Foreign:
    """The partner ids the archive's mutual-aid links and requests name."""
    foreign = Foreign()
    for name, add in (
        ("department_links", foreign.add_link),
        ("mutual_aid_requests", foreign.add_request),
    ):
        spec = BY_NAME[name]
        for line, raw in archive.lines(spec.file):
            try:
                add(department_id, _validated(spec, raw, line))
            except ValueError as exc:
                raise ArchiveInvalid(str(exc), file=spec.file, line=line) from exc
    return foreign


async def _present(session: AsyncSession, foreign: Foreign) -> Foreign:
    departments = set(
        await session.scalars(
            select(Department.id).where(Department.id.in_(foreign.departments))
        )
    )
    found = Foreign(departments=departments)
    for ids, kept, model in (
        (foreign.units, found.units, Unit),
        (foreign.incidents, found.incidents, Incident),
        (foreign.assignments, found.assignments, Assignment),
    ):
        query = select(model.id).where(
            model.id.in_(ids), model.department_id.in_(departments)
        )
        kept |= set(await session.scalars(query))
    return found


@dataclass
class _Tally:
    rows: dict[str, int] = field(default_factory=dict)
    members_created: list[str] = field(default_factory=list)
    members_matched: int = 0
    secrets: dict[str, str] = field(default_factory=dict)


class _Loader:
    """Checks and inserts one archive's rows into the caller's transaction."""

    def __init__(
        self,
        session: AsyncSession,
        archive: Archive,
        refs: References,
        *,
        slug: str,
    ) -> None:
        self.session = session
        self.archive = archive
        self.refs = refs
        self.slug = slug
        self.department_id = refs.department_id
        self.emails: set[str] = set()
        self.tally = _Tally()

    # Checking (worker thread) --------------------------------------------------

    def _row(self, spec: TableSpec, raw: bytes, line: int) -> dict[str, Any] | None:
        row = _validated(spec, raw, line)
        try:
            self._check_owner(spec, row)
            self.refs.check(spec.name, row)
            self.refs.remember(spec.name, row)
            self._adjust(spec, row)
        except ValueError as exc:
            raise ArchiveInvalid(str(exc), file=spec.file, line=line) from exc
        self.refs.remap_members(spec.name, row)
        return self.refs.resolve(spec.name, row)

    def _check_owner(self, spec: TableSpec, row: dict[str, Any]) -> None:
        if spec.name == "department":
            if row["id"] != self.department_id:
                raise ValueError("the department differs from the manifest's")
        elif (
            spec.name not in _OWN_SIDE_EXEMPT
            and "department_id" in row
            and row["department_id"] != self.department_id
        ):
            raise ValueError("department_id is not the archive's department")

    def _adjust(self, spec: TableSpec, row: dict[str, Any]) -> None:
        if spec.name == "department":
            _check_zone(row["timezone"])
            row["slug"] = self.slug
        elif spec.name == "members":
            email = row["email"]
            if email != email.strip().lower() or "@" not in email:
                raise ValueError("email must be a lower-case address")
            if email in self.emails:
                raise ValueError(f"email {email} appears twice")
            self.emails.add(email)
        elif (
            spec.name == "notification_endpoints"
            and row["kind"] in _SIGNED
            and row["secret"] is None
        ):
            # Exported without secrets: a fresh one, off until the other side
            # has been given it.
            secret = new_secret()
            row["secret"], row["is_enabled"] = secret, False
            self.tally.secrets[row["id"]] = secret

    def _batch(
        self, spec: TableSpec, lines: Lines
    ) -> tuple[list[dict[str, Any]], bool]:
        rows: list[dict[str, Any]] = []
        for line, raw in lines:
            row = self._row(spec, raw, line)
            if row is not None:
                rows.append(row)
            if len(rows) >= BATCH:
                return rows, False
        return rows, True

    # Writing (event loop) ------------------------------------------------------

    async def load(self, spec: TableSpec, on_rows: Progress | None) -> None:
        lines = self.archive.lines(spec.file)
        done, finished = 0, False
        while not finished:
            rows, finished = await asyncio.to_thread(self._batch, spec, lines)
            await self._insert(spec, rows)
            done += len(rows)
            if on_rows is not None:
                on_rows(spec.file, done)
        self.tally.rows[spec.file] = done
        if spec.name in ("department", "event_heads") and done != 1:
            raise ArchiveInvalid("must hold exactly one row", file=spec.file)

    async def _insert(self, spec: TableSpec, rows: list[dict[str, Any]]) -> None:
        if spec.name == "members":
            rows = await self._match_members(rows)
        elif "id" in spec.table.c and spec.name != "department":
            await self._refuse_existing(spec, rows)
        if not rows:
            return
        try:
            await self.session.execute(insert(spec.table), rows)
        except (IntegrityError, DataError) as exc:
            reason = str(exc.orig).splitlines()[0] if exc.orig else "constraint"
            raise ArchiveInvalid(
                f"the database refused these rows: {reason}", file=spec.file
            ) from exc

    async def _refuse_existing(
        self, spec: TableSpec, rows: list[dict[str, Any]]
    ) -> None:
        if not rows:
            return
        column = spec.table.c.id
        query = select(column).where(column.in_([row["id"] for row in rows]))
        taken = list(await self.session.scalars(query.limit(1)))
        if taken:
            raise ArchiveConflict(
                f"{spec.file}: a row with id {taken[0]} already exists on this"
                " instance; an archive is imported once"
            )

    async def _match_members(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Members whose email has an account here join as that account."""
        if not rows:
            return rows
        ids = [row["id"] for row in rows]
        emails = [row["email"] for row in rows]
        found = await self.session.execute(
            select(Member.id, Member.email).where(
                or_(Member.id.in_(ids), Member.email.in_(emails))
            )
        )
        by_email = {email: member_id for member_id, email in found}
        taken_ids = set(by_email.values())
        fresh = []
        for row in rows:
            existing = by_email.get(row["email"])
            if existing is not None:
                self.refs.member_ids[row["id"]] = existing
                self.tally.members_matched += 1
            elif row["id"] in taken_ids:
                raise ArchiveConflict(
                    f"member {row['id']} exists on this instance with another email"
                )
            else:
                fresh.append(row)
                self.tally.members_created.append(row["email"])
        return fresh


def _check_zone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


async def _verify(session: AsyncSession, department_id: str) -> int:
    report = await event_service.verify_chain(session, department_id=department_id)
    if not report.ok:
        raise ArchiveInvalid(
            f"the event chain does not verify at seq {report.broken_seq}:"
            f" {report.reason}",
            file="events.jsonl",
        )
    return report.checked


async def import_archive(
    session: AsyncSession, *, archive: Archive, request: ImportRequest
) -> ImportSummary:
    """Load ``archive`` as a department with the ids it had; see the module doc.

    Raises ``ArchiveInvalid`` for rows that break the format or the chain,
    ``ArchiveConflict`` when the target is not empty or ids exist already.
    Writes only through ``session``; the caller commits or rolls back.
    """
    manifest = archive.manifest
    department_id = manifest.department.id
    foreign = scan_foreign(archive, department_id)
    slug, shell = await archive_target.prepare(
        session, target=request.target, manifest=manifest
    )
    refs = References(department_id, foreign)
    refs.resolution.present = await _present(session, foreign)
    loader = _Loader(session, archive, refs, slug=slug)
    for spec in TABLES:
        await loader.load(spec, request.on_rows)
    if shell is not None:
        await archive_target.replace_shell(
            session, shell=shell, department_id=department_id
        )
    verified = await _verify(session, department_id)
    summary = _summary(loader, slug=slug, verified=verified, shell=shell)
    await _record(session, request.actor, archive, summary, shell)
    return summary


def _summary(
    loader: _Loader, *, slug: str, verified: int, shell: Shell | None
) -> ImportSummary:
    tally = loader.tally
    return ImportSummary(
        department_id=loader.department_id,
        slug=slug,
        rows=tally.rows,
        events_verified=verified,
        members_created=len(tally.members_created),
        members_matched=tally.members_matched,
        members_without_password=tally.members_created,
        new_endpoint_secrets=tally.secrets,
        detached=dict(loader.refs.resolution.detached),
        replaced_department_id=shell.id if shell is not None else None,
    )


async def _record(
    session: AsyncSession,
    actor: Actor,
    archive: Archive,
    summary: ImportSummary,
    shell: Shell | None,
) -> None:
    manifest = archive.manifest
    await event_service.append(
        session,
        ctx=Context(summary.department_id, actor),
        kind=IMPORTED_KIND,
        data={
            "exported_at": manifest.exported_at,
            "muster_version": manifest.muster_version,
            "source_slug": manifest.department.slug,
            "rows": summary.rows,
            "members_matched": summary.members_matched,
            "detached": summary.detached,
            "replaced_department": shell.summary() if shell is not None else None,
        },
    )
    logger.info(
        "department_imported",
        extra={
            "department_id": summary.department_id,
            "rows": sum(summary.rows.values()),
            "replaced_id": summary.replaced_department_id,
        },
    )
