"""Unit types and units."""

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, UniqueConstraint
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
    created_at: Mapped[datetime]


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
