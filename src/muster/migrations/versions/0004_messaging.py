"""messaging: messages, deliveries, contact methods, notification endpoints

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 19:26:43.047020
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import muster.core.db

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contact_methods",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("department_id", sa.String(length=36), nullable=False),
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("is_enabled", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at", muster.core.db.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_contact_methods_department_id_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_contact_methods_member_id_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_methods")),
    )
    op.create_index(
        "ix_contact_methods_member",
        "contact_methods",
        ["department_id", "member_id"],
        unique=False,
    )
    op.create_table(
        "notification_endpoints",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("department_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("target", sa.Text(), nullable=True),
        sa.Column("secret", sa.String(length=128), nullable=True),
        sa.Column("station_id", sa.String(length=36), nullable=True),
        sa.Column("is_enabled", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at", muster.core.db.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_notification_endpoints_department_id_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["stations.id"],
            name=op.f("fk_notification_endpoints_station_id_stations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_endpoints")),
    )
    op.create_index(
        op.f("ix_notification_endpoints_department_id"),
        "notification_endpoints",
        ["department_id"],
        unique=False,
    )
    op.create_table(
        "messages",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("department_id", sa.String(length=36), nullable=False),
        sa.Column("incident_id", sa.String(length=36), nullable=True),
        sa.Column("assignment_id", sa.String(length=36), nullable=True),
        sa.Column("sender_id", sa.String(length=36), nullable=True),
        sa.Column("sender", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column(
            "created_at", muster.core.db.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_messages_department_id_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_messages_incident_id_incidents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
    )
    op.create_index(
        op.f("ix_messages_department_id"), "messages", ["department_id"], unique=False
    )
    op.create_index(
        "ix_messages_incident", "messages", ["incident_id", "created_at"], unique=False
    )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("department_id", sa.String(length=36), nullable=False),
        sa.Column("message_id", sa.String(length=36), nullable=False),
        sa.Column("member_id", sa.String(length=36), nullable=True),
        sa.Column("endpoint_id", sa.String(length=36), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reference", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column(
            "created_at", muster.core.db.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("sent_at", muster.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "failed_at", muster.core.db.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "acknowledged_at", muster.core.db.UTCDateTime(timezone=True), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_deliveries_department_id_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["endpoint_id"],
            ["notification_endpoints.id"],
            name=op.f("fk_deliveries_endpoint_id_notification_endpoints"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_deliveries_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_deliveries_message_id_messages"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
        sa.UniqueConstraint("reference", name=op.f("uq_deliveries_reference")),
    )
    op.create_index(
        "ix_deliveries_member",
        "deliveries",
        ["department_id", "member_id", "created_at"],
        unique=False,
    )
    op.create_index("ix_deliveries_message", "deliveries", ["message_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_deliveries_message", table_name="deliveries")
    op.drop_index("ix_deliveries_member", table_name="deliveries")
    op.drop_table("deliveries")
    op.drop_index("ix_messages_incident", table_name="messages")
    op.drop_index(op.f("ix_messages_department_id"), table_name="messages")
    op.drop_table("messages")
    op.drop_index(
        op.f("ix_notification_endpoints_department_id"),
        table_name="notification_endpoints",
    )
    op.drop_table("notification_endpoints")
    op.drop_index("ix_contact_methods_member", table_name="contact_methods")
    op.drop_table("contact_methods")
