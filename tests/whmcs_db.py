"""A real MariaDB for the WHMCS tests: each test module gets a fresh database holding the
schema of a real WHMCS 8.4 (``whmcs/schema.sql``), fills it with its own rows, and drops it at the
end. MariaDB answers at ``HOSTCTL_TEST_WHMCS_SERVER`` (default root@127.0.0.1:3306; `.ci/run`
starts it); the tests are skipped, saying why, only when it does not answer. A module of
its own, not a conftest.py: a second ``conftest`` module would shadow ``tests/conftest.py``
for the tests that import from it."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

SERVER = os.environ.get("HOSTCTL_TEST_WHMCS_SERVER", "mysql+pymysql://root@127.0.0.1:3306")
SCHEMA = Path(__file__).parent / "whmcs" / "schema.sql"


class WhmcsDatabase:
    """One scratch WHMCS database: its URL, and a way to put rows in it (as WHMCS would,
    in its non-strict SQL mode)."""

    def __init__(self, url: str) -> None:
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool

        self.url = url
        self.engine = create_engine(url + "?charset=utf8mb4", poolclass=NullPool)

    def run(self, *statements: str) -> None:
        """Plain SQL statements (no parameters)."""
        with self.engine.begin() as conn:
            conn.exec_driver_sql("SET SESSION sql_mode = ''")
            for statement in statements:
                conn.exec_driver_sql(statement)

    def insert(self, table: str, *rows: dict[str, Any]) -> None:
        from sqlalchemy import text

        with self.engine.begin() as conn:
            conn.exec_driver_sql("SET SESSION sql_mode = ''")
            for row in rows:
                columns = ", ".join(f"`{c}`" for c in row)
                values = ", ".join(f":{c}" for c in row)
                conn.execute(text(f"INSERT INTO `{table}` ({columns}) VALUES ({values})"), row)


def _statements(sql: str) -> list[str]:
    """The statements of schema.sql (CREATE TABLEs; no ``;`` inside them)."""
    lines = [line for line in sql.splitlines() if not line.startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


@pytest.fixture(scope="module")
def whmcs_db() -> Iterator[WhmcsDatabase]:
    pytest.importorskip("pymysql", reason="PyMySQL is not installed: pip install '.[test]'")
    from sqlalchemy import create_engine
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.pool import NullPool

    server = create_engine(SERVER, poolclass=NullPool)
    try:
        conn = server.connect()
    except OperationalError as exc:
        pytest.skip(f"MariaDB does not answer at {SERVER}: {exc.orig}")
    name = f"whmcs_t_{os.getpid()}_{secrets.token_hex(4)}"
    with conn:
        conn.exec_driver_sql(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    database = WhmcsDatabase(f"{SERVER}/{name}")
    try:
        database.run(*_statements(SCHEMA.read_text(encoding="utf-8")))
        yield database
    finally:
        database.engine.dispose()
        with server.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")
        server.dispose()
