"""Unit types, units, position history (AVL) and personnel status."""

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from muster.core.db import Base, IdPk


class UnitType(Base):
    __tablename__ = "unit_types"
    __table_args__ = (UniqueConstraint("department_id", "code"),)

    id: Mapped[IdPk]
    department_id: Mapped[str] = mapped_column(String(36), ForeignKey("departments.id"))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    capabilities: Mapped[list[str]]
    speed_kmh: Mapped[float | None] = mapped_column(Float)
    # What the department reckons a unit of this type costs, in its own
    # currency, for the workload report's estimate: fuel and wear per
    # kilometre driven, and each hour committed to an incident.
    fuel_cost_per_km: Mapped[float] = mapped_column(
        Float, default=0.0, server_default=text("0")
    )
    wear_cost_per_km: Mapped[float] = mapped_column(
        Float, default=0.0, server_default=text("0")
    )
    cost_per_hour: Mapped[float] = mapped_column(
        Float, default=0.0, server_default=text("0")
    )
    # Staffing strain: fewer units of this type available than this (0: none).
    min_available: Mapped[int] = mapped_column(
        Integer, default=0, server_default=text("0")
    )
    created_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1, server_default=text("1"))

    __mapper_args__ = {"version_id_col": version}


class Unit(Base):
    __tablename__ = "units"
    __table_args__ = (
        UniqueConstraint("department_id", "name"),
        Index("ix_units_department_status", "department_id", "status"),
        Index("ix_units_department_updated", "department_id", "updated_at"),
    )

    id: Mapped[IdPk]
    department_id: Mapped[str] = mapped_column(String(36), ForeignKey("departments.id"))
    name: Mapped[str] = mapped_column(String(64))
    unit_type_id: Mapped[str] = mapped_column(String(36), ForeignKey("unit_types.id"))
    station_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("stations.id")
    )
    crew_size: Mapped[int] = mapped_column(Integer, default=0)
    staffing: Mapped[str] = mapped_column(
        String(16), default="staffed", server_default="staffed"
    )
    status: Mapped[str] = mapped_column(String(32))
    status_at: Mapped[datetime]
    incident_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("incidents.id")
    )
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    location_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1)

    unit_type: Mapped[UnitType] = relationship(lazy="joined", innerjoin=True)

    __mapper_args__ = {"version_id_col": version}


class PositionReport(Base):
    """One reported position of a unit or a member: the history, kept for a
    retention period. The newest report of each also sits on the unit (or the
    member's personnel status), so reading where things are never scans this.

    No foreign keys, on purpose: the service checks the unit or member in the
    department in the same transaction, units and members are never deleted,
    and each key's check would lock its row (every report of a department the
    same department row) at thousands of reports a second.
    """

    __tablename__ = "position_reports"
    __table_args__ = (
        CheckConstraint("(unit_id IS NULL) <> (member_id IS NULL)", name="one_subject"),
        Index("ix_position_reports_unit_at", "unit_id", "at"),
        # Most reports are a unit's: index members' only where there is one.
        Index(
            "ix_position_reports_member_at",
            "member_id",
            "at",
            postgresql_where=text("member_id IS NOT NULL"),
            sqlite_where=text("member_id IS NOT NULL"),
        ),
        Index("ix_position_reports_at", "at"),
    )

    id: Mapped[IdPk]
    department_id: Mapped[str] = mapped_column(String(36))
    unit_id: Mapped[str | None] = mapped_column(String(36))
    member_id: Mapped[str | None] = mapped_column(String(36))
    at: Mapped[datetime]
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    speed_kmh: Mapped[float | None] = mapped_column(Float)
    heading: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    reported_by: Mapped[str | None] = mapped_column(String(36))
    received_at: Mapped[datetime]


class PersonnelStatus(Base):
    """What a member of a department is doing now, their readiness and their
    last known position. No row until the member first reports something."""

    __tablename__ = "personnel_status"
    __table_args__ = (UniqueConstraint("department_id", "member_id"),)

    id: Mapped[IdPk]
    department_id: Mapped[str] = mapped_column(String(36), ForeignKey("departments.id"))
    member_id: Mapped[str] = mapped_column(String(36), ForeignKey("members.id"))
    status: Mapped[str | None] = mapped_column(String(16))
    status_at: Mapped[datetime | None]
    incident_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("incidents.id")
    )
    eta_at: Mapped[datetime | None]
    level: Mapped[str | None] = mapped_column(String(16))
    level_at: Mapped[datetime | None]
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    location_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]
