"""The worker loop: claim due jobs, run each with its handler, record the outcome.

Any number of workers, in one process or many, may share a database; the
claim-then-run protocol in ``muster.jobs.service`` keeps each job's effect to
exactly one run. A handler error is logged, recorded on the job and retried
later; it never stops the loop.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from muster.core import clock
from muster.core.db import transaction
from muster.jobs import service as job_service
from muster.jobs.models import Job

Handler = Callable[[AsyncSession, Job], Awaitable[None]]
"""Does a job's work in the given session; must flush at most, never commit.

The session's transaction also marks the job done, so the work and the mark
commit together; raising rolls both back and the job is retried later.
"""

logger = logging.getLogger(__name__)


class Worker:
    """Runs due jobs of the kinds in ``handlers``.

    ``name`` is written on the jobs this worker leases and runs; give each
    live worker its own (host and process id) so the table says who holds
    what. Exactly-once does not depend on it: that rests on the row lock
    and the done mark. ``recurring`` names kinds (each with a handler) to run
    every period; the worker makes sure their rows exist before its first
    round. ``batch`` is how many jobs one claim leases.
    """

    batch = 20

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        handlers: Mapping[str, Handler],
        *,
        name: str,
        poll_s: float = 1.0,
        recurring: Mapping[str, timedelta] | None = None,
    ) -> None:
        self.name = name
        self._sessions = sessions
        self._handlers = handlers
        self._recurring = dict(recurring or {})
        self._recurring_ready = not self._recurring
        self._poll_s = poll_s

    async def run_once(self) -> int:
        """Run every due job this worker can claim now; return how many ran.

        Claims batch after batch until a claim comes back short. Failed runs
        (handler errors, unknown kinds) count as run: they are recorded on the
        job, which is retried after a back-off or given up. Each job commits in
        its own transaction. Database errors outside a handler propagate.
        """
        if not self._recurring_ready:
            await self._ensure_recurring()
        ran = 0
        while True:
            jobs = await self._claim()
            for job in jobs:
                ran += await self._run(job)
            if len(jobs) < self.batch:
                return ran

    async def run(self, stop: asyncio.Event) -> None:
        """Run jobs until ``stop`` is set, waiting ``poll_s`` after empty rounds.

        A round that fails (the database is unreachable, say) is logged and
        counts as empty; the loop goes on.
        """
        while not stop.is_set():
            if await self._round() == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self._poll_s)

    async def _round(self) -> int:
        try:
            return await self.run_once()
        except Exception:
            logger.exception("worker_round_failed", extra={"worker": self.name})
            return 0

    async def _ensure_recurring(self) -> None:
        async with transaction(self._sessions) as session:
            for kind, every in self._recurring.items():
                await job_service.ensure_recurring(
                    session, kind=kind, every=every, now=clock.now()
                )
        self._recurring_ready = True

    async def _claim(self) -> list[Job]:
        async with transaction(self._sessions) as session:
            return await job_service.claim_due(
                session, worker=self.name, now=clock.now(), limit=self.batch
            )

    async def _run(self, job: Job) -> int:
        handler = self._handlers.get(job.kind)
        if handler is None:
            logger.error("job_kind_unknown", extra={"job_id": job.id, "kind": job.kind})
            await self._record_failure(job.id, f"no handler for job kind {job.kind!r}")
            return 1
        try:
            return int(await self._run_handler(job.id, handler))
        except Exception as exc:
            logger.exception("job_failed", extra={"job_id": job.id, "kind": job.kind})
            await self._record_failure(job.id, f"{type(exc).__name__}: {exc}")
            return 1

    async def _run_handler(self, job_id: str, handler: Handler) -> bool:
        async with transaction(self._sessions) as session:
            job = await job_service.lock_claimed(
                session, job_id=job_id, worker=self.name
            )
            if job is None:
                return False
            await handler(session, job)
            await job_service.complete(session, job=job, now=clock.now())
        logger.debug("job_done", extra={"job_id": job_id, "kind": job.kind})
        return True

    async def _record_failure(self, job_id: str, error: str) -> None:
        async with transaction(self._sessions) as session:
            await job_service.record_failure(
                session, job_id=job_id, worker=self.name, error=error, now=clock.now()
            )
