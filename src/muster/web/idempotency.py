"""Stored responses of POSTs sent with an ``Idempotency-Key``.

The key row is inserted at the start of the request's own transaction. A
concurrent request with the same key blocks on the unique index (PostgreSQL)
or the database lock (SQLite) until the first commits, then finds the row
and replays the first response; if the first failed, its row rolled back
with it and the retry runs afresh. So a 2xx is stored exactly when the work
it reports was committed.

Keys are kept for ``KEY_RETENTION``: long enough for any client to give up
retrying. The recurring ``PRUNE_JOB`` deletes older ones.
"""

import hashlib
import logging
from datetime import datetime, timedelta

from sqlalchemy import (
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    delete,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from muster.core import clock
from muster.core.db import Base, IdPk
from muster.jobs.models import Job

MAX_KEY_LENGTH = 200
KEY_RETENTION = timedelta(days=1)
PRUNE_JOB = "idempotency.prune"
PRUNE_EVERY = timedelta(hours=1)

logger = logging.getLogger(__name__)


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("scope", "key"),)

    id: Mapped[IdPk]
    scope: Mapped[str] = mapped_column(String(80))
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    content_type: Mapped[str | None] = mapped_column(String(100))
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    location: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256(f"{method} {path}\n".encode())
    digest.update(body)
    return digest.hexdigest()


async def find_record(
    session: AsyncSession, *, scope: str, key: str
) -> IdempotencyRecord | None:
    return await session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.scope == scope, IdempotencyRecord.key == key
        )
    )


async def prune(session: AsyncSession, job: Job) -> None:
    """Delete keys older than ``KEY_RETENTION`` (the recurring ``PRUNE_JOB``)."""
    cutoff = clock.now() - KEY_RETENTION
    result = await session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.created_at < cutoff)
    )
    deleted = getattr(result, "rowcount", 0)
    logger.info("idempotency_keys_pruned", extra={"deleted": deleted, "job": job.id})
