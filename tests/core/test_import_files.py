"""Import files as they come from spreadsheets: Windows-1252, binary, empty, separated by
';', thousands of bad rows; read one batch at a time and still all or nothing (the
``client import`` and ``service import`` of the core, on SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from sqlmodel import select
from tests.conftest import make_ctx

from hostctl import db
from hostctl.core import bulk, clients, services
from hostctl.errors import ImportFileError
from hostctl.models import AuditEntry, Client, Product, Service

CLIENT_HEADER = "name,email,phone,country,currency,document,company,support_plan\n"
SERVICE_HEADER = "client_email,product,cycle,status,next_due_date,domain\n"


@pytest.fixture
def base(session):
    """Ana as a client and two products, for the service imports."""
    ctx = make_ctx("2026-12-01")
    clients.add_client(session, ctx, name="Ana", email="ana@example.com")
    for code, category, cycles in (
        ("hosting-basic", "hosting", "monthly,annual"),
        ("domain-com", "domain", "annual"),
    ):
        session.add(
            Product(
                code=code,
                name=code,
                category=category,
                cycles=cycles,
                created_at=ctx.now,
                updated_at=ctx.now,
            )
        )
    session.flush()
    return session


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _png() -> bytes:
    """A real 1×1 PNG image."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def _zip() -> bytes:
    """A zip archive holding a CSV (an .xlsx workbook is one too)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("clients.csv", CLIENT_HEADER + "Ana,ana@example.com,,,,,,\n")
    return buffer.getvalue()


def _written(session) -> tuple[list[str], list[str], list[str]]:
    """The client emails, service domains and audit actions in the database."""
    return (
        list(session.exec(select(Client.email).order_by(Client.id)).all()),
        [s.domain or s.product_code for s in session.exec(select(Service)).all()],
        list(session.exec(select(AuditEntry.action).order_by(AuditEntry.id)).all()),
    )


# --------------------------------------------------------------------------- the file itself
NOT_UTF8 = '{name} is not in UTF-8 (see line {line}); save it as "CSV UTF-8" and import it again.'
NOT_TEXT = (
    '{name} is not a text CSV file; save the data from the spreadsheet as "CSV UTF-8" and '
    "import that."
)
EMPTY = "{name} is empty; its first line must name the columns: {columns}."


@pytest.mark.parametrize(
    ("kind", "data", "message"),
    [
        ("clients", (CLIENT_HEADER + "Ana,ana@example.com,,,,,,\n"
                     "Martín Güemes,martin@example.com,,AR,,,,\n").encode("cp1252"),
         NOT_UTF8.format(name="clients.csv", line=3)),
        ("clients", "nombre,dirección\n".encode("cp1252"),
         NOT_UTF8.format(name="clients.csv", line=1)),
        ("services", (SERVICE_HEADER + "ana@example.com,domain-com,annual,pending,,"
                      "güemes.com.ar\n").encode("cp1252"),
         NOT_UTF8.format(name="services.csv", line=2)),
        ("clients", _png(), NOT_TEXT.format(name="clients.csv")),
        ("clients", _zip(), NOT_TEXT.format(name="clients.csv")),
        ("services", _png(), NOT_TEXT.format(name="services.csv")),
        ("clients", "name,email\nAna,ana@example.com\n".encode("utf-16"),
         NOT_TEXT.format(name="clients.csv")),
        ("clients", b"", EMPTY.format(name="clients.csv", columns=CLIENT_HEADER.strip())),
        ("clients", b"\xef\xbb\xbf\r\n  \r\n",
         EMPTY.format(name="clients.csv", columns=CLIENT_HEADER.strip())),
        ("services", b"",
         EMPTY.format(name="services.csv", columns=SERVICE_HEADER.strip() + ",server")),
    ],
)  # fmt: skip
def test_a_file_that_is_no_utf8_csv_is_refused_in_one_sentence(base, tmp_path, kind, data, message):
    session = base
    before = _written(session)
    path = _write(tmp_path, f"{kind}.csv", data)
    importer = clients.import_clients if kind == "clients" else services.import_services
    with pytest.raises(ImportFileError) as err:
        importer(session, make_ctx("2027-01-10"), path)
    assert (err.value.message, err.value.details) == (message, [])
    assert _written(session) == before


def test_not_utf8_after_batches_were_written_writes_nothing(db_url, tmp_path, monkeypatch):
    """The rows are written a batch at a time in the one transaction of the import; a bad
    byte far into the file still leaves nothing written: the refusal rolls them back."""
    monkeypatch.setattr(bulk, "IMPORT_BATCH", 2)
    good = "".join(f"C{i},c{i}@example.com,,,,,,\n" for i in range(6))  # lines 2 to 7
    data = (CLIENT_HEADER + good + "Güemes,g@example.com,,,,,,\n").encode("cp1252")
    path = _write(tmp_path, "clients.csv", data)
    with pytest.raises(ImportFileError) as err, db.unit_of_work(url=db_url) as session:
        clients.import_clients(session, make_ctx(), path)
    assert err.value.message == NOT_UTF8.format(name="clients.csv", line=8)
    with db.unit_of_work(url=db_url, readonly=True) as session:
        assert _written(session) == ([], [], [])


# --------------------------------------------------------------------------- ';'
def test_a_semicolon_separated_client_file_is_read_as_excel_wrote_it(session, tmp_path):
    path = _write(
        tmp_path,
        "clientes.csv",
        "\ufeffname;email;phone;country;currency;document;company;support_plan\r\n"
        "Ana Pérez;ana@example.com;+5491123456789;AR;;20-12345678-6;Radio Sur, SRL;full\r\n"
        'Beto;beto@example.com;;UY;USD;;"Norte; Sur";\r\n'.encode(),
    )
    assert clients.import_clients(session, make_ctx(), path) == 2
    rows = session.exec(select(Client).order_by(Client.id)).all()
    assert [(c.name, c.email, c.phone, c.currency, c.document, c.company, c.support_plan)
            for c in rows] == [
        ("Ana Pérez", "ana@example.com", "+5491123456789", "ARS", "20-12345678-6",
         "Radio Sur, SRL", "full"),
        ("Beto", "beto@example.com", None, "USD", None, "Norte; Sur", "standard"),
    ]  # fmt: skip


def test_a_semicolon_separated_service_file_is_read(base, tmp_path):
    session = base
    path = _write(
        tmp_path,
        "services.csv",
        b"client_email;product;cycle;status;next_due_date;domain\n"
        b"ana@example.com;hosting-basic;annual;active;2027-03-31;\n"
        b"ana@example.com;domain-com;annual;pending;;ana.com.ar\n",
    )
    assert services.import_services(session, make_ctx("2027-01-10"), path) == 2
    assert [
        (s.product_code, s.status, s.next_due_date.isoformat() if s.next_due_date else None,
         s.domain)
        for s in session.exec(select(Service).order_by(Service.id))
    ] == [
        ("hosting-basic", "active", "2027-03-31", None),
        ("domain-com", "pending", None, "ana.com.ar"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("header", "body", "message", "details"),
    [
        ("name;email;vip\n", "Ana;a@example.com;yes\n",
         "clients.csv has unknown column 'vip'; the columns are "
         "name,email,phone,country,currency,document,company,support_plan.", []),
        ("name;phone\n", "Ana;+5491123456789\n",
         "clients.csv lacks the required column 'email'.", []),
        ("name;email\n", "Ana;a@example.com;extra\nBeto;b@example.com\n",
         "clients.csv was not imported: 1 bad row(s).",
         ["line 2, column 3: more values than the 2 columns of the header."]),
    ],
)  # fmt: skip
def test_a_semicolon_file_is_checked_like_a_comma_one(
    session, tmp_path, header, body, message, details
):
    path = _write(tmp_path, "clients.csv", (header + body).encode())
    with pytest.raises(ImportFileError) as err:
        clients.import_clients(session, make_ctx(), path)
    assert (err.value.message, err.value.details) == (message, details)
    assert session.exec(select(Client)).all() == []


# --------------------------------------------------------------------------- bad rows
def test_the_report_lists_the_first_50_bad_rows_and_counts_the_rest(base, tmp_path, monkeypatch):
    """1 284 bad rows over several batches: the first 50 by line (a row with too many
    values among them, in its place), then how many more."""
    session = base
    monkeypatch.setattr(bulk, "IMPORT_BATCH", 100)
    fine = "ana@example.com,hosting-basic,annual,active,2027-03-01,\n"  # line 2
    bad = [f"nobody{i}@example.com,hosting-basic,annual,active,2027-03-01,\n" for i in range(1284)]
    bad[37] = "ana@example.com,hosting-basic,annual,active,2027-03-01,,x\n"  # line 40
    rows = [fine, *bad]
    path = _write(tmp_path, "services.csv", (SERVICE_HEADER + "".join(rows)).encode())
    with pytest.raises(ImportFileError) as err:
        services.import_services(session, make_ctx("2027-01-10"), path)
    assert err.value.message == "services.csv was not imported: 1 284 bad row(s)."
    details = err.value.details
    assert len(details) == 51
    assert (
        details[0] == "line 3, column client_email: no client has the email 'nobody0@example.com'."
    )
    assert details[37] == "line 40, column 7: more values than the 6 columns of the header."
    assert (
        details[38]
        == "line 41, column client_email: no client has the email 'nobody38@example.com'."
    )
    assert (
        details[49]
        == "line 52, column client_email: no client has the email 'nobody49@example.com'."
    )
    assert details[50] == "… and 1 234 more bad rows."
    assert session.exec(select(Service)).all() == []


def test_one_more_bad_row_after_written_batches_writes_nothing(db_url, tmp_path, monkeypatch):
    monkeypatch.setattr(bulk, "IMPORT_BATCH", 2)
    good = "".join(f"C{i},c{i}@example.com,,,,,,\n" for i in range(3))  # lines 2 to 4
    bad = "".join(f",x{i}@example.com,,,,,,\n" for i in range(51))  # lines 5 to 55
    path = _write(tmp_path, "clients.csv", (CLIENT_HEADER + good + bad).encode())
    with pytest.raises(ImportFileError) as err, db.unit_of_work(url=db_url) as session:
        clients.import_clients(session, make_ctx(), path)
    assert err.value.message == "clients.csv was not imported: 51 bad row(s)."
    assert err.value.details == [
        *(f"line {n}, column name: The name cannot be empty." for n in range(5, 55)),
        "… and 1 more bad row.",
    ]
    with db.unit_of_work(url=db_url, readonly=True) as session:
        assert _written(session) == ([], [], [])


def test_rows_are_still_checked_across_batches(session, ctx, tmp_path, monkeypatch):
    """A repeat of a row written in an earlier batch is a repeat; a client already in the
    database is reported once per row, even when its document is taken too; a row with too
    many values is reported with the others."""
    monkeypatch.setattr(bulk, "IMPORT_BATCH", 2)
    clients.add_client(session, ctx, name="Old", email="old@example.com", document="30-1")
    path = _write(
        tmp_path,
        "clients.csv",
        (
            CLIENT_HEADER
            + "Ana,ana@example.com,,,,20-1,,\n"  # 2
            + "Beto,beto@example.com,,,,,,\n"  # 3
            + "Ana bis,ANA@example.com,,,,,,\n"  # 4
            + "Ciro,ciro@example.com,,,,20.1,,\n"  # 5
            + "Yan,OLD@example.com,,,,30-1,,\n"  # 6
            + "Zoe,zoe@example.com,,,,,,,x\n"  # 7
            + ",nobody@example.com,,,,,,\n"  # 8
        ).encode(),
    )
    with pytest.raises(ImportFileError) as err:
        clients.import_clients(session, ctx, path)
    assert err.value.message == "clients.csv was not imported: 5 bad row(s)."
    assert err.value.details == [
        "line 4, column email: ANA@example.com repeats line 2.",
        "line 5, column document: 20.1 repeats line 2.",
        "line 6, column email: OLD@example.com is already a client.",
        "line 7, column 9: more values than the 8 columns of the header.",
        "line 8, column name: The name cannot be empty.",
    ]


def test_the_batches_write_every_row_and_its_audit_in_file_order(session, tmp_path, monkeypatch):
    monkeypatch.setattr(bulk, "IMPORT_BATCH", 2)
    path = _write(
        tmp_path,
        "clients.csv",
        (CLIENT_HEADER + "".join(f"C{i},c{i}@example.com,,,,,,\n" for i in range(5))).encode(),
    )
    assert clients.import_clients(session, make_ctx(), path) == 5
    ids = session.exec(select(Client.id).order_by(Client.id)).all()
    entries = session.exec(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.action, e.entity_id, e.note) for e in entries] == [
        ("client.import", str(i), f"imported from clients.csv, line {n}")
        for i, n in zip(ids, range(2, 7), strict=True)
    ]
