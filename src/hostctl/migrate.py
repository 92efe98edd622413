"""Alembic migrations shipped inside the package, run programmatically.

``ensure_current`` is called once per process per database: ``check`` reads the stored
revision (and refuses a database hostctl cannot use); alembic itself is imported only
when there is work.
The upgrade runs under a lock (SQLite: the write lock; PostgreSQL: an advisory lock)
so that two first uses at once migrate once.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hostctl.errors import HostctlError
from hostctl.i18n import _

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

# The newest revision in migrations/versions; a test checks it matches alembic's head.
HEAD = "0011_servers"
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


def _locked_upgrade(engine: Engine, target: str) -> tuple[bool, str | None]:
    """Upgrade to ``target`` unless it is there already: (whether it upgraded, the revision
    it found under the lock)."""
    from alembic import command
    from sqlalchemy import text

    if target == "head":
        target = HEAD
    # SQLite: BEGIN IMMEDIATE takes the write lock now; PostgreSQL: an advisory lock.
    with engine.connect() as conn, _foreign_keys_off(conn), conn.begin():
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
        before = current_revision(conn)
        if before == target:
            return False, before
        command.upgrade(_config(conn), target)
    return True, before


@contextmanager
def _foreign_keys_off(conn: Connection) -> Iterator[None]:
    """SQLite: foreign keys off while migrations run, on again after. A revision that makes
    a table again (SQLite cannot add a constraint to one) drops the old table, which other
    tables' rows point at; such a revision checks the foreign keys itself before the
    commit (``PRAGMA foreign_key_check``). The PRAGMA does nothing inside a transaction,
    so it is sent on the driver's connection before ``BEGIN``."""
    if conn.dialect.name != "sqlite":
        yield
        return
    raw = conn.connection.driver_connection
    raw.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
    try:
        yield
    finally:
        raw.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]


def check(engine: Engine) -> str | None:
    """The schema revision of the database (None: an empty database), once it is known to
    be one hostctl can use: reachable, a database, hostctl's or empty, and at a revision
    this release knows. Otherwise one sentence naming the URL (without its password)."""
    from sqlalchemy import exc as sa_exc
    from sqlalchemy import inspect

    from hostctl.db_url import shown_url, storage_full

    url = shown_url(engine.url)
    known = _known_revisions()
    # A foreign SQLite file is read over a plain connection, without hostctl's PRAGMAs
    # (journal_mode=WAL would stay in the file it then refuses).
    probe = _plain_engine(engine) if engine.dialect.name == "sqlite" else engine
    try:
        with probe.connect() as conn:
            revision = current_revision(conn)
            tables = set() if revision in known else set(inspect(conn).get_table_names())
    except sa_exc.DBAPIError as exc:
        if "locked" in str(exc):
            raise
        full = storage_full(exc, url=str(engine.url))
        if full is not None:  # a -wal or -shm file that found no room
            raise full from None
        reason = str(exc.orig).strip().splitlines()[0].rstrip(".") if exc.orig else str(exc)
        raise HostctlError(
            _("Cannot use the database {url}: {reason}.").format(url=url, reason=reason)
        ) from None
    finally:
        if probe is not engine:
            probe.dispose()
    tables.discard("alembic_version")
    if revision is None and tables:
        shown = ", ".join(sorted(tables)[:3]) + (", …" if len(tables) > 3 else "")
        raise HostctlError(
            _(
                "The database {url} is not a hostctl database: it has tables of its own "
                "({shown}) and no hostctl schema revision; point HOSTCTL_DATABASE_URL at a "
                "hostctl database or at an empty one."
            ).format(url=url, shown=shown)
        )
    if revision is not None and revision not in known:
        if "invoices" not in tables:  # another program's Alembic revision
            raise HostctlError(
                _(
                    "The database {url} is not a hostctl database: its schema revision "
                    "{revision} is not one of hostctl's; point HOSTCTL_DATABASE_URL at a "
                    "hostctl database or at an empty one."
                ).format(url=url, revision=revision)
            )
        raise HostctlError(
            _(
                "The database {url} is at schema revision {revision}, which this hostctl "
                "does not know (its newest is {head}); install the hostctl release that made "
                "it."
            ).format(url=url, revision=revision, head=HEAD)
        )
    return revision


def _plain_engine(engine: Engine) -> Engine:
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    from hostctl.db_url import SQLITE_BUSY_TIMEOUT_MS

    return create_engine(
        engine.url,
        poolclass=NullPool,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
    )


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
    folder = os.open(Path(path).absolute().parent, os.O_RDONLY)
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


def ensure_current(engine: Engine) -> str | None:
    """Bring the schema to ``HEAD`` if it is behind (first use of a database), after
    ``check``. Returns the revision it upgraded from when it upgraded an existing schema
    (None when there was nothing to do, or the database was empty)."""
    with _first_use(engine):
        revision = check(engine)
        if revision == HEAD:
            return None
        upgraded, before = _locked_upgrade(engine, HEAD)
    return before if upgraded else None


def _known_revisions() -> set[str]:
    return {p.stem for p in (Path(__file__).parent / "migrations" / "versions").glob("0*.py")}


def upgrade(engine: Engine, target: str = "head") -> tuple[str | None, str | None]:
    with _first_use(engine):
        before = check(engine)
        _locked_upgrade(engine, target)
        with engine.connect() as conn, conn.begin():
            after = current_revision(conn)
    return before, after


def status(engine: Engine) -> dict[str, Any]:
    from alembic.script import ScriptDirectory

    from hostctl.db_url import shown_url

    with _first_use(engine):
        revision = check(engine)
    script = ScriptDirectory.from_config(_config())
    return {
        "url": shown_url(engine.url),
        "current": revision,
        "head": script.get_current_head(),
        "up_to_date": revision == script.get_current_head(),
        "revisions": [rev.revision for rev in reversed(list(script.walk_revisions()))],
    }
