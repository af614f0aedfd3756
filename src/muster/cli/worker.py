"""``muster worker``: run durable timers without serving the API."""

import asyncio
import os
import signal
import socket

from muster.cli.common import load_settings
from muster.core.db import create_engine, create_sessionmaker
from muster.jobs.worker import Worker
from muster.web.app import RECURRING_JOBS, job_handlers


def worker() -> None:
    """Run due jobs (pages, re-pages, escalations) until interrupted."""
    settings = load_settings()

    async def work() -> None:
        engine = create_engine(settings)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        name = f"{socket.gethostname()}:{os.getpid()}:worker"
        runner = Worker(
            create_sessionmaker(engine),
            job_handlers(settings),
            name=name,
            poll_s=settings.jobs_poll_s,
            recurring=RECURRING_JOBS,
        )
        print("Muster worker running; Ctrl-C stops it")
        try:
            await runner.run(stop)
        finally:
            await engine.dispose()

    asyncio.run(work())
