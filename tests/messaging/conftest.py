"""Loopback peers and a worker whose senders point at them."""

from collections.abc import Iterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from muster.core.settings import Settings
from muster.jobs.worker import Worker
from muster.web.app import job_handlers
from tests.factories.messaging import HTTPReceiver, SMTPServer


@pytest.fixture
def smtp() -> Iterator[SMTPServer]:
    with SMTPServer() as server:
        yield server


@pytest.fixture
def receiver() -> Iterator[HTTPReceiver]:
    with HTTPReceiver() as server:
        yield server


@pytest.fixture
def make_worker(settings: Settings, smtp: SMTPServer):
    """A worker (a fresh one per call, as after a restart) that mails via ``smtp``."""
    configured = settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp.port,
            "smtp_from": "dispatch@muster.test",
            "send_timeout_s": 5.0,
        }
    )

    def build(sessions: async_sessionmaker[AsyncSession], name: str = "w") -> Worker:
        return Worker(sessions, job_handlers(configured), name=name)

    return build
