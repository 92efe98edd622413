"""``client list --search`` finds people as staff type them (no case, no accents; phone and
document digits; a service's domain), and revision 0006 gives the clients of an existing
database their search key."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from sqlalchemy import create_engine, select, text
from tests.billing_helpers import setup_catalogue

from hostctl import db, migrate
from hostctl.core import clients

PG_URL = os.environ.get("HOSTCTL_TEST_DATABASE_URL")


def _names(cli, search: str) -> list[str]:
    return [c["name"] for c in cli.json("client", "list", "--search", search)]


def test_search_at_the_desk(cli, tmp_path):
    for args in (
        (
            ("--name", "María Inés Güemes", "--email", "mig@correo.com.uy"),
            ("--phone", "+59899123456", "--document", "4.567.890-1", "--country", "UY"),
        ),
        (
            ("--name", "Ana Pérez", "--email", "ana@example.com"),
            ("--company", "Radio Sur", "--phone", "+5491123456789"),
        ),
    ):
        result = cli("client", "add", *args[0], *args[1])
        assert result.exit_code == 0, result.stderr
    setup_catalogue(cli, tmp_path)
    ordered = cli(
        "service", "order", "--client", "2", "--product", "domain-com", "--cycle", "annual",
        "--domain", "RadioSur.com", today="2026-01-01",
    )  # fmt: skip
    assert ordered.exit_code == 0, ordered.stderr
    for search, names in (
        ("maria ines", ["María Inés Güemes"]),
        ("GUEMES", ["María Inés Güemes"]),
        ("99123456", ["María Inés Güemes"]),
        ("+598 99 123 456", ["María Inés Güemes"]),
        ("4.567.890-1", ["María Inés Güemes"]),
        ("PEREZ", ["Ana Pérez"]),
        ("radiosur.com", ["Ana Pérez"]),
        ("radio", ["Ana Pérez"]),
        ("güemes ana", []),
    ):
        assert _names(cli, search) == names, search
    table = cli("client", "list", "--search", "maria ines")
    assert (table.exit_code, table.stderr) == (0, "")
    assert "María Inés Güemes" in table.stdout
    assert "Ana Pérez" not in table.stdout
    assert "+59899123456" in table.stdout


def test_every_word_in_any_order_and_client_search(cli):
    for name, email in (
        ("Tamara Pérez", "tp@example.com"),
        ("Tomás Pereyra", "tomas@example.com"),
        ("Ana Tamez", "ana@example.com"),
    ):
        assert cli("client", "add", "--name", name, "--email", email).exit_code == 0
    assert _names(cli, "tamara") == ["Tamara Pérez"]
    assert _names(cli, "perez tam") == ["Tamara Pérez"]
    assert _names(cli, "PER T") == ["Tamara Pérez", "Tomás Pereyra"]
    assert _names(cli, "tam") == ["Tamara Pérez", "Ana Tamez"]
    found = cli.json("client", "search", "perez tam")
    assert [c["name"] for c in found] == ["Tamara Pérez"]
    assert [c["name"] for c in cli.json("client", "search", "t", "--limit", "2")] == [
        "Tamara Pérez",
        "Tomás Pereyra",
    ]
    table = cli("client", "search", "pereyra")
    assert (table.exit_code, table.stderr) == (0, "")
    assert "Tomás Pereyra" in table.stdout and "Tamara" not in table.stdout
    assert cli("client", "search").exit_code == 2  # the text is required


def test_search_after_edit(cli):
    added = cli.json("client", "add", "--name", "Jose Munoz", "--email", "jm@example.com")
    edited = cli("client", "edit", str(added["id"]), "--name", "José Muñoz Ñandú")
    assert edited.exit_code == 0, edited.stderr
    assert _names(cli, "NANDU") == ["José Muñoz Ñandú"]
    assert _names(cli, "jose munoz") == ["José Muñoz Ñandú"]


@pytest.fixture(params=["sqlite", "postgresql"])
def old_database(request, tmp_path, monkeypatch):
    """An empty database at 0005_uptime, as the previous release leaves it."""
    from alembic import command

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.db'}"
        name = None
    else:
        if not PG_URL:
            pytest.skip("PostgreSQL: set HOSTCTL_TEST_DATABASE_URL")
        from tests.conftest import _pg_database

        url, name = _pg_database(PG_URL)
    engine = create_engine(url)
    with engine.begin() as conn:
        command.upgrade(migrate._config(conn), "0005_uptime")
    monkeypatch.setenv("HOSTCTL_DATABASE_URL", url)
    yield engine
    engine.dispose()
    db.dispose_all()
    if name:
        from tests.conftest import _drop_pg

        _drop_pg(PG_URL, name)


PEOPLE = [
    ("María Inés Güemes", None, "MIG@correo.com.uy", "+59899123456", "45678901"),
    ("Ñandú Hosting SA", "Ñandú Hosting", "info@nandu.com", None, None),
] + [(f"Cliente Nº {i}", None, f"c{i}@example.com", None, f"{i:08d}") for i in range(1, 2100)]


def test_upgrade_gives_existing_clients_their_search_key(cli, old_database):
    engine = old_database
    moment = dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO clients (name, company, email, email_key, phone, currency, "
                "document, document_key, support_plan, credit_minor, verified, status, "
                "created_on, created_at, updated_at) VALUES (:name, :company, :email, :key, "
                ":phone, 'USD', :doc, :doc, 'standard', 0, :no, 'active', :day, :at, :at)"
            ),
            [
                {
                    "name": name,
                    "company": company,
                    "email": email,
                    "key": email.lower(),
                    "phone": phone,
                    "doc": doc,
                    "no": False,
                    "day": moment.date(),
                    "at": moment,
                }
                for name, company, email, phone, doc in PEOPLE
            ],
        )
    result = cli("client", "list", "--search", "GUEMES", "--json")
    assert (result.exit_code, result.stderr) == (
        0,
        f"Upgraded the database schema from 0005_uptime to {migrate.HEAD}.\n",
    )
    assert '"name": "María Inés Güemes"' in result.stdout
    assert _names(cli, "nandu") == ["Ñandú Hosting SA"]
    assert _names(cli, "+598 99 123 456") == ["María Inés Güemes"]
    assert _names(cli, "cliente nº 2099") == ["Cliente Nº 2099"]
    assert _names(cli, "00002099") == ["Cliente Nº 2099"]
    from hostctl.models import Client

    with engine.connect() as conn:
        rows = conn.execute(
            select(
                Client.name,
                Client.company,
                Client.email,
                Client.phone,
                Client.document_key,
                Client.search_key,
            ).order_by(Client.id)
        ).all()
    assert [r[:5] for r in rows] == [tuple(p) for p in PEOPLE]
    assert [r[5] for r in rows] == [clients.search_key(*p) for p in PEOPLE]
    assert rows[0][5] == "maria ines guemes\n\nmig@correo.com.uy\n59899123456\n45678901"
