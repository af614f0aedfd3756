"""``GET /api/v1/export`` and ``POST /api/v1/import``: roles, the stream, the
empty department an import fills, and refusals as problem details."""

import io
import json
import zipfile

import httpx
import pytest

from muster.core.db import transaction
from muster.core.settings import Environment, Settings
from muster.events import service as event_service
from muster.org.roles import Role
from muster.web.app import create_app
from tests.factories.api import make_incident, make_incident_type
from tests.factories.archive import (
    export_bytes,
    make_full_department,
    read_rows,
    table_counts,
)
from tests.factories.extra import assert_problem, colleague, get, make_station
from tests.factories.org import make_caller

ZIP = {"Content-Type": "application/zip"}


@pytest.fixture
async def target_app(target_database, target_sessions):
    """Another instance, on the second database."""
    settings = Settings(
        database_url=target_database.url,
        env=Environment.TEST,
        run_jobs=False,
        import_max_bytes=200_000,
    )
    application = create_app(settings)
    yield application
    await application.state.engine.dispose()


@pytest.fixture
async def target_client(target_app):
    transport = httpx.ASGITransport(app=target_app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://muster.test"
    ) as c:
        yield c


async def _upload(client, caller, data: bytes, headers=ZIP) -> httpx.Response:
    return await client.post(
        "/api/v1/import", content=data, headers={**caller.headers, **headers}
    )


async def _incident(client, caller):
    await make_incident_type(client, caller)
    return await make_incident(client, caller)


# Export -------------------------------------------------------------------------------


async def test_export_streams_the_archive_to_an_admin(client, sessions):
    admin = await make_caller(sessions)
    incident = await _incident(client, admin)

    response = await get(client, admin, "/export")

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith(f'attachment; filename="{admin.department_slug}-')
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["department"]["id"] == admin.department_id
    assert manifest["secrets_included"] is False
    incidents = read_rows(response.content, "incidents.jsonl")
    assert [i["id"] for i in incidents] == [incident["id"]]


@pytest.mark.parametrize("role", [Role.DISPATCHER, Role.SUPERVISOR, Role.VIEWER])
async def test_export_and_import_are_for_admins_only(client, sessions, role):
    admin = await make_caller(sessions)
    other = await colleague(sessions, admin, role)

    exported = await get(client, other, "/export")
    imported = await _upload(client, other, b"PK")

    assert_problem(exported, 403)
    assert_problem(imported, 403)


async def test_export_without_a_token_is_401(client):
    response = await client.get("/api/v1/export")

    assert_problem(response, 401)


# Import -------------------------------------------------------------------------------


async def test_import_fills_the_callers_empty_department(
    client, sessions, target_client, target_sessions
):
    full = await make_full_department(client, sessions)
    archive = (await get(client, full.asker, "/export")).content
    shell = await make_caller(target_sessions)

    response = await _upload(target_client, shell, archive)

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["department_id"] == full.asker.department_id
    assert body["slug"] == shell.department_slug
    assert body["replaced_department_id"] == shell.department_id
    assert set(body["new_endpoint_secrets"]) == {
        e["id"] for e in read_rows(archive, "notification_endpoints.jsonl")
    }
    me = await get(target_client, shell, "/me")
    assert me.status_code == 200, me.text
    assert me.json()["department"]["id"] == full.asker.department_id
    assert me.json()["roles"] == ["admin"]
    listed = await get(target_client, shell, "/incidents")
    assert [i["id"] for i in listed.json()["items"]] == [full.incident_id]
    async with transaction(target_sessions) as session:
        report = await event_service.verify_chain(
            session, department_id=full.asker.department_id
        )
    assert report.ok, report


async def test_import_gives_a_matching_member_the_archives_membership(
    client, sessions, target_client, target_sessions
):
    source = await make_caller(sessions, email="chief@move.example")
    await make_station(client, source, "ST1")
    archive = await export_bytes(sessions, source.department_id)
    shell = await make_caller(
        target_sessions, email="chief@move.example", roles=(Role.ADMIN, Role.VIEWER)
    )

    response = await _upload(target_client, shell, archive)

    assert response.status_code == 201, response.text
    assert response.json()["members_matched"] == 1
    assert response.json()["members_created"] == 0
    me = await get(target_client, shell, "/me")
    assert me.json()["roles"] == ["admin"]
    assert me.json()["member"]["id"] == shell.member_id


async def test_import_into_a_department_with_data_is_409_and_changes_nothing(
    client, sessions, target_client, target_sessions
):
    source = await make_caller(sessions)
    await _incident(client, source)
    archive = (await get(client, source, "/export")).content
    shell = await make_caller(target_sessions)
    await make_station(target_client, shell, "OWN")
    before = await table_counts(target_sessions)

    response = await _upload(target_client, shell, archive)

    body = assert_problem(response, 409)
    assert "is not empty (it holds stations)" in body["detail"]
    assert await table_counts(target_sessions) == before


async def test_import_twice_is_409(client, sessions, target_client, target_sessions):
    source = await make_caller(sessions)
    archive = (await get(client, source, "/export")).content
    shell = await make_caller(target_sessions)
    first = await _upload(target_client, shell, archive)
    assert first.status_code == 201, first.text

    again = await _upload(target_client, shell, archive)

    body = assert_problem(again, 409)
    assert "already on this instance" in body["detail"]


async def test_malformed_archive_is_422_and_changes_nothing(
    client, sessions, target_client, target_sessions
):
    source = await make_caller(sessions)
    archive = (await get(client, source, "/export")).content
    shell = await make_caller(target_sessions)
    before = await table_counts(target_sessions)

    response = await _upload(target_client, shell, archive[:-200])

    body = assert_problem(response, 422)
    assert body["detail"] == "not a zip archive, or a truncated one"
    assert body["errors"] == [
        {"loc": ["archive"], "msg": "not a zip archive, or a truncated one"}
    ]
    assert await table_counts(target_sessions) == before


async def test_import_of_another_media_type_is_415(target_client, target_sessions):
    shell = await make_caller(target_sessions)

    response = await _upload(
        target_client, shell, b"{}", headers={"Content-Type": "application/json"}
    )

    assert_problem(response, 415)


async def test_import_over_the_size_limit_is_413(target_client, target_sessions):
    shell = await make_caller(target_sessions)

    response = await _upload(target_client, shell, b"0" * 200_001)

    body = assert_problem(response, 413)
    assert body["detail"] == "request bodies are limited to 200000 bytes"


async def test_other_posts_keep_the_general_size_limit(target_client, target_sessions):
    shell = await make_caller(target_sessions)

    response = await target_client.post(
        "/api/v1/stations",
        content=b"x" * (1024 * 1024 + 1),
        headers={**shell.headers, "Content-Type": "application/json"},
    )

    assert_problem(response, 413)
