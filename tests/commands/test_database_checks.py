"""A database hostctl cannot use is refused in one sentence naming its URL (never the
password), before anything is written; a schema behind this release is upgraded, and said."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from hostctl import db, migrate

PG_URL = os.environ.get("HOSTCTL_TEST_DATABASE_URL")
URL_FORMS = "sqlite:///PATH or postgresql+psycopg://USER@HOST/DATABASE"


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path):
    if request.param == "sqlite":
        (tmp_path / "fresh.db").touch()  # an empty file: a named database must exist
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    if not PG_URL:
        pytest.skip("PostgreSQL: set HOSTCTL_TEST_DATABASE_URL")
    from tests.conftest import _drop_pg, _pg_database

    url, name = _pg_database(PG_URL)
    yield url
    db.dispose_all()
    _drop_pg(PG_URL, name)


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _use(monkeypatch, url: str) -> None:
    monkeypatch.setenv("HOSTCTL_DATABASE_URL", url)
    db.dispose_all()


@pytest.mark.parametrize("command", [("client", "list"), ("db", "status"), ("db", "upgrade")])
def test_a_postgresql_server_that_does_not_answer(cli, monkeypatch, command):
    _use(monkeypatch, "postgresql+psycopg://hostctl:s3cret@127.0.0.1:1/hostctl")
    result = cli(*command)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        "error: Cannot use the database postgresql+psycopg://hostctl:***@127.0.0.1:1/hostctl: "
        'connection failed: connection to server at "127.0.0.1", port 1 failed: Connection '
        "refused.\n"
    )


def test_an_unknown_host(cli, monkeypatch):
    _use(monkeypatch, "postgresql+psycopg://hostctl:s3cret@db.invalid/hostctl")
    result = cli("client", "add", "--name", "Ana", "--email", "ana@example.com")
    assert (result.exit_code, result.stdout) == (1, "")
    prefix = (
        "error: Cannot use the database postgresql+psycopg://hostctl:***@db.invalid/hostctl: "
        "failed to resolve host 'db.invalid': "
    )
    assert result.stderr.startswith(prefix), result.stderr
    assert result.stderr.endswith(".\n") and result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgres:s3cret@db.example/hostctl", "error: The database URL (HOSTCTL_DATABASE_URL) "
         f"is not a URL hostctl can read; write it as {URL_FORMS}.\n"),
        ("postgresql+psycopg://hostctl:s3cret@db.example:54x2/hostctl", "error: The database "
         f"URL (HOSTCTL_DATABASE_URL) is not a URL hostctl can read; write it as {URL_FORMS}.\n"),
        ("oracle+nosuchdriver://hostctl:s3cret@db.example/hostctl", "error: Cannot use the "
         "database oracle+nosuchdriver://hostctl:***@db.example/hostctl: Can't load plugin: "
         f"sqlalchemy.dialects:oracle.nosuchdriver; hostctl works with {URL_FORMS}.\n"),
    ],
)  # fmt: skip
def test_a_url_that_is_not_one_hostctl_can_use(cli, monkeypatch, url, message):
    _use(monkeypatch, url)
    for command in (("client", "list"), ("db", "status"), ("db", "upgrade")):
        result = cli(*command)
        assert (result.exit_code, result.stderr, result.stdout) == (1, message, "")


def _refused_and_untouched(cli, path: Path, message: str) -> None:
    before = path.read_bytes()
    for command in (
        ("client", "add", "--name", "Ana", "--email", "ana@example.com"),
        ("db", "status"),
        ("db", "upgrade"),
    ):
        result = cli(*command)
        assert (result.exit_code, result.stderr, result.stdout) == (1, message, ""), command
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


def test_a_file_that_is_not_a_database(cli, monkeypatch, tmp_path):
    path = tmp_path / "other" / "notes.db"
    path.parent.mkdir()
    path.write_text("clients to call back on Monday\n" * 200)
    _use(monkeypatch, f"sqlite:///{path}")
    _refused_and_untouched(
        cli, path, f"error: Cannot use the database sqlite:///{path}: file is not a database.\n"
    )


def test_another_programs_sqlite_database(cli, monkeypatch, tmp_path):
    import sqlite3

    path = tmp_path / "other" / "crm.db"
    path.parent.mkdir()
    raw = sqlite3.connect(path)
    raw.executescript(
        "CREATE TABLE contacts (id INTEGER PRIMARY KEY, name TEXT);"
        "CREATE TABLE deals (id INTEGER PRIMARY KEY); CREATE TABLE notes (id INTEGER);"
        "CREATE TABLE users (id INTEGER); INSERT INTO contacts (name) VALUES ('Ana');"
    )
    raw.close()
    _use(monkeypatch, f"sqlite:///{path}")
    _refused_and_untouched(
        cli,
        path,
        f"error: The database sqlite:///{path} is not a hostctl database: it has tables of "
        "its own (contacts, deals, notes, …) and no hostctl schema revision; point "
        "HOSTCTL_DATABASE_URL at a hostctl database or at an empty one.\n",
    )


def test_another_programs_alembic_database(cli, monkeypatch, tmp_path):
    import sqlite3

    path = tmp_path / "other" / "app.db"
    path.parent.mkdir()
    raw = sqlite3.connect(path)
    raw.executescript(
        "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL);"
        "INSERT INTO alembic_version VALUES ('3f1c2b9a7d10'); CREATE TABLE users (id INTEGER);"
    )
    raw.close()
    _use(monkeypatch, f"sqlite:///{path}")
    _refused_and_untouched(
        cli,
        path,
        f"error: The database sqlite:///{path} is not a hostctl database: its schema revision "
        "3f1c2b9a7d10 is not one of hostctl's; point HOSTCTL_DATABASE_URL at a hostctl "
        "database or at an empty one.\n",
    )


@pytest.mark.parametrize("empty_url", ["postgresql"], indirect=True)
def test_another_programs_postgresql_tables(cli, monkeypatch, empty_url):
    engine = create_engine(empty_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE wp_posts (id integer)"))
    _use(monkeypatch, empty_url)
    result = cli("db", "upgrade")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        f"error: The database {_shown(empty_url)} is not a hostctl database: it has "
        "tables of its own (wp_posts) and no hostctl schema revision; point "
        "HOSTCTL_DATABASE_URL at a hostctl database or at an empty one.\n"
    )
    with engine.connect() as conn:
        tables = conn.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ).scalars()
        assert list(tables) == ["wp_posts"]
    engine.dispose()


def test_a_database_from_a_newer_release_is_refused_by_db_status_and_upgrade(cli, db_url):
    engine = create_engine(db_url)

    def stamp(revision: str) -> None:
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
        db.dispose_all()

    shown = _shown(db_url)
    stamp("0099_from_the_future")
    try:
        for command in (("db", "status"), ("db", "upgrade"), ("client", "list")):
            result = cli(*command)
            assert (result.exit_code, result.stdout) == (1, ""), command
            assert result.stderr == (
                f"error: The database {shown} is at schema revision 0099_from_the_future, "
                f"which this hostctl does not know (its newest is {migrate.HEAD}); install the "
                "hostctl release that made it.\n"
            )
        with engine.connect() as conn:
            revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        assert revision == "0099_from_the_future"
    finally:
        stamp(migrate.HEAD)  # the PostgreSQL test database is shared by the whole session
        engine.dispose()


def test_an_older_schema_is_upgraded_and_said_once_a_new_one_made_silently(
    cli, monkeypatch, empty_url
):
    _use(monkeypatch, empty_url)
    made = cli("client", "list", "--json")
    assert (made.exit_code, made.stderr, made.stdout) == (0, "", "[]\n")
    from alembic import command

    engine = create_engine(empty_url)
    with engine.begin() as conn:  # as a database left by the previous release
        command.downgrade(migrate._config(conn), "0001_initial")
    engine.dispose()
    db.dispose_all()
    first = cli("client", "add", "--name", "Ana", "--email", "ana@example.com", "--json")
    assert (first.exit_code, first.stderr) == (
        0,
        f"Upgraded the database schema from 0001_initial to {migrate.HEAD}.\n",
    )
    db.dispose_all()  # as the next process would
    again = cli("client", "list", "--json")
    assert (again.exit_code, again.stderr) == (0, "")
    assert [c["name"] for c in json.loads(again.stdout)] == ["Ana"]
    status = cli.json("db", "status")
    assert (status["current"], status["up_to_date"]) == (migrate.HEAD, True)


def test_a_mistyped_sqlite_file_is_refused_and_not_made(cli, monkeypatch, tmp_path):
    """A named SQLite file that does not exist is an error, not a new empty database that
    answers "No clients." (and that cron's daily would run on); db upgrade makes it."""
    missing = tmp_path / "hostclt.db"  # next to the real hostctl.db of the cli fixture (SQLite)
    _use(monkeypatch, f"sqlite:///{missing}")
    message = (
        f"error: There is no database file {missing}: check HOSTCTL_DATABASE_URL, or create a "
        "new database there with hostctl db upgrade.\n"
    )
    for command in (("client", "list"), ("daily",), ("db", "status")):
        result = cli(*command)
        assert (result.exit_code, result.stderr, result.stdout) == (1, message, ""), command
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("hostclt")] == []
    made = cli("db", "upgrade", "--json")
    assert (made.exit_code, made.stderr) == (0, "")
    assert cli.json("client", "list", "--json") == []
    assert missing.exists()
