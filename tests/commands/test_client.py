"""hostctl client … through the CLI: exit codes, exact messages, then the database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlmodel import select

from hostctl import db
from hostctl.core import clients
from hostctl.models import AuditEntry, Client, Contact, Invoice, OutboxMessage

ANA = ("--name", "Ana Pérez", "--email", "ana@example.com")


def _rows(model, *where):
    with db.unit_of_work(readonly=True) as s:
        return list(s.exec(select(model).where(*where).order_by(model.id)).all())


def test_add_prints_client_json_and_alerts(cli):
    data = cli.json(
        "client", "add", *ANA, "--phone", "+5491123456789", "--country", "AR",
        "--document", "20-12345678-6", "--company", "Radio Sur", "--support-plan", "full",
        today="2026-03-02", staff="maria",
    )  # fmt: skip
    assert data == {
        "id": 1,
        "name": "Ana Pérez",
        "company": "Radio Sur",
        "email": "ana@example.com",
        "phone": "+5491123456789",
        "country": "AR",
        "currency": "ARS",
        "document": "20-12345678-6",
        "support_plan": "full",
        "verified": False,
        "verified_by": None,
        "verified_at": None,
        "credit_balance": "0.00",
        "status": "active",
        "referrer_id": None,
        "created_on": "2026-03-02",
        "whmcs_id": None,  # made in hostctl
    }
    alerts = cli.json("notify", "list")
    assert [(a["event"], a["channel"], a["client_id"], a["status"]) for a in alerts] == [
        ("client.registered", "whatsapp", 1, "pending"),
        ("client.registered", "email", 1, "pending"),
    ]
    log = cli.json("log")
    assert [(e["action"], e["entity"], e["staff"], e["effective_date"]) for e in log] == [
        ("client.add", "client:1", "maria", "2026-03-02")
    ]


def test_add_human_output(cli):
    result = cli("client", "add", *ANA, today="2026-03-02")
    assert result.exit_code == 0
    assert result.stderr == ""
    assert "name            Ana Pérez\n" in result.stdout
    assert "email           ana@example.com\n" in result.stdout


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("--name", "Otra", "--email", " ANA@Example.com "), 1,
         "error: The email ANA@Example.com already belongs to client 1 (Ana Pérez); "
         "one client per email.\n"),
        (("--name", "Otra", "--email", "otra@example.com", "--document", "20.12345678.6"), 1,
         "error: The document 20.12345678.6 already belongs to client 1 (Ana Pérez); one "
         "person may hold only one account.\n"),
        (("--name", "Otra", "--email", "otra@"), 1,
         "error: The email 'otra@' is not valid: there is nothing after the @.\n"),
        (("--name", "Otra", "--email", "otra@example.com", "--phone", "011 4555-1234"), 1,
         "error: The phone '011 4555-1234' must be in international E.164 form, "
         "e.g. +5491123456789, or the client needs a country to read it as a national "
         "number.\n"),
        (("--name", "Otra", "--email", "otra@example.com", "--country", "Argentina"), 1,
         "error: The country 'Argentina' is not an ISO 3166 code such as AR, UY, CL.\n"),
        (("--email", "otra@example.com"), 2,
         "error: Missing --name; pass it on the command line (no prompts without a TTY).\n"),
        (("--name", "Otra"), 2,
         "error: Missing --email; pass it on the command line (no prompts without a TTY).\n"),
    ],
)  # fmt: skip
def test_add_refusals_change_nothing(cli, args, code, message):
    cli("client", "add", *ANA, "--document", "20-12345678-6")
    result = cli("client", "add", *args)
    assert (result.exit_code, result.stderr, result.stdout) == (code, message, "")
    assert [c.id for c in _rows(Client)] == [1]
    assert len(_rows(OutboxMessage)) == 1
    assert len(_rows(AuditEntry)) == 1


def test_missing_name_without_tty_even_without_no_input(cli, monkeypatch):
    monkeypatch.delenv("HOSTCTL_NO_INPUT")
    result = cli("client", "add", "--email", "ana@example.com")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: Missing --name; pass it on the command line (no prompts without a TTY).\n"
    )


def test_phone_duplicate_warns_on_stderr_and_in_log(cli):
    cli("client", "add", *ANA, "--phone", "+5491123456789")
    result = cli(
        "client", "add", "--name", "Beto", "--email", "beto@example.com",
        "--phone", "+54 9 11 2345-6789", "--json",
    )  # fmt: skip
    warning = (
        "The phone +5491123456789 is also the phone of client 1 (Ana Pérez); "
        "check this is not the same person."
    )
    assert result.exit_code == 0
    assert result.stderr == f"warning: {warning}\n"
    assert cli.json("log", "--entity", "client:2")[0]["note"] == warning


def test_list_and_show(cli):
    cli("client", "add", *ANA, "--company", "Radio Sur")
    cli("client", "add", "--name", "Beto", "--email", "beto@example.com")
    assert [c["id"] for c in cli.json("client", "list")] == [1, 2]
    assert [c["email"] for c in cli.json("client", "list", "--search", "RADIO")] == [
        "ana@example.com"
    ]
    assert len(cli.json("client", "list", "--limit", "1")) == 1
    result = cli("client", "list")
    assert result.stdout.splitlines()[0].split() == [
        "id", "name", "email", "phone", "country", "cur", "plan", "verified", "credit", "status",
    ]  # fmt: skip
    cli("client", "contact", "add", "1", "--name", "Luis", "--email", "luis@example.com")
    shown = cli.json("client", "show", "1")
    assert shown["company"] == "Radio Sur"
    assert shown["contacts"] == [
        {
            "id": 1,
            "client_id": 1,
            "name": "Luis",
            "email": "luis@example.com",
            "phone": None,
            "rights": [],
        }
    ]
    assert "contact 1: Luis <luis@example.com> rights: —\n" in cli("client", "show", "1").stdout


def test_show_unknown_client_exits_3(cli):
    result = cli("client", "show", "42")
    assert (result.exit_code, result.stderr) == (
        3,
        "error: There is no client 42; `hostctl client list` shows them.\n",
    )


def test_bad_client_id_is_refused_in_one_sentence(cli):
    result = cli("client", "show", "abc")
    assert (result.exit_code, result.stderr) == (
        1,
        "error: CLIENT_ID takes a whole number such as 7, not 'abc'.\n",
    )


def test_edit_changes_audits_and_alerts(cli):
    cli("client", "add", *ANA, "--phone", "+5491123456789")
    data = cli.json(
        "client", "edit", "1", "--phone", "+59899123456", "--support-plan", "professional",
        staff="maria", today="2026-03-05",
    )  # fmt: skip
    assert (data["phone"], data["support_plan"]) == ("+59899123456", "professional")
    entry = cli.json("log", "--entity", "client:1")[-1]
    assert (entry["action"], entry["staff"], entry["effective_date"]) == (
        "client.edit",
        "maria",
        "2026-03-05",
    )
    assert entry["changes"] == {
        "phone": ["+5491123456789", "+59899123456"],
        "support_plan": ["standard", "professional"],
    }
    updated = [m for m in cli.json("notify", "list") if m["event"] == "client.updated"]
    assert [(m["channel"], m["data"]) for m in updated] == [
        ("whatsapp", {"fields": ["phone", "support_plan"], "name": "Ana Pérez"}),
        ("email", {"fields": ["phone", "support_plan"], "name": "Ana Pérez"}),
    ]


def test_edit_unknown_client_exits_3(cli):
    result = cli("client", "edit", "9", "--name", "X")
    assert (result.exit_code, result.stderr) == (
        3,
        "error: There is no client 9; `hostctl client list` shows them.\n",
    )


def test_currency_change_refused_with_unpaid_invoice(cli):
    cli("client", "add", *ANA, "--country", "AR")
    now = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
    with db.unit_of_work() as s:
        s.add(
            Invoice(number="2026-000001", year=2026, seq=1, client_id=1, kind="order",
                    issue_date=dt.date(2026, 3, 1), due_date=dt.date(2026, 3, 1),
                    currency="ARS", total_minor=500000, created_at=now)
        )  # fmt: skip
    result = cli("client", "edit", "1", "--currency", "USD", "--name", "Ana María")
    assert (result.exit_code, result.stderr) == (
        1,
        "error: Client 1 has unpaid invoices in ARS; settle or cancel them before changing "
        "the currency.\n",
    )
    client = _rows(Client)[0]
    assert (client.currency, client.name) == ("ARS", "Ana Pérez")
    assert [a.action for a in _rows(AuditEntry)] == ["client.add"]
    assert [m.event for m in _rows(OutboxMessage)] == ["client.registered"]


def test_verify_records_who_and_when(cli):
    cli("client", "add", *ANA)
    data = cli.json("client", "verify", "1", staff="maria", now="2026-03-02T11:30:00-03:00")
    assert (data["verified"], data["verified_by"], data["verified_at"]) == (
        True,
        "maria",
        "2026-03-02T11:30:00-03:00",
    )
    again = cli("client", "verify", "1")
    assert (again.exit_code, again.stderr) == (
        1,
        "error: Client 1 was already verified by maria.\n",
    )
    assert cli("client", "verify", "5").exit_code == 3


def test_set_password_from_stdin(cli):
    cli("client", "add", *ANA, "--phone", "+5491123456789")
    result = cli("client", "set-password", "1", "--password-stdin", input="s3cret-pass\n")
    assert result.exit_code == 0, result.stderr
    client = _rows(Client)[0]
    assert client.password_hash.startswith("$argon2id$")
    assert clients.check_password(client, "s3cret-pass")
    assert "s3cret" not in result.stdout
    events = [(m.event, m.channel) for m in _rows(OutboxMessage)][2:]
    assert events == [
        ("client.password_changed", "whatsapp"),
        ("client.password_changed", "email"),
    ]
    assert cli.json("log")[-1]["changes"] == {"password": "changed"}


@pytest.mark.parametrize(
    ("args", "stdin", "code", "message"),
    [
        (("--password-stdin",), "short\n", 1,
         "error: The password must have at least 8 characters.\n"),
        ((), None, 2, "error: Missing --password-stdin; pass it on the command line "
         "(no prompts without a TTY).\n"),
    ],
)  # fmt: skip
def test_set_password_refusals(cli, args, stdin, code, message):
    cli("client", "add", *ANA)
    result = cli("client", "set-password", "1", *args, input=stdin)
    assert (result.exit_code, result.stderr) == (code, message)
    assert _rows(Client)[0].password_hash is None
    assert [m.event for m in _rows(OutboxMessage)] == ["client.registered"]


def test_contact_add_with_rights(cli):
    cli("client", "add", *ANA)
    data = cli.json(
        "client", "contact", "add", "1", "--name", "Luis", "--email", "luis@example.com",
        "--phone", "+5491155556666", "--rights", "tickets,invoices",
    )  # fmt: skip
    assert data == {
        "id": 1,
        "client_id": 1,
        "name": "Luis",
        "email": "luis@example.com",
        "phone": "+5491155556666",
        "rights": ["invoices", "tickets"],
    }
    bad = cli("client", "contact", "add", "1", "--name", "X", "--email", "x@example.com",
              "--rights", "admin")  # fmt: skip
    assert (bad.exit_code, bad.stderr) == (
        1,
        "error: Unknown contact right 'admin'; use invoices, tickets, services, account.\n",
    )
    missing = cli("client", "contact", "add", "1", "--email", "x@example.com")
    assert missing.exit_code == 2
    assert cli("client", "contact", "add", "7", "--name", "X", "--email", "x@e.com").exit_code == 3
    assert [c.email for c in _rows(Contact)] == ["luis@example.com"]


# --------------------------------------------------------------------------- import
HEADER = "name,email,phone,country,currency,document,company,support_plan\n"


def test_import_all_rows(cli, tmp_path):
    path = tmp_path / "clients.csv"
    path.write_text(
        HEADER + "Ana,ana@example.com,+5491123456789,AR,,,,\nBeto,beto@example.com,,UY,,,,full\n",
        encoding="utf-8",
    )
    assert cli.json("client", "import", str(path)) == {"imported": 2}
    result = cli("client", "import", str(Path(__file__).parents[2] / "examples/clients.csv"))
    assert (result.exit_code, result.stderr) == (0, "4 clients imported from clients.csv.\n")
    assert [(c.email, c.currency) for c in _rows(Client)][:2] == [
        ("ana@example.com", "ARS"),
        ("beto@example.com", "UYU"),
    ]
    assert len(_rows(Client)) == 6
    assert _rows(OutboxMessage) == []


def test_import_bad_rows_refuse_the_file(cli, tmp_path):
    cli("client", "add", *ANA)
    path = tmp_path / "clients.csv"
    path.write_text(
        HEADER
        + "Beto,beto@example.com,,,,,,\n"
        + "Ana bis,Ana@Example.com,,,,,,\n"
        + "Carla,beto@example.com,,,,,,\n"
        + "Dora,dora@example.com,+54,,,,,\n",
        encoding="utf-8",
    )
    result = cli("client", "import", str(path))
    assert result.exit_code == 1
    assert result.stderr == (
        "error: clients.csv was not imported: 3 bad row(s).\n"
        "  line 3, column email: Ana@Example.com is already a client.\n"
        "  line 4, column email: beto@example.com repeats line 2.\n"
        "  line 5, column phone: The phone '+54' is not a phone number.\n"
    )
    assert [c.id for c in _rows(Client)] == [1]


def test_import_unknown_column(cli, tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("name,email,vip\nA,a@example.com,yes\n", encoding="utf-8")
    result = cli("client", "import", str(path))
    assert (result.exit_code, result.stderr) == (
        1,
        "error: c.csv has unknown column 'vip'; the columns are "
        "name,email,phone,country,currency,document,company,support_plan.\n",
    )


def test_show_imports_no_orm(cli, db_url):
    """``client show`` reads through the Core tables on a Core connection: its process
    imports neither SQLModel nor SQLAlchemy's ORM (its start-up, bench/startup.py), and
    says the same as before."""
    import subprocess
    import sys

    cli("client", "add", *ANA, "--company", "Radio Sur")
    code = (
        "import sys\n"
        "from hostctl.cli import main\n"
        "sys.argv = ['hostctl', 'client', 'show', '1', '--json']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as end:\n"
        "    assert not end.code, end.code\n"
        "print([m for m in ('sqlmodel', 'sqlalchemy.orm') if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert '"company": "Radio Sur"' in out.stdout
    assert out.stdout.strip().splitlines()[-1] == "[]"
