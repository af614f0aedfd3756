"""Dispatch settings, response plans, assignments and mutual aid between departments."""

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
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from muster.core.db import Base, IdPk


class DispatchSettings(Base):
    """How a department recommends, times and escalates (one row per department)."""

    __tablename__ = "dispatch_settings"

    department_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("departments.id"), primary_key=True
    )
    ack_repage_s: Mapped[int] = mapped_column(Integer, default=60)
    ack_escalate_s: Mapped[int] = mapped_column(Integer, default=120)
    allow_returning: Mapped[bool] = mapped_column(Boolean, default=False)
    position_max_age_s: Mapped[int] = mapped_column(Integer, default=300)
    detour_factor: Mapped[float] = mapped_column(Float, default=1.3)
    turnout_s: Mapped[int] = mapped_column(Integer, default=60)
    crew_callback_s: Mapped[int] = mapped_column(Integer, default=420)
    default_speed_kmh: Mapped[float] = mapped_column(Float, default=50.0)
    max_radius_m: Mapped[float | None] = mapped_column(Float)
    auto_assign_on_escalation: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class ResponsePlan(Base):
    """What each alarm level of an incident type needs, optionally in one zone.

    ``alarms`` is ``[{"level": 1, "needs": [{"capability", "count"}],
    "min_people": n}]``. ``zone`` is a polygon of ``[lon, lat]`` points; a plan
    may instead be bound to a station's response area.
    """

    __tablename__ = "response_plans"

    id: Mapped[IdPk]
    department_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("departments.id"), index=True
    )
    incident_type_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("incident_types.id")
    )
    name: Mapped[str] = mapped_column(String(200))
    zone: Mapped[list[Any] | None]
    station_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("stations.id")
    )
    alarms: Mapped[list[Any]]
    created_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class Assignment(Base):
    """A unit or a person sent to an incident, and what became of it."""

    __tablename__ = "assignments"
    __table_args__ = (
        # Defence in depth behind the row lock: one live assignment per unit.
        Index(
            "uq_assignments_live_unit",
            "unit_id",
            unique=True,
            postgresql_where=text("cleared_at IS NULL AND unit_id IS NOT NULL"),
            sqlite_where=text("cleared_at IS NULL AND unit_id IS NOT NULL"),
        ),
        Index("ix_assignments_incident", "incident_id"),
        # Workload reports read the assignments still open or cleared since a
        # period's start.
        Index("ix_assignments_cleared", "cleared_at"),
    )

    id: Mapped[IdPk]
    department_id: Mapped[str] = mapped_column(String(36), ForeignKey("departments.id"))
    incident_id: Mapped[str] = mapped_column(String(36), ForeignKey("incidents.id"))
    unit_id: Mapped[str | None] = mapped_column(String(36), ForeignKey("units.id"))
    member_id: Mapped[str | None] = mapped_column(String(36), ForeignKey("members.id"))
    provider_department_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("departments.id")
    )
    alarm_level: Mapped[int] = mapped_column(Integer, default=1)
    capability: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    pages: Mapped[int] = mapped_column(Integer, default=1)
    dispatched_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    declined_at: Mapped[datetime | None]
    en_route_at: Mapped[datetime | None]
    on_scene_at: Mapped[datetime | None]
    cleared_at: Mapped[datetime | None]
    created_by: Mapped[str | None] = mapped_column(String(36))
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class DepartmentLink(Base):
    """Mutual aid: ``department_id`` may ask ``partner_id`` for units.

    Granted by ``partner_id`` (the lender); see ``muster.dispatch.mutual_aid``.
    """

    __tablename__ = "department_links"
    __table_args__ = (UniqueConstraint("department_id", "partner_id"),)

    id: Mapped[IdPk]
    department_id: Mapped[str] = mapped_column(String(36), ForeignKey("departments.id"))
    partner_id: Mapped[str] = mapped_column(String(36), ForeignKey("departments.id"))
    created_at: Mapped[datetime]


class MutualAidRequest(Base):
    """A request to another department for one of its units, and its answer."""

    __tablename__ = "mutual_aid_requests"

    id: Mapped[IdPk]
    department_id: Mapped[str] = mapped_column(String(36), ForeignKey("departments.id"))
    provider_department_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("departments.id"), index=True
    )
    incident_id: Mapped[str] = mapped_column(String(36), ForeignKey("incidents.id"))
    unit_id: Mapped[str] = mapped_column(String(36), ForeignKey("units.id"))
    assignment_id: Mapped[str] = mapped_column(String(36), ForeignKey("assignments.id"))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    answered_by: Mapped[str | None] = mapped_column(String(36))
