"""Alembic environment: uses the connection handed over by the runner, or the URL."""

import asyncio

from alembic import context
from sqlalchemy import Connection

from muster.core.db import create_engine
from muster.core.settings import Settings
from muster.models import Base

target_metadata = Base.metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_with_own_engine() -> None:
    url = context.config.get_main_option("sqlalchemy.url") or Settings().database_url
    engine = create_engine(Settings(database_url=url))
    async with engine.begin() as connection:
        await connection.run_sync(_configure)
    await engine.dispose()


connection = context.config.attributes.get("connection")
if connection is not None:
    _configure(connection)
else:
    asyncio.run(_run_with_own_engine())
