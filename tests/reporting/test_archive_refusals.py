"""Archives that must be refused: damaged, forged, inconsistent or misdirected.

Each refusal names what is wrong and leaves the target database as it was.
The archive is exported from the test database, which is then emptied and
serves as the other instance.
"""

import io
import uuid
import zipfile

import pytest

from muster.core.db import transaction
from muster.core.errors import MusterError
from muster.dispatch.registry import REGISTRY
from muster.events.schemas import Context
from muster.org import service as org_service
from muster.org.schemas import StationCreate
from muster.reporting.archive_read import Limits, open_archive
from muster.reporting.errors import ArchiveConflict, ArchiveInvalid
from tests.conftest import empty_tables
from tests.factories.api import make_incident, post
from tests.factories.archive import (
    edit_rows,
    export_bytes,
    import_bytes,
    read_rows,
    rezip,
    table_counts,
)
from tests.factories.dispatch import make_dispatch_department
from tests.factories.org import FACTORY_ACTOR, make_caller, make_department


@pytest.fixture
async def archive(app, client, sessions):
    """A small department with units, an incident, an assignment and positions,
    exported; the database is then emptied to receive it."""
    caller = await make_caller(sessions)
    department = await make_dispatch_department(client, caller)
    incident = await make_incident(client, caller)
    made = await post(
        client,
        caller,
        f"/incidents/{incident['id']}/assignments",
        {"unit_id": department.units["E1"]},
    )
    assert made.status_code == 201, made.text
    fix = {"lat": 37.78, "lon": -122.42}
    moved = await post(
        client, caller, f"/units/{department.units['E1']}/locations", fix
    )
    assert moved.status_code == 200, moved.text
    exported = await export_bytes(sessions, caller.department_id)
    await empty_tables(app.state.engine)
    REGISTRY.invalidate()
    return exported


@pytest.fixture
def target_sessions(sessions):
    return sessions


async def _refused(target_sessions, data: bytes, *, slug: str = "moved") -> MusterError:
    before = await table_counts(target_sessions)
    with pytest.raises(MusterError) as caught:
        await import_bytes(target_sessions, data, slug=slug)
    assert await table_counts(target_sessions) == before
    return caught.value


async def test_truncated_archive_is_refused(archive, target_sessions):
    error = await _refused(target_sessions, archive[: len(archive) // 2])

    assert isinstance(error, ArchiveInvalid)
    assert "truncated" in error.detail


async def test_changed_file_fails_its_checksum(archive, target_sessions):
    damaged = rezip(
        archive,
        {"units.jsonl": lambda data: data.replace(b'"E1"', b'"E9"')},
        reseal=False,
    )

    error = await _refused(target_sessions, damaged)

    assert isinstance(error, ArchiveInvalid)
    assert error.detail.startswith("units.jsonl: SHA-256 differs")


async def test_row_count_differing_from_manifest_is_refused(archive, target_sessions):
    def undercount(body):
        next(f for f in body["files"] if f["name"] == "units.jsonl")["rows"] = 4

    error = await _refused(target_sessions, rezip(archive, {}, manifest=undercount))

    assert error.detail == "units.jsonl: holds 5 rows; the manifest says 4"


async def test_other_format_version_is_refused(archive, target_sessions):
    def bump(body):
        body["format_version"] = 2

    error = await _refused(target_sessions, rezip(archive, {}, manifest=bump))

    assert "format version 2" in error.detail


async def test_reference_to_a_unit_not_in_the_archive_is_refused(
    archive, target_sessions
):
    def elsewhere(rows):
        rows[0]["unit_id"] = str(uuid.uuid4())
        return rows

    forged = rezip(archive, {"assignments.jsonl": edit_rows(elsewhere)})

    error = await _refused(target_sessions, forged)

    assert isinstance(error, ArchiveInvalid)
    assert error.detail.startswith("assignments.jsonl, line 1: unit_id names")
    assert error.errors[0]["loc"] == ["archive", "assignments.jsonl", 1]


async def test_repeated_id_is_refused(archive, target_sessions):
    forged = rezip(archive, {"units.jsonl": edit_rows(lambda rows: rows + rows[:1])})

    error = await _refused(target_sessions, forged)

    assert error.detail.startswith("units.jsonl, line 6: id ")
    assert error.detail.endswith("appears twice")


async def test_repeated_position_report_is_refused_by_the_database(
    archive, target_sessions
):
    forged = rezip(
        archive, {"position_reports.jsonl": edit_rows(lambda rows: rows + rows)}
    )

    error = await _refused(target_sessions, forged)

    assert error.detail.startswith("position_reports.jsonl: the database refused")


async def test_edited_event_breaks_the_chain(archive, target_sessions):
    def rewrite_history(rows):
        rows[2]["data"]["forged"] = True
        return rows

    forged = rezip(archive, {"events.jsonl": edit_rows(rewrite_history)})

    error = await _refused(target_sessions, forged)

    assert error.detail == (
        "events.jsonl: the event chain does not verify at seq 3:"
        " content does not match its hash"
    )


async def test_row_of_another_department_is_refused(archive, target_sessions):
    def stray(rows):
        rows[0]["department_id"] = str(uuid.uuid4())
        return rows

    error = await _refused(
        target_sessions, rezip(archive, {"units.jsonl": edit_rows(stray)})
    )

    assert "department_id is not the archive's department" in error.detail


async def test_reference_into_a_department_already_here_is_refused(
    archive, target_sessions
):
    other_id, _ = await make_department(target_sessions)
    async with transaction(target_sessions) as session:
        station = await org_service.create_station(
            session,
            ctx=Context(other_id, FACTORY_ACTOR),
            data=StationCreate(code="X1", name="Theirs"),
        )

    def borrow(rows):
        rows[0]["station_id"] = station.id
        return rows

    forged = rezip(archive, {"incidents.jsonl": edit_rows(borrow)})

    error = await _refused(target_sessions, forged)

    assert f"station_id names {station.id}" in error.detail


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda row: {**row, "colour": "red"}, "colour: Extra inputs"),
        (lambda row: {**row, "status": "on_fire"}, "status: Value error, not one of"),
        (lambda row: {**row, "lat": "north"}, "lat: Input should be a valid number"),
        (lambda row: {**row, "name": "x" * 65}, "name: String should have at most 64"),
        (lambda row: {**row, "name": "E\u00001"}, "name: Value error, text may not"),
    ],
)
async def test_row_breaking_the_schema_is_refused(
    archive, target_sessions, change, message
):
    def edit(rows):
        rows[1] = change(rows[1])
        return rows

    error = await _refused(
        target_sessions, rezip(archive, {"units.jsonl": edit_rows(edit)})
    )

    assert error.detail.startswith("units.jsonl, line 2: " + message)


async def test_line_that_is_not_json_is_refused(archive, target_sessions):
    forged = rezip(archive, {"units.jsonl": lambda data: data + b"{not json\n"})

    error = await _refused(target_sessions, forged)

    assert error.detail.startswith("units.jsonl, line 6: ")
    assert "JSON" in error.detail


async def test_file_the_manifest_does_not_list_is_refused(archive, target_sessions):
    source = zipfile.ZipFile(io.BytesIO(archive))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            target.writestr(name, source.read(name))
        target.writestr("extra.jsonl", b"{}\n")

    error = await _refused(target_sessions, out.getvalue())

    assert "differ from those the manifest lists" in error.detail


async def test_archive_without_manifest_is_refused(archive, target_sessions):
    source = zipfile.ZipFile(io.BytesIO(archive))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            if name != "manifest.json":
                target.writestr(name, source.read(name))

    error = await _refused(target_sessions, out.getvalue())

    assert error.detail == "has no manifest.json"


async def test_manifest_of_the_wrong_shape_is_refused(archive, target_sessions):
    def scramble(body):
        body["files"][0]["sha256"] = "not a digest"

    error = await _refused(target_sessions, rezip(archive, {}, manifest=scramble))

    assert error.detail.startswith("manifest.json: files.0.sha256:")


async def test_archive_imported_twice_is_a_conflict(archive, target_sessions):
    await import_bytes(target_sessions, archive, slug="moved")

    error = await _refused(target_sessions, archive, slug="again")

    assert isinstance(error, ArchiveConflict)
    assert "already on this instance as moved" in error.detail


async def test_rows_whose_ids_exist_here_are_a_conflict(archive, target_sessions):
    await import_bytes(target_sessions, archive, slug="moved")
    old = read_rows(archive, "department.jsonl")[0]["id"].encode()
    new = str(uuid.uuid4()).encode()
    files = [
        n
        for n in zipfile.ZipFile(io.BytesIO(archive)).namelist()
        if n != "manifest.json"
    ]

    def rehome(body):
        body["department"]["id"] = new.decode()

    copy = rezip(
        archive,
        {name: lambda data: data.replace(old, new) for name in files},
        manifest=rehome,
    )

    error = await _refused(target_sessions, copy, slug="copy")

    assert isinstance(error, ArchiveConflict)
    assert error.detail.startswith("memberships.jsonl: a row with id ")
    assert error.detail.endswith(
        "already exists on this instance; an archive is imported once"
    )


async def test_department_holding_data_is_not_replaced(archive, target_sessions):
    department_id, slug = await make_department(target_sessions)
    async with transaction(target_sessions) as session:
        await org_service.create_station(
            session,
            ctx=Context(department_id, FACTORY_ACTOR),
            data=StationCreate(code="S1", name="Ours"),
        )

    error = await _refused(target_sessions, archive, slug=slug)

    assert isinstance(error, ArchiveConflict)
    assert error.detail == (
        f"department {slug} is not empty (it holds stations); import into a new"
        " or empty department"
    )


async def test_archive_too_big_when_unpacked_is_refused(archive):
    with pytest.raises(ArchiveInvalid) as caught:
        open_archive(io.BytesIO(archive), limits=Limits(max_unpacked_bytes=1024))

    assert caught.value.detail == "unpacks to more than 1024 bytes"


async def test_overlong_line_is_refused(archive, target_sessions):
    opened = open_archive(
        io.BytesIO(archive), limits=Limits(max_unpacked_bytes=10**9, max_line_bytes=64)
    )
    try:
        with pytest.raises(ArchiveInvalid) as caught:
            list(opened.lines("units.jsonl"))
    finally:
        opened.close()

    assert caught.value.detail == (
        "units.jsonl, line 1: line is longer than 64 bytes or unterminated"
    )


def _first(field, value):
    def edit(rows):
        rows[0][field] = value
        return rows

    return edit_rows(edit)


def _twice(rows):
    return [*rows, {**rows[0], "id": str(uuid.uuid4())}]


@pytest.mark.parametrize(
    ("name", "edit", "message"),
    [
        ("department.jsonl", _first("id", "elsewhere"), "line 1: the department"),
        ("department.jsonl", _first("timezone", "Mars/Olympus"), "unknown time zone"),
        ("members.jsonl", _first("email", "Chief@X.example"), "lower-case address"),
        ("members.jsonl", edit_rows(_twice), "line 2: email"),
        ("event_heads.jsonl", lambda data: b"", "must hold exactly one row"),
        ("jobs.jsonl", _first("payload", {"unit_id": "x"}), "payload names one"),
        ("jobs.jsonl", _first("payload", {"assignment_id": 7}), "must be an id"),
    ],
)
async def test_inconsistent_rows_are_refused(
    archive, target_sessions, name, edit, message
):
    error = await _refused(target_sessions, rezip(archive, {name: edit}))

    assert isinstance(error, ArchiveInvalid)
    assert error.detail.startswith(name)
    assert message in error.detail


def _unlisted(body):
    body["files"] = [f for f in body["files"] if f["name"] != "jobs.jsonl"]


def _stranger(body):
    body["files"].append({**body["files"][0], "name": "secrets.jsonl"})


def _listed_twice(body):
    body["files"].append(body["files"][0])


def _resized(body):
    body["files"][0]["bytes"] += 1


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        (_unlisted, "lacks files: ['jobs.jsonl']"),
        (_stranger, "lists files this format has not: ['secrets.jsonl']"),
        (_listed_twice, "holds a file name twice"),
        (_resized, "department.jsonl: size differs from the manifest"),
    ],
)
async def test_manifest_disagreeing_with_the_zip_is_refused(
    archive, target_sessions, manifest, message
):
    error = await _refused(target_sessions, rezip(archive, {}, manifest=manifest))

    assert error.detail == message
