"""Scratch PostgreSQL databases for benchmarks, dropped when they are done."""

import secrets
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from sqlalchemy.engine import URL, make_url

from muster.core.settings import to_async_url


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def server_url(given: str) -> URL:
    """The PostgreSQL URL with the asyncpg driver; refuses anything else."""
    url = make_url(to_async_url(given))
    if url.get_backend_name() != "postgresql":
        raise SystemExit(f"MUSTER_DATABASE_URL must name PostgreSQL, not {given!r}")
    return url


async def admin_execute(admin: URL, statement: str) -> None:
    connection = await asyncpg.connect(
        host=admin.host,
        port=admin.port or 5432,
        user=admin.username,
        password=admin.password,
        database=admin.database,
    )
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@asynccontextmanager
async def scratch_database(admin: URL, prefix: str) -> AsyncIterator[URL]:
    """A new database beside ``admin``'s, dropped (even if in use) on exit."""
    name = f"muster_bench_{prefix}_{secrets.token_hex(5)}"
    await admin_execute(admin, f'CREATE DATABASE "{name}"')
    log(f"created database {name}")
    try:
        yield admin.set(database=name)
    finally:
        await admin_execute(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        log(f"dropped database {name}")
