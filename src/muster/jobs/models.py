"""The jobs table: a due time, a kind, a payload, and who has claimed it."""

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from muster.core.db import Base, IdPk


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_pending", "done_at", "due_at"),)

    id: Mapped[IdPk]
    department_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("departments.id")
    )
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]]
    due_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
