"""Test set-up: real databases built by migrating, one app per test, clean tables.

The suite runs on SQLite always and also on PostgreSQL when
``MUSTER_TEST_DATABASE_URL`` names a server (CI sets it). Each backend gets a
fresh database, migrated once per session; tables are emptied after every
test, because API tests commit for real and race tests need several
connections at once (so a rolled-back outer transaction can't hold them).
"""

import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import delete, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from muster.core import clock
from muster.core.db import create_engine, create_sessionmaker
from muster.core.settings import Environment, Settings, to_async_url
from muster.dispatch.registry import REGISTRY
from muster.migrations.runner import upgrade
from muster.models import Base
from muster.web.app import create_app


@dataclass(frozen=True)
class Database:
    kind: str
    url: str


def _backends() -> list[str]:
    return (
        ["sqlite", "postgresql"]
        if os.environ.get("MUSTER_TEST_DATABASE_URL")
        else ["sqlite"]
    )


def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Behaviour only PostgreSQL shows is deselected (not skipped) without it."""
    keep, drop = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        backend = callspec.params.get("database") if callspec else None
        if item.get_closest_marker("postgres_only") and backend != "postgresql":
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


async def _create_pg_database(admin_url: str) -> str:
    url = make_url(to_async_url(admin_url))
    name = f"muster_test_{uuid.uuid4().hex[:10]}"
    connection = await asyncpg.connect(
        host=url.host,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        database=url.database,
    )
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return url.set(database=name).render_as_string(hide_password=False)


async def _drop_pg_database(test_url: str) -> None:
    url = make_url(test_url)
    admin = make_url(to_async_url(os.environ["MUSTER_TEST_DATABASE_URL"]))
    connection = await asyncpg.connect(
        host=admin.host,
        port=admin.port or 5432,
        user=admin.username,
        password=admin.password,
        database=admin.database,
    )
    try:
        await connection.execute(
            f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'
        )
    finally:
        await connection.close()


async def create_database(
    kind: str, tmp_path_factory: pytest.TempPathFactory
) -> Database:
    """A fresh, migrated database of ``kind`` (``sqlite`` or ``postgresql``)."""
    if kind == "sqlite":
        path = Path(tmp_path_factory.mktemp("db")) / "muster.db"
        url = f"sqlite+aiosqlite:///{path}"
    else:
        url = await _create_pg_database(os.environ["MUSTER_TEST_DATABASE_URL"])
    engine = create_engine(Settings(database_url=url))
    await upgrade(engine)
    await engine.dispose()
    return Database(kind=kind, url=url)


async def drop_database(database: Database) -> None:
    if database.kind == "postgresql":
        await _drop_pg_database(database.url)


@pytest.fixture(scope="session", params=_backends())
async def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Database]:
    created = await create_database(request.param, tmp_path_factory)
    yield created
    await drop_database(created)


@pytest.fixture(scope="session", params=_backends())
async def target_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Database]:
    """A second database, for moving data from one instance to another."""
    created = await create_database(request.param, tmp_path_factory)
    yield created
    await drop_database(created)


@pytest.fixture
async def target_sessions(
    target_database: Database,
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(Settings(database_url=target_database.url))
    yield create_sessionmaker(engine)
    await empty_tables(engine)
    await engine.dispose()


@pytest.fixture
def settings(database: Database) -> Settings:
    return Settings(
        database_url=database.url,
        env=Environment.TEST,
        login_attempts=5,
        db_pool_size=30,
        run_jobs=False,
    )


async def empty_tables(engine: AsyncEngine) -> None:
    tables = list(reversed(Base.metadata.sorted_tables))
    async with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            await connection.execute(text(f"TRUNCATE {names} CASCADE"))
        else:
            for table in tables:
                await connection.execute(delete(table))


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    yield application
    # Tables are emptied below and tests may move the clock: start indexes afresh.
    REGISTRY.invalidate()
    await empty_tables(application.state.engine)
    await application.state.engine.dispose()


@pytest.fixture
def sessions(app: FastAPI) -> async_sessionmaker[AsyncSession]:
    maker: async_sessionmaker[AsyncSession] = app.state.sessions
    return maker


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://muster.test"
    ) as c:
        yield c


@pytest.fixture
def engine_for(settings: Settings) -> AsyncEngine:
    return create_engine(settings)


__all__ = ["Database", "create_sessionmaker"]


@pytest.fixture
def frozen() -> Iterator[Callable[[float], None]]:
    """Stop the clock now; ``frozen(s)`` sets it ``s`` seconds after that."""
    start = clock.now()
    moment = {"now": start}
    clock.set_clock(lambda: moment["now"])

    def advance(seconds: float) -> None:
        moment["now"] = start + timedelta(seconds=seconds)

    yield advance
    clock.set_clock(None)
