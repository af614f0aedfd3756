"""The migrations build the schema the models describe, both ways, on each database."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from muster.core.db import create_engine
from muster.core.settings import Settings
from muster.migrations.runner import alembic_config, head_revision, upgrade
from muster.models import Base


def _diff(connection):
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, Base.metadata)


async def test_migrated_schema_matches_models(database):
    engine = create_engine(Settings(database_url=database.url))
    try:
        async with engine.connect() as connection:
            diff = await connection.run_sync(_diff)
    finally:
        await engine.dispose()

    assert diff == []


def _downgrade_to_base(connection):
    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, "base")


def _tables(connection):
    return set(inspect(connection).get_table_names())


async def test_downgrade_then_upgrade_round_trips(tmp_path):
    engine = create_engine(Settings(database_url=f"sqlite:///{tmp_path}/round.db"))
    try:
        await upgrade(engine)
        async with engine.begin() as connection:
            await connection.run_sync(_downgrade_to_base)
        async with engine.connect() as connection:
            emptied = await connection.run_sync(_tables)
        await upgrade(engine)
        async with engine.connect() as connection:
            rebuilt = await connection.run_sync(_tables)
    finally:
        await engine.dispose()

    assert emptied <= {"alembic_version"}
    assert {t.name for t in Base.metadata.sorted_tables} <= rebuilt
    assert head_revision() == "0006"
