"""Deliveries over real peers on loopback: SMTP, a signed webhook, Apprise;
retries with back-off, and delivery after a restart."""

from datetime import timedelta

import pytest
from sqlalchemy import update

from muster.core import clock
from muster.core.db import create_engine, create_sessionmaker, transaction
from muster.events import service as event_service
from muster.jobs import service as job_service
from muster.jobs.models import Job
from muster.jobs.worker import Worker
from muster.messaging.service import DELIVER_JOB
from muster.messaging.tasks import SWEEP_EVERY, SWEEP_JOB
from muster.web.app import JOB_HANDLERS
from tests.factories.api import post
from tests.factories.extra import timeline_kinds
from tests.factories.messaging import free_port
from tests.factories.messaging_api import (
    add_contact,
    add_endpoint,
    assign,
    incident_messages,
    make_crew,
    open_incident,
    read_message,
)
from tests.factories.org import make_caller


@pytest.fixture
def frozen():
    moment = {"now": clock.now()}
    clock.set_clock(lambda: moment["now"])

    def advance(delta: timedelta) -> None:
        moment["now"] += delta

    yield advance
    clock.set_clock(None)


async def test_dispatch_pages_crew_by_email_through_smtp(
    client, sessions, smtp, make_worker
):
    caller = await make_caller(sessions)
    crew = await make_crew(client, caller)
    await add_contact(client, caller, crew.member_ids[0], "email", "crew1@example.net")
    incident = await open_incident(client, caller)
    await assign(client, caller, incident["id"], unit_id=crew.unit_id)

    ran = await make_worker(sessions).run_once()

    assert ran >= 1
    assert smtp.mailbox.recipients == [["crew1@example.net"]]
    mail = smtp.mailbox.messages[0]
    [page] = await incident_messages(client, caller, incident["id"])
    email = next(d for d in page["deliveries"] if d["channel"] == "email")
    assert mail["Subject"].startswith(
        f"[Muster {incident['number']} #{email['reference']}]"
    )
    text = mail.get_payload(decode=True).decode()
    assert "Reply 1 responding, 2 declined" in text
    assert email["status"] == "sent"
    in_app = {d["member_id"] for d in page["deliveries"] if d["channel"] == "in_app"}
    assert in_app == set(crew.member_ids)
    assert "delivery.sent" in await timeline_kinds(client, caller, incident["id"])


async def test_webhook_carries_a_signature_the_receiver_verifies(
    client, sessions, receiver, make_worker
):
    caller = await make_caller(sessions)
    crew = await make_crew(client, caller, size=1)
    hook = await add_endpoint(
        client, caller, "webhook", target=f"{receiver.url}/hooks/muster"
    )
    receiver.state.secret = hook["secret"]
    message = await post(
        client,
        caller,
        "/messages",
        {"body": "Drill at 19:00", "to": {"stations": [crew.station_id]}},
    )

    await make_worker(sessions).run_once()

    [got] = receiver.state.requests
    assert got.path == "/hooks/muster"
    assert got.signature_ok is True
    assert got.json()["body"] == "Drill at 19:00"
    assert got.json()["message_id"] == message.json()["id"]
    shown = await read_message(client, caller, message.json()["id"])
    webhook = next(d for d in shown["deliveries"] if d["channel"] == "webhook")
    assert (webhook["status"], webhook["endpoint_id"]) == ("sent", hook["id"])


async def test_apprise_url_reaches_its_service(client, sessions, receiver, make_worker):
    caller = await make_caller(sessions)
    crew = await make_crew(client, caller, size=1)
    await add_contact(
        client,
        caller,
        crew.member_ids[0],
        "push",
        f"json://127.0.0.1:{receiver.port}/push",
    )
    await post(
        client,
        caller,
        "/messages",
        {"body": "Hydrant out of order", "to": {"members": crew.member_ids}},
    )

    await make_worker(sessions).run_once()

    [got] = receiver.state.requests
    assert got.path == "/push"
    assert got.json()["message"] == "Hydrant out of order"


async def test_unreachable_webhook_is_retried_with_backoff_then_failed(
    client, sessions, make_worker, frozen
):
    caller = await make_caller(sessions)
    crew = await make_crew(client, caller, size=1)
    closed = f"http://127.0.0.1:{free_port()}/nobody"
    await add_endpoint(client, caller, "webhook", target=closed)
    made = await post(
        client,
        caller,
        "/messages",
        {"body": "Hello", "to": {"members": crew.member_ids}},
    )
    worker = make_worker(sessions)

    outcomes = []
    for attempt in range(1, job_service.MAX_ATTEMPTS + 1):
        ran = await worker.run_once()
        again = await worker.run_once()
        outcomes.append((ran, again))
        frozen(job_service.retry_delay(attempt))

    assert outcomes == [(1, 0)] * job_service.MAX_ATTEMPTS
    shown = await read_message(client, caller, made.json()["id"])
    webhook = next(d for d in shown["deliveries"] if d["channel"] == "webhook")
    assert webhook["status"] == "failed"
    assert webhook["attempts"] == job_service.MAX_ATTEMPTS
    assert "ConnectError" in webhook["last_error"]
    async with sessions() as session:
        events = await event_service.list_events(
            session, department_id=caller.department_id
        )
    assert [e.kind for e in events].count("delivery.failed") == 1


async def test_delivery_queued_before_a_restart_is_sent_once(
    client, sessions, settings, smtp, make_worker
):
    caller = await make_caller(sessions)
    crew = await make_crew(client, caller, size=1)
    await add_contact(client, caller, crew.member_ids[0], "email", "late@example.net")
    made = await post(
        client,
        caller,
        "/messages",
        {"body": "Muster at 6", "to": {"members": crew.member_ids}},
    )
    assert made.status_code == 201, made.text

    engine = create_engine(settings)
    try:
        restarted = make_worker(create_sessionmaker(engine), name="after-restart")
        first = await restarted.run_once()
        second = await restarted.run_once()
    finally:
        await engine.dispose()

    assert (first, second) == (1, 0)
    assert smtp.mailbox.recipients == [["late@example.net"]]
    shown = await read_message(client, caller, made.json()["id"])
    assert {d["status"] for d in shown["deliveries"]} == {"sent"}


async def test_delivery_whose_job_was_given_up_is_swept_to_failed(client, sessions):
    caller = await make_caller(sessions)
    crew = await make_crew(client, caller, size=1)
    await add_endpoint(client, caller, "webhook", target="http://127.0.0.1:9/x")
    made = await post(
        client, caller, "/messages", {"body": "Hi", "to": {"members": crew.member_ids}}
    )
    # The worker ran out of attempts without the handler's say (it died).
    async with transaction(sessions) as session:
        await session.execute(
            update(Job)
            .where(Job.kind == DELIVER_JOB)
            .values(done_at=clock.now(), last_error="gave up: worker stopped")
        )
    sweeper = Worker(
        sessions,
        JOB_HANDLERS,
        name="sweeper",
        recurring={SWEEP_JOB: SWEEP_EVERY},
    )

    assert await sweeper.run_once() == 1

    shown = await read_message(client, caller, made.json()["id"])
    webhook = next(d for d in shown["deliveries"] if d["channel"] == "webhook")
    assert webhook["status"] == "failed"
    assert "worker stopped" in webhook["last_error"]
    others = {d["status"] for d in shown["deliveries"] if d["channel"] != "webhook"}
    assert others == {"sent"}
    assert await sweeper.run_once() == 0
