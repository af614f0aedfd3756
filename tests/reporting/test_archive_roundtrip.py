"""Moving a whole department to another database: nothing lost, the chain intact.

The source is the suite's database; the target a second one, of either kind,
so SQLite → PostgreSQL and back are covered when PostgreSQL is available.
"""

import pytest

from muster.core.db import transaction
from muster.events import service as event_service
from muster.models import Base
from muster.reporting import archive_export, archive_geojson, archive_import
from muster.reporting.archive_import import IMPORTED_KIND
from muster.reporting.archive_tables import NOT_EXPORTED, TABLES
from tests.factories.archive import (
    NOT_COMPARED,
    department_rows,
    export_bytes,
    import_bytes,
    make_full_department,
    read_rows,
)


@pytest.fixture
async def full(client, sessions):
    return await make_full_department(client, sessions)


def test_every_table_is_exported_or_excluded_with_a_reason():
    exported = {spec.table.name for spec in TABLES}

    assert exported | set(NOT_EXPORTED) == set(Base.metadata.tables)
    assert not exported & set(NOT_EXPORTED)
    assert set(NOT_EXPORTED) == NOT_COMPARED


async def _chain_ok(sessions, department_id):
    async with transaction(sessions) as session:
        return await event_service.verify_chain(session, department_id=department_id)


async def test_move_keeps_every_row_of_every_table_and_the_chain(
    full, sessions, target_sessions
):
    asker = full.asker.department_id
    lender_archive = await export_bytes(sessions, full.lender.department_id)
    archive = await export_bytes(sessions, asker, include_secrets=True)

    await import_bytes(target_sessions, lender_archive, slug="lender")
    summary = await import_bytes(
        target_sessions, archive, slug=full.asker.department_slug
    )

    before = await department_rows(sessions, asker)
    after = await department_rows(target_sessions, asker)
    assert all(before.values()), [name for name, rows in before.items() if not rows]
    assert summary.detached == {}
    for name, rows in before.items():
        if name not in ("events", "event_heads"):
            assert after[name] == rows, name
    assert after["events"][:-1] == before["events"]
    assert after["events"][-1]["kind"] == IMPORTED_KIND
    assert after["event_heads"][0]["last_seq"] == len(before["events"]) + 1
    report = await _chain_ok(target_sessions, asker)
    assert report.ok, report
    assert report.checked == summary.events_verified + 1


async def test_move_without_the_partner_lets_go_of_its_side(
    full, sessions, target_sessions
):
    archive = await export_bytes(sessions, full.asker.department_id)

    summary = await import_bytes(target_sessions, archive, slug="alone")

    assert summary.detached == {
        "department links left out": 1,
        "mutual aid requests left out": 1,
        "assignments of a lent unit": 1,
    }
    after = await department_rows(target_sessions, full.asker.department_id)
    assert after["department_links"] == []
    assert after["mutual_aid_requests"] == []
    lent = [a for a in after["assignments"] if a["capability"] == "ladder"]
    assert [(a["unit_id"], a["provider_department_id"]) for a in lent] == [(None, None)]
    assert (await _chain_ok(target_sessions, full.asker.department_id)).ok


async def test_lender_moved_first_keeps_commitment_only_where_the_incident_is(
    full, sessions, target_sessions
):
    lender_archive = await export_bytes(sessions, full.lender.department_id)

    summary = await import_bytes(target_sessions, lender_archive, slug="lender")

    assert summary.detached["unit commitments to a partner's incident"] == 1
    after = await department_rows(target_sessions, full.lender.department_id)
    (unit,) = after["units"]
    assert unit["incident_id"] is None
    before = await department_rows(sessions, full.lender.department_id)
    assert before["units"][0]["incident_id"] == full.incident_id


async def test_secrets_stay_out_unless_asked_and_come_back_new_and_disabled(
    full, sessions, target_sessions
):
    archive = await export_bytes(sessions, full.asker.department_id)

    endpoints = read_rows(archive, "notification_endpoints.jsonl")
    summary = await import_bytes(target_sessions, archive, slug="moved")

    assert {e["kind"] for e in endpoints} == {"webhook", "gateway"}
    assert all(e["secret"] is None for e in endpoints)
    after = await department_rows(target_sessions, full.asker.department_id)
    imported = {e["id"]: e for e in after["notification_endpoints"]}
    assert set(summary.new_endpoint_secrets) == set(imported)
    for endpoint_id, secret in summary.new_endpoint_secrets.items():
        assert imported[endpoint_id]["secret"] == secret
        assert imported[endpoint_id]["is_enabled"] is False
    with_secrets = await export_bytes(
        sessions, full.asker.department_id, include_secrets=True
    )
    assert all(
        e["secret"] for e in read_rows(with_secrets, "notification_endpoints.jsonl")
    )


async def test_archive_never_holds_password_or_token_hashes(full, sessions):
    archive = await export_bytes(sessions, full.asker.department_id)

    members = read_rows(archive, "members.jsonl")

    assert members
    assert all("password_hash" not in m for m in members)
    assert all(set(m) == {"id", "email", "is_active", "created_at"} for m in members)
    assert b"token_hash" not in archive


async def test_rows_move_the_same_in_many_small_batches(
    full, sessions, target_sessions, monkeypatch
):
    monkeypatch.setattr(archive_export, "BATCH", 2)
    monkeypatch.setattr(archive_geojson, "BATCH", 1)
    monkeypatch.setattr(archive_import, "BATCH", 3)
    asker = full.asker.department_id
    progress: list[tuple[str, int]] = []
    archive = await export_bytes(sessions, asker, include_secrets=True)
    lender = await export_bytes(sessions, full.lender.department_id)
    await import_bytes(target_sessions, lender, slug="lender")

    summary = await import_bytes(
        target_sessions,
        archive,
        slug=full.asker.department_slug,
        on_rows=lambda *a: progress.append(a),
    )

    before = await department_rows(sessions, asker)
    after = await department_rows(target_sessions, asker)
    for name, rows in before.items():
        if name not in ("events", "event_heads"):
            assert after[name] == rows, name
    assert after["events"][:-1] == before["events"]
    assert ("events.jsonl", 3) in progress
    assert summary.rows["events.jsonl"] == len(before["events"])
    assert len(read_rows(archive, "units.jsonl")) == 5
