"""Portable SQL for time arithmetic: one expression, compiled per database.

PostgreSQL has ``date_part`` and ``floor``; SQLite (stored naive UTC text,
no math functions guaranteed) uses ``julianday`` rounded to the millisecond
and integer casts, which truncate, so the SQLite forms of ``ceil`` and
``floor`` take non-negative values only, the only ones reports feed them.
"""

from typing import Any

from sqlalchemy import BigInteger, Float
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import FunctionElement

_UNIX_EPOCH_JULIAN = 2440587.5


class seconds_between(FunctionElement[float]):  # noqa: N801 - reads as SQL
    """Seconds from the first timestamp to the second (NULL if either is)."""

    type = Float()
    inherit_cache = True


class epoch_seconds(FunctionElement[float]):  # noqa: N801 - reads as SQL
    """Seconds since 1970-01-01 UTC."""

    type = Float()
    inherit_cache = True


class ceil_int(FunctionElement[int]):  # noqa: N801 - reads as SQL
    """The smallest whole number not below a non-negative value."""

    type = BigInteger()
    inherit_cache = True


class floor_int(FunctionElement[int]):  # noqa: N801 - reads as SQL
    """The largest whole number not above a non-negative value."""

    type = BigInteger()
    inherit_cache = True


def _args(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> list[str]:
    return [compiler.process(arg, **kw) for arg in element.clauses]


@compiles(seconds_between)
def _seconds_between(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = _args(element, compiler, **kw)
    return f"date_part('epoch', {end} - {start})"


@compiles(seconds_between, "sqlite")
def _seconds_between_sqlite(
    element: seconds_between, compiler: SQLCompiler, **kw: Any
) -> str:
    start, end = _args(element, compiler, **kw)
    return f"round((julianday({end}) - julianday({start})) * 86400.0, 3)"


@compiles(epoch_seconds)
def _epoch(element: epoch_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    (value,) = _args(element, compiler, **kw)
    return f"date_part('epoch', {value})"


@compiles(epoch_seconds, "sqlite")
def _epoch_sqlite(element: epoch_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    (value,) = _args(element, compiler, **kw)
    return f"round((julianday({value}) - {_UNIX_EPOCH_JULIAN}) * 86400.0, 3)"


@compiles(ceil_int)
def _ceil(element: ceil_int, compiler: SQLCompiler, **kw: Any) -> str:
    (value,) = _args(element, compiler, **kw)
    return f"CAST(ceil({value}) AS BIGINT)"


@compiles(ceil_int, "sqlite")
def _ceil_sqlite(element: ceil_int, compiler: SQLCompiler, **kw: Any) -> str:
    (value,) = _args(element, compiler, **kw)
    return f"(CAST({value} AS INTEGER) + (({value}) > CAST({value} AS INTEGER)))"


@compiles(floor_int)
def _floor(element: floor_int, compiler: SQLCompiler, **kw: Any) -> str:
    (value,) = _args(element, compiler, **kw)
    return f"CAST(floor({value}) AS BIGINT)"


@compiles(floor_int, "sqlite")
def _floor_sqlite(element: floor_int, compiler: SQLCompiler, **kw: Any) -> str:
    (value,) = _args(element, compiler, **kw)
    return f"CAST({value} AS INTEGER)"
