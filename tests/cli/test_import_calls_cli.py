"""``muster import-calls`` as a real process."""

import json
from pathlib import Path

from sqlalchemy import func, select

from muster.core.db import transaction
from muster.incidents.models import Incident
from muster.org import service as org_service
from tests.cli.test_cli import _muster

DATA = Path(__file__).resolve().parents[1] / "reporting" / "data"


async def _department(database) -> None:
    code, out, _ = await _muster(
        database,
        "departments",
        "create",
        "--name",
        "SF",
        "--slug",
        "sf",
        "--timezone",
        "America/Los_Angeles",
    )
    assert code == 0, out


async def _incident_count(sessions) -> int:
    async with transaction(sessions) as session:
        department = await org_service.get_department_by_slug(session, "sf")
        return await session.scalar(
            select(func.count()).where(Incident.department_id == department.id)
        )


async def test_import_calls_prints_summary_and_chain_verifies(app, database, sessions):
    await _department(database)

    code, out, err = await _muster(
        database, "import-calls", str(DATA / "calls.csv"), "--department", "sf"
    )

    assert code == 0, err
    summary = json.loads(out.strip().splitlines()[-1])
    assert (summary["imported"], summary["assignments"]) == (4, 7)
    assert "unreadable received time" in err
    code, out, _ = await _muster(database, "audit", "verify", "--department", "sf")
    assert code == 0, out
    assert await _incident_count(sessions) == 4


async def test_import_calls_other_file_exits_1_and_writes_nothing(
    app, database, sessions, tmp_path
):
    await _department(database)
    other = tmp_path / "members.csv"
    other.write_text("name,email\nPat,pat@example.org\n")

    code, _, err = await _muster(
        database, "import-calls", str(other), "--department", "sf"
    )

    assert code == 1
    assert "not a calls-for-service CSV" in err
    assert await _incident_count(sessions) == 0


async def test_import_calls_unknown_zone_exits_1(app, database):
    await _department(database)

    code, _, err = await _muster(
        database,
        "import-calls",
        str(DATA / "calls.csv"),
        "--department",
        "sf",
        "--timezone",
        "Mars/Olympus",
    )

    assert code == 1
    assert "Mars/Olympus" in err
