"""``muster worker``: run durable timers without serving the API."""

import asyncio
import os
import signal
import socket

from muster.cli.common import load_settings
from muster.core.db import create_engine, create_sessionmaker
from muster.jobs.worker import Worker
from muster.units import tasks as unit_tasks
from muster.web.app import JOB_HANDLERS


def worker() -> None:
    """Run due jobs (re-pages, escalations) until interrupted."""
    settings = load_settings()

    async def work() -> None:
        engine = create_engine(settings)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        name = f"{socket.gethostname()}:{os.getpid()}:worker"
        sessions = create_sessionmaker(engine)
        await unit_tasks.start_pruning(
            sessions, retention_days=settings.position_retention_days
        )
        runner = Worker(
            sessions,
            JOB_HANDLERS,
            name=name,
            poll_s=settings.jobs_poll_s,
        )
        print("Muster worker running; Ctrl-C stops it")
        try:
            await runner.run(stop)
        finally:
            await engine.dispose()

    asyncio.run(work())
