"""Event rows and the per-department head that orders and chains them."""

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from muster.core.db import Base, IdPk

GENESIS_HASH = "0" * 64


class EventHead(Base):
    """The last sequence number of a department's chain (row-locked on append)."""

    __tablename__ = "event_heads"

    department_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("departments.id"), primary_key=True
    )
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("department_id", "seq"),
        Index("ix_events_incident", "incident_id", "seq"),
    )

    id: Mapped[IdPk]
    department_id: Mapped[str] = mapped_column(String(36), ForeignKey("departments.id"))
    seq: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime]
    actor_id: Mapped[str | None] = mapped_column(String(36))
    actor: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(64))
    incident_id: Mapped[str | None] = mapped_column(String(36))
    data: Mapped[dict[str, Any]]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
