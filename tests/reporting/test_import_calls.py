"""Importing calls-for-service CSVs as closed incidents."""

import io
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from muster.core.db import transaction
from muster.dispatch.models import Assignment
from muster.events import service as event_service
from muster.events.schemas import Actor, Context
from muster.incidents.models import Incident, IncidentType
from muster.org.models import Station
from muster.reporting import calls_import
from muster.reporting.errors import NotACallsFile
from tests.factories.org import make_department

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).resolve().parents[2]
REAL_FILE = REPO / "data/sffd-calls-2016/Fire_Department_Calls_for_Service.csv"
LA = ZoneInfo("America/Los_Angeles")
ACTOR = Actor(name="import test")


async def _import(sessions, department_id, path: Path):
    async with transaction(sessions) as session:
        with path.open(encoding="utf-8-sig", newline="") as source:
            return await calls_import.import_calls(
                session, ctx=Context(department_id, ACTOR), source=source, zone=LA
            )


async def _incidents(sessions, department_id):
    async with transaction(sessions) as session:
        rows = await session.scalars(
            select(Incident)
            .where(Incident.department_id == department_id)
            .order_by(Incident.external_ref)
        )
        return rows.all()


@pytest.fixture
async def department(sessions):
    department_id, _ = await make_department(sessions, timezone="America/Los_Angeles")
    return department_id


async def test_import_calls_counts_rows_calls_and_skipped_reasons(sessions, department):
    result = await _import(sessions, department, DATA / "calls.csv")

    assert (result.rows, result.calls, result.imported, result.assignments) == (
        9,
        4,
        4,
        7,
    )
    assert dict(result.skipped) == {
        "unreadable received time": 1,
        "no call number, unit or call type": 1,
    }
    assert result.created == {
        "incident types": 3,
        "stations": 4,
        "unit types": 2,
        "units": 7,
    }


async def test_import_calls_stores_local_times_as_utc_closed_incident(
    sessions, department
):
    await _import(sessions, department, DATA / "calls.csv")

    incidents = {i.external_ref: i for i in await _incidents(sessions, department)}
    first = incidents["163664050"]
    assert first.number == "16146990"
    assert first.status == "closed"
    assert first.priority == 1  # dataset priority 3: emergency
    assert first.received_at == datetime(2017, 1, 1, 7, 57, 56, tzinfo=UTC)
    assert first.dispatched_at == datetime(2017, 1, 1, 7, 59, 42, tzinfo=UTC)
    assert first.first_on_scene_at == datetime(2017, 1, 1, 8, 4, 18, tzinfo=UTC)
    assert first.closed_at == datetime(2017, 1, 1, 8, 24, 11, tzinfo=UTC)
    assert (round(first.lat, 4), round(first.lon, 4)) == (37.7459, -122.4567)
    assert first.disposition == "Fire"


async def test_import_calls_makes_one_assignment_per_unit_row(sessions, department):
    await _import(sessions, department, DATA / "calls.csv")

    async with transaction(sessions) as session:
        incident = await session.scalar(
            select(Incident).where(Incident.external_ref == "163663972")
        )
        assignments = (
            await session.scalars(
                select(Assignment).where(Assignment.incident_id == incident.id)
            )
        ).all()
        station = await session.get(Station, incident.station_id)
        kind = await session.get(IncidentType, incident.type_id)
    assert len(assignments) == 3
    assert all(a.cleared_at is not None for a in assignments)
    assert sum(a.on_scene_at is None for a in assignments) == 1
    assert incident.first_on_scene_at == min(
        a.on_scene_at for a in assignments if a.on_scene_at
    )
    assert station.code == "06"
    assert kind.category == "ems"


async def test_import_calls_again_adds_nothing(sessions, department):
    await _import(sessions, department, DATA / "calls.csv")

    again = await _import(sessions, department, DATA / "calls.csv")

    assert (again.imported, again.already_present) == (0, 4)
    assert len(await _incidents(sessions, department)) == 4


async def test_import_calls_variant_headers_give_the_same_incidents(
    sessions, department
):
    other, _ = await make_department(sessions, timezone="America/Los_Angeles")
    await _import(sessions, department, DATA / "calls.csv")

    result = await _import(sessions, other, DATA / "calls-variant.csv")

    def facts(incidents):
        return [
            (
                i.number,
                i.priority,
                i.received_at,
                i.dispatched_at,
                i.first_on_scene_at,
                i.closed_at,
                round(i.lat, 6),
                round(i.lon, 6),
            )
            for i in incidents
        ]

    assert result.imported == 4
    assert facts(await _incidents(sessions, other)) == facts(
        await _incidents(sessions, department)
    )


async def test_import_calls_appends_a_verifiable_event_per_incident(
    sessions, department
):
    await _import(sessions, department, DATA / "calls.csv")

    async with transaction(sessions) as session:
        report = await event_service.verify_chain(session, department_id=department)
        events = await event_service.list_events(session, department_id=department)
    assert report.ok
    assert sum(e.kind == "incident.imported" for e in events) == 4


@pytest.mark.parametrize(
    "text",
    [
        "",
        "name,email\nPat,pat@example.org\n",
        # The call's columns but no location.
        "Call Number,Unit ID,Call Type,Received DtTm\n"
        "1,E1,Fire,01/01/2017 01:00:00 AM\n",
    ],
)
async def test_import_calls_refuses_other_files_and_writes_nothing(
    sessions, department, text
):
    async with transaction(sessions) as session:
        with pytest.raises(NotACallsFile):
            await calls_import.import_calls(
                session,
                ctx=Context(department, ACTOR),
                source=io.StringIO(text),
                zone=LA,
            )

    async with transaction(sessions) as session:
        types = await session.scalar(
            select(func.count()).where(IncidentType.department_id == department)
        )
    assert types == 0


async def test_import_calls_real_week_has_every_row_and_call(sessions, department):
    if not REAL_FILE.is_file():
        pytest.fail(f"the SFFD sample is missing: expected it at {REAL_FILE}")

    result = await _import(sessions, department, REAL_FILE)

    assert (result.rows, result.calls) == (7704, 3560)
    assert (result.imported, result.assignments) == (3560, 7704)
    assert not result.skipped
