"""Engine and sessions from a URL. Nothing happens at import time.

* ``HOSTCTL_DATABASE_URL`` selects the database; the default is an SQLite file in the
  user data directory, created and migrated on first use.
* SQLite is shared by several agents and cron: WAL, a busy timeout, and write
  transactions that take the write lock at ``BEGIN`` (``BEGIN IMMEDIATE``), so a writer
  waits for another instead of failing half-way with "database is locked".
* ``unit_of_work()`` yields a session whose work is one transaction: committed when the
  block ends normally, rolled back otherwise.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlmodel import Session

SQLITE_BUSY_TIMEOUT_MS = 60_000
_engines: dict[str, Engine] = {}
_ready: set[str] = set()
_lock = threading.Lock()


def default_database_url() -> str:
    from platformdirs import user_data_dir

    folder = Path(user_data_dir("hostctl", appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'hostctl.db'}"


def database_url() -> str:
    return os.environ.get("HOSTCTL_DATABASE_URL") or default_database_url()


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: str) -> Engine:
    """A new engine for ``url``, not migrated and not kept (``hostctl db``, which migrates or
    reports the schema itself); everything else uses ``get_engine``."""
    from sqlalchemy import create_engine, event

    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy, not pysqlite, issue BEGIN so we can make it IMMEDIATE.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
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
    return create_engine(url, pool_pre_ping=True)


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


def get_engine(url: str | None = None) -> Engine:
    """The engine for ``url`` (default: ``database_url()``), migrated to head on first use."""
    url = url or database_url()
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = make_engine(url)
            _engines[url] = engine
    if url not in _ready:
        from hostctl.migrate import ensure_current

        ensure_current(engine)
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
