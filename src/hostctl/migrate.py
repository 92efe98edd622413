"""Alembic migrations shipped inside the package, run programmatically.

``ensure_current`` is called once per process per database: one cheap query compares
the stored revision with ``HEAD``; alembic itself is imported only when there is work.
The upgrade runs under a lock (SQLite: the write lock; PostgreSQL: an advisory lock)
so that two first uses at once migrate once; the first use of a new SQLite file is, in
addition, one process at a time (``_first_use``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

# The newest revision in migrations/versions; a test checks it matches alembic's head.
HEAD = "0002_daily_indexes"
_PG_LOCK_KEY = 727_001


def _config(connection: Connection | None = None) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def current_revision(conn: Connection) -> str | None:
    from sqlalchemy import inspect, text

    if not inspect(conn).has_table("alembic_version"):
        return None
    row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
    return row[0] if row else None


@contextmanager
def _first_use(engine: Engine) -> Iterator[None]:
    """The first use of a new SQLite file (missing or empty), one process at a time.

    Every new connection switches the file to WAL (``db.make_engine``). On a new file the
    switch is a write that starts inside a read, and SQLite refuses such a write at once,
    without waiting out the busy timeout, when another connection holds the write lock:
    two processes opening a new file together can both read, and one then fails with
    "database is locked" before any BEGIN IMMEDIATE could order them. So an OS lock on
    the file's folder is taken before connecting and held until the schema is current;
    once the file exists (in WAL mode), it is not taken at all.
    """
    path = engine.url.database if engine.dialect.name == "sqlite" else None
    if not path or path == ":memory:" or _has_content(path):
        yield
        return
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        yield
        return
    folder = os.open(Path(path).parent, os.O_RDONLY)
    try:
        fcntl.flock(folder, fcntl.LOCK_EX)
        yield
    finally:
        os.close(folder)  # releases the lock


def _has_content(path: str) -> bool:
    try:
        return os.path.getsize(path) > 0
    except FileNotFoundError:
        return False


def _locked_upgrade(engine: Engine, target: str) -> None:
    from alembic import command
    from sqlalchemy import text

    # SQLite: BEGIN IMMEDIATE takes the write lock now; PostgreSQL: an advisory lock.
    with engine.connect() as conn, conn.begin():
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
        if current_revision(conn) == target:
            return
        command.upgrade(_config(conn), target)


def ensure_current(engine: Engine) -> None:
    """Bring the schema to ``HEAD`` if it is behind (first use of a database). A database
    at a revision this release does not know (made by a newer hostctl) is refused."""
    with _first_use(engine):
        _ensure_current(engine)


def _ensure_current(engine: Engine) -> None:
    with engine.connect().execution_options(hostctl_readonly=True) as conn, conn.begin():
        revision = current_revision(conn)
    if revision == HEAD:
        return
    if revision is not None and revision not in _known_revisions():
        from hostctl.errors import HostctlError

        raise HostctlError(
            f"The database is at schema revision {revision}, which this hostctl does not "
            f"know (its newest is {HEAD}); install the hostctl release that made it."
        )
    _locked_upgrade(engine, "head")


def _known_revisions() -> set[str]:
    return {p.stem for p in (Path(__file__).parent / "migrations" / "versions").glob("0*.py")}


def upgrade(engine: Engine, target: str = "head") -> tuple[str | None, str | None]:
    with _first_use(engine):
        with engine.connect() as conn, conn.begin():
            before = current_revision(conn)
        _locked_upgrade(engine, target)
        with engine.connect() as conn, conn.begin():
            after = current_revision(conn)
    return before, after


def status(engine: Engine) -> dict[str, Any]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_config())
    with _first_use(engine), engine.connect() as conn, conn.begin():
        revision = current_revision(conn)
    return {
        "url": engine.url.render_as_string(hide_password=True),
        "current": revision,
        "head": script.get_current_head(),
        "up_to_date": revision == script.get_current_head(),
        "revisions": [rev.revision for rev in reversed(list(script.walk_revisions()))],
    }
