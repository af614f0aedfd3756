"""Acknowledgement timers: re-page, then escalate; durable across a restart."""

from muster.core.db import create_engine, create_sessionmaker
from muster.jobs.worker import Worker
from muster.web.app import JOB_HANDLERS
from tests.factories.api import post
from tests.factories.dispatch import fire_at_city_hall, make_dispatch_department
from tests.factories.org import make_caller


async def _assigned(client, sessions):
    caller = await make_caller(sessions)
    department = await make_dispatch_department(client, caller)
    incident = (await post(client, caller, "/incidents", fire_at_city_hall())).json()
    made = await post(
        client,
        caller,
        f"/incidents/{incident['id']}/assignments",
        {"unit_id": department.units["E1"]},
    )
    assert made.status_code == 201, made.text
    return caller, incident, made.json()


async def _kinds(client, caller, incident):
    response = await client.get(
        f"/api/v1/incidents/{incident['id']}/timeline", headers=caller.headers
    )
    return [e["kind"] for e in response.json()["items"]]


def _worker(sessions):
    return Worker(sessions, JOB_HANDLERS, name="test-worker")


async def test_unanswered_assignment_is_repaged_then_escalated(
    client, sessions, frozen
):
    caller, incident, assignment = await _assigned(client, sessions)
    worker = _worker(sessions)

    frozen(30)
    early = await worker.run_once()
    frozen(61)
    await worker.run_once()
    after_repage = await _kinds(client, caller, incident)
    frozen(121)
    await worker.run_once()

    assert early == 0
    assert after_repage.count("assignment.repaged") == 1
    assert "assignment.escalated" not in after_repage
    kinds = await _kinds(client, caller, incident)
    assert kinds.count("assignment.escalated") == 1
    assert "incident.supervisor_alerted" in kinds
    listed = await client.get(
        f"/api/v1/incidents/{incident['id']}/assignments", headers=caller.headers
    )
    row = listed.json()["items"][0]
    assert (row["id"], row["status"], row["pages"]) == (
        assignment["id"],
        "unanswered",
        2,
    )


async def test_acknowledged_assignment_timers_do_nothing(client, sessions, frozen):
    caller, incident, assignment = await _assigned(client, sessions)
    await post(
        client,
        caller,
        f"/assignments/{assignment['id']}/ack",
        {"response": "responding"},
    )

    frozen(600)
    ran = await _worker(sessions).run_once()

    assert ran == 2
    kinds = await _kinds(client, caller, incident)
    assert "assignment.repaged" not in kinds
    assert "assignment.escalated" not in kinds


async def test_timer_due_while_down_fires_once_after_restart(
    client, sessions, settings, frozen
):
    caller, incident, _ = await _assigned(client, sessions)
    frozen(90)

    engine = create_engine(settings)
    try:
        restarted = Worker(
            create_sessionmaker(engine), JOB_HANDLERS, name="after-restart"
        )
        first = await restarted.run_once()
        second = await restarted.run_once()
    finally:
        await engine.dispose()

    assert (first, second) == (1, 0)
    kinds = await _kinds(client, caller, incident)
    assert kinds.count("assignment.repaged") == 1
