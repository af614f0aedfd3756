"""Driver-level executemany: rows land as SQLAlchemy would have written them."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import bindparam, insert, literal_column, select, update
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg

from muster.core.bulk import BulkStatement
from muster.core.db import transaction
from muster.core.ids import new_ids
from muster.units.models import PositionReport

REPORTS = PositionReport.__table__
KEYS = ("id", "department_id", "unit_id", "at", "lat", "lon", "received_at")
AT = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _row(report_id: str, minutes: int) -> dict:
    return {
        "id": report_id,
        "department_id": "d",
        "unit_id": "u",
        "at": AT + timedelta(minutes=minutes),
        "lat": 1.0,
        "lon": 2.0,
        "received_at": AT,
    }


async def test_bulk_insert_then_update_store_typed_values(sessions):
    ids = new_ids(3)
    add = BulkStatement(insert(REPORTS), keys=KEYS)
    turn = BulkStatement(
        update(REPORTS)
        .where(REPORTS.c.id == bindparam("report_id"))
        .values(heading=literal_column("90"))
    )

    async with transaction(sessions) as session:
        await add.execute(session, [_row(i, n) for n, i in enumerate(ids)])
        await turn.execute(session, [{"report_id": ids[0]}])
        await turn.execute(session, [{"report_id": ids[1]}])
        await turn.execute(session, [])

    async with transaction(sessions) as session:
        rows = (
            await session.execute(
                select(REPORTS.c.at, REPORTS.c.heading).order_by(REPORTS.c.at)
            )
        ).all()
    assert [(row.at, row.heading) for row in rows] == [
        (AT, 90.0),
        (AT + timedelta(minutes=1), 90.0),
        (AT + timedelta(minutes=2), None),
    ]


def test_bulk_refuses_bound_literals():
    statement = BulkStatement(
        update(REPORTS).where(REPORTS.c.id == bindparam("report_id")).values(heading=90)
    )

    with pytest.raises(ValueError, match="literal_column"):
        statement._for(PGDialect_asyncpg())


def test_bulk_refuses_named_parameter_styles():
    statement = BulkStatement(insert(REPORTS), keys=KEYS)

    with pytest.raises(NotImplementedError):
        statement._for(PGDialect_psycopg())


def test_new_ids_are_distinct_version_7_uuids():
    ids = new_ids(100)

    assert len(set(ids)) == 100
    assert {uuid.UUID(i).version for i in ids} == {7}
