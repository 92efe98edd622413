"""Clients without the CLI (SPEC §1, CLI-1 … CLI-6)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlmodel import select
from tests.conftest import make_ctx

from hostctl.core import audit, clients
from hostctl.errors import BusinessRuleError, ImportFileError, NotFoundError, ValidationError
from hostctl.models import AuditEntry, Client, Invoice, OutboxMessage

HEADER = "name,email,phone,country,currency,document,company,support_plan\n"


def _add(session, ctx, name="Ana Pérez", email="ana@example.com", **kw):
    client, _ = clients.add_client(session, ctx, name=name, email=email, **kw)
    return client


def _outbox(session, client_id=None):
    rows = session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    return [(m.event, m.channel, m.client_id, m.status) for m in rows]


def _audit(session):
    rows = session.exec(select(AuditEntry).order_by(AuditEntry.id)).all()
    return [(a.action, a.entity_type, a.entity_id, json.loads(a.changes), a.note) for a in rows]


def _unpaid_invoice(session, client_id, currency="ARS"):
    session.add(
        Invoice(
            number="2026-000001",
            year=2026,
            seq=1,
            client_id=client_id,
            kind="order",
            status="unpaid",
            issue_date=dt.date(2026, 1, 10),
            due_date=dt.date(2026, 1, 10),
            currency=currency,
            total_minor=1000,
            created_at=make_ctx().now,
        )
    )
    session.flush()


# --------------------------------------------------------------------------- add
def test_add_cleans_fields_and_records_everything(session, ctx):
    client, warnings = clients.add_client(
        session,
        ctx,
        name="  Ana   Pérez ",
        email=" Ana.Perez@Example.COM ",
        phone="+54 9 11 2345-6789",
        country="ar",
        document="20-12345678-6",
        company="  Radio  Sur ",
        support_plan="Professional",
    )
    assert warnings == []
    assert (client.name, client.email, client.email_key) == (
        "Ana Pérez",
        "Ana.Perez@Example.COM",
        "ana.perez@example.com",
    )
    assert (client.phone, client.country, client.currency) == ("+5491123456789", "AR", "ARS")
    assert (client.document, client.document_key) == ("20-12345678-6", "20123456786")
    assert (client.company, client.support_plan) == ("Radio Sur", "professional")
    assert (client.verified, client.credit_minor, client.status) == (False, 0, "active")
    assert client.created_on == ctx.today
    assert _outbox(session) == [
        ("client.registered", "whatsapp", client.id, "pending"),
        ("client.registered", "email", client.id, "pending"),
    ]
    assert _audit(session) == [
        (
            "client.add",
            "client",
            str(client.id),
            {
                "company": "Radio Sur",
                "country": "AR",
                "currency": "ARS",
                "document": "20-12345678-6",
                "email": "Ana.Perez@Example.COM",
                "name": "Ana Pérez",
                "phone": "+5491123456789",
                "support_plan": "professional",
            },
            None,
        )
    ]


@pytest.mark.parametrize(
    ("country", "currency", "expected"),
    [("UY", None, "UYU"), ("AR", None, "ARS"), ("CL", None, "USD"), (None, None, "USD"),
     ("AR", "usd", "USD")],
)  # fmt: skip
def test_currency_defaults_by_country(session, ctx, country, currency, expected):
    client = _add(session, ctx, country=country, currency=currency)
    assert client.currency == expected


def test_without_phone_only_email_alert(session, ctx):
    client = _add(session, ctx)
    assert _outbox(session) == [("client.registered", "email", client.id, "pending")]


def test_email_unique_case_insensitively_after_trimming(session, ctx):
    first = _add(session, ctx, email="ana@example.com")
    with pytest.raises(BusinessRuleError) as err:
        _add(session, ctx, name="Otra", email="  ANA@Example.com ")
    assert err.value.message == (
        f"The email ANA@Example.com already belongs to client {first.id} (Ana Pérez); "
        "one client per email."
    )


def test_document_unique_ignoring_punctuation(session, ctx):
    first = _add(session, ctx, document="20-12345678-6")
    with pytest.raises(BusinessRuleError) as err:
        _add(session, ctx, name="Otra", email="otra@example.com", document="20.12345678.6")
    assert err.value.message == (
        f"The document 20.12345678.6 already belongs to client {first.id} (Ana Pérez); "
        "one person may hold only one account."
    )


def test_phone_duplicate_warns_and_is_noted_in_the_audit_log(session, ctx):
    first = _add(session, ctx, phone="+5491123456789")
    second, warnings = clients.add_client(
        session, ctx, name="Beto", email="beto@example.com", phone="+54 9 11 2345 6789"
    )
    expected = (
        f"The phone +5491123456789 is also the phone of client {first.id} (Ana Pérez); "
        "check this is not the same person."
    )
    assert warnings == [expected]
    assert _audit(session)[-1][4] == expected
    assert second.phone == first.phone


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "ana@",
         "The email 'ana@' is not valid: there is nothing after the @."),
        ("phone", "1123456789",
         "The phone '1123456789' must be in international E.164 form, e.g. +5491123456789, "
         "or the client needs a country to read it as a national number."),
        ("phone", "+5411", "The phone '+5411' is not a valid number for its country code."),
        ("phone", "+abc", "The phone '+abc' is not a phone number."),
        ("country", "ZZ", "The country 'ZZ' is not an ISO 3166 code such as AR, UY, CL."),
        ("country", "EU", "The country 'EU' is not an ISO 3166 code such as AR, UY, CL."),
        ("currency", "XYZ",
         "Unknown currency 'XYZ'; use one of ARS, BOB, BRL, CAD, CLP, COP, CRC, DOP, EUR, GTQ, "
         "HNL, MXN, NIO, PAB, PEN, PYG, USD, UYU, VES."),
        ("support_plan", "gold",
         "The support plan 'gold' is not one of standard, professional, full."),
        ("document", "--", "The document number '--' has no letters or digits."),
        ("name", "   ", "The name cannot be empty."),
    ],
)  # fmt: skip
def test_invalid_input_is_refused_and_nothing_written(session, ctx, field, value, message):
    kwargs = {"name": "Ana", "email": "ana@example.com", field: value}
    with pytest.raises(ValidationError) as err:
        clients.add_client(session, ctx, **kwargs)
    assert err.value.message == message
    assert session.exec(select(Client)).all() == []
    assert _outbox(session) == []


def test_unknown_referral_code(session, ctx):
    with pytest.raises(ValidationError) as err:
        _add(session, ctx, referral_code="NOPE")
    assert err.value.message == "There is no affiliate with referral code 'NOPE'."


def test_referral_code_links_the_referrer(session, ctx):
    referrer = _add(session, ctx)
    referrer.referral_code = "ANA10"
    session.add(referrer)
    session.flush()
    friend = _add(session, ctx, name="Beto", email="beto@example.com", referral_code=" ANA10 ")
    assert friend.referrer_id == referrer.id


def test_get_client_not_found(session):
    with pytest.raises(NotFoundError) as err:
        clients.get_client(session, 42)
    assert err.value.message == "There is no client 42; `hostctl client list` shows them."


def test_find_by_email_and_list(session, ctx):
    ana = _add(session, ctx, company="Radio Sur")
    beto = _add(session, ctx, name="Beto Gómez", email="beto@example.com")
    assert clients.find_by_email(session, " ANA@example.com") is ana
    assert clients.find_by_email(session, "nobody@example.com") is None
    assert clients.list_clients(session) == [ana, beto]
    assert clients.list_clients(session, search="radio") == [ana]
    assert clients.list_clients(session, search="GÓMEZ".lower()) == [beto]
    assert clients.list_clients(session, search="example", limit=1) == [ana]


# --------------------------------------------------------------------------- edit
def test_edit_records_diff_and_alerts(session, ctx):
    client = _add(session, ctx, phone="+5491123456789", country="AR")
    later = make_ctx("2026-02-01", staff="maria")
    edited, warnings = clients.edit_client(
        session, later, client.id, phone="+59899123456", support_plan="full"
    )
    assert warnings == []
    assert (edited.phone, edited.support_plan, edited.updated_at) == (
        "+59899123456",
        "full",
        later.now,
    )
    action, _, entity_id, changes, _ = _audit(session)[-1]
    assert (action, entity_id) == ("client.edit", str(client.id))
    assert changes == {
        "phone": ["+5491123456789", "+59899123456"],
        "support_plan": ["standard", "full"],
    }
    messages = session.exec(
        select(OutboxMessage).where(OutboxMessage.event == "client.updated")
    ).all()
    assert [m.channel for m in messages] == ["whatsapp", "email"]
    assert json.loads(messages[0].payload) == {
        "fields": ["phone", "support_plan"],
        "name": "Ana Pérez",
    }
    assert messages[0].effective_date == dt.date(2026, 2, 1)


def test_edit_without_change_writes_nothing(session, ctx):
    client = _add(session, ctx)
    clients.edit_client(session, ctx, client.id, name="Ana  Pérez", email="ana@example.com")
    assert [a[0] for a in _audit(session)] == ["client.add"]
    assert [m[0] for m in _outbox(session)] == ["client.registered"]


def test_edit_empty_string_clears_optional_field(session, ctx):
    client = _add(session, ctx, company="Radio Sur", phone="+5491123456789")
    clients.edit_client(session, ctx, client.id, company="", phone="")
    assert (client.company, client.phone) == (None, None)


def test_edit_refuses_email_of_another_client(session, ctx):
    _add(session, ctx)
    beto = _add(session, ctx, name="Beto", email="beto@example.com")
    with pytest.raises(BusinessRuleError):
        clients.edit_client(session, ctx, beto.id, email="ANA@example.com")
    assert beto.email == "beto@example.com"


def test_edit_phone_of_another_client_warns(session, ctx):
    ana = _add(session, ctx, phone="+5491123456789")
    beto = _add(session, ctx, name="Beto", email="beto@example.com")
    _, warnings = clients.edit_client(session, ctx, beto.id, phone="+5491123456789")
    assert warnings == [
        f"The phone +5491123456789 is also the phone of client {ana.id} (Ana Pérez); "
        "check this is not the same person."
    ]
    assert _audit(session)[-1][4] == warnings[0]


def test_currency_change_refused_while_invoices_unpaid(session, ctx):
    client = _add(session, ctx, country="AR")
    _unpaid_invoice(session, client.id)
    with pytest.raises(BusinessRuleError) as err:
        clients.edit_client(session, ctx, client.id, currency="USD")
    assert err.value.message == (
        f"Client {client.id} has unpaid invoices in ARS; settle or cancel them before "
        "changing the currency."
    )
    assert client.currency == "ARS"
    # Other fields can still change while the invoice is unpaid.
    clients.edit_client(session, ctx, client.id, name="Ana María Pérez")
    invoice = session.exec(select(Invoice)).one()
    invoice.status = "paid"
    session.add(invoice)
    session.flush()
    clients.edit_client(session, ctx, client.id, currency="usd")
    assert client.currency == "USD"


# --------------------------------------------------------------------------- verify, password
def test_verify_records_who_and_when(session, ctx):
    client = _add(session, ctx)
    staff_ctx = make_ctx("2026-01-12", staff="maria", at="11:30")
    clients.verify_client(session, staff_ctx, client.id)
    assert (client.verified, client.verified_by, client.verified_at) == (
        True,
        "maria",
        staff_ctx.now,
    )
    assert _audit(session)[-1][:4] == (
        "client.verify",
        "client",
        str(client.id),
        {"verified": [False, True]},
    )
    with pytest.raises(BusinessRuleError) as err:
        clients.verify_client(session, ctx, client.id)
    assert err.value.message == f"Client {client.id} was already verified by maria."


def test_password_stored_only_as_argon2_hash(session, ctx):
    client = _add(session, ctx, phone="+5491123456789")
    clients.set_password(session, ctx, client.id, "s3cret-pass")
    assert client.password_hash.startswith("$argon2id$")
    assert "s3cret-pass" not in client.password_hash
    assert clients.check_password(client, "s3cret-pass")
    assert not clients.check_password(client, "wrong-pass")
    assert _audit(session)[-1][3] == {"password": "changed"}
    assert all("s3cret" not in a.changes for a in session.exec(select(AuditEntry)))
    assert _outbox(session)[-2:] == [
        ("client.password_changed", "whatsapp", client.id, "pending"),
        ("client.password_changed", "email", client.id, "pending"),
    ]


def test_short_password_refused(session, ctx):
    client = _add(session, ctx)
    with pytest.raises(ValidationError) as err:
        clients.set_password(session, ctx, client.id, "short")
    assert err.value.message == "The password must have at least 8 characters."
    assert client.password_hash is None
    assert not clients.check_password(client, "short")


# --------------------------------------------------------------------------- contacts
def test_contact_with_rights(session, ctx):
    client = _add(session, ctx)
    contact = clients.add_contact(
        session, ctx, client.id, name="Luis", email="Luis@Example.com", rights="tickets, INVOICES"
    )
    assert (contact.name, contact.email, contact.rights) == (
        "Luis",
        "Luis@Example.com",
        "invoices,tickets",
    )
    assert clients.contacts(session, client.id) == [contact]
    assert _audit(session)[-1][:4] == (
        "contact.add",
        "client",
        str(client.id),
        {"contact": {"email": "Luis@Example.com", "id": contact.id, "rights": "invoices,tickets"}},
    )


@pytest.mark.parametrize(
    ("email", "rights", "exc", "message"),
    [
        ("luis@example.com", "invoices,billing", ValidationError,
         "Unknown contact right 'billing'; use invoices, tickets, services, account."),
        ("ANA@example.com", "", BusinessRuleError, "A contact cannot have the client's own email."),
        ("LUIS@example.com", "", BusinessRuleError,
         "Client 1 already has a contact with the email LUIS@example.com."),
    ],
)  # fmt: skip
def test_contact_refusals(session, ctx, email, rights, exc, message):
    client = _add(session, ctx)
    assert client.id == 1
    clients.add_contact(session, ctx, 1, name="Luis", email="luis@example.com")
    with pytest.raises(exc) as err:
        clients.add_contact(session, ctx, 1, name="Otro", email=email, rights=rights)
    assert err.value.message == message
    assert len(clients.contacts(session, 1)) == 1


def test_paypal_refused_currencies(session, ctx):
    assert clients.paypal_allowed(_add(session, ctx, currency="USD"))
    assert not clients.paypal_allowed(_add(session, ctx, email="b@example.com", currency="UYU"))


# --------------------------------------------------------------------------- import
def _csv(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    path = tmp_path / "clients.csv"
    path.write_text(header + body, encoding="utf-8")
    return path


def test_import_writes_every_row_with_audit(session, tmp_path):
    ctx = make_ctx("2026-03-01", staff="importer")
    path = _csv(
        tmp_path,
        "Ana Pérez,ana@example.com,+5491123456789,AR,,20-12345678-6,,\n"
        "Beto,beto@example.com,,UY,USD,,Radio Este,full\n",
    )
    assert clients.import_clients(session, ctx, path) == 2
    ana, beto = session.exec(select(Client).order_by(Client.id)).all()
    assert (ana.currency, ana.document_key, ana.created_on) == (
        "ARS",
        "20123456786",
        dt.date(2026, 3, 1),
    )
    assert (beto.currency, beto.company, beto.support_plan) == ("USD", "Radio Este", "full")
    audit = _audit(session)
    assert [(a[0], a[2], a[4]) for a in audit] == [
        ("client.import", str(ana.id), "imported from clients.csv, line 2"),
        ("client.import", str(beto.id), "imported from clients.csv, line 3"),
    ]
    assert audit[1][3]["email"] == "beto@example.com"
    # Migrated clients are not welcomed again.
    assert _outbox(session) == []


def test_imported_rows_read_back_like_orm_rows(session, tmp_path):
    """The import writes clients and audit entries straight to the driver: they read back
    through the ORM as ``add`` would have written them, the entries in the order of the
    file (not of the emails), and one phone on several rows is the same phone."""
    ctx = make_ctx("2026-03-01", staff="importer", at="10:15")
    before = dt.datetime.now(dt.UTC)
    path = _csv(
        tmp_path,
        "Zoe,zoe@example.com,+59899111222,UY,,,,\n"
        "Ana,ana@example.com,+598 99 111 222,ar,eur,20-1,  Radio   Sur ,FULL\n"
        "Beto,beto@example.com,+59899111222,,,,,\n",
    )
    assert clients.import_clients(session, ctx, path) == 3
    zoe, ana, beto = session.exec(select(Client).order_by(Client.id)).all()
    assert [c.email for c in (zoe, ana, beto)] == [
        "zoe@example.com",
        "ana@example.com",
        "beto@example.com",
    ]
    assert zoe.phone == ana.phone == beto.phone == "+59899111222"
    assert (ana.country, ana.currency, ana.company, ana.support_plan) == (
        "AR",
        "EUR",
        "Radio Sur",
        "full",
    )
    assert (ana.document, ana.document_key, beto.document_key) == ("20-1", "201", None)
    assert (zoe.verified, zoe.status, zoe.credit_minor, zoe.referrer_id) == (
        False,
        "active",
        0,
        None,
    )
    assert zoe.created_on == dt.date(2026, 3, 1)
    assert zoe.created_at == zoe.updated_at == ctx.now  # aware, the same instant
    assert zoe.created_at.tzinfo is not None
    entries = session.exec(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.entity_id, e.note) for e in entries] == [
        (str(zoe.id), "imported from clients.csv, line 2"),
        (str(ana.id), "imported from clients.csv, line 3"),
        (str(beto.id), "imported from clients.csv, line 4"),
    ]
    entry = entries[1]
    assert (entry.action, entry.entity_type, entry.staff, entry.effective_date) == (
        "client.import",
        "client",
        "importer",
        dt.date(2026, 3, 1),
    )
    assert entry.at.tzinfo is not None
    assert before - dt.timedelta(seconds=1) <= entry.at <= dt.datetime.now(dt.UTC)
    assert json.loads(entry.changes) == clients.client_fields(ana)
    assert audit.entries(session, entity_type="client", entity_id=str(ana.id)) == [entry]
    assert _outbox(session) == []


def test_import_reports_a_repeated_bad_phone_on_every_row(session, ctx, tmp_path):
    path = _csv(
        tmp_path,
        "Ana,ana@example.com,+54,,,,,\nBeto,beto@example.com,+5491123456789,,,,,\n"
        "Ciro,ciro@example.com,+54,,,,,\n",
    )
    with pytest.raises(ImportFileError) as err:
        clients.import_clients(session, ctx, path)
    assert err.value.details == [
        "line 2, column phone: The phone '+54' is not a phone number.",
        "line 4, column phone: The phone '+54' is not a phone number.",
    ]
    assert session.exec(select(Client)).all() == []


def test_import_reports_every_bad_row_and_writes_nothing(session, ctx, tmp_path):
    _add(session, ctx, email="old@example.com", document="30-11111111-1")
    path = _csv(
        tmp_path,
        "Zoe,zoe@example.com,+59899111222,UY,,31234567,,\n"  # line 2 ok
        ",nobody@example.com,,,,,,\n"  # 3
        "Yan,OLD@example.com,,,,,,\n"  # 4
        "Xi,xi@example.com,12345,,,,,\n"  # 5
        "Wu,zoe@EXAMPLE.com,,,,,,\n"  # 6
        "Vi,vi@example.com,,ZZ,,,,\n"  # 7
        "Ul,ul@example.com,,,XXX,,,\n"  # 8
        "Ti,ti@example.com,,,,30.11111111.1,,\n"  # 9
        "Si,si@example.com,,,,3123-4567,,\n"  # 10
        "Ro,ro@example.com,,,,,,gold\n"  # 11
        "Qu,qu example.com,,,,,,\n",  # 12
    )
    with pytest.raises(ImportFileError) as err:
        clients.import_clients(session, ctx, path)
    assert err.value.message == "clients.csv was not imported: 10 bad row(s)."
    assert err.value.details == [
        "line 3, column name: The name cannot be empty.",
        "line 4, column email: OLD@example.com is already a client.",
        "line 5, column phone: The phone '12345' must be in international E.164 form, "
        "e.g. +5491123456789, or the client needs a country to read it as a national number.",
        "line 6, column email: zoe@EXAMPLE.com repeats line 2.",
        "line 7, column country: The country 'ZZ' is not an ISO 3166 code such as AR, UY, CL.",
        "line 8, column currency: Unknown currency 'XXX'; use one of ARS, BOB, BRL, CAD, CLP, "
        "COP, CRC, DOP, EUR, GTQ, HNL, MXN, NIO, PAB, PEN, PYG, USD, UYU, VES.",
        "line 9, column document: 30.11111111.1 already belongs to a client.",
        "line 10, column document: 3123-4567 repeats line 2.",
        "line 11, column support_plan: The support plan 'gold' is not one of standard, "
        "professional, full.",
        "line 12, column email: The email 'qu example.com' is not valid: it has no @.",
    ]
    assert [c.email for c in session.exec(select(Client))] == ["old@example.com"]


@pytest.mark.parametrize(
    ("header", "body", "message", "details"),
    [
        ("name,email,fax\n", "A,a@example.com,1\n",
         "clients.csv has unknown column 'fax'; the columns are "
         "name,email,phone,country,currency,document,company,support_plan.", []),
        ("name,phone\n", "A,+5491123456789\n",
         "clients.csv lacks the required column 'email'.", []),
        ("name,email\n", "", "clients.csv has no rows to import.", []),
        ("name,email\n", "A,a@example.com\nB,b@example.com,extra\n",
         "clients.csv was not imported: 1 bad row(s).",
         ["line 3, column 3: more values than the 2 columns of the header."]),
    ],
)  # fmt: skip
def test_import_file_shape(session, ctx, tmp_path, header, body, message, details):
    with pytest.raises(ImportFileError) as err:
        clients.import_clients(session, ctx, _csv(tmp_path, body, header))
    assert (err.value.message, err.value.details) == (message, details)
    assert session.exec(select(Client)).all() == []


def test_import_missing_file(session, ctx, tmp_path):
    with pytest.raises(ValidationError) as err:
        clients.import_clients(session, ctx, tmp_path / "nothere.csv")
    assert err.value.message == "Cannot read " + str(tmp_path / "nothere.csv") + (
        ": No such file or directory."
    )


def test_import_accepts_bom_and_column_order(session, ctx, tmp_path):
    path = tmp_path / "clients.csv"
    path.write_text("\ufeffemail,name\nana@example.com,Ana\n", encoding="utf-8")
    assert clients.import_clients(session, ctx, path) == 1
    assert session.exec(select(Client.name)).all() == ["Ana"]


def test_example_clients_csv_imports(session, ctx):
    path = Path(__file__).parents[2] / "examples" / "clients.csv"
    assert clients.import_clients(session, ctx, path) == 4
