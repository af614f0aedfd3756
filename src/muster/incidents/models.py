"""Incident types, incidents, their numbering, caller reports and notes."""

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from muster.core.db import Base, IdPk


class IncidentType(Base):
    __tablename__ = "incident_types"
    __table_args__ = (UniqueConstraint("department_id", "code"),)

    id: Mapped[IdPk]
    department_id: Mapped[str] = mapped_column(String(36), ForeignKey("departments.id"))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(32))
    default_priority: Mapped[int] = mapped_column(Integer)
    fields_schema: Mapped[dict[str, Any] | None]
    auto_dispatch: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    created_at: Mapped[datetime]


class IncidentCounter(Base):
    """The last number issued per department and year (row-locked on use)."""

    __tablename__ = "incident_counters"

    department_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("departments.id"), primary_key=True
    )
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(Integer)


class Incident(Base):
    __tablename__ = "incidents"
    __table_args__ = (
        UniqueConstraint("department_id", "number"),
        Index("ix_incidents_department_received", "department_id", "received_at", "id"),
        Index("ix_incidents_department_status", "department_id", "status"),
        # Where an incident came from when it was imported (a source system's
        # call number); unique per department so that imports are idempotent.
        Index(
            "uq_incidents_department_external_ref",
            "department_id",
            "external_ref",
            unique=True,
        ),
    )

    id: Mapped[IdPk]
    department_id: Mapped[str] = mapped_column(String(36), ForeignKey("departments.id"))
    number: Mapped[str] = mapped_column(String(16))
    type_id: Mapped[str] = mapped_column(String(36), ForeignKey("incident_types.id"))
    priority: Mapped[int] = mapped_column(Integer)
    impact: Mapped[str | None] = mapped_column(String(16))
    urgency: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(32))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[str | None] = mapped_column(String(36), ForeignKey("members.id"))
    fields: Mapped[dict[str, Any]]
    disposition: Mapped[str | None] = mapped_column(Text)
    station_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("stations.id")
    )
    external_ref: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime]
    dispatched_at: Mapped[datetime | None]
    first_en_route_at: Mapped[datetime | None]
    first_on_scene_at: Mapped[datetime | None]
    under_control_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1)

    incident_type: Mapped[IncidentType] = relationship(lazy="joined", innerjoin=True)

    __mapper_args__ = {"version_id_col": version}


class IncidentReport(Base):
    """One caller's report; several callers may report the same incident."""

    __tablename__ = "incident_reports"

    id: Mapped[IdPk]
    department_id: Mapped[str] = mapped_column(String(36), ForeignKey("departments.id"))
    incident_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("incidents.id"), index=True
    )
    caller_name: Mapped[str | None] = mapped_column(String(200))
    caller_phone: Mapped[str | None] = mapped_column(String(40))
    text: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime]
    created_by: Mapped[str | None] = mapped_column(String(36))


class IncidentNote(Base):
    __tablename__ = "incident_notes"

    id: Mapped[IdPk]
    department_id: Mapped[str] = mapped_column(String(36), ForeignKey("departments.id"))
    incident_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("incidents.id"), index=True
    )
    author_id: Mapped[str | None] = mapped_column(String(36))
    author: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
