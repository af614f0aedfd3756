"""Database engine, sessions, the declarative base and shared column types.

One code path serves SQLite and PostgreSQL. On SQLite every transaction starts
with ``BEGIN IMMEDIATE``: writers queue on the database lock instead of failing
half-way with a lock upgrade error, which is what a small single-file
deployment needs. PostgreSQL relies on row locks taken by the services.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

from sqlalchemy import JSON, DateTime, MetaData, String, TypeDecorator, event
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, mapped_column

from muster.core.ids import new_id
from muster.core.settings import Settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both databases (SQLite stores naive UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]
        return value.astimezone(UTC)  # type: ignore[no-any-return]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[str]: JSON(),
        list[Any]: JSON(),
    }


_SNAPSHOT_OPTION = "muster_snapshot"

IdPk = Annotated[str, mapped_column(String(36), primary_key=True, default=new_id)]
IdRef = Annotated[str, mapped_column(String(36))]


def create_engine(settings: Settings, **options: Any) -> AsyncEngine:
    """Build the async engine for ``settings.database_url``."""
    url = settings.async_database_url
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30}, **options)
        _configure_sqlite(engine)
        return engine
    options.setdefault("pool_size", settings.db_pool_size)
    options.setdefault("max_overflow", settings.db_pool_size)
    # A ping costs a round trip per request; recycling connections covers
    # servers that drop idle ones, and the ping is there for flakier networks.
    options.setdefault("pool_pre_ping", settings.db_pool_pre_ping)
    options.setdefault("pool_recycle", settings.db_pool_recycle_s)
    return create_async_engine(url, **options)


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            "PRAGMA journal_mode=WAL",
            "PRAGMA synchronous=NORMAL",
            "PRAGMA foreign_keys=ON",
            "PRAGMA busy_timeout=30000",
        ):
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A snapshot only reads: a deferred BEGIN lets writers go on (WAL mode)
        # while it sees the database as of its first read.
        if connection.get_execution_options().get(_SNAPSHOT_OPTION):
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_sessionmaker(
    engine: AsyncEngine, **options: Any
) -> async_sessionmaker[AsyncSession]:
    """Sessions on ``engine``; ``options`` go to SQLAlchemy (``info``, classes)."""
    return async_sessionmaker(
        engine, expire_on_commit=False, autoflush=False, **options
    )


@asynccontextmanager
async def transaction(
    sessions: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """A session whose work commits on success and rolls back on any error.

    For the CLI and jobs; web requests get theirs from the transaction middleware.
    """
    async with sessions() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        await session.commit()


@asynccontextmanager
async def snapshot(
    sessions: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """A read-only session that sees one consistent state of the whole database.

    For long reads (a department export) that must not mix states and must not
    hold up writers: PostgreSQL runs it at ``REPEATABLE READ``; SQLite takes a
    deferred transaction, which in WAL mode reads one snapshot without the
    write lock every other transaction starts with. Nothing is committed.
    """
    async with sessions() as session:
        if session.get_bind().dialect.name == "sqlite":
            options: dict[str, Any] = {_SNAPSHOT_OPTION: True}
        else:
            options = {
                "isolation_level": "REPEATABLE READ",
                "postgresql_readonly": True,
            }
        await session.connection(execution_options=options)
        try:
            yield session
        finally:
            await session.rollback()
