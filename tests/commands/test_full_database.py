"""A database that cannot grow (SQLite's "database or disk is full", SQLITE_FULL, made real
here with ``PRAGMA max_page_count``) is said in words: which file, and that nothing of the
day ``daily`` was running was kept; the days before it were. Never a traceback nor the
driver's text. (tests/e2e/test_inputs_bounded.py fills a real disk.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import event, text

from hostctl import db
from hostctl.db_url import sqlite_file

CATALOGUE = Path(__file__).parents[2] / "examples" / "catalogue.toml"


@pytest.fixture
def capped(cli, db_url, tmp_path):
    """300 clients each with an annual hosting plan due on 2027-01-29 (invoiced on
    2027-01-14), daily run up to 2027-01-01; then the database may not get a page more."""
    if not db_url.startswith("sqlite"):
        pytest.skip("PRAGMA max_page_count is SQLite's")
    assert cli("product", "import", str(CATALOGUE)).exit_code == 0
    clients = tmp_path / "clients.csv"
    services = tmp_path / "services.csv"
    clients.write_text(
        "name,email\n" + "".join(f"Cliente {i},c{i}@example.com\n" for i in range(300)),
        encoding="utf-8",
    )
    services.write_text(
        "client_email,product,cycle,status,next_due_date,domain\n"
        + "".join(
            f"c{i}@example.com,hosting-basic,annual,active,2027-01-29,c{i}.com.ar\n"
            for i in range(300)
        ),
        encoding="utf-8",
    )
    assert cli("client", "import", str(clients)).exit_code == 0
    assert cli("service", "import", str(services)).exit_code == 0
    assert cli("daily", today="2027-01-01").exit_code == 0
    engine = db.get_engine(db_url)
    with engine.connect() as conn:
        pages = conn.execute(text("PRAGMA page_count")).scalar()

    def cap(dbapi_connection, _record):
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    event.listen(engine, "connect", cap)
    engine.dispose()  # every connection from now on is capped
    yield db_url
    event.remove(engine, "connect", cap)
    engine.dispose()


def test_a_day_that_finds_the_database_full_is_said_in_words_and_not_kept(cli, capped):
    result = cli("daily", today="2027-01-14")
    path = sqlite_file(capped).absolute()
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        f"error: The database cannot grow: the disk that holds {path} is full; nothing of "
        "2027-01-14 was kept (the days before it were). Free some space and run daily again.\n"
    )
    with db.unit_of_work(readonly=True) as s:  # 2 to 13 January were run, 14 was not
        last = s.execute(text("SELECT max(day) FROM daily_runs")).scalar()
        invoices = s.execute(text("SELECT count(*) FROM invoices")).scalar()
    assert (str(last), invoices) == ("2027-01-13", 0)


def test_postgresql_disk_full_is_said_in_words(monkeypatch):
    """PostgreSQL's own error class for SQLSTATE 53100, as SQLAlchemy wraps it (a server's
    disk cannot be filled from a test)."""
    from psycopg import errors
    from sqlalchemy.exc import OperationalError

    from hostctl.db_url import storage_full

    monkeypatch.setenv("HOSTCTL_DATABASE_URL", "postgresql+psycopg://h@db.example/hostctl")
    wrapped = OperationalError("INSERT …", {}, errors.DiskFull("could not extend file"))
    assert storage_full(wrapped, "2027-01-14").message == (
        "The database cannot grow: the disk of the database server is full; nothing of "
        "2027-01-14 was kept (the days before it were). Free some space and run daily again."
    )
    assert storage_full(OperationalError("SELECT 1", {}, errors.AdminShutdown())) is None
