"""``client import`` / ``service import`` with files as spreadsheets make them: one
sentence and exit 1 for a file that is no UTF-8 CSV, ';' read as Excel writes it, a short
report of thousands of bad rows; nothing written on a refusal."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from hostctl import db
from hostctl.models import Client, Service

CLIENT_HEADER = "name,email,phone,country,currency,document,company,support_plan\n"
SERVICE_HEADER = "client_email,product,cycle,status,next_due_date,domain\n"
CATALOGUE = Path(__file__).parents[2] / "examples" / "catalogue.toml"
PNG_START = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02"


def _rows(model):
    with db.unit_of_work(readonly=True) as s:
        return list(s.exec(select(model).order_by(model.id)).all())


@pytest.fixture
def shop(cli):
    """Ana as a client and the company's catalogue, for the service imports."""
    assert cli("product", "import", str(CATALOGUE)).exit_code == 0
    assert cli("client", "add", "--name", "Ana", "--email", "ana@example.com").exit_code == 0
    return cli


@pytest.mark.parametrize(
    ("noun", "data", "message"),
    [
        ("client", (CLIENT_HEADER + "Martín Güemes,martin@example.com,,AR,,,,\n").encode("cp1252"),
         'clients.csv is not in UTF-8 (see line 2); save it as "CSV UTF-8" and import it again.'),
        ("service", (SERVICE_HEADER + "ana@example.com,hosting-basic,annual,pending,,"
                     "güemes.com.ar\n").encode("cp1252"),
         'services.csv is not in UTF-8 (see line 2); save it as "CSV UTF-8" and import it '
         "again."),
        ("client", PNG_START + b"\x00" * 64,
         'clients.csv is not a text CSV file; save the data from the spreadsheet as '
         '"CSV UTF-8" and import that.'),
        ("service", b"PK\x03\x04\x14\x00\x06\x00\x08\x00" + b"\x00" * 64,
         'services.csv is not a text CSV file; save the data from the spreadsheet as '
         '"CSV UTF-8" and import that.'),
        ("client", b"",
         "clients.csv is empty; its first line must name the columns: "
         "name,email,phone,country,currency,document,company,support_plan."),
        ("service", b"",
         "services.csv is empty; its first line must name the columns: "
         "client_email,product,cycle,status,next_due_date,domain,server."),
    ],
)  # fmt: skip
def test_a_file_that_is_no_utf8_csv_exits_1_with_one_sentence(shop, tmp_path, noun, data, message):
    path = tmp_path / f"{noun}s.csv"
    path.write_bytes(data)
    result = shop(noun, "import", str(path))
    assert (result.exit_code, result.stderr, result.stdout) == (1, f"error: {message}\n", "")
    assert [c.email for c in _rows(Client)] == ["ana@example.com"]
    assert _rows(Service) == []


def test_semicolon_separated_files_import(shop, tmp_path):
    clients_csv = tmp_path / "clientes.csv"
    clients_csv.write_bytes(
        "\ufeffname;email;phone;country;currency;document;company;support_plan\r\n"
        "Martín Güemes;martin@example.com;;AR;;;Güemes, Hnos.;\r\n".encode()
    )
    result = shop("client", "import", str(clients_csv))
    assert (result.exit_code, result.stderr) == (0, "1 client imported from clientes.csv.\n")
    services_csv = tmp_path / "servicios.csv"
    services_csv.write_bytes(
        b"client_email;product;cycle;status;next_due_date;domain\r\n"
        b"martin@example.com;hosting-basic;annual;active;2027-03-31;guemes.com.ar\r\n"
    )
    assert shop.json("service", "import", str(services_csv)) == {"imported": 1}
    martin = _rows(Client)[-1]
    assert (martin.name, martin.country, martin.currency, martin.company) == (
        "Martín Güemes",
        "AR",
        "ARS",
        "Güemes, Hnos.",
    )
    [service] = _rows(Service)
    assert (service.client_id, service.product_code, service.domain) == (
        martin.id,
        "hosting-basic",
        "guemes.com.ar",
    )
    assert service.next_due_date.isoformat() == "2027-03-31"


def test_thousands_of_bad_rows_report_the_first_50_and_a_count(shop, tmp_path):
    path = tmp_path / "services.csv"
    path.write_text(
        SERVICE_HEADER
        + "ana@example.com,hosting-basic,annual,active,2027-03-01,\n"
        + "".join(
            f"ghost{i}@example.com,hosting-basic,annual,active,2027-03-01,\n" for i in range(1284)
        ),
        encoding="utf-8",
    )
    result = shop("service", "import", str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: services.csv was not imported: 1 284 bad row(s).",
        *(
            f"  line {i + 3}, column client_email: no client has the email 'ghost{i}@example.com'."
            for i in range(50)
        ),
        "  … and 1 234 more bad rows.",
    ]
    assert _rows(Service) == []


def test_postgresql_learns_the_imported_tables_sizes(shop, tmp_path, db_url):
    """After a bulk import PostgreSQL's planner is told the tables' new sizes at once
    (``ANALYZE``), not when autovacuum comes round; SQLite gets no statistics (hostctl's
    queries are written for it without them)."""
    from sqlalchemy import text

    clients = tmp_path / "clients.csv"
    clients.write_text(CLIENT_HEADER + "Beto,beto@example.com,,AR,,,,\n", encoding="utf-8")
    services = tmp_path / "services.csv"
    services.write_text(
        SERVICE_HEADER + "beto@example.com,hosting-basic,annual,active,2026-03-01,beto.com\n",
        encoding="utf-8",
    )
    assert shop("client", "import", str(clients)).exit_code == 0
    assert shop("service", "import", str(services)).exit_code == 0
    with db.get_engine(db_url).connect() as conn:
        if conn.dialect.name == "postgresql":
            analyzed = conn.execute(
                text(
                    "SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL "
                    "AND relname IN ('clients', 'services', 'audit_log') ORDER BY relname"
                )
            ).scalars()
            assert list(analyzed) == ["audit_log", "clients", "services"]
        else:
            statistics = "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'"
            assert conn.execute(text(statistics)).scalar() == 0
