"""core schema: departments, members, units, incidents, events

Revision ID: 0001
Revises:
Create Date: 2026-12-03 17:14:49.314786
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import muster.core.db

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "departments",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at", muster.core.db.UTCDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_departments")),
        sa.UniqueConstraint("slug", name=op.f("uq_departments_slug")),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("scope", sa.String(length=80), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("content_type", sa.String(length=100), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.Column("location", sa.Text(), nullable=True),
        sa.Column(
            "created_at", muster.core.db.UTCDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_keys")),
        sa.UniqueConstraint("scope", "key", name=op.f("uq_idempotency_keys_scope_key")),
    )
    op.create_table(
        "members",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at", muster.core.db.UTCDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members")),
        sa.UniqueConstraint("email", name=op.f("uq_members_email")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("department_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=True),
        sa.Column(
            "created_at", muster.core.db.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "expires_at", muster.core.db.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "revoked_at", muster.core.db.UTCDateTime(timezone=True), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_api_tokens_department_id_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_api_tokens_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_index(
        op.f("ix_api_tokens_department_id"),
        "api_tokens",
        ["department_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_api_tokens_member_id"), "api_tokens", ["member_id"], unique=False
    )
    op.create_table(
        "event_heads",
        sa.Column("department_id", sa.String(length=36), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_event_heads_department_id_departments"),
        ),
        sa.PrimaryKeyConstraint("department_id", name=op.f("pk_event_heads")),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("department_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("at", muster.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.String(length=36), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("incident_id", sa.String(length=36), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_events_department_id_departments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sa.UniqueConstraint(
            "department_id", "seq", name=op.f("uq_events_department_id_seq")
        ),
    )
    op.create_index(
        "ix_events_incident", "events", ["incident_id", "seq"], unique=False
    )
    op.create_table(
        "incident_counters",
        sa.Column("department_id", sa.String(length=36), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_incident_counters_department_id_departments"),
        ),
        sa.PrimaryKeyConstraint(
            "department_id", "year", name=op.f("pk_incident_counters")
        ),
    )
    op.create_table(
        "incident_types",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("department_id", sa.String(length=36), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("default_priority", sa.Integer(), nullable=False),
        sa.Column("fields_schema", sa.JSON(), nullable=True),
        sa.Column(
            "created_at", muster.core.db.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_incident_types_department_id_departments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_types")),
        sa.UniqueConstraint(
            "department_id", "code", name=op.f("uq_incident_types_department_id_code")
        ),
    )
    op.create_table(
        "stations",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("department_id", sa.String(length=36), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=500), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column(
            "created_at", muster.core.db.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_stations_department_id_departments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stations")),
        sa.UniqueConstraint(
            "department_id", "code", name=op.f("uq_stations_department_id_code")
        ),
    )
    op.create_index(
        op.f("ix_stations_department_id"), "stations", ["department_id"], unique=False
    )
    op.create_table(
        "unit_types",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("department_id", sa.String(length=36), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("capabilities", sa.JSON(), nullable=False),
        sa.Column(
            "created_at", muster.core.db.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_unit_types_department_id_departments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_types")),
        sa.UniqueConstraint(
            "department_id", "code", name=op.f("uq_unit_types_department_id_code")
        ),
    )
    op.create_table(
        "incidents",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("department_id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.String(length=16), nullable=False),
        sa.Column("type_id", sa.String(length=36), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("impact", sa.String(length=16), nullable=True),
        sa.Column("urgency", sa.String(length=16), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("address", sa.String(length=500), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.String(length=36), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("disposition", sa.Text(), nullable=True),
        sa.Column(
            "received_at", muster.core.db.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "dispatched_at", muster.core.db.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "first_en_route_at",
            muster.core.db.UTCDateTime(timezone=True),
            nullable=True,
        ),
        sa.Column(
            "first_on_scene_at",
            muster.core.db.UTCDateTime(timezone=True),
            nullable=True,
        ),
        sa.Column(
            "under_control_at", muster.core.db.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "closed_at", muster.core.db.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "created_at", muster.core.db.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", muster.core.db.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_incidents_department_id_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["members.id"], name=op.f("fk_incidents_owner_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["type_id"],
            ["incident_types.id"],
            name=op.f("fk_incidents_type_id_incident_types"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
        sa.UniqueConstraint(
            "department_id", "number", name=op.f("uq_incidents_department_id_number")
        ),
    )
    op.create_index(
        "ix_incidents_department_received",
        "incidents",
        ["department_id", "received_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_incidents_department_status",
        "incidents",
        ["department_id", "status"],
        unique=False,
    )
    op.create_table(
        "memberships",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("department_id", sa.String(length=36), nullable=False),
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("qualifications", sa.JSON(), nullable=False),
        sa.Column("station_id", sa.String(length=36), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at", muster.core.db.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_memberships_department_id_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_memberships_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["stations.id"],
            name=op.f("fk_memberships_station_id_stations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_memberships")),
        sa.UniqueConstraint(
            "department_id",
            "member_id",
            name=op.f("uq_memberships_department_id_member_id"),
        ),
    )
    op.create_index(
        op.f("ix_memberships_department_id"),
        "memberships",
        ["department_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_memberships_member_id"), "memberships", ["member_id"], unique=False
    )
    op.create_table(
        "incident_notes",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("department_id", sa.String(length=36), nullable=False),
        sa.Column("incident_id", sa.String(length=36), nullable=False),
        sa.Column("author_id", sa.String(length=36), nullable=True),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column(
            "created_at", muster.core.db.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_incident_notes_department_id_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_notes_incident_id_incidents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_notes")),
    )
    op.create_index(
        op.f("ix_incident_notes_incident_id"),
        "incident_notes",
        ["incident_id"],
        unique=False,
    )
    op.create_table(
        "incident_reports",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("department_id", sa.String(length=36), nullable=False),
        sa.Column("incident_id", sa.String(length=36), nullable=False),
        sa.Column("caller_name", sa.String(length=200), nullable=True),
        sa.Column("caller_phone", sa.String(length=40), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column(
            "received_at", muster.core.db.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_incident_reports_department_id_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_reports_incident_id_incidents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_reports")),
    )
    op.create_index(
        op.f("ix_incident_reports_incident_id"),
        "incident_reports",
        ["incident_id"],
        unique=False,
    )
    op.create_table(
        "units",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("department_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("unit_type_id", sa.String(length=36), nullable=False),
        sa.Column("station_id", sa.String(length=36), nullable=True),
        sa.Column("crew_size", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column(
            "status_at", muster.core.db.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("incident_id", sa.String(length=36), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column(
            "location_at", muster.core.db.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "created_at", muster.core.db.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_units_department_id_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_units_incident_id_incidents"),
        ),
        sa.ForeignKeyConstraint(
            ["station_id"], ["stations.id"], name=op.f("fk_units_station_id_stations")
        ),
        sa.ForeignKeyConstraint(
            ["unit_type_id"],
            ["unit_types.id"],
            name=op.f("fk_units_unit_type_id_unit_types"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_units")),
        sa.UniqueConstraint(
            "department_id", "name", name=op.f("uq_units_department_id_name")
        ),
    )
    op.create_index(
        "ix_units_department_status", "units", ["department_id", "status"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_units_department_status", table_name="units")
    op.drop_table("units")
    op.drop_index(
        op.f("ix_incident_reports_incident_id"), table_name="incident_reports"
    )
    op.drop_table("incident_reports")
    op.drop_index(op.f("ix_incident_notes_incident_id"), table_name="incident_notes")
    op.drop_table("incident_notes")
    op.drop_index(op.f("ix_memberships_member_id"), table_name="memberships")
    op.drop_index(op.f("ix_memberships_department_id"), table_name="memberships")
    op.drop_table("memberships")
    op.drop_index("ix_incidents_department_status", table_name="incidents")
    op.drop_index("ix_incidents_department_received", table_name="incidents")
    op.drop_table("incidents")
    op.drop_table("unit_types")
    op.drop_index(op.f("ix_stations_department_id"), table_name="stations")
    op.drop_table("stations")
    op.drop_table("incident_types")
    op.drop_table("incident_counters")
    op.drop_index("ix_events_incident", table_name="events")
    op.drop_table("events")
    op.drop_table("event_heads")
    op.drop_index(op.f("ix_api_tokens_member_id"), table_name="api_tokens")
    op.drop_index(op.f("ix_api_tokens_department_id"), table_name="api_tokens")
    op.drop_table("api_tokens")
    op.drop_table("members")
    op.drop_table("idempotency_keys")
    op.drop_table("departments")
