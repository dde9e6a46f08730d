"""The login lookup that every page runs, sent straight through the database driver.

SQLAlchemy's execution of one statement costs more than the statement itself: it asks the driver
for the result's description, which psycopg builds anew as one object per column (the login
lookup has about fifty), and runs its result machinery around the row. For the one lookup each
page makes, that was about 15% of a whole page. Here the statement is compiled by SQLAlchemy once
per dialect, run on the driver's cursor of the same connection (so in the same transaction or
autocommit), and each value goes through its column type's own result processor, as SQLAlchemy
would do (SQLite's dates and booleans, UTCDateTime). The two drivers Loket runs on are served:
sqlite3 (qmark parameters) and psycopg (pyformat).
"""
import re
from dataclasses import dataclass

from sqlalchemy import Select

_POSTCOMPILE = re.compile(r"__\[POSTCOMPILE_(\w+)\]")


@dataclass(frozen=True)
class _Compiled:
    sql: str
    positional_names: tuple | None  # for qmark drivers (sqlite3): the order of the values
    fixed: dict  # values the statement carries itself (literals SQLAlchemy renders at execution)
    processors: tuple  # per column: the type's result processor, or None


class DriverQuery:
    """One statement, compiled per dialect; `one_or_none(connection, **values)` runs it."""

    def __init__(self, statement: Select):
        self.statement = statement
        self._compiled: dict[str, _Compiled] = {}

    def one_or_none(self, connection, **values) -> tuple | None:
        compiled = self._compiled.get(connection.dialect.name) or self._compile(connection.dialect)
        values = {**compiled.fixed, **values}
        if compiled.positional_names is not None:
            values = tuple(values[name] for name in compiled.positional_names)
        cursor = connection.connection.cursor()
        try:
            # SQLAlchemy's own "execute on this cursor" for dialects: its events, echo and error
            # handling (a lost connection is invalidated), without building a result
            connection._cursor_execute(cursor, compiled.sql, values)
            row = cursor.fetchone()
        finally:
            cursor.close()
        if row is None:
            return None
        return tuple(value if process is None or value is None else process(value)
                     for process, value in zip(compiled.processors, row))

    def _compile(self, dialect) -> _Compiled:
        compiled = self.statement.compile(dialect=dialect)
        # a literal that SQLAlchemy would render into the SQL at execution becomes a parameter
        if compiled.positional:
            names = tuple(compiled.positiontup)
            sql = _POSTCOMPILE.sub("?", compiled.string)
        else:
            sql = _POSTCOMPILE.sub(lambda match: f"%({match.group(1)})s", compiled.string)
            names = None
        used = set(names or re.findall(r"%\((\w+)\)s", sql))
        fixed = {name: bind.value for name, bind in compiled.binds.items() if name in used and not bind.required}
        processors = tuple(column.type.dialect_impl(dialect).result_processor(dialect, None)
                           for column in self.statement.selected_columns)
        self._compiled[dialect.name] = _Compiled(sql, names, fixed, processors)
        return self._compiled[dialect.name]
