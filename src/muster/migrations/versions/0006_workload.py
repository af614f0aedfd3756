"""workload: unit type cost rates, strain thresholds and versions; cleared index

Per unit type: fuel and wear cost per kilometre, cost per committed hour, the
fewest available units before staffing is strained, and a version for
optimistic concurrency. Assignments are indexed by the time they were cleared.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 10:12:40.512230
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_RATES = ("fuel_cost_per_km", "wear_cost_per_km", "cost_per_hour")


def upgrade() -> None:
    # Plain ADD COLUMNs with defaults: existing types cost nothing and are not
    # watched for strain until the department says otherwise.
    for name in _RATES:
        op.add_column(
            "unit_types",
            sa.Column(name, sa.Float(), server_default=sa.text("0"), nullable=False),
        )
    op.add_column(
        "unit_types",
        sa.Column(
            "min_available", sa.Integer(), server_default=sa.text("0"), nullable=False
        ),
    )
    op.add_column(
        "unit_types",
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
    )
    op.create_index("ix_assignments_cleared", "assignments", ["cleared_at"])


def downgrade() -> None:
    op.drop_index("ix_assignments_cleared", table_name="assignments")
    with op.batch_alter_table("unit_types") as batch:
        batch.drop_column("version")
        batch.drop_column("min_available")
        for name in reversed(_RATES):
            batch.drop_column(name)
