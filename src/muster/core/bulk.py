"""One statement run for many rows at the driver level, for write-heavy paths.

SQLAlchemy's executemany builds and processes a parameter dictionary per row;
at thousands of rows a second that bookkeeping costs more than the database
does. A ``BulkStatement`` compiles a Core statement once per dialect and hands
the driver plain tuples, each value passed through its type's bind processor,
so both databases see exactly what SQLAlchemy would have sent.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from sqlalchemy import CursorResult, Insert, Update
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession


def _one(name: str) -> Callable[[Mapping[str, Any]], tuple[Any]]:
    return lambda values: (values[name],)


@dataclass(frozen=True, slots=True)
class _Compiled:
    """The SQL, how to pick a row's values in order, and which need processing."""

    sql: str
    pick: Callable[[Mapping[str, Any]], Sequence[Any]]
    processors: tuple[tuple[int, Callable[[Any], Any]], ...]

    def row(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        picked = self.pick(values)
        if not self.processors:
            return tuple(picked)
        out = list(picked)
        for index, process in self.processors:
            out[index] = process(out[index])
        return tuple(out)


class BulkStatement:
    """An INSERT or UPDATE of named bind parameters, compiled once per dialect.

    ``keys`` names the columns an INSERT sets (every row must give them all);
    an UPDATE takes its parameters from its ``bindparam``s, and writes any
    constant as a ``literal_column``.
    """

    def __init__(self, statement: Insert | Update, keys: Sequence[str] = ()) -> None:
        self._statement = statement
        self._keys = list(keys)
        self._compiled: dict[str, _Compiled] = {}

    def _for(self, dialect: Dialect) -> _Compiled:
        found = self._compiled.get(dialect.name)
        if found is not None:
            return found
        compiled = self._statement.compile(
            dialect=dialect, column_keys=self._keys or None
        )
        if not compiled.positional or compiled.positiontup is None:
            raise NotImplementedError(f"{dialect.name} does not take positions")
        names = tuple(compiled.positiontup)
        binds = [compiled.binds[name] for name in names]
        if any(not b.required for b in binds):
            raise ValueError("give literals as literal_column, not bound values")
        pick = itemgetter(*names) if len(names) > 1 else _one(names[0])
        processors = tuple(
            (index, process)
            for index, b in enumerate(binds)
            if (process := b.type.dialect_impl(dialect).bind_processor(dialect))
        )
        found = _Compiled(compiled.string, pick, processors)
        self._compiled[dialect.name] = found
        return found

    async def execute(
        self, session: AsyncSession, rows: Sequence[Mapping[str, Any]]
    ) -> None:
        """Run the statement once per row in the session's transaction."""
        if not rows:
            return
        connection = await session.connection()
        compiled = self._for(connection.dialect)
        params = [compiled.row(row) for row in rows]
        result = await connection.exec_driver_sql(compiled.sql, params)
        if isinstance(result, CursorResult):
            result.close()
