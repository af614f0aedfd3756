"""report profiles: target profiles a department defines

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 10:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from muster.core.db import UTCDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_profiles",
        sa.Column("department_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("targets", sa.JSON(), nullable=False),
        sa.Column("ems_categories", sa.JSON(), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_report_profiles_department_id_departments"),
        ),
        sa.PrimaryKeyConstraint(
            "department_id", "name", name=op.f("pk_report_profiles")
        ),
    )


def downgrade() -> None:
    op.drop_table("report_profiles")
