"""Alembic migrations shipped inside the package, run programmatically.

``ensure_current`` is called once per process per database: one cheap query compares
the stored revision with ``HEAD``; alembic itself is imported only when there is work.
The upgrade runs under a lock (SQLite: the write lock; PostgreSQL: an advisory lock)
so that two first uses at once migrate once.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

# The newest revision in migrations/versions; a test checks it matches alembic's head.
HEAD = "0005_uptime"
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
    with engine.connect() as conn, conn.begin():
        before = current_revision(conn)
    _locked_upgrade(engine, target)
    with engine.connect() as conn, conn.begin():
        after = current_revision(conn)
    return before, after


def status(engine: Engine) -> dict[str, Any]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_config())
    with engine.connect() as conn, conn.begin():
        revision = current_revision(conn)
    return {
        "url": engine.url.render_as_string(hide_password=True),
        "current": revision,
        "head": script.get_current_head(),
        "up_to_date": revision == script.get_current_head(),
        "revisions": [rev.revision for rev in reversed(list(script.walk_revisions()))],
    }
