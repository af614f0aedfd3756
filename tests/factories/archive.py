"""A department with a row in every table it owns, built through the API, and
helpers to rewrite an archive the way a damaged or forged one would look."""

import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import ColumnElement, Table, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from muster.core.db import snapshot, transaction
from muster.models import Base
from muster.org.models import Membership, Station
from muster.reporting.archive_export import ExportRequest, stream_archive
from muster.reporting.archive_import import ImportRequest, import_archive
from muster.reporting.archive_read import Limits, open_archive
from muster.reporting.archive_schemas import ImportSummary
from muster.reporting.archive_target import Target
from tests.factories.api import post
from tests.factories.dispatch import fire_at_city_hall, make_dispatch_department
from tests.factories.extra import make_member, make_station
from tests.factories.messaging_api import add_contact, add_endpoint
from tests.factories.org import FACTORY_ACTOR, Caller, make_caller

AREA = [[-122.43, 37.77], [-122.41, 37.77], [-122.41, 37.79], [-122.43, 37.79]]
L9 = {"name": "L9", "unit_type": "TRUCK", "lat": 37.7830, "lon": -122.4170}


@dataclass
class Full:
    """The asking department (every kind of row) and the one lending it a unit."""

    asker: Caller
    lender: Caller
    incident_id: str
    lent_unit_id: str
    webhook_id: str


async def _ok(response: httpx.Response, status: int = 201) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return dict(response.json()) if response.content else {}


async def _lender(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    asker: Caller,
) -> tuple[Caller, str]:
    lender = await make_caller(sessions)
    kind = {"code": "TRUCK", "name": "Truck", "capabilities": ["ladder"]}
    await _ok(await post(client, lender, "/unit-types", kind))
    unit = await _ok(await post(client, lender, "/units", {**L9, "crew_size": 4}))
    body = {"department": asker.department_slug}
    await _ok(await post(client, lender, "/mutual-aid/links", body))
    return lender, unit["id"]


async def _organisation(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], a: Caller
) -> dict[str, Any]:
    station = await make_station(client, a, "ST7", lat=37.78, lon=-122.42)
    async with transaction(sessions) as session:
        await session.execute(
            update(Station)
            .where(Station.id == station["id"])
            .values(response_area=AREA)
        )
    member = await make_member(
        client, a, station_id=station["id"], qualifications=["emt"]
    )
    await add_contact(client, a, member["id"], "email", "crew@example.org")
    webhook = await add_endpoint(client, a, "webhook", target="http://127.0.0.1:9/hook")
    await add_endpoint(client, a, "gateway", channel="sms")
    settings = {"ack_repage_s": 90, "detour_factor": 1.4}
    response = await client.patch(
        "/api/v1/dispatch/settings", json=settings, headers=a.headers
    )
    await _ok(response, 200)
    return {"member": member, "webhook": webhook}


async def _incident_work(
    client: httpx.AsyncClient, a: Caller, units: dict[str, str], member_id: str
) -> str:
    body = fire_at_city_hall(caller={"name": "Pat", "phone": "+1 415 555 0100"})
    incident = await _ok(await post(client, a, "/incidents", body))
    iid = incident["id"]
    report = {"name": "Lee", "report": "Flames through the roof, ÆØÅ ✓"}
    await _ok(await post(client, a, f"/incidents/{iid}/reports", report))
    await _ok(await post(client, a, f"/incidents/{iid}/notes", {"text": "Wind NW"}))
    first = await _ok(
        await post(client, a, f"/incidents/{iid}/assignments", {"unit_id": units["E1"]})
    )
    ack = {"response": "responding"}
    await _ok(await post(client, a, f"/assignments/{first['id']}/ack", ack), 200)
    await _ok(
        await post(client, a, f"/incidents/{iid}/assignments", {"unit_id": units["E2"]})
    )
    await _ok(
        await post(client, a, f"/incidents/{iid}/assignments", {"member_id": member_id})
    )
    for lat in (37.7800, 37.7795, 37.7793):
        fix = {"lat": lat, "lon": -122.4193, "speed": 30}
        await _ok(await post(client, a, f"/units/{units['E1']}/locations", fix), 200)
    status = {"status": "responding", "incident_id": iid, "lat": 37.78, "lon": -122.42}
    await _ok(await post(client, a, f"/members/{member_id}/status", status), 200)
    message = {
        "body": "Stage on Polk",
        "incident_id": iid,
        "to": {"members": [member_id]},
    }
    await _ok(await post(client, a, "/messages", message))
    return iid


async def make_full_department(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> Full:
    """Department A: stations, people, contacts, endpoints, units, an incident with
    reports, notes, assignments, positions, statuses, a message, and a ladder
    lent by department B through mutual aid."""
    asker = await make_caller(sessions)
    department = await make_dispatch_department(client, asker)
    made = await _organisation(client, sessions, asker)
    incident_id = await _incident_work(
        client, asker, department.units, made["member"]["id"]
    )
    profile = {
        "description": "County standard",
        "targets": {"turnout": {"any": [{"seconds": 90, "share": 0.9}]}},
        "is_default": True,
    }
    await _ok(
        await client.put(
            "/api/v1/reports/profiles/county", json=profile, headers=asker.headers
        ),
        200,
    )
    lender, l9 = await _lender(client, sessions, asker)
    await _ok(
        await post(
            client, asker, f"/incidents/{incident_id}/assignments", {"unit_id": l9}
        )
    )
    return Full(asker, lender, incident_id, l9, made["webhook"]["id"])


# Rewriting archives -------------------------------------------------------------------

Edit = Callable[[bytes], bytes]


def rezip(
    archive: bytes,
    edits: dict[str, Edit],
    *,
    manifest: Callable[[dict[str, Any]], None] | None = None,
    reseal: bool = True,
) -> bytes:
    """The archive with files rewritten by ``edits``; ``reseal`` makes the
    manifest agree with the new files (a forgery), otherwise only a changed
    file betrays it (damage)."""
    source = zipfile.ZipFile(io.BytesIO(archive))
    files = {name: source.read(name) for name in source.namelist()}
    body = json.loads(files.pop("manifest.json"))
    for name, edit in edits.items():
        files[name] = edit(files[name])
    if reseal:
        for entry in body["files"]:
            data = files[entry["name"]]
            entry["bytes"] = len(data)
            entry["sha256"] = hashlib.sha256(data).hexdigest()
            if entry["name"].endswith(".jsonl"):
                entry["rows"] = data.count(b"\n")
    if manifest is not None:
        manifest(body)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for name, data in files.items():
            target.writestr(name, data)
        target.writestr("manifest.json", json.dumps(body))
    return out.getvalue()


def edit_rows(change: Callable[[list[dict[str, Any]]], list[dict[str, Any]]]) -> Edit:
    """An edit of a JSON Lines file as a list of row dicts."""

    def edit(data: bytes) -> bytes:
        rows = [json.loads(line) for line in data.splitlines()]
        return b"".join(json.dumps(row).encode() + b"\n" for row in change(rows))

    return edit


def read_rows(archive: bytes, name: str) -> list[dict[str, Any]]:
    with zipfile.ZipFile(io.BytesIO(archive)) as source:
        return [json.loads(line) for line in source.read(name).splitlines()]


# Moving archives and reading back what a department holds ----------------------------

# Not compared: credentials and a day's retry memory (never exported, by design).
NOT_COMPARED = frozenset({"api_tokens", "idempotency_keys"})


async def export_bytes(
    sessions: async_sessionmaker[AsyncSession],
    department_id: str,
    *,
    include_secrets: bool = False,
) -> bytes:
    request = ExportRequest(
        department_id=department_id, include_secrets=include_secrets
    )
    chunks = []
    async with snapshot(sessions) as session:
        async for chunk in stream_archive(session, request=request):
            chunks.append(chunk)
    return b"".join(chunks)


async def import_bytes(
    sessions: async_sessionmaker[AsyncSession],
    data: bytes,
    *,
    slug: str,
    on_rows: Callable[[str, int], None] | None = None,
) -> ImportSummary:
    archive = open_archive(io.BytesIO(data), limits=Limits(max_unpacked_bytes=10**9))
    try:
        archive.verify()
        async with transaction(sessions) as session:
            return await import_archive(
                session,
                archive=archive,
                request=ImportRequest(
                    target=Target(slug=slug), actor=FACTORY_ACTOR, on_rows=on_rows
                ),
            )
    finally:
        archive.close()


def _scope(table: Table, department_id: str) -> ColumnElement[bool]:
    """Which rows of ``table`` are the department's, decided apart from the exporter.

    A table with no ``department_id`` column and no rule here fails loudly.
    """
    c = table.c
    rules: dict[str, Callable[[], ColumnElement[bool]]] = {
        "departments": lambda: c.id == department_id,
        "members": lambda: c.id.in_(
            select(Membership.member_id).where(
                Membership.department_id == department_id
            )
        ),
        "department_links": lambda: or_(
            c.department_id == department_id, c.partner_id == department_id
        ),
        "mutual_aid_requests": lambda: or_(
            c.department_id == department_id,
            c.provider_department_id == department_id,
        ),
        "jobs": lambda: and_(c.department_id == department_id, c.done_at.is_(None)),
    }
    rule = rules.get(table.name)
    return rule() if rule is not None else c["department_id"] == department_id


async def department_rows(
    sessions: async_sessionmaker[AsyncSession], department_id: str
) -> dict[str, list[dict[str, Any]]]:
    """Every row of the department in every table, by table, in key order."""
    found = {}
    async with sessions() as session:
        for table in Base.metadata.sorted_tables:
            if table.name in NOT_COMPARED:
                continue
            query = (
                select(table)
                .where(_scope(table, department_id))
                .order_by(*table.primary_key.columns)
            )
            rows = [dict(row) for row in (await session.execute(query)).mappings()]
            for row in rows:
                row.pop("password_hash", None)
            found[table.name] = rows
    return found


async def table_counts(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    """How many rows each table holds, to show a refused import changed nothing."""
    async with sessions() as session:
        return {
            table.name: int(
                await session.scalar(select(func.count()).select_from(table)) or 0
            )
            for table in Base.metadata.sorted_tables
        }
