"""Bulk work shared by the imports and the daily run: import files and chunked lists."""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import io
import itertools
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from hostctl.core.validate import CELL_MAX, FIELD_MAX, text_problem
from hostctl.errors import ImportFileError
from hostctl.i18n import _, ngettext

T = TypeVar("T")


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """``items`` in consecutive slices of at most ``size`` (bounded IN lists and inserts)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` (any iterable, read lazily) in lists of at most ``size``."""
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


# --------------------------------------------------------------------------- import files
IMPORT_BATCH = 5000  # rows of an import file read, checked and written at a time
MAX_REPORTED = 50  # bad rows listed in full in the refusal of an import file
SAMPLE_BYTES = 64 * 1024  # the start of a file, looked at for binary content
# Bytes that a text CSV never holds: the C0 controls but tab, LF, FF, CR and Ctrl-Z (the
# end-of-file mark of old DOS tools). Images, archives (an .xlsx is a zip), PDFs and
# UTF-16 text all have some in their first bytes.
_BINARY = re.compile(rb"[\x00-\x08\x0b\x0e-\x19\x1b-\x1f]")


def count_text(number: int) -> str:
    """``1234`` as ``1 234``: counts in the messages of an import."""
    return f"{number:,}".replace(",", " ")


class BadRows:
    """The bad rows of an import file as ``line N, column C: why``: the first
    ``MAX_REPORTED`` of them by line kept in full, the rest only counted, so that the
    refusal of a file whose every row is bad stays short (and so does the memory)."""

    def __init__(self, name: str, limit: int = MAX_REPORTED) -> None:
        self.name = name
        self.limit = limit
        self.count = 0
        self._kept: list[tuple[int, str]] = []  # (line, message), sorted by line

    def __bool__(self) -> bool:
        return self.count > 0

    def add(self, line: int, column: str | int, why: str) -> None:
        self.count += 1
        kept = self._kept
        if len(kept) >= self.limit:
            if line >= kept[-1][0]:
                return
            kept.pop()
        bisect.insort(kept, (line, f"line {line}, column {column}: {why}"), key=lambda k: k[0])

    def check(self) -> None:
        """Refuse the file (``ImportFileError``) if a row was bad."""
        if not self.count:
            return
        details = [message for _, message in self._kept]
        rest = self.count - len(details)
        if rest:
            details.append(
                ngettext(
                    "… and {count} more bad row.", "… and {count} more bad rows.", rest
                ).format(count=count_text(rest))
            )
        raise ImportFileError(
            ngettext(
                "{file} was not imported: {count} bad row(s).",
                "{file} was not imported: {count} bad row(s).",
                self.count,
            ).format(file=self.name, count=count_text(self.count)),
            details=details,
        )


def read_csv(
    path: Path, columns: tuple[str, ...], required: tuple[str, ...], bad: BadRows
) -> Iterator[tuple[int, dict[str, str]]]:
    """The rows of an import file, read one at a time, as (line number, row).

    The file is a CSV in UTF-8 (a BOM is allowed) with a header naming ``columns``,
    separated by commas, or by ';' as Excel saves it where the decimal mark is a comma
    (told by the header: one field holding ';' between column names). A file that cannot
    be one is refused in one sentence (``ImportFileError``): empty, binary, not UTF-8,
    unknown or missing columns. A row with more values than the header goes to ``bad``
    and is not given. A generator: nothing is read before the first row is asked for."""
    from hostctl.core import reading

    name = reading.shown_name(path)
    handle = reading.open_bytes(path, reading.IMPORT_BYTES)  # a FIFO, a device: refused
    with handle:
        if _BINARY.search(handle.read(SAMPLE_BYTES)):
            raise ImportFileError(
                _(
                    "{file} is not a text CSV file; save the data from the spreadsheet as "
                    '"CSV UTF-8" and import that.'
                ).format(file=name)
            )
        handle.seek(0)
        text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
        try:
            yield from _rows(name, text, columns, required, bad)
        except UnicodeDecodeError:
            raise ImportFileError(
                _(
                    '{file} is not in UTF-8 (see line {line}); save it as "CSV UTF-8" and '
                    "import it again."
                ).format(file=name, line=_first_not_utf8(handle))
            ) from None


def _rows(
    name: str,
    text: io.TextIOWrapper,
    columns: tuple[str, ...],
    required: tuple[str, ...],
    bad: BadRows,
) -> Iterator[tuple[int, dict[str, str]]]:
    # The header: the first line that is not blank, as csv.DictReader finds it.
    skipped = 0
    header_line = ""
    for header_line in text:
        skipped += 1
        if header_line.strip():
            break
    else:
        raise ImportFileError(
            _("{file} is empty; its first line must name the columns: {columns}.").format(
                file=name, columns=",".join(columns)
            )
        )
    separator = ","
    header = _fields(header_line, separator)
    if len(header) == 1 and ";" in header_line:  # Excel where the decimal mark is a comma
        separator = ";"
        header = _fields(header_line, separator)
    unknown = [h for h in header if h not in columns]
    if unknown:
        raise ImportFileError(
            _("{file} has unknown column {unknown!r}; the columns are {columns}.").format(
                file=name, unknown=unknown[0], columns=",".join(columns)
            )
        )
    missing = [c for c in required if c not in header]
    if missing:
        raise ImportFileError(
            _("{file} lacks the required column {missing!r}.").format(file=name, missing=missing[0])
        )
    # csv.reader rather than DictReader (a third of the time on a large file), with
    # DictReader's meaning: blank lines skipped, missing values empty, the last of two
    # same-named columns wins, values beyond the header are "extra".
    reader = csv.reader(text, delimiter=separator)
    width = len(header)
    named = [(i, k) for i, k in enumerate(header) if k]
    try:
        for row in reader:
            if not row:
                continue
            line = skipped + reader.line_num
            size = len(row)
            if size > width and any(v.strip() for v in row[width:]):
                bad.add(
                    line,
                    width + 1,
                    _("more values than the {width} columns of the header.").format(width=width),
                )
                continue
            values = {k: row[i].strip() if i < size else "" for i, k in named}
            problem = next(
                (
                    (k, why)
                    for k, v in values.items()
                    if v and (why := text_problem(v, FIELD_MAX.get(k, CELL_MAX)))
                ),
                None,
            )
            if problem is not None:  # a control character, a direction override, too long
                bad.add(line, problem[0], _("the value {problem}.").format(problem=problem[1]))
                continue
            yield line, values
    except csv.Error as exc:
        raise ImportFileError(
            _("{file} cannot be read as CSV at line {line}: {exc}.").format(
                file=name, line=skipped + reader.line_num, exc=exc
            )
        ) from None


def _fields(line: str, separator: str) -> list[str]:
    return [field.strip() for field in next(csv.reader([line], delimiter=separator))]


def _first_not_utf8(handle: Any) -> int:
    """The number of the first line of the file ``handle`` reads that is not UTF-8 (the
    error path only)."""
    handle.seek(0)
    for number, raw in enumerate(handle, 1):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            return number
    return 0  # pragma: no cover - the caller met such a line


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
    from hostctl.models.base import money_checked

    session.flush()  # what the session holds goes first: rows keep the order of the calls
    conn = session.connection()
    rows = money_checked(table, columns, rows)  # no amount beyond 64 bits reaches the driver
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


def update_rows(
    session: Any, table: Any, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """``UPDATE table SET column = value, … WHERE id = ?`` for each row — ``(id, value …)``
    in ``columns`` order, values converted here with ``db_value`` — in one ``executemany``
    straight to the driver, like ``insert_rows``: each row its own values (``update_ids``
    sets the same values on many rows)."""
    session.flush()
    conn = session.connection()
    convert = db_value(session)
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = f"UPDATE {table.name} SET {', '.join(f'{c} = {mark}' for c in columns)} WHERE id = {mark}"
    for batch in batched(((*(convert(v) for v in row[1:]), row[0]) for row in rows), INSERT_CHUNK):
        conn.exec_driver_sql(sql, batch)


def reserve_ids(session: Any, table: Any, count: int) -> list[int]:
    """Ids for ``count`` rows of ``table`` that this transaction will insert with their ids
    given (``insert_rows``), for rows whose ids are needed before they are written and that
    have no other key to read them back by. PostgreSQL draws them from the table's sequence
    (another transaction draws others); SQLite's writers take turns (``BEGIN IMMEDIATE``),
    so the ids after the largest one are this transaction's. (``INSERT … RETURNING`` in the
    order of the rows would be one statement per row on SQLite.)"""
    if count <= 0:
        return []
    session.flush()
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        return list(
            conn.exec_driver_sql(
                f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id')) "
                "FROM generate_series(1, %s)",
                (count,),
            ).scalars()
        )
    start = int(conn.exec_driver_sql(f"SELECT coalesce(max(id), 0) FROM {table.name}").scalar())
    return list(range(start + 1, start + 1 + count))


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
