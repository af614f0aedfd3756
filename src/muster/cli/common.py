"""What every command shares: settings, a database transaction, error reporting."""

import asyncio
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from muster.core.db import create_engine, create_sessionmaker, snapshot, transaction
from muster.core.errors import MusterError
from muster.core.logging import configure_logging
from muster.core.settings import Settings
from muster.events.schemas import Actor

T = TypeVar("T")

CLI_ACTOR = Actor(name="muster cli")


def load_settings() -> Settings:
    settings = Settings()
    configure_logging(settings)
    return settings


@asynccontextmanager
async def database_session(settings: Settings) -> AsyncIterator[AsyncSession]:
    """One transaction on a short-lived engine: commits on success."""
    engine = create_engine(settings)
    try:
        async with transaction(create_sessionmaker(engine)) as session:
            yield session
    finally:
        await engine.dispose()


@asynccontextmanager
async def snapshot_session(settings: Settings) -> AsyncIterator[AsyncSession]:
    """A read-only snapshot of the database on a short-lived engine."""
    engine = create_engine(settings)
    try:
        async with snapshot(create_sessionmaker(engine)) as session:
            yield session
    finally:
        await engine.dispose()


def run(work: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine; a Muster error becomes a message on stderr and exit code 1."""
    try:
        return asyncio.run(work())  # type: ignore[arg-type]
    except MusterError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        raise typer.Exit(code=1) from exc
