"""reporting: an incident's station area and its reference in a source system

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 19:34:33.238987
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _add_station_column() -> None:
    # A plain ADD COLUMN, so existing incidents are not copied into a rebuilt
    # table; SQLite takes the reference only inline, which Alembic can't emit.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE incidents ADD COLUMN station_id VARCHAR(36)"
            " CONSTRAINT fk_incidents_station_id_stations REFERENCES stations (id)"
        )
        return
    op.add_column(
        "incidents",
        sa.Column(
            "station_id",
            sa.String(length=36),
            sa.ForeignKey("stations.id", name="fk_incidents_station_id_stations"),
            nullable=True,
        ),
    )


def upgrade() -> None:
    _add_station_column()
    op.add_column(
        "incidents", sa.Column("external_ref", sa.String(length=64), nullable=True)
    )
    op.create_index(
        "uq_incidents_department_external_ref",
        "incidents",
        ["department_id", "external_ref"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("uq_incidents_department_external_ref", table_name="incidents")
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("external_ref")
        batch.drop_column("station_id")
