"""Which database hostctl uses, and how messages name it. Imports nothing of hostctl's
database modules: ``db`` (engines, sessions) and ``migrate`` (the schema) both build on
it, and ``db`` on ``migrate``, one way down."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

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
