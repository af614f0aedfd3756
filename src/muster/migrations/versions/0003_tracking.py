"""tracking: position history (AVL) and personnel status

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 19:11:44.731889
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import muster.core.db

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "personnel_status",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("department_id", sa.String(length=36), nullable=False),
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column(
            "status_at", muster.core.db.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("incident_id", sa.String(length=36), nullable=True),
        sa.Column("eta_at", muster.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("level", sa.String(length=16), nullable=True),
        sa.Column("level_at", muster.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column(
            "location_at", muster.core.db.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "updated_at", muster.core.db.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_personnel_status_department_id_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_personnel_status_incident_id_incidents"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_personnel_status_member_id_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_personnel_status")),
        sa.UniqueConstraint(
            "department_id",
            "member_id",
            name=op.f("uq_personnel_status_department_id_member_id"),
        ),
    )
    op.create_table(
        "position_reports",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("department_id", sa.String(length=36), nullable=False),
        sa.Column("unit_id", sa.String(length=36), nullable=True),
        sa.Column("member_id", sa.String(length=36), nullable=True),
        sa.Column("at", muster.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("speed_kmh", sa.Float(), nullable=True),
        sa.Column("heading", sa.Float(), nullable=True),
        sa.Column("accuracy_m", sa.Float(), nullable=True),
        sa.Column("reported_by", sa.String(length=36), nullable=True),
        sa.Column(
            "received_at", muster.core.db.UTCDateTime(timezone=True), nullable=False
        ),
        sa.CheckConstraint(
            "(unit_id IS NULL) <> (member_id IS NULL)",
            name=op.f("ck_position_reports_one_subject"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_position_reports")),
    )
    op.create_index("ix_position_reports_at", "position_reports", ["at"], unique=False)
    op.create_index(
        "ix_position_reports_member_at",
        "position_reports",
        ["member_id", "at"],
        unique=False,
        postgresql_where=sa.text("member_id IS NOT NULL"),
        sqlite_where=sa.text("member_id IS NOT NULL"),
    )
    op.create_index(
        "ix_position_reports_unit_at",
        "position_reports",
        ["unit_id", "at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_position_reports_unit_at", table_name="position_reports")
    op.drop_index(
        "ix_position_reports_member_at",
        table_name="position_reports",
        postgresql_where=sa.text("member_id IS NOT NULL"),
        sqlite_where=sa.text("member_id IS NOT NULL"),
    )
    op.drop_index("ix_position_reports_at", table_name="position_reports")
    op.drop_table("position_reports")
    op.drop_table("personnel_status")
