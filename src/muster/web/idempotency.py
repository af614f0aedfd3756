"""Stored responses of POSTs sent with an ``Idempotency-Key``.

The key row is inserted at the start of the request's own transaction. A
concurrent request with the same key blocks on the unique index (PostgreSQL)
or the database lock (SQLite) until the first commits, then finds the row
and replays the first response; if the first failed, its row rolled back
with it and the retry runs afresh. So a 2xx is stored exactly when the work
it reports was committed.

TODO(#3): prune keys older than a day from the jobs worker once the jobs
table exists; until then the table grows with every keyed POST.
"""

import hashlib
from datetime import datetime

from sqlalchemy import Integer, LargeBinary, String, Text, UniqueConstraint, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from muster.core.db import Base, IdPk

MAX_KEY_LENGTH = 200


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
