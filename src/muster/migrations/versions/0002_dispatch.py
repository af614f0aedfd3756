"""dispatch: settings, response plans, assignments, mutual aid, jobs

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03 17:37:16.458552
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import muster.core.db

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "department_links",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("department_id", sa.String(length=36), nullable=False),
        sa.Column("partner_id", sa.String(length=36), nullable=False),
        sa.Column(
            "created_at", muster.core.db.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_department_links_department_id_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["departments.id"],
            name=op.f("fk_department_links_partner_id_departments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_department_links")),
        sa.UniqueConstraint(
            "department_id",
            "partner_id",
            name=op.f("uq_department_links_department_id_partner_id"),
        ),
    )
    op.create_table(
        "dispatch_settings",
        sa.Column("department_id", sa.String(length=36), nullable=False),
        sa.Column("ack_repage_s", sa.Integer(), nullable=False),
        sa.Column("ack_escalate_s", sa.Integer(), nullable=False),
        sa.Column("allow_returning", sa.Boolean(), nullable=False),
        sa.Column("position_max_age_s", sa.Integer(), nullable=False),
        sa.Column("detour_factor", sa.Float(), nullable=False),
        sa.Column("turnout_s", sa.Integer(), nullable=False),
        sa.Column("crew_callback_s", sa.Integer(), nullable=False),
        sa.Column("default_speed_kmh", sa.Float(), nullable=False),
        sa.Column("max_radius_m", sa.Float(), nullable=True),
        sa.Column("auto_assign_on_escalation", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_dispatch_settings_department_id_departments"),
        ),
        sa.PrimaryKeyConstraint("department_id", name=op.f("pk_dispatch_settings")),
    )
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("department_id", sa.String(length=36), nullable=True),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("due_at", muster.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(length=100), nullable=True),
        sa.Column(
            "claimed_until", muster.core.db.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("done_at", muster.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column(
            "created_at", muster.core.db.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_jobs_department_id_departments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    op.create_index("ix_jobs_pending", "jobs", ["done_at", "due_at"], unique=False)
    op.create_table(
        "response_plans",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("department_id", sa.String(length=36), nullable=False),
        sa.Column("incident_type_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("zone", sa.JSON(), nullable=True),
        sa.Column("station_id", sa.String(length=36), nullable=True),
        sa.Column("alarms", sa.JSON(), nullable=False),
        sa.Column(
            "created_at", muster.core.db.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_response_plans_department_id_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["incident_type_id"],
            ["incident_types.id"],
            name=op.f("fk_response_plans_incident_type_id_incident_types"),
        ),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["stations.id"],
            name=op.f("fk_response_plans_station_id_stations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_response_plans")),
    )
    op.create_index(
        op.f("ix_response_plans_department_id"),
        "response_plans",
        ["department_id"],
        unique=False,
    )
    op.create_table(
        "assignments",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("department_id", sa.String(length=36), nullable=False),
        sa.Column("incident_id", sa.String(length=36), nullable=False),
        sa.Column("unit_id", sa.String(length=36), nullable=True),
        sa.Column("member_id", sa.String(length=36), nullable=True),
        sa.Column("provider_department_id", sa.String(length=36), nullable=True),
        sa.Column("alarm_level", sa.Integer(), nullable=False),
        sa.Column("capability", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column(
            "dispatched_at", muster.core.db.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "acknowledged_at", muster.core.db.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "declined_at", muster.core.db.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "en_route_at", muster.core.db.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "on_scene_at", muster.core.db.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "cleared_at", muster.core.db.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_assignments_department_id_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_assignments_incident_id_incidents"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_assignments_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["provider_department_id"],
            ["departments.id"],
            name=op.f("fk_assignments_provider_department_id_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_assignments_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignments")),
    )
    op.create_index(
        "ix_assignments_incident", "assignments", ["incident_id"], unique=False
    )
    op.create_index(
        "uq_assignments_live_unit",
        "assignments",
        ["unit_id"],
        unique=True,
        postgresql_where=sa.text("cleared_at IS NULL AND unit_id IS NOT NULL"),
        sqlite_where=sa.text("cleared_at IS NULL AND unit_id IS NOT NULL"),
    )
    op.create_table(
        "mutual_aid_requests",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("department_id", sa.String(length=36), nullable=False),
        sa.Column("provider_department_id", sa.String(length=36), nullable=False),
        sa.Column("incident_id", sa.String(length=36), nullable=False),
        sa.Column("unit_id", sa.String(length=36), nullable=False),
        sa.Column("assignment_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "created_at", muster.core.db.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "answered_at", muster.core.db.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("answered_by", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["assignments.id"],
            name=op.f("fk_mutual_aid_requests_assignment_id_assignments"),
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_mutual_aid_requests_department_id_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_mutual_aid_requests_incident_id_incidents"),
        ),
        sa.ForeignKeyConstraint(
            ["provider_department_id"],
            ["departments.id"],
            name=op.f("fk_mutual_aid_requests_provider_department_id_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_mutual_aid_requests_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mutual_aid_requests")),
    )
    op.create_index(
        op.f("ix_mutual_aid_requests_provider_department_id"),
        "mutual_aid_requests",
        ["provider_department_id"],
        unique=False,
    )
    # Existing rows get defaults; units take their last status time as updated_at.
    op.add_column(
        "incident_types",
        sa.Column(
            "auto_dispatch", sa.Boolean(), nullable=False, server_default=sa.false()
        ),
    )
    op.add_column("stations", sa.Column("response_area", sa.JSON(), nullable=True))
    op.add_column("unit_types", sa.Column("speed_kmh", sa.Float(), nullable=True))
    op.add_column(
        "units",
        sa.Column(
            "staffing", sa.String(length=16), nullable=False, server_default="staffed"
        ),
    )
    op.add_column(
        "units",
        sa.Column(
            "updated_at", muster.core.db.UTCDateTime(timezone=True), nullable=True
        ),
    )
    op.execute("UPDATE units SET updated_at = status_at")
    with op.batch_alter_table("units") as batch:
        batch.alter_column(
            "updated_at",
            existing_type=muster.core.db.UTCDateTime(timezone=True),
            nullable=False,
        )
    op.create_index(
        "ix_units_department_updated",
        "units",
        ["department_id", "updated_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_units_department_updated", table_name="units")
    op.drop_column("units", "updated_at")
    op.drop_column("units", "staffing")
    op.drop_column("unit_types", "speed_kmh")
    op.drop_column("stations", "response_area")
    op.drop_column("incident_types", "auto_dispatch")
    op.drop_index(
        op.f("ix_mutual_aid_requests_provider_department_id"),
        table_name="mutual_aid_requests",
    )
    op.drop_table("mutual_aid_requests")
    op.drop_index(
        "uq_assignments_live_unit",
        table_name="assignments",
        postgresql_where=sa.text("cleared_at IS NULL AND unit_id IS NOT NULL"),
        sqlite_where=sa.text("cleared_at IS NULL AND unit_id IS NOT NULL"),
    )
    op.drop_index("ix_assignments_incident", table_name="assignments")
    op.drop_table("assignments")
    op.drop_index(op.f("ix_response_plans_department_id"), table_name="response_plans")
    op.drop_table("response_plans")
    op.drop_index("ix_jobs_pending", table_name="jobs")
    op.drop_table("jobs")
    op.drop_table("dispatch_settings")
    op.drop_table("department_links")
