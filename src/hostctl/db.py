"""Engine and sessions from a URL. Nothing happens at import time.

* ``HOSTCTL_DATABASE_URL`` selects the database (``db_url``); the default is an SQLite
  file in the user data directory, created and migrated on first use. An SQLite file named
  in the URL must exist: only ``hostctl db upgrade`` creates it.
* SQLite is shared by several agents and cron: WAL, a busy timeout, and write
  transactions that take the write lock at ``BEGIN`` (``BEGIN IMMEDIATE``), so a writer
  waits for another instead of failing half-way with "database is locked". A writer that
  waits longer than the timeout (60 s, ``HOSTCTL_SQLITE_BUSY_TIMEOUT_MS``) is told the
  database is busy (exit 75): ``lock_conflict``, which ``cli.py`` maps, as it does
  PostgreSQL's deadlocks, serialization failures and lock timeouts.
* What hostctl creates holds client data, so it is its owner's only: the default data
  folder 0700, a new SQLite file 0600 (SQLite gives its -wal and -shm files the same).
* ``unit_of_work()`` yields a session whose work is one transaction: committed when the
  block ends normally, rolled back otherwise.
* ``scratch_copy()``: a throw-away copy of the database for ``daily --dry-run``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hostctl.db_url import (
    SQLITE_BUSY_TIMEOUT_MS,
    causes,
    configured_url,
    database_url,
    private_folder,
    shown_url,
)
from hostctl.errors import BusyError, HostctlError, ValidationError
from hostctl.i18n import N_, _, localize

if TYPE_CHECKING:
    from sqlalchemy.engine import URL, Connection, Engine
    from sqlmodel import Session

# Keyed by SQLAlchemy's URL, whose repr and str hide the password (a traceback's locals
# with HOSTCTL_DEBUG show the keys and every frame's url, never the password).
_engines: dict[URL, Engine] = {}
_ready: set[URL] = set()
_lock = threading.Lock()


def _private_file(path: Path) -> None:
    """Create an empty database file for its owner only (SQLite would make it 0644) if it
    is missing; SQLite gives the -wal and -shm files the database file's permissions."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    try:
        os.fchmod(fd, 0o600)  # whatever the umask
    finally:
        os.close(fd)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def sqlite_busy_timeout_ms() -> int:
    """How long an SQLite writer waits for another's write lock before giving up."""
    raw = os.environ.get("HOSTCTL_SQLITE_BUSY_TIMEOUT_MS", "").strip()
    if not raw:
        return SQLITE_BUSY_TIMEOUT_MS
    if not raw.isdigit():
        raise ValidationError(
            _(
                "HOSTCTL_SQLITE_BUSY_TIMEOUT_MS is {raw!r}; set it to a whole number of "
                "milliseconds, e.g. 60000."
            ).format(raw=raw)
        )
    return int(raw)


# PostgreSQL's "try again" errors, by SQLSTATE.
_PG_LOCK_CONFLICTS = {
    "40001": N_("a concurrent change"),
    "40P01": N_("a deadlock"),
    "55P03": N_("a lock timeout"),
}
_SQLITE_BUSY, _SQLITE_LOCKED = 5, 6


def lock_conflict(exc: BaseException) -> BusyError | None:
    """A database error that only means "another process holds what this one needs",
    as a busy error (exit 75) in one sentence; None for any other exception."""
    for seen in causes(exc):
        orig = getattr(seen, "orig", seen)
        sqlite_code = getattr(orig, "sqlite_errorcode", None)
        if sqlite_code is not None and (sqlite_code & 0xFF) in (_SQLITE_BUSY, _SQLITE_LOCKED):
            waited = f"{sqlite_busy_timeout_ms() / 1000:g}"
            return BusyError(
                _(
                    "The database is busy: another process has held its write lock for more "
                    "than {waited} s; try again."
                ).format(waited=waited)
            )
        why = _PG_LOCK_CONFLICTS.get(getattr(orig, "sqlstate", None) or "")
        if why:
            return BusyError(
                _(
                    "The database is busy: another process holds a lock this command needs "
                    "({why}); try again."
                ).format(why=localize(why))
            )
    return None


def refusal_inside(exc: BaseException) -> HostctlError | None:
    """A refusal raised where SQLAlchemy wraps what it catches (a money column's bound,
    checked as a value is bound to a statement: ``models.types.MinorUnits``), unwrapped so
    that it is shown as the one sentence it is; None for any other exception."""
    for seen in causes(exc):
        orig = getattr(seen, "orig", None)
        if isinstance(orig, HostctlError):
            return orig
    return None


def make_engine(url: str | URL, *, create: bool = False) -> Engine:
    """A new engine for ``url``, not migrated and not kept (``hostctl db``, which migrates or
    reports the schema itself); everything else uses ``get_engine``.

    An SQLite file that does not exist is created only with ``create`` (the default
    database, ``hostctl db upgrade``); otherwise it is refused: a mistyped path must not
    become a new, empty database that answers "No clients."."""
    from sqlalchemy import event

    url = _parse_url(url)  # from here on a URL that never shows its password
    if url.get_backend_name() == "sqlite":
        path = url.database or ""
        if path and path != ":memory:" and not path.startswith("file:"):
            file = Path(path)
            if not create and not file.exists():
                raise HostctlError(
                    _(
                        "There is no database file {path}: check HOSTCTL_DATABASE_URL, or "
                        "create a new database there with hostctl db upgrade."
                    ).format(path=file.absolute())
                )
            private_folder(file.absolute().parent)
            _private_file(file)
        busy_timeout_ms = sqlite_busy_timeout_ms()
        engine = _create_engine(
            url,
            connect_args={"timeout": busy_timeout_ms / 1000, "check_same_thread": False},
        )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy, not pysqlite, issue BEGIN so we can make it IMMEDIATE.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine.pool, "checkin")
        def _on_checkin(dbapi_conn: Any, record: Any) -> None:
            if dbapi_conn is not None and record.info.pop("bulk_writes", False):
                _end_bulk_writes(dbapi_conn)

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            if conn.get_execution_options().get("hostctl_readonly"):
                conn.exec_driver_sql("BEGIN")
            else:
                conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return _create_engine(url, pool_pre_ping=True)


_URL_FORMS = N_("sqlite:///PATH or postgresql+psycopg://USER@HOST/DATABASE")


def _parse_url(url: str | URL) -> URL:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        # not shown: a URL that does not parse may still hold a password
        raise HostctlError(
            _(
                "The database URL (HOSTCTL_DATABASE_URL) is not a URL hostctl can read; "
                "write it as {url_forms}."
            ).format(url_forms=localize(_URL_FORMS))
        ) from None


def _create_engine(url: URL, **options: Any) -> Engine:
    from sqlalchemy import create_engine
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        return create_engine(url, **options)
    except (NoSuchModuleError, ImportError, ArgumentError) as exc:
        raise HostctlError(
            _("Cannot use the database {url}: {reason}; hostctl works with {url_forms}.").format(
                url=shown_url(url),
                reason=str(exc).splitlines()[0],
                url_forms=localize(_URL_FORMS),
            )
        ) from None


# A bulk writer (``daily``) on SQLite: a page cache that holds more of the pages a day
# touches, and WAL checkpoints every 4 000 pages (16 MB) rather than every 1 000, so the
# same hot pages are not copied to the database file after every day of a catch-up; one
# checkpoint when the connection goes back to the pool. Both measured in bench/daily.py
# (the cache is kept small: the whole run must stay under 100 MB at 300 000 services).
BULK_CACHE_KIB = 6_000
DEFAULT_CACHE_KIB = 2_000  # SQLite's default page cache
BULK_WAL_AUTOCHECKPOINT_PAGES = 4_000
WAL_AUTOCHECKPOINT_PAGES = 1_000  # SQLite's default


def bulk_writes(session: Session) -> None:
    """Tune the connection of ``session`` for many large transactions in a row (SQLite;
    nothing elsewhere). Undone, with one WAL checkpoint, when the connection is released."""
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        return
    conn.exec_driver_sql(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")
    conn.exec_driver_sql(f"PRAGMA wal_autocheckpoint={BULK_WAL_AUTOCHECKPOINT_PAGES}")
    conn.connection.info["bulk_writes"] = True


def _end_bulk_writes(dbapi_conn: Any) -> None:
    cur = dbapi_conn.cursor()
    try:
        cur.execute("PRAGMA wal_checkpoint(PASSIVE)")
        cur.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
        cur.execute(f"PRAGMA cache_size=-{DEFAULT_CACHE_KIB}")
    finally:
        cur.close()


def get_engine(url: str | URL | None = None, *, create: bool = False) -> Engine:
    """The engine for ``url`` (default: ``database_url()``), migrated to head on first use.

    A missing SQLite file is created only with ``create`` or when it is the default
    database (``HOSTCTL_DATABASE_URL`` unset): see ``make_engine``."""
    if not url:
        create = create or configured_url() is None
    url = _parse_url(url or database_url())  # a URL that never shows its password
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = make_engine(url, create=create)
            _engines[url] = engine
    if url not in _ready:
        from hostctl.migrate import HEAD, ensure_current

        upgraded_from = ensure_current(engine)
        if upgraded_from is not None:
            from hostctl import output

            output.info(
                _("Upgraded the database schema from {upgraded_from} to {head}.").format(
                    upgraded_from=upgraded_from, head=HEAD
                )
            )
        _ready.add(url)
    return engine


def dispose_all() -> None:
    """Close every engine (tests switch databases between cases)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
        _ready.clear()


@contextmanager
def unit_of_work(
    *, readonly: bool = False, url: str | None = None, one_connection: bool = False
) -> Iterator[Session]:
    """One transaction: commit at the end of the block, roll back on any exception.

    ``one_connection``: the session keeps one connection for the whole block, across its
    commits (``daily``'s one transaction per day), released when the block ends."""
    from sqlmodel import Session

    engine = get_engine(url)
    bind: Any = engine.execution_options(hostctl_readonly=True) if readonly else engine
    if one_connection:
        bind = bind.connect()
    session = Session(bind=bind, expire_on_commit=False)
    try:
        yield session
        if not readonly:
            session.commit()
        # a read-only transaction simply ends with close(), which keeps loaded objects usable
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
        if one_connection:
            bind.close()


def refresh_statistics(*tables: str, url: str | None = None) -> None:
    """PostgreSQL: ``ANALYZE`` these tables (all of them, given none) after a bulk import
    has committed, so the planner knows their new size at once instead of when autovacuum
    next comes round: the first ``daily`` after importing 60 000 services took 6.0–6.5 s
    without, 5.3–5.6 s with. SQLite: nothing — hostctl's queries are written for SQLite
    without statistics (``rows.no_index``), and ``sqlite_stat1`` would change its plans."""
    from sqlalchemy import text

    engine = get_engine(url)
    if engine.dialect.name != "postgresql":
        return
    names = ", ".join(tables)  # hostctl's own table names, never input
    with engine.connect() as conn:
        conn.execute(text(f"ANALYZE {names}" if names else "ANALYZE"))
        conn.commit()


@contextmanager
def read_only(url: str | None = None) -> Iterator[Connection]:
    """One read-only transaction on a Core connection, without the ORM: for a one-shot
    command that reads through the Core tables (``client show``) and so need not import
    SQLModel, pydantic's models or SQLAlchemy's ORM at all. The same engine, the same
    deferred ``BEGIN`` as ``unit_of_work(readonly=True)``; rolled back at the end."""
    engine = get_engine(url)
    with engine.execution_options(hostctl_readonly=True).connect() as conn:
        transaction = conn.begin()
        try:
            yield conn
        finally:
            transaction.rollback()


DRY_RUN_APPLICATION_NAME = "hostctl daily --dry-run"  # what pg_stat_activity shows


@contextmanager
def scratch_copy(url: str | None = None) -> Iterator[str]:
    """A private, throw-away copy of the database (``daily --dry-run``): yields the URL of
    an engine on the copy, ready for ``unit_of_work(url=...)``; the copy goes when the block
    ends. Whatever is written there never reaches the database, and making the copy takes
    no lock another command waits for:

    * SQLite: an in-memory database filled with SQLite's backup API, which reads the file in
      one read transaction (in WAL mode a reader never holds a writer up).
    * PostgreSQL: one session of its own in which every table of the schema is shadowed by a
      temporary table of the same name holding a copy of its rows (one REPEATABLE READ
      snapshot; temporary tables come first in the search path), with sequences of its
      own; the session is then read-only, a setting that still lets it write to temporary
      tables, so a write that missed the copy fails instead of changing a real row. The
      real tables are only read, so a real ``daily`` never waits on the dry run's row
      locks: it has none."""
    import uuid

    from sqlalchemy import create_engine, event
    from sqlalchemy.pool import StaticPool

    source = get_engine(url)
    key = f"sqlite:///file:hostctl-scratch-{uuid.uuid4().hex}?mode=memory&uri=true"
    if is_sqlite(source):
        import sqlite3

        target = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        raw = source.raw_connection()
        try:
            raw.driver_connection.backup(target)  # type: ignore[union-attr]
        finally:
            raw.close()
        target.execute("PRAGMA foreign_keys=ON")
        engine = create_engine("sqlite://", creator=lambda: target, poolclass=StaticPool)

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN")

    else:
        # the copy's name holds no password: callers pass it around as ``url``
        key = (
            source.url.set(password=None)
            .update_query_dict({"hostctl_scratch": uuid.uuid4().hex})
            .render_as_string()
        )
        engine = create_engine(
            source.url,
            poolclass=StaticPool,
            connect_args={"application_name": DRY_RUN_APPLICATION_NAME},
        )
        _shadow_tables(engine)
    parsed = _parse_url(key)
    with _lock:
        _engines[parsed] = engine
        _ready.add(parsed)
    try:
        yield key
    finally:
        with _lock:
            _engines.pop(parsed, None)
            _ready.discard(parsed)
        engine.dispose()


def _shadow_tables(engine: Engine) -> None:
    """PostgreSQL: shadow every table of the current schema with a temporary copy (see
    ``scratch_copy``), then make the session read-only."""
    from sqlalchemy import text

    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            schema = conn.execute(text("SELECT current_schema()")).scalar_one()
            tables = conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = :s ORDER BY 1"),
                {"s": schema},
            ).scalars()
            serials = conn.execute(
                text(
                    "SELECT table_name, column_name FROM information_schema.columns "
                    "WHERE table_schema = :s AND column_default LIKE 'nextval(%'"
                ),
                {"s": schema},
            ).all()
            quote = engine.dialect.identifier_preparer.quote
            conn.execute(
                text("SELECT set_config('search_path', 'pg_temp, ' || :s, false)"),
                {"s": quote(schema)},
            )
            for table in list(tables):
                real, temp = f"{quote(schema)}.{quote(table)}", f"pg_temp.{quote(table)}"
                conn.exec_driver_sql(
                    f"CREATE TEMPORARY TABLE {quote(table)} (LIKE {real} INCLUDING ALL)"
                )
                conn.exec_driver_sql(f"INSERT INTO {temp} SELECT * FROM {real}")
            for n, (table, column) in enumerate(serials):
                sequence = f"pg_temp.{quote(f'scratch_seq_{n}')}"
                temp = f"pg_temp.{quote(table)}"
                conn.exec_driver_sql(f"CREATE TEMPORARY SEQUENCE {sequence}")
                conn.exec_driver_sql(
                    f"SELECT setval('{sequence}', COALESCE(MAX({quote(column)}), 0) + 1, false) "
                    f"FROM {temp}"
                )
                conn.exec_driver_sql(
                    f"ALTER TABLE {temp} ALTER COLUMN {quote(column)} "
                    f"SET DEFAULT nextval('{sequence}')"
                )
        conn.exec_driver_sql("SET SESSION default_transaction_read_only = on")
        conn.commit()
