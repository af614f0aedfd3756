"""The ``muster`` command, run as a real process against the test database."""

import asyncio
import os
import sys

from sqlalchemy import select, update

from muster.core.db import transaction
from muster.dispatch import mutual_aid
from muster.events.models import Event
from muster.org import service as org_service


async def _muster(database, *args: str) -> tuple[int, str, str]:
    env = {
        **os.environ,
        "MUSTER_DATABASE_URL": database.url,
        "MUSTER_LOG_LEVEL": "WARNING",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "muster",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    return process.returncode, out.decode(), err.decode()


async def test_departments_and_users_create_then_login(app, client, database):
    code, out, _ = await _muster(
        database,
        "departments",
        "create",
        "--name",
        "Cliff FD",
        "--slug",
        "cliff",
        "--timezone",
        "America/Denver",
    )
    assert code == 0, out
    code, out, err = await _muster(
        database,
        "users",
        "create",
        "--department",
        "cliff",
        "--email",
        "Chief@Cliff.example",
        "--password",
        "long-enough",
        "--role",
        "admin",
        "--role",
        "dispatcher",
    )
    assert code == 0, err

    response = await client.post(
        "/api/v1/auth/token",
        json={"email": "chief@cliff.example", "password": "long-enough"},
    )

    assert response.status_code == 200, response.text
    me = await client.get(
        "/api/v1/me",
        headers={"Authorization": f"Bearer {response.json()['access_token']}"},
    )
    assert me.json()["roles"] == ["admin", "dispatcher"]
    assert me.json()["department"]["timezone"] == "America/Denver"


async def test_departments_create_duplicate_slug_fails(app, database):
    await _muster(database, "departments", "create", "--name", "A", "--slug", "dup")

    code, _, err = await _muster(
        database, "departments", "create", "--name", "B", "--slug", "dup"
    )

    assert code == 1
    assert "dup" in err


async def test_users_create_unknown_department_fails(app, database):
    code, _, err = await _muster(
        database,
        "users",
        "create",
        "--department",
        "nowhere",
        "--email",
        "a@b.example",
        "--password",
        "long-enough",
        "--role",
        "viewer",
    )

    assert code == 1
    assert "nowhere" in err


async def test_demo_loads_once_and_prints_login(app, database, sessions):
    code, out, _ = await _muster(database, "demo")
    again_code, again, _ = await _muster(database, "demo")

    assert (code, again_code) == (0, 0)
    assert "Demo login: admin@demo.example / demo-password" in out
    assert "already present" in again
    for slug in ("demo", "bayshore"):
        code, out, _ = await _muster(database, "audit", "verify", "--department", slug)
        assert code == 0, out
        assert "intact" in out
    async with transaction(sessions) as session:
        demo = await org_service.get_department_by_slug(session, "demo")
        lenders = await mutual_aid.partners_of(session, demo.id)
        bayshore = await org_service.get_department_by_slug(session, "bayshore")
    assert lenders == [bayshore.id]


async def test_audit_verify_edited_event_fails_and_names_it(app, database, sessions):
    await _muster(database, "demo")
    async with transaction(sessions) as session:
        department = await org_service.get_department_by_slug(session, "demo")
        event = await session.scalar(
            select(Event).where(Event.department_id == department.id, Event.seq == 7)
        )
        await session.execute(
            update(Event).where(Event.id == event.id).values(actor="someone else")
        )

    code, out, _ = await _muster(database, "audit", "verify", "--department", "demo")

    assert code == 1
    assert "seq 7" in out
    assert event.id in out


async def test_db_upgrade_on_migrated_database_is_noop(app, database):
    code, out, _ = await _muster(database, "db", "upgrade")

    assert code == 0
    assert "0006" in out
