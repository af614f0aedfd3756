"""Position reports (AVL) of units and members: history, and the latest position.

A batch is checked whole before anything is written: reports naming a unit or
member the department doesn't have fail it with every offending index. The
reports go to ``position_reports`` in one multi-row insert. Only each
subject's newest report, and only when newer than its known position, moves
the unit (or the member's personnel status): one guarded UPDATE per subject,
in id order, so concurrent batches take row locks in one order and cannot
deadlock, and the guard keeps an older report from moving anything back.

Positions are not events. The history table is their record (who reported
them, when they arrived) and is pruned after a retention period, which the
append-only event log could not honour; and one event per batch would make
every batch of a department queue on its event chain.

The moves still reach live clients at once: each committed batch sends one
live-only ``units.moved`` message on the department stream (not in the log, so
not resumed; a reconnecting client reloads the units).
"""

import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    CursorResult,
    Table,
    bindparam,
    delete,
    insert,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from muster.core import clock
from muster.core.bulk import BulkStatement
from muster.core.db import UTCDateTime
from muster.core.errors import ValidationFailed
from muster.core.ids import new_id, new_ids
from muster.core.pagination import decode_cursor, encode_cursor
from muster.events.bus import volatile_event
from muster.events.publisher import capture_live_only
from muster.events.schemas import Context
from muster.org import service as org_service
from muster.org.models import Membership
from muster.units import service as unit_service
from muster.units.models import PersonnelStatus, PositionReport, Unit
from muster.units.tracking_schemas import HistoryQuery, PositionFix, PositionItem

logger = logging.getLogger(__name__)

# Ids per IN list (SQLite caps bound parameters).
_IDS_PER_QUERY = 500

_REPORTS = cast(Table, PositionReport.__table__)
_UNITS = cast(Table, Unit.__table__)
_PEOPLE = cast(Table, PersonnelStatus.__table__)
_MEMBERSHIPS = cast(Table, Membership.__table__)

_HISTORY_KEYS = (
    "id",
    "department_id",
    "unit_id",
    "member_id",
    "at",
    "lat",
    "lon",
    "speed_kmh",
    "heading",
    "accuracy_m",
    "reported_by",
    "received_at",
)
_INSERT_REPORTS = BulkStatement(insert(_REPORTS), keys=_HISTORY_KEYS)
_NEW_AT = bindparam("new_at", type_=UTCDateTime())
_NEW_POSITION = {
    "lat": bindparam("new_lat"),
    "lon": bindparam("new_lon"),
    "location_at": _NEW_AT,
    "updated_at": bindparam("now", type_=UTCDateTime()),
}
# The version and ``updated_at`` move with the position: the unit's
# representation changed, and the dispatch index re-reads units by both.
_MOVE_UNIT = BulkStatement(
    update(_UNITS)
    .where(
        _UNITS.c.id == bindparam("subject"),
        or_(_UNITS.c.location_at.is_(None), _UNITS.c.location_at < _NEW_AT),
    )
    .values(**_NEW_POSITION, version=_UNITS.c.version + literal_column("1"))
)
_MOVE_MEMBER = BulkStatement(
    update(_PEOPLE)
    .where(
        _PEOPLE.c.department_id == bindparam("department"),
        _PEOPLE.c.member_id == bindparam("subject"),
        or_(_PEOPLE.c.location_at.is_(None), _PEOPLE.c.location_at < _NEW_AT),
    )
    .values(**_NEW_POSITION)
)


@dataclass(frozen=True, slots=True)
class Outcome:
    accepted: int
    moved: int

    @property
    def kept_in_history_only(self) -> int:
        return self.accepted - self.moved


def _chunks(ids: Iterable[str]) -> Iterator[list[str]]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), _IDS_PER_QUERY):
        yield ordered[start : start + _IDS_PER_QUERY]


async def _known_unit_positions(
    session: AsyncSession, department_id: str, unit_ids: set[str]
) -> dict[str, datetime | None]:
    """The position time of each of the department's units among ``unit_ids``."""
    found: dict[str, datetime | None] = {}
    for ids in _chunks(unit_ids):
        # By primary key alone, department checked here: given the department
        # too, PostgreSQL's generic plan for a long IN list scans the whole
        # department and compares each row with every id.
        rows = await session.execute(
            select(_UNITS.c.id, _UNITS.c.department_id, _UNITS.c.location_at).where(
                _UNITS.c.id.in_(ids)
            )
        )
        found.update((row[0], row[2]) for row in rows if row[1] == department_id)
    return found


async def _known_members(
    session: AsyncSession, department_id: str, member_ids: set[str]
) -> set[str]:
    found: set[str] = set()
    for ids in _chunks(member_ids):
        rows = await session.scalars(
            select(_MEMBERSHIPS.c.member_id).where(
                _MEMBERSHIPS.c.department_id == department_id,
                _MEMBERSHIPS.c.member_id.in_(ids),
            )
        )
        found.update(rows)
    return found


async def ensure_personnel_rows(
    session: AsyncSession, *, department_id: str, member_ids: set[str]
) -> dict[str, datetime | None]:
    """Create missing personnel status rows; return each member's position time.

    Two transactions creating the same member's first row collide on its
    unique key; the loser fails with ``IntegrityError`` (a 409 to retry).
    """
    known: dict[str, datetime | None] = {}
    for ids in _chunks(member_ids):
        rows = await session.execute(
            select(_PEOPLE.c.member_id, _PEOPLE.c.location_at).where(
                _PEOPLE.c.department_id == department_id,
                _PEOPLE.c.member_id.in_(ids),
            )
        )
        known.update((row[0], row[1]) for row in rows)
    missing = sorted(member_ids - known.keys())
    if missing:
        now = clock.now()
        await session.execute(
            insert(_PEOPLE),
            [
                {
                    "id": new_id(),
                    "department_id": department_id,
                    "member_id": member_id,
                    "updated_at": now,
                }
                for member_id in missing
            ],
        )
        known.update(dict.fromkeys(missing))
    return known


def _subject_errors(
    items: Sequence[PositionItem], units: Mapping[str, Any], members: set[str]
) -> list[dict[str, Any]]:
    errors = []
    for index, item in enumerate(items):
        if item.unit_id is not None and item.unit_id not in units:
            errors.append(
                {"loc": ["body", "items", index, "unit_id"], "msg": "unknown unit"}
            )
        if item.member_id is not None and item.member_id not in members:
            errors.append(
                {"loc": ["body", "items", index, "member_id"], "msg": "unknown member"}
            )
    return errors


def _history_row(
    report_id: str, item: PositionItem, ctx: Context, received_at: datetime
) -> dict[str, Any]:
    return {
        "id": report_id,
        "department_id": ctx.department_id,
        "unit_id": item.unit_id,
        "member_id": item.member_id,
        "at": item.at,
        "lat": item.lat,
        "lon": item.lon,
        "speed_kmh": item.speed,
        "heading": item.heading,
        "accuracy_m": item.accuracy_m,
        "reported_by": ctx.actor.id,
        "received_at": received_at,
    }


def _newest(
    items: Iterable[tuple[str | None, PositionItem]],
) -> dict[str, PositionItem]:
    """Each subject's newest report; of equal times, the later in the batch."""
    newest: dict[str, PositionItem] = {}
    for subject, item in items:
        if subject is None:
            continue
        seen = newest.get(subject)
        if seen is None or item.at >= seen.at:
            newest[subject] = item
    return newest


def _moves(
    newest: Mapping[str, PositionItem],
    known: Mapping[str, datetime | None],
    extra: Mapping[str, Any],
) -> list[dict[str, Any]]:
    """UPDATE parameters for the subjects a report moves, in id order."""
    moves = []
    for subject in sorted(newest):
        item, at = newest[subject], known.get(subject)
        if at is None or item.at > at:
            moves.append(
                {
                    "subject": subject,
                    "new_lat": item.lat,
                    "new_lon": item.lon,
                    "new_at": item.at,
                    **extra,
                }
            )
    return moves


async def report_positions(
    session: AsyncSession, *, ctx: Context, items: Sequence[PositionItem]
) -> Outcome:
    """Store every report as history and move each subject to its newest one.

    Raises ``ValidationFailed`` naming every report whose unit or member is
    unknown in the department (another department's counts as unknown); then
    nothing is written. ``moved`` counts what this transaction found older;
    under a concurrent batch with newer reports the guarded UPDATE may leave a
    counted subject where the other batch put it.
    """
    unit_ids = {item.unit_id for item in items if item.unit_id is not None}
    member_ids = {item.member_id for item in items if item.member_id is not None}
    units = await _known_unit_positions(session, ctx.department_id, unit_ids)
    members = await _known_members(session, ctx.department_id, member_ids)
    errors = _subject_errors(items, units, members)
    if errors:
        raise ValidationFailed(
            f"{len(errors)} position reports name an unknown unit or member; "
            "none was stored",
            errors=errors,
        )

    now = clock.now()
    rows = [
        _history_row(report_id, item, ctx, now)
        for report_id, item in zip(new_ids(len(items)), items, strict=True)
    ]
    await _INSERT_REPORTS.execute(session, rows)
    unit_moves = _moves(_newest((i.unit_id, i) for i in items), units, {"now": now})
    if unit_moves:
        await _MOVE_UNIT.execute(session, unit_moves)
        unit_service.mark_changed(session)
    member_moves = await _move_members(session, ctx, items, member_ids, now)
    _announce(session, ctx, unit_moves, now)
    return Outcome(accepted=len(items), moved=len(unit_moves) + member_moves)


def _announce(
    session: AsyncSession,
    ctx: Context,
    moves: Sequence[Mapping[str, Any]],
    now: datetime,
) -> None:
    """Tell live clients where the moved units now are, once the batch commits."""
    if not moves:
        return
    units = [
        {
            "unit_id": move["subject"],
            "lat": move["new_lat"],
            "lon": move["new_lon"],
            "at": move["new_at"],
        }
        for move in moves
    ]
    message = volatile_event(
        ctx.department_id, kind="units.moved", at=now, data={"units": units}
    )
    capture_live_only(session, message)


async def _move_members(
    session: AsyncSession,
    ctx: Context,
    items: Sequence[PositionItem],
    member_ids: set[str],
    now: datetime,
) -> int:
    if not member_ids:
        return 0
    known = await ensure_personnel_rows(
        session, department_id=ctx.department_id, member_ids=member_ids
    )
    extra = {"now": now, "department": ctx.department_id}
    moves = _moves(_newest((i.member_id, i) for i in items), known, extra)
    if moves:
        await _MOVE_MEMBER.execute(session, moves)
    return len(moves)


async def prune_history(session: AsyncSession, *, before: datetime, limit: int) -> int:
    """Delete up to ``limit`` reports taken before ``before``; return how many."""
    oldest = select(_REPORTS.c.id).where(_REPORTS.c.at < before).limit(limit)
    result = await session.execute(
        delete(_REPORTS).where(_REPORTS.c.id.in_(oldest.scalar_subquery()))
    )
    deleted = cast(CursorResult[Any], result).rowcount
    logger.info("positions_pruned", extra={"deleted": deleted, "before": before})
    return deleted


async def report_unit_position(
    session: AsyncSession, *, ctx: Context, unit_id: str, fix: PositionFix
) -> Unit:
    """One report for one unit (``at`` defaults to now); the unit as it now is.

    Raises ``UnitNotFound`` for a unit the department doesn't have.
    """
    await unit_service.get_unit(
        session, department_id=ctx.department_id, unit_id=unit_id
    )
    item = PositionItem.model_construct(
        **fix.model_dump(exclude={"at"}),
        unit_id=unit_id,
        member_id=None,
        at=fix.at or clock.now(),
    )
    await report_positions(session, ctx=ctx, items=[item])
    unit = await session.scalar(
        select(Unit).where(Unit.id == unit_id).execution_options(populate_existing=True)
    )
    assert unit is not None  # noqa: S101 - found above, in this transaction
    return unit


def _after(cursor: str) -> tuple[datetime, str]:
    at, report_id = decode_cursor(cursor, size=2)
    try:
        parsed = datetime.fromisoformat(str(at))
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise ValidationFailed(
            "cursor is malformed",
            errors=[{"loc": ["query", "cursor"], "msg": "malformed"}],
        )
    return parsed, str(report_id)


async def _check_subject(session: AsyncSession, query: HistoryQuery) -> None:
    if query.unit_id is not None:
        await unit_service.get_unit(
            session, department_id=query.department_id, unit_id=query.unit_id
        )
    if query.member_id is not None:
        await org_service.get_member(
            session, department_id=query.department_id, member_id=query.member_id
        )


async def list_history(
    session: AsyncSession, query: HistoryQuery
) -> tuple[list[PositionReport], str | None]:
    """Reports in time order, ``since`` inclusive, ``until`` exclusive.

    Raises ``UnitNotFound`` or ``MemberNotFound`` for a subject the department
    doesn't have, ``ValidationFailed`` for a malformed cursor.
    """
    await _check_subject(session, query)
    report = PositionReport
    statement = select(report).where(report.department_id == query.department_id)
    if query.unit_id is not None:
        statement = statement.where(report.unit_id == query.unit_id)
    if query.member_id is not None:
        statement = statement.where(report.member_id == query.member_id)
    if query.since is not None:
        statement = statement.where(report.at >= query.since)
    if query.until is not None:
        statement = statement.where(report.at < query.until)
    if query.page.cursor:
        at, report_id = _after(query.page.cursor)
        statement = statement.where(
            (report.at > at) | ((report.at == at) & (report.id > report_id))
        )
    limit = query.page.limit
    statement = statement.order_by(report.at, report.id).limit(limit + 1)
    rows = list((await session.scalars(statement)).all())
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], encode_cursor(last.at.isoformat(), last.id)
