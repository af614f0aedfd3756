"""The application factory: one app per ``Settings``, nothing read at import time."""

import asyncio
import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

import muster
from muster.core.db import create_engine, create_sessionmaker
from muster.core.logging import configure_logging
from muster.core.settings import Settings
from muster.core.templating import STATIC_DIR
from muster.dispatch import (
    aid_answers,
    aid_api,
    console_pages,
    incident_pages,
    reply_api,
    responder_pages,
)
from muster.dispatch import api as dispatch_api
from muster.dispatch import tasks as dispatch_tasks
from muster.events.bus import create_bus
from muster.events.publisher import Publisher, PublishingSession
from muster.incidents import api as incidents_api
from muster.jobs.worker import Handler, Worker
from muster.live import api as live_api
from muster.live.hub import Hubs
from muster.messaging import api as messaging_api
from muster.messaging import tasks as messaging_tasks
from muster.messaging.senders import build_senders
from muster.org import api as org_api
from muster.org import pages as org_pages
from muster.org.ratelimit import LoginLimiter
from muster.reporting import (
    after_action_api,
    archive_api,
    review_pages,
    workload_pages,
)
from muster.reporting import api as reporting_api
from muster.reporting import pages as reporting_pages
from muster.units import api as units_api
from muster.units import tasks as unit_tasks
from muster.units import tracking_api
from muster.web import health, idempotency, pages
from muster.web.middleware import (
    BodyLimitMiddleware,
    RequestIdMiddleware,
    TransactionMiddleware,
)
from muster.web.problems import install_problem_handlers

API_PREFIX = "/api/v1"


JOB_HANDLERS: dict[str, Handler] = {
    **dispatch_tasks.HANDLERS,
    **aid_answers.HANDLERS,
    **messaging_tasks.HANDLERS,
    idempotency.PRUNE_JOB: idempotency.prune,
}
RECURRING_JOBS = {
    idempotency.PRUNE_JOB: idempotency.PRUNE_EVERY,
    messaging_tasks.SWEEP_JOB: messaging_tasks.SWEEP_EVERY,
    unit_tasks.PRUNE_JOB: unit_tasks.PRUNE_EVERY,
}


def job_handlers(settings: Settings) -> dict[str, Handler]:
    """Every job handler, with what ``settings`` configure (senders, retention)."""
    return {
        **JOB_HANDLERS,
        **messaging_tasks.handlers(build_senders(settings)),
        **unit_tasks.handlers(retention_days=settings.position_retention_days),
    }


def job_worker(app: FastAPI, settings: Settings) -> Worker:
    """A worker for this process's share of the durable timers."""
    name = f"{socket.gethostname()}:{os.getpid()}:{id(app)}"
    return Worker(
        app.state.sessions,
        job_handlers(settings),
        name=name,
        poll_s=settings.jobs_poll_s,
        recurring=RECURRING_JOBS,
    )


def create_app(settings: Settings) -> FastAPI:
    """Build the ASGI app; the engine is created here and disposed at shutdown."""
    configure_logging(settings)
    engine = create_engine(settings)
    bus = create_bus(settings)
    publisher = Publisher(bus)
    sessions = create_sessionmaker(
        engine, sync_session_class=PublishingSession, info=publisher.session_info()
    )
    hubs = Hubs(
        sessions, poll_s=settings.live_poll_s, queue_size=settings.live_queue_size
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await bus.start(hubs.deliver)
        publisher.start()
        stop = asyncio.Event()
        worker = None
        if settings.run_jobs:
            worker = asyncio.create_task(job_worker(app, settings).run(stop))
        yield
        stop.set()
        if worker is not None:
            await worker
        await publisher.stop()
        await hubs.close()
        await bus.close()
        await engine.dispose()

    app = FastAPI(
        title="Muster",
        version=muster.__version__,
        description="Incident management: one record from first call to review.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = sessions
    app.state.hubs = hubs
    app.state.login_limiter = LoginLimiter(
        attempts=settings.login_attempts, window_s=settings.login_window_s
    )
    for module in (
        org_api,
        units_api,
        tracking_api,
        incidents_api,
        dispatch_api,
        aid_api,
        messaging_api,
        reply_api,
        live_api,
        reporting_api,
        after_action_api,
        archive_api,
    ):
        app.include_router(module.router, prefix=API_PREFIX)
    app.include_router(health.router)
    for module in (
        pages,
        org_pages,
        reporting_pages,
        console_pages,
        incident_pages,
        responder_pages,
        review_pages,
        workload_pages,
    ):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    install_problem_handlers(app)
    app.add_middleware(TransactionMiddleware)
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        overrides={API_PREFIX + archive_api.IMPORT_PATH: settings.import_max_bytes},
    )
    app.add_middleware(RequestIdMiddleware)
    return app
