"""``muster export`` and ``muster import`` as real processes, across two databases."""

import json

from sqlalchemy import select

from muster.org.models import Department
from tests.cli.test_cli import _muster
from tests.factories.archive import department_rows, table_counts


async def _department_id(sessions, slug):
    async with sessions() as session:
        return await session.scalar(
            select(Department.id).where(Department.slug == slug)
        )


async def test_demo_moves_to_another_database_and_verifies(
    database, sessions, target_database, target_sessions, tmp_path
):
    await _muster(database, "demo")
    archive = tmp_path / "demo.zip"

    code, out, err = await _muster(
        database, "export", "--department", "demo", "--out", str(archive)
    )
    assert code == 0, err
    assert out.startswith("exported demo: ")
    assert str(archive) in out
    code, out, err = await _muster(
        target_database, "import", "--department", "demo", str(archive)
    )

    assert code == 0, err
    assert "event chain intact" in out
    assert "7 imported members have no password" in out
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["detached"] == {"department links left out": 1}
    verified = await _muster(target_database, "audit", "verify", "--department", "demo")
    assert verified[0] == 0, verified
    assert "intact" in verified[1]
    department_id = await _department_id(sessions, "demo")
    before = await department_rows(sessions, department_id)
    after = await department_rows(target_sessions, department_id)
    for name in ("incidents", "units", "assignments", "memberships", "members"):
        assert after[name] == before[name], name
    code, _, err = await _muster(
        target_database,
        "users",
        "set-password",
        "--department",
        "demo",
        "--email",
        "admin@demo.example",
        "--password",
        "moved-and-set",
    )
    assert code == 0, err


async def test_damaged_archive_is_refused_and_changes_nothing(
    app, database, target_database, target_sessions, tmp_path
):
    await _muster(database, "demo")
    archive = tmp_path / "demo.zip"
    await _muster(database, "export", "--department", "demo", "--out", str(archive))
    archive.write_bytes(archive.read_bytes()[:-100])
    before = await table_counts(target_sessions)

    code, out, err = await _muster(
        target_database, "import", "--department", "demo", str(archive)
    )

    assert code == 1
    assert "error: not a zip archive, or a truncated one" in err
    assert out == ""
    assert await table_counts(target_sessions) == before


async def test_import_into_a_department_in_use_is_refused(
    app, database, target_database, target_sessions, tmp_path
):
    await _muster(database, "departments", "create", "--name", "S", "--slug", "src")
    archive = tmp_path / "src.zip"
    await _muster(database, "export", "--department", "src", "--out", str(archive))
    await _muster(target_database, "demo")
    before = await table_counts(target_sessions)

    code, _, err = await _muster(
        target_database, "import", "--department", "demo", str(archive)
    )

    assert code == 1
    assert "error: department demo is not empty (it holds stations)" in err
    assert await table_counts(target_sessions) == before


async def test_export_of_unknown_department_fails_and_writes_nothing(
    app, database, tmp_path
):
    out = tmp_path / "none.zip"

    code, _, err = await _muster(
        database, "export", "--department", "nowhere", "--out", str(out)
    )

    assert code == 1
    assert "nowhere" in err
    assert list(tmp_path.iterdir()) == []


async def test_import_needs_a_valid_slug(app, database, tmp_path):
    archive = tmp_path / "x.zip"
    archive.write_bytes(b"PK")

    code, _, err = await _muster(
        database, "import", "--department", "Not A Slug", str(archive)
    )

    assert code == 1
    assert "is not a valid slug" in err
