"""Bulk work shared by the imports and the daily run: import files and chunked lists."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from hostctl.errors import ImportFileError, ValidationError

T = TypeVar("T")


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """``items`` in consecutive slices of at most ``size`` (bounded IN lists and inserts)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def read_csv(
    path: Path, columns: tuple[str, ...], required: tuple[str, ...]
) -> list[tuple[int, dict[str, str]]]:
    """Rows of a UTF-8 CSV with a header, as (line number, row). Unknown columns refuse."""
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise ValidationError(f"Cannot read {path}: {exc.strerror}.") from None
    with handle:
        # csv.reader rather than DictReader (a third of the time on a large file), with
        # DictReader's meaning: blank lines skipped, missing values empty, the last of
        # two same-named columns wins, values beyond the header are "extra".
        reader = csv.reader(handle)
        header = [h.strip() for h in (next(reader, None) or [])]
        unknown = [h for h in header if h not in columns]
        if unknown:
            raise ImportFileError(
                f"{path.name} has unknown column {unknown[0]!r}; the columns are "
                f"{','.join(columns)}."
            )
        missing = [c for c in required if c not in header]
        if missing:
            raise ImportFileError(f"{path.name} lacks the required column {missing[0]!r}.")
        width = len(header)
        named = [(i, k) for i, k in enumerate(header) if k]
        rows: list[tuple[int, dict[str, str]]] = []
        extra: list[str] = []
        try:
            for row in reader:
                if not row:
                    continue
                size = len(row)
                if size > width and any(v.strip() for v in row[width:]):
                    extra.append(
                        f"line {reader.line_num}, column {len(header) + 1}: more values than "
                        f"the {len(header)} columns of the header."
                    )
                if size >= width:
                    values = {k: row[i].strip() for i, k in named}
                else:
                    values = {k: row[i].strip() if i < size else "" for i, k in named}
                rows.append((reader.line_num, values))
        except (UnicodeDecodeError, csv.Error) as exc:
            raise ImportFileError(f"{path.name} is not a UTF-8 CSV file: {exc}.") from None
        if extra:
            raise ImportFileError(
                f"{path.name} was not imported: {len(extra)} bad row(s).", details=extra
            )
        return rows


# --------------------------------------------------------------------------- fast writes
INSERT_CHUNK = 5000  # rows per executemany: memory stays flat however many rows come
UPDATE_CHUNK = 2000  # ids per UPDATE statement

# The JSON text stored in the alert payload and audit ``changes`` columns (sorted keys,
# Spanish text unescaped), one encoder for every bulk row.
dumps = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode


def db_value(session: Any) -> Callable[[Any], Any]:
    """The converter of a constant (a date, an aware datetime, a bool) into what the driver
    of ``session`` stores for it: what SQLAlchemy's column types would bind. ``insert_rows``
    skips that per-row processing, so the values it is given must be converted already."""
    if session.get_bind().dialect.name != "sqlite":
        return lambda value: value  # psycopg adapts dates, aware datetimes and bools itself

    def convert(value: Any) -> Any:
        if isinstance(value, dt.datetime):  # UTCDateTime: UTC, naive, SQLAlchemy's format
            if value.tzinfo is None:
                raise ValueError("naive datetime given to a UTC column")
            return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, bool):
            return int(value)
        return value

    return convert


def insert_rows(
    session: Any, table: Any, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """``INSERT INTO table (columns)`` every row, straight to the driver (``executemany``
    on SQLite, ``COPY`` on PostgreSQL): the bulk writes of ``daily`` and the imports
    without SQLAlchemy's per-row parameter processing, several times faster. Each row is a
    tuple of values in ``columns`` order, already converted by ``db_value``. Returns the
    number of rows written."""
    session.flush()  # what the session holds goes first: rows keep the order of the calls
    conn = session.connection()
    if conn.dialect.driver == "psycopg":
        return _copy_rows(conn, table, columns, rows)
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO {table.name} ({', '.join(columns)}) "
        f"VALUES ({', '.join([mark] * len(columns))})"
    )
    written = 0
    batch: list[Sequence[Any]] = []
    for row in rows:
        batch.append(tuple(row))
        if len(batch) >= INSERT_CHUNK:
            conn.exec_driver_sql(sql, batch)
            written += len(batch)
            batch = []
    if batch:
        conn.exec_driver_sql(sql, batch)
        written += len(batch)
    return written


def _copy_rows(conn: Any, table: Any, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """PostgreSQL: the rows through ``COPY … FROM STDIN`` on the session's own connection
    (so in its transaction): a stream instead of a statement per row, several times faster
    than ``executemany`` for the thousands of alert rows of a busy day."""
    raw = conn.connection.driver_connection  # the psycopg connection
    written = 0
    with (
        raw.cursor() as cursor,
        cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)
            written += 1
    return written


def update_ids(
    session: Any,
    table: Any,
    ids: Sequence[int],
    *,
    when: dict[str, Sequence[Any]] | None = None,
    **values: Any,
) -> int:
    """``UPDATE table SET column = value, … WHERE id IN (ids)``, ``UPDATE_CHUNK`` ids a
    statement, straight to the driver like ``insert_rows`` (an IN list built by SQLAlchemy
    costs it work for every id, twice). ``values`` are constants, converted here with
    ``db_value``; ``when`` adds ``AND column IN (…)`` conditions. Returns the number of rows
    updated."""
    return len(_update(session, table, ids, when, values, returning=False))


def update_ids_returning(
    session: Any,
    table: Any,
    ids: Sequence[int],
    *,
    when: dict[str, Sequence[Any]] | None = None,
    **values: Any,
) -> list[int]:
    """``update_ids`` that returns the ids it changed: with ``when`` a conditional update,
    so of two writers at the same moment only one changes a row (PostgreSQL re-checks the
    condition after the other's commit; SQLite writers are serialised)."""
    return _update(session, table, ids, when, values, returning=True)


def _update(
    session: Any,
    table: Any,
    ids: Sequence[int],
    when: dict[str, Sequence[Any]] | None,
    values: dict[str, Any],
    *,
    returning: bool,
) -> list[Any]:
    if not ids:
        return []
    session.flush()
    conn = session.connection()
    convert = db_value(session)
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    names = list(values)
    setting = ", ".join(f"{name} = {mark}" for name in names)
    constants = [convert(values[n]) for n in names]
    conditions = ""
    condition_values: list[Any] = []
    for name, allowed in (when or {}).items():
        conditions += f" AND {name} IN ({', '.join([mark] * len(allowed))})"
        condition_values += [convert(v) for v in allowed]
    tail = " RETURNING id" if returning else ""
    updated: list[Any] = []
    for chunk in chunks(ids, UPDATE_CHUNK):
        sql = (
            f"UPDATE {table.name} SET {setting} "
            f"WHERE id IN ({', '.join([mark] * len(chunk))}){conditions}{tail}"
        )
        result = conn.exec_driver_sql(sql, (*constants, *chunk, *condition_values))
        if returning:
            updated += [row[0] for row in result.fetchall()]
        else:
            updated += [None] * result.rowcount
    return updated
