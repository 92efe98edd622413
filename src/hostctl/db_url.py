"""Which database hostctl uses, and how messages name it. Imports nothing of hostctl's
database modules: ``db`` (engines, sessions) and ``migrate`` (the schema) both build on
it, and ``db`` on ``migrate``, one way down."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hostctl.errors import HostctlError
from hostctl.i18n import _

SQLITE_BUSY_TIMEOUT_MS = 60_000  # HOSTCTL_SQLITE_BUSY_TIMEOUT_MS overrides it (tests)


def default_database_path() -> Path:
    """The default database's file (in the user data directory); nothing is created."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("hostctl", appauthor=False)) / "hostctl.db"


def default_database_url() -> str:
    path = default_database_path()
    private_folder(path.parent)
    return f"sqlite:///{path}"


def private_folder(folder: Path) -> None:
    """Create ``folder`` if it is missing (its parents as usual), for its owner only
    whatever the umask; an existing folder keeps the permissions someone gave it."""
    if folder.is_dir():
        return
    folder.parent.mkdir(parents=True, exist_ok=True)
    try:
        folder.mkdir(mode=0o700)
    except FileExistsError:
        return  # another process made it at the same moment
    folder.chmod(0o700)


def configured_url() -> str | None:
    """The URL ``HOSTCTL_DATABASE_URL`` names; None when it is not set (the default)."""
    return os.environ.get("HOSTCTL_DATABASE_URL") or None


def database_url() -> str:
    return configured_url() or default_database_url()


def shown_url(url: Any) -> str:
    """A database URL as messages may show it: without its password."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def sqlite_file(url: Any) -> Path | None:
    """The file an SQLite URL names; None for another database, ``:memory:`` or a
    ``file:`` URI."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):  # not a URL: names no file
        return None
    path = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or not path or path == ":memory:":
        return None
    if path.startswith("file:"):
        return None
    return Path(path)


_SQLITE_FULL = 13  # "database or disk is full" (also a file at PRAGMA max_page_count)
_SQLITE_IOERR = 10  # "disk I/O error": a -wal or -shm file that found no room, among others
_PG_DISK_FULL = "53100"
_ROOM = 1024 * 1024  # less free space than this on the database's disk is a full disk


def _no_room(file: Path | None) -> bool:
    """Whether the file system that holds ``file`` has (next to) no space left for it."""
    if file is None:
        return False
    try:
        found = os.statvfs(file.absolute().parent)
    except OSError:
        return False
    return found.f_bavail * found.f_frsize < _ROOM


def causes(exc: BaseException, depth: int = 5) -> Iterator[BaseException]:
    """``exc`` and what it was raised from (or while handling), ``depth`` deep at most: where
    a driver's error hides behind SQLAlchemy's and hostctl's own wrappers."""
    seen: BaseException | None = exc
    for _depth in range(depth):
        if seen is None:
            return
        yield seen
        seen = seen.__cause__ or seen.__context__


def storage_full(
    exc: BaseException, day: Any = None, url: str | None = None
) -> HostctlError | None:
    """A database error that means "the disk that holds the database is full", as one
    sentence naming the file (SQLite) or the server (PostgreSQL) and what was not kept:
    ``day``'s work for ``daily``, else the command's; None for any other exception."""
    for seen in causes(exc):
        orig = getattr(seen, "orig", seen)
        sqlite_code = getattr(orig, "sqlite_errorcode", None)
        full = getattr(orig, "sqlstate", None) == _PG_DISK_FULL
        if sqlite_code is not None:
            primary = sqlite_code & 0xFF
            full = primary == _SQLITE_FULL or (
                primary == _SQLITE_IOERR and _no_room(sqlite_file(url or database_url()))
            )
        if full:
            return HostctlError(_storage_full_message(day, url))
    return None


def _storage_full_message(day: Any, url: str | None) -> str:
    file = sqlite_file(url or database_url())
    if file is not None:
        where = _("the disk that holds {path} is full").format(path=file.absolute())
    else:
        where = _("the disk of the database server is full")
    if day is not None:
        text = _(
            "The database cannot grow: {where}; nothing of {day} was kept (the days "
            "before it were). Free some space and run daily again."
        )
        return text.format(where=where, day=day)
    return _(
        "The database cannot grow: {where}; nothing was changed. Free some space and try again."
    ).format(where=where)
