"""Departments (tenants), members, memberships, tokens and stations."""

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from muster.core.db import Base, IdPk


class Department(Base):
    __tablename__ = "departments"

    id: Mapped[IdPk]
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    created_at: Mapped[datetime]


class Member(Base):
    """A login (email and password); who the person is in a department lives on
    their membership, so departments sharing a person never see each other's
    records of them."""

    __tablename__ = "members"

    id: Mapped[IdPk]
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str | None] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


class Membership(Base):
    """A member's place in one department: roles, qualifications, home station."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("department_id", "member_id"),)

    id: Mapped[IdPk]
    department_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("departments.id"), index=True
    )
    member_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("members.id"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    roles: Mapped[list[str]]
    qualifications: Mapped[list[str]]
    station_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("stations.id")
    )
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class ApiToken(Base):
    """A bearer token; only its SHA-256 is stored. ``roles`` narrows the member's."""

    __tablename__ = "api_tokens"

    id: Mapped[IdPk]
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    member_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("members.id"), index=True
    )
    department_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("departments.id"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    roles: Mapped[list[str] | None]
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class Station(Base):
    __tablename__ = "stations"
    __table_args__ = (UniqueConstraint("department_id", "code"),)

    id: Mapped[IdPk]
    department_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("departments.id"), index=True
    )
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(500))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    response_area: Mapped[list[Any] | None]
    created_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}
