"""Test databases: a fresh SQLite file per test (copied from a migrated template), or,
with ``HOSTCTL_TEST_DATABASE_URL=postgresql+psycopg://…``, a PostgreSQL database made for
this test session and emptied between tests."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from hostctl import db
from hostctl.core.clock import COMPANY_TZ
from hostctl.core.context import Context
from whmcs_db import whmcs_db  # noqa: F401 (a fixture: a scratch WHMCS database on MariaDB)

PG_URL = os.environ.get("HOSTCTL_TEST_DATABASE_URL")

# The suite expects English unless a test asks for Spanish: a machine (or CI) whose locale is
# Spanish must not change the messages the tests compare. Subprocesses inherit this.
for _name in ("LC_ALL", "LC_MESSAGES", "HOSTCTL_LANG"):
    os.environ.pop(_name, None)
os.environ["LANG"] = "C.UTF-8"


def _pg_database(base_url: str) -> tuple[str, str]:
    url = make_url(base_url)
    name = f"hostctl_t_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False), name


def _drop_pg(base_url: str, name: str) -> None:
    url = make_url(base_url)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session", autouse=True)
def _cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The holiday cache of this test session, not the user's (child processes too)."""
    folder = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOSTCTL_CACHE_DIR", str(folder))
        yield folder


@pytest.fixture(scope="session", autouse=True)
def _english() -> Iterator[None]:
    """Messages in English whatever the locale of the machine running the tests (child
    processes too); tests of the Spanish catalog set the language themselves."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOSTCTL_LANG", "en")
        yield


@pytest.fixture(scope="session")
def _database_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if PG_URL:
        url, name = _pg_database(PG_URL)
        db.get_engine(url)  # migrate once
        db.dispose_all()
        yield url
        db.dispose_all()
        _drop_pg(PG_URL, name)
        return
    path = tmp_path_factory.mktemp("template") / "template.db"
    url = f"sqlite:///{path}"
    db.get_engine(url, create=True)
    db.dispose_all()
    import sqlite3

    raw = sqlite3.connect(path)
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw.close()
    yield str(path)


def _truncate_pg(url: str) -> None:
    from hostctl.models import metadata

    engine = create_engine(url)
    names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def db_url(
    _database_template: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    if PG_URL:
        url = _database_template
        _truncate_pg(url)
    else:
        target = tmp_path / "hostctl.db"
        shutil.copy(_database_template, target)
        url = f"sqlite:///{target}"
    monkeypatch.setenv("HOSTCTL_DATABASE_URL", url)
    monkeypatch.setenv("HOSTCTL_STAFF", "tester")
    monkeypatch.setenv("HOSTCTL_NO_INPUT", "1")
    for var in ("HOSTCTL_TODAY", "HOSTCTL_NOW", "NO_COLOR"):
        monkeypatch.delenv(var, raising=False)
    yield url
    db.dispose_all()


@pytest.fixture
def session(db_url: str) -> Iterator[Any]:
    """A session for core tests; commits at the end of the test if nothing failed."""
    with db.unit_of_work(url=db_url) as s:
        yield s


def make_ctx(
    day: str | dt.date = "2026-01-10", *, staff: str = "tester", at: str = "09:00"
) -> Context:
    day = dt.date.fromisoformat(day) if isinstance(day, str) else day
    moment = dt.datetime.combine(day, dt.time.fromisoformat(at), tzinfo=COMPANY_TZ)
    return Context(staff=staff, today=day, now=moment)


@pytest.fixture
def ctx() -> Context:
    return make_ctx()


class Cli:
    """Runs hostctl commands in-process, as an agent would type them."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.runner = CliRunner()
        self.monkeypatch = monkeypatch

    def __call__(
        self,
        *args: str,
        today: str | None = None,
        now: str | None = None,
        staff: str | None = None,
        input: str | None = None,
    ) -> Any:
        from hostctl.cli import app

        # Whatever `hostctl --yes` sets in os.environ is undone after the command.
        env: dict[str, str | None] = {"HOSTCTL_YES": os.environ.get("HOSTCTL_YES")}
        if today:
            env["HOSTCTL_TODAY"] = today
        if now:
            env["HOSTCTL_NOW"] = now
        if staff:
            env["HOSTCTL_STAFF"] = staff
        return self.runner.invoke(app, list(args), env=env, input=input, catch_exceptions=False)

    def json(self, *args: str, **kwargs: Any) -> Any:
        import json

        result = self(*args, "--json", **kwargs)
        assert result.exit_code == 0, result.stderr + result.stdout
        return json.loads(result.stdout)


@pytest.fixture
def cli(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Cli:
    return Cli(monkeypatch)
