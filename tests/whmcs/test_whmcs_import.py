"""`hostctl whmcs import` (MIG-1 … MIG-6) from a real MariaDB holding the real WHMCS 8.4
schema, with WHMCS's traps: zero dates, HTML entities, a currency per client, orphans, Draft
invoices, lines of invoice 0 or of a missing invoice, refunds as amountout rows naming the
payment, credit applied, duplicated transaction ids, secrets that must never be read.

The import day is 2027-03-01. The money, by hand:
ARS unpaid = invoice 100 (5 000.00 − 1 000.00 paid) + invoice 101 (60 000.00 − 100.00 of
credit applied) = 63 900.00; ARS credit 150.00. USD unpaid = invoice 109 (a late fee, 5.00)
+ invoice 110 (9.00) = 14.00 (invoice 107 does not add up and is left out); no USD credit.

The servers (SRV-1): web1 is cPanel at a loopback WHM (``whm``, the fake panel of the
servers tests) holding services 10 (active), 11 and 19 (suspended), 17 (terminated) and 18
(cancelled); web2 is CWP; dns1 has no module hostctl drives; "Servidor Viejo/1" is a name
hostctl refuses, WEB1 a second web1, and "Nodo  Dos" comes as nodo-dos.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from panels import FakePanel, PanelAccount, PanelServer

REPO = Path(__file__).resolve().parents[2]
CATALOGUE = REPO / "src" / "hostctl" / "data" / "catalogue.toml"
DOMAIN_AR = """
[[product]]
code = "domain-ar"
name = "Dominio .com.ar"
category = "domain"
cycles = ["annual"]
monthly_price = { ARS = "1000.00", USD = "1.00" }
activation = "instant"
period_discount = false
refundable = false
"""
MAP = """
[products]
"1" = "hosting-basic"
"2" = "hosting-pro"
"3" = ""
"4" = "hosting-pro"
[domains]
".com.ar" = "domain-ar"
"*" = "domain-com"
[gateways]
banktransfer = "bank-transfer"
mercadopago = "mercadopago"
paypal = "paypal"
bitpay = ""
"""
TODAY = "2027-03-01"
WHM_TOKEN = "WHMAPITOKEN7Q2ZXK"
SECRETS = (
    "$2y$10$HASHOFJUANSPASSWORD",
    "ENCRYPTEDHOSTINGPASSWORD",
    "4111111111111111",
    WHM_TOKEN,  # tblservers.accesshash: the API token
    "ENCRYPTEDSERVERPASSWORD",  # tblservers.password
    "CWPAPIKEYINHASH",
    "MODULEAPIKEYINCONFIG",  # another module's setting in configoption1
)


def _client(cid, first, last, email, currency, **extra):
    return {
        "id": cid,
        "firstname": first,
        "lastname": last,
        "email": email,
        "currency": currency,
        "password": SECRETS[0],
        "cardnum": SECRETS[2],
        "datecreated": "2020-05-04",
        "status": "Active",
        **extra,
    }


def _service(sid, client, product, cycle, status, due, **extra):
    return {
        "id": sid,
        "userid": client,
        "packageid": product,
        "billingcycle": cycle,
        "domainstatus": status,
        "nextduedate": due,
        "regdate": "2024-01-10",
        "password": SECRETS[1],
        **extra,
    }


def _invoice(iid, client, status, date, due, total, *, subtotal=None, credit="0", tax="0", **extra):
    return {
        "id": iid,
        "userid": client,
        "status": status,
        "date": date,
        "duedate": due,
        "subtotal": subtotal or total,
        "credit": credit,
        "tax": tax,
        "total": total,
        "paymentmethod": "banktransfer",
        **extra,
    }


def _item(invoice, kind, relid, amount, description, due="0000-00-00", **extra):
    return {
        "invoiceid": invoice,
        "type": kind,
        "relid": relid,
        "amount": amount,
        "description": description,
        "duedate": due,
        **extra,
    }


@pytest.fixture(scope="module")
def whm(tmp_path_factory):
    """web1's panel: a loopback WHM over TLS (its CA is given to hostctl as SSL_CERT_FILE)."""
    panel = FakePanel("whm", WHM_TOKEN)
    with PanelServer(panel, https=True, folder=tmp_path_factory.mktemp("whm")):
        yield panel


def _server(sid, name, kind, hostname="", **extra):
    return {
        "id": sid,
        "name": name,
        "type": kind,
        "hostname": hostname,
        "password": SECRETS[4],
        "secure": "on",
        **extra,
    }


@pytest.fixture(scope="module")
def whmcs(whmcs_db, whm):
    w = whmcs_db
    w.insert(
        "tblservers",
        _server(
            1,
            "web1",
            "cpanel",
            "127.0.0.1",
            port=int(whm.url.rsplit(":", 1)[1]),
            username="root",
            accesshash=WHM_TOKEN,
        ),
        _server(2, "Web2", "cwp7", "https://cwp.example.com/", accesshash=SECRETS[5]),
        _server(3, "Servidor Viejo/1", "plesk", "viejo.example.com"),
        _server(4, "dns1", "", ipaddress="203.0.113.7"),
        _server(5, "WEB1", "cpanel", "web1b.example.com"),
        _server(6, "Nodo  Dos", "", ipaddress="203.0.113.8"),
    )
    w.insert(
        "tblcurrencies",
        {"id": 1, "code": "USD", "prefix": "$", "rate": 1, "default": 1},
        {"id": 2, "code": "ARS", "prefix": "$", "rate": 1000, "default": 0},
        {"id": 3, "code": "XBT", "prefix": "", "rate": 1, "default": 0},
    )
    w.insert(
        "tblclients",
        _client(
            1,
            "Juan",
            "P&eacute;rez",
            "juan@example.com",
            2,
            country="AR",
            phonenumber="11 5555-0001",
            credit="150.00",
            tax_id="20-12345678-9",
            companyname="Radio &amp; TV",
            datecreated="0000-00-00",
        ),
        _client(2, "Ana", "Gómez", "ana@example.com", 1, country="UY", phonenumber="no tengo"),
        _client(3, "Juan", "Otro", "JUAN@example.com", 2),
        _client(4, "Satoshi", "N", "satoshi@example.com", 3),
        _client(5, "Old", "Client", "old@example.com", 1, status="Closed"),
    )
    w.insert(
        "tblcontacts",
        {
            "id": 1,
            "userid": 1,
            "firstname": "María",
            "lastname": "Pérez",
            "email": "maria@example.com",
            "phonenumber": "+5491144445555",
        },
        {"id": 2, "userid": 99, "firstname": "Nadie", "email": "nadie@example.com"},
    )
    w.insert(
        "tblproducts",
        {
            "id": 1,
            "type": "hostingaccount",
            "gid": 1,
            "name": "Hosting B&aacute;sico",
            "servertype": "cpanel",
            "configoption1": "basico",
        },
        {
            "id": 2,
            "type": "hostingaccount",
            "gid": 1,
            "name": "Hosting Pro",
            "servertype": "cpanel",
            "configoption1": "pro",
        },
        {
            "id": 3,
            "type": "other",
            "gid": 1,
            "name": "Correo",
            "servertype": "mailer",
            "configoption1": SECRETS[6],
        },
        {
            "id": 4,
            "type": "hostingaccount",
            "gid": 1,
            "name": "Hosting Pro CWP",
            "servertype": "cwp7",
            "configoption1": "3",
        },
    )
    w.insert(
        "tblhosting",
        _service(
            10,
            1,
            1,
            "Monthly",
            "Active",
            "2027-03-10",
            domain="juan.com.ar",
            server=1,
            username="juan10",
        ),
        _service(
            11,
            1,
            2,
            "Annually",
            "Suspended",
            "2027-02-10",
            suspendreason="Overdue on Payment",
            server=1,
            username="juan11",
        ),
        _service(12, 2, 1, "Quarterly", "Active", "2027-04-15", server=2, username="ana12"),
        _service(13, 2, 3, "Monthly", "Active", "2027-03-20"),
        _service(14, 77, 1, "Monthly", "Active", "2027-03-20"),
        _service(15, 2, 1, "Triennially", "Active", "2027-03-20"),
        _service(16, 2, 1, "Free Account", "Active", "0000-00-00"),
        _service(
            17,
            5,
            1,
            "Monthly",
            "Terminated",
            "2026-11-01",
            termination_date="2026-12-01",
            server=1,
            username="old user!",
        ),
        _service(18, 2, 1, "Monthly", "Fraud", "2027-03-05", server=1, username="ana18"),
        _service(
            19,
            2,
            2,
            "Monthly",
            "Suspended",
            "2027-04-01",
            suspendreason="Spam",
            server=1,
            username="ana19",
        ),
    )
    w.insert(
        "tbldomains",
        {
            "id": 1,
            "userid": 1,
            "domain": "juan.com.ar",
            "status": "Active",
            "nextduedate": "2027-05-01",
            "registrationperiod": 1,
            "registrationdate": "2020-05-01",
        },
        {
            "id": 2,
            "userid": 2,
            "domain": "ana.com",
            "status": "Active",
            "nextduedate": "2027-08-01",
            "registrationperiod": 2,
            "donotrenew": 1,
            "registrationdate": "0000-00-00",
        },
        {
            "id": 3,
            "userid": 2,
            "domain": "mal_dominio!.com",
            "status": "Active",
            "nextduedate": "2027-08-01",
            "registrationperiod": 1,
        },
    )
    w.insert(
        "tblinvoices",
        _invoice(100, 1, "Unpaid", "2027-02-24", "2027-03-10", "5000.00"),
        _invoice(
            101,
            1,
            "Unpaid",
            "2027-01-26",
            "2027-02-10",
            "59900.00",
            subtotal="60000.00",
            credit="100.00",
        ),
        _invoice(
            102,
            1,
            "Paid",
            "2026-01-26",
            "2026-02-10",
            "60000.00",
            invoicenum="2026-000042",
            datepaid="2026-02-05 10:00:00",
        ),
        _invoice(
            103,
            2,
            "Paid",
            "2025-07-15",
            "2025-08-01",
            "30.25",
            subtotal="25.00",
            tax="5.25",
            datepaid="2025-07-20 12:00:00",
        ),
        _invoice(
            104, 2, "Paid", "2026-05-01", "2026-05-01", "10.00", datepaid="2026-05-02 12:00:00"
        ),
        _invoice(105, 2, "Draft", "2027-02-01", "2027-02-01", "7.00"),
        _invoice(106, 77, "Unpaid", "2027-02-01", "2027-02-01", "7.00"),
        _invoice(107, 2, "Unpaid", "2027-02-01", "2027-02-20", "12.00", subtotal="10.00"),
        _invoice(
            108, 2, "Cancelled", "2027-01-01", "2027-01-15", "20.00", date_cancelled="2027-01-20"
        ),
        _invoice(109, 2, "Collections", "2027-02-01", "2027-02-10", "5.00"),
        _invoice(110, 2, "Unpaid", "2027-03-01", "2027-04-15", "9.00"),
    )
    w.insert(
        "tblinvoiceitems",
        _item(
            100,
            "Hosting",
            10,
            "5000.00",
            "Hosting B&aacute;sico - juan.com.ar (10/03/2027 - 09/04/2027)",
            "2027-03-10",
        ),
        _item(
            101, "Hosting", 11, "60000.00", "Hosting Pro (10/02/2027 - 09/02/2028)", "2027-02-10"
        ),
        _item(
            102, "Hosting", 11, "60000.00", "Hosting Pro (10/02/2026 - 09/02/2027)", "2026-02-10"
        ),
        _item(103, "Domain", 2, "25.00", "Registro ana.com", "2025-08-01"),
        _item(104, "Item", 0, "10.00", "Instalación de WordPress"),
        _item(105, "Item", 0, "7.00", "Borrador"),
        _item(106, "Item", 0, "7.00", "Huérfana"),
        _item(107, "Item", 0, "10.00", "No suma"),
        _item(108, "Hosting", 12, "20.00", "Hosting B&aacute;sico", "2027-01-15"),
        _item(109, "LateFee", 0, "5.00", "Recargo por mora"),
        _item(
            110,
            "Hosting",
            12,
            "9.00",
            "Hosting B&aacute;sico (15/04/2027 - 14/07/2027)",
            "2027-04-15",
        ),
        {"id": 500, "invoiceid": 0, "type": "Item", "amount": "3.00", "description": "Suelta"},
        {"id": 501, "invoiceid": 999, "type": "Item", "amount": "4.00", "description": "Perdida"},
    )
    w.insert(
        "tblaccounts",
        {
            "id": 1,
            "userid": 1,
            "gateway": "banktransfer",
            "date": "2027-02-26 09:00:00",
            "amountin": "1000.00",
            "transid": "T-1",
            "invoiceid": 100,
        },
        {
            "id": 2,
            "userid": 1,
            "gateway": "mercadopago",
            "date": "2026-02-05 10:00:00",
            "amountin": "60000.00",
            "transid": "MP-9",
            "invoiceid": 102,
        },
        {
            "id": 3,
            "userid": 1,
            "gateway": "mercadopago",
            "date": "2026-02-20 10:00:00",
            "amountout": "10000.00",
            "transid": "MP-9-R",
            "invoiceid": 102,
            "refundid": 2,
            "description": "Devolución parcial",
        },
        {
            "id": 4,
            "userid": 2,
            "gateway": "paypal",
            "date": "2025-07-20 12:00:00",
            "amountin": "30.25",
            "transid": "PP-1",
            "invoiceid": 103,
        },
        {
            "id": 5,
            "userid": 2,
            "gateway": "paypal",
            "date": "2026-05-02 12:00:00",
            "amountin": "10.00",
            "transid": "pp-1 ",
            "invoiceid": 104,
        },
        {
            "id": 6,
            "userid": 2,
            "gateway": "paypal",
            "date": "2026-05-02 12:00:00",
            "amountin": "50.00",
            "transid": "PP-2",
            "invoiceid": 0,
        },
        {
            "id": 7,
            "userid": 2,
            "gateway": "bitpay",
            "date": "2026-05-03 12:00:00",
            "amountin": "0.01",
            "transid": "BTC-1",
            "invoiceid": 104,
        },
    )
    w.insert(
        "tbltickets",
        {
            "id": 1,
            "tid": "ABC-123",
            "did": 1,
            "userid": 1,
            "title": "No anda el correo",
            "message": "Desde ayer no recibo correos.",
            "status": "Open",
            "date": "2027-02-28 10:00:00",
            "lastreply": "2027-02-28 10:00:00",
            "urgency": "High",
        },
        {
            "id": 2,
            "tid": "ABC-124",
            "did": 1,
            "userid": 2,
            "title": "Gracias",
            "message": "Listo.",
            "status": "Closed",
            "date": "2027-01-05 10:00:00",
        },
    )
    w.insert(
        "tblticketreplies",
        {
            "id": 1,
            "tid": 1,
            "userid": 0,
            "admin": "Laura",
            "date": "2027-02-28 11:00:00",
            "message": "Lo estamos revisando.",
        },
    )
    w.insert("tblaffiliates", {"id": 1, "clientid": 1, "balance": "500.00"})
    w.insert("tblaffiliatesaccounts", {"id": 1, "affiliateid": 1, "relid": 12})
    return w


@pytest.fixture
def hostctl(cli, tmp_path):
    assert cli("product", "import", str(CATALOGUE)).exit_code == 0
    (tmp_path / "ar.toml").write_text(DOMAIN_AR, encoding="utf-8")
    assert cli("product", "import", str(tmp_path / "ar.toml")).exit_code == 0
    (tmp_path / "map.toml").write_text(MAP, encoding="utf-8")
    return cli


def _import(cli, whmcs, tmp_path, *extra):
    return cli(
        "whmcs",
        "import",
        "--from",
        whmcs.url,
        "--map",
        str(tmp_path / "map.toml"),
        "--json",
        *extra,
        today=TODAY,
    )


@pytest.fixture
def imported(hostctl, whmcs, tmp_path):
    result = _import(hostctl, whmcs, tmp_path)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_the_report_counts_reconciles_and_lists_what_was_left_out(imported):
    assert imported["dry_run"] is False
    assert imported["imported"] == {
        "clients": 3,
        "services": 6,  # 10, 11, 12, 17, 18, 19; not 13 ("" product), 14 (orphan), 15, 16
        "domains": 2,
        "invoices": 8,
        "payments": 4,
        "tickets": 1,
        "affiliates": 1,
        "servers": 4,  # web1, web2, dns1, nodo-dos
    }
    assert imported["servers"] == [
        {
            "name": "web1",
            "panel": "whm",
            "url": imported["servers"][0]["url"],
            "user": "root",
            "token_variable": "HOSTCTL_PANEL_TOKEN_WEB1",
        },
        {
            "name": "web2",
            "panel": "cwp",
            "url": "https://cwp.example.com:2304",
            "user": None,
            "token_variable": "HOSTCTL_PANEL_TOKEN_WEB2",
        },
        {"name": "dns1", "panel": None, "url": None, "user": None, "token_variable": None},
        {"name": "nodo-dos", "panel": None, "url": None, "user": None, "token_variable": None},
    ]
    assert imported["servers"][0]["url"].startswith("https://127.0.0.1:")
    assert imported["money"] == [
        {
            "currency": "ARS",
            "whmcs_unpaid": "63900.00",
            "hostctl_unpaid": "63900.00",
            "whmcs_credit": "150.00",
            "hostctl_credit": "150.00",
        },
        {
            "currency": "USD",
            "whmcs_unpaid": "14.00",
            "hostctl_unpaid": "14.00",
            "whmcs_credit": "0.00",
            "hostctl_credit": "0.00",
        },
    ]
    skipped = {(s["table"], s["id"]): s["why"] for s in imported["skipped"]}
    assert skipped == {
        ("tblclients", 2): "phone left empty: the phone 'no tengo' is not a phone number",
        ("tblclients", 3): "another client has the same email JUAN@example.com",
        ("tblclients", 4): "its currency 'XBT' is not one hostctl knows",
        ("tblcontacts", 2): "its client was not imported",
        ("tblhosting", 13): "product 3 is mapped to nothing",
        ("tblhosting", 14): "its client 77 was not imported",
        ("tblhosting", 15): "hostctl has no 'Triennially' cycle",
        ("tblhosting", 16): "hostctl has no 'Free Account' cycle",
        ("tbldomains", 3): skipped[("tbldomains", 3)],
        ("tblinvoices", 105): "it is a draft",
        ("tblinvoices", 106): "its client 77 was not imported",
        ("tblinvoices", 107): "its lines add up to 10.00, its total is 12.00",
        ("tblinvoiceitems", 500): "it belongs to no invoice",
        ("tblinvoiceitems", 501): "its invoice 999 does not exist",
        ("tblaccounts", 6): "its invoice was not imported",
        ("tblaccounts", 7): "gateway bitpay is mapped to nothing",
        ("tbltickets", 2): "the ticket is closed",
        ("tblservers", 3): "the server name 'Servidor-Viejo/1' may use letters, digits, '-', '_' "
        "and '.' (80 at most); its services come without a server",
        ("tblservers", 5): "another WHMCS server is also named web1; its services come without "
        "a server",
        ("tblhosting", 17): "username left empty: the username 'old user!' may use letters, "
        "digits, '-', '_' and '.' (64 at most)",
        ("tblproducts", 2): "its package pro was not given to hosting-pro: the WHMCS products "
        "mapped to it use 3, pro",
        ("tblproducts", 4): "its package 3 was not given to hosting-pro: the WHMCS products "
        "mapped to it use 3, pro",
    }
    assert "mal_dominio" in skipped[("tbldomains", 3)]


def test_clients_services_and_invoices_come_over_as_whmcs_had_them(imported, hostctl):
    juan = hostctl.json("client", "show", "1")
    assert (juan["name"], juan["company"], juan["phone"], juan["currency"]) == (
        "Juan Pérez",
        "Radio & TV",
        "+541155550001",
        "ARS",
    )
    assert (juan["credit_balance"], juan["whmcs_id"], juan["created_on"]) == (
        "150.00",
        1,
        TODAY,  # a zero date of creation: the import day
    )
    assert hostctl.json("client", "show", "5")["status"] == "closed"
    assert hostctl("client", "show", "3").exit_code == 3

    services = {s["id"]: s for s in hostctl.json("service", "list")}
    assert {i: (s["status"], s["cycle"], s["next_due_date"]) for i, s in services.items()} == {
        10: ("active", "monthly", "2027-03-10"),
        11: ("suspended", "annual", "2027-02-10"),
        12: ("active", "quarterly", "2027-04-15"),
        17: ("terminated", "monthly", "2026-11-01"),
        18: ("cancelled", "monthly", "2027-03-05"),
        19: ("suspended", "monthly", "2027-04-01"),
        20: ("active", "annual", "2027-05-01"),  # tbldomains 1: ids after tblhosting's
        21: ("active", "biennial", "2027-08-01"),
    }
    assert (services[11]["suspension_reason"], services[19]["suspension_reason"]) == (
        "non-payment",
        "abuse",
    )
    domain = hostctl.json("service", "show", "21")
    assert (domain["product"], domain["domain"], domain["auto_renew"], domain["whmcs_id"]) == (
        "domain-com",
        "ana.com",
        False,
        2,
    )
    assert hostctl.json("service", "show", "20")["product"] == "domain-ar"

    renewal = hostctl.json("invoice", "show", "100")
    assert (renewal["number"], renewal["kind"], renewal["status"], renewal["whmcs_id"]) == (
        "100",
        "renewal",
        "unpaid",
        100,
    )
    assert (renewal["total"], renewal["paid"], renewal["amount_due"]) == (
        "5000.00",
        "1000.00",
        "4000.00",
    )
    assert renewal["lines"] == [
        {
            "kind": "item",
            "code": None,
            "description": "Hosting Básico - juan.com.ar (10/03/2027 - 09/04/2027)",
            "service_id": 10,
            "period_start": "2027-03-10",
            "period_end": "2027-04-09",
            "amount": "5000.00",
        },
    ]
    with_credit = hostctl.json("invoice", "show", "101")
    assert [(x["kind"], x["amount"]) for x in with_credit["lines"]] == [
        ("item", "60000.00"),
        ("credit", "-100.00"),
    ]
    taxed = hostctl.json("invoice", "show", "103")
    assert [(x["code"], x["service_id"], x["amount"]) for x in taxed["lines"]] == [
        (None, 21, "25.00"),
        ("tax", None, "5.25"),
    ]
    assert hostctl.json("invoice", "show", "102")["number"] == "2026-000042"
    kinds = {i["id"]: (i["kind"], i["status"]) for i in hostctl.json("invoice", "list")}
    assert kinds == {
        100: ("renewal", "unpaid"),
        101: ("renewal", "unpaid"),
        102: ("renewal", "paid"),
        103: ("renewal", "paid"),
        104: ("order", "paid"),
        108: ("renewal", "cancelled"),
        109: ("fee", "unpaid"),
        110: ("renewal", "unpaid"),
    }


def test_the_statement_and_the_credit_ledger_add_up(imported, hostctl):
    # owed 4 000.00 + 59 900.00, less 150.00 of credit; WHMCS's 100.00 of credit applied to
    # invoice 101 counts once
    statement = hostctl.json("client", "statement", "1")
    assert statement["closing_balance"] == "63750.00"
    assert hostctl.json("client", "show", "1")["credit_balance"] == "150.00"


def test_open_tickets_and_affiliates_come_over(imported, hostctl):
    ticket = hostctl.json("ticket", "show", "ABC-123")
    assert (ticket["subject"], ticket["status"], ticket["client_id"]) == (
        "No anda el correo",
        "open",
        1,
    )
    affiliate = hostctl.json("affiliate", "show", "1")
    assert (affiliate["balance"], affiliate["currency"], affiliate["referred"]) == (
        "500.00",
        "ARS",
        [2],
    )
    assert hostctl.json("client", "show", "2")["referrer_id"] == 1


def test_payments_refunds_and_duplicated_transaction_ids(imported, hostctl):
    payments = hostctl.json("payment", "list", "--client", "2")
    assert sorted(
        (p["invoice_id"], p["method"], p["amount"], p["reference"]) for p in payments
    ) == [
        (103, "paypal", "30.25", "PP-1"),
        (104, "paypal", "10.00", "pp-1"),  # WHMCS had the id twice: both kept
    ]
    paid = hostctl.json("invoice", "show", "102")
    assert [(p["method"], p["amount"], p["reference"], p["date"]) for p in paid["payments"]] == [
        ("mercadopago", "60000.00", "MP-9", "2026-02-05")
    ]
    assert [(r["amount"], r["method"], r["service_id"]) for r in paid["refunds"]] == [
        ("10000.00", "mercadopago", 11)
    ]
    partial = hostctl.json("invoice", "show", "100")
    assert [(p["method"], p["amount"]) for p in partial["payments"]] == [
        ("bank-transfer", "1000.00")
    ]


def test_servers_services_accounts_and_packages_come_over(imported, hostctl):
    accounts = {s["id"]: (s["server"], s["username"]) for s in hostctl.json("service", "list")}
    assert accounts == {
        10: ("web1", "juan10"),
        11: ("web1", "juan11"),
        12: ("web2", "ana12"),
        17: ("web1", None),  # "old user!" is no username: left empty, in `skipped`
        18: ("web1", "ana18"),
        19: ("web1", "ana19"),
        20: (None, None),  # domains run on no server
        21: (None, None),
    }
    web1 = hostctl.json("server", "show", "web1")
    assert (web1["panel"], web1["user"], web1["panel_since"], web1["services"]) == (
        "whm",
        "root",
        TODAY,  # driven from the import day: nothing is sent for anything before
        5,
    )
    assert hostctl.json("server", "show", "web2")["url"] == "https://cwp.example.com:2304"
    assert hostctl.json("product", "show", "hosting-basic")["panel_package"] == "basico"
    # WHMCS products 2 (pro) and 4 (3) both become hosting-pro: no guess, staff choose
    assert hostctl.json("product", "show", "hosting-pro")["panel_package"] is None


@pytest.fixture
def web1(imported, hostctl, whm, monkeypatch):
    """web1's token set as the report says, its CA trusted: the runbook's last step."""
    monkeypatch.setenv(imported["servers"][0]["token_variable"], WHM_TOKEN)
    monkeypatch.setenv("SSL_CERT_FILE", whm.ca_pem)
    assert hostctl.json("server", "check", "web1")["answer"] == "WHM 11.118.0.5"
    return whm


def test_the_switch_over_day_ends_with_the_audit_clean(web1, hostctl):
    web1.accounts = {
        "juan10": PanelAccount("juan.com.ar"),
        "juan11": PanelAccount("juan-pro.com.ar", suspended=True),
        "ana19": PanelAccount("ana19.com", suspended=True),
    }
    assert hostctl.json("server", "audit", "web1") == {
        "server": "web1",
        "accounts": 3,
        "services": 3,  # 10, 11, 19; 17 terminated and 18 cancelled have no account
        "live_but_not_billed_as_live": [],
        "down_but_active": [],
        "accounts_without_service": [],
        "services_without_account": [],
    }


def test_the_audit_finds_what_the_panel_and_the_books_disagree_on(web1, hostctl):
    web1.accounts = {
        "juan10": PanelAccount("juan.com.ar", suspended=True),  # its service is active
        "juan11": PanelAccount("juan-pro.com.ar", suspended=True),
        "ana18": PanelAccount("ana18.com"),  # its service is cancelled: hosting given away
        "extra": PanelAccount("extra.com"),  # nobody is billed
    }  # and ana19 is missing
    assert hostctl.json("server", "audit", "web1") == {
        "server": "web1",
        "accounts": 4,
        "services": 3,
        "live_but_not_billed_as_live": [
            {"user": "ana18", "service_id": 18, "service_status": "cancelled"}
        ],
        "down_but_active": [{"user": "juan10", "service_id": 10, "service_status": "active"}],
        "accounts_without_service": [{"user": "extra", "domain": "extra.com"}],
        "services_without_account": [{"service_id": 19, "username": "ana19"}],
    }


def test_nothing_secret_reaches_hostctl(imported, db_url):
    engine = create_engine(db_url)
    with engine.connect() as conn:
        dumped = []
        for table in inspect(conn).get_table_names():
            dumped += [repr(tuple(row)) for row in conn.execute(text(f'SELECT * FROM "{table}"'))]
    engine.dispose()
    everything = "\n".join(dumped)
    for secret in SECRETS:
        assert secret not in everything


def test_the_first_daily_issues_no_second_invoice_and_sends_nothing_from_before(imported, hostctl):
    result = hostctl.json("daily", today=TODAY)
    invoices = hostctl.json("invoice", "list")
    assert len(invoices) == 8  # nothing new: 10's and 12's periods are billed already
    services = {s["id"]: s["status"] for s in hostctl.json("service", "list")}
    # client 1 owes invoice 101 since 02-10, more than 5 business days: every service of
    # the debtor is suspended on the first day (service 10 itself is due only on 03-10)
    assert services[10] == "suspended"
    assert services[11] == "suspended"  # due 02-10: terminated on 03-07, not yet
    assert services[12] == "active"
    assert result["days"] == [TODAY]  # the day before the import counts as run
    sent = hostctl.json("notify", "list")
    # only what the import day itself did: services 10 and 20 (client 1's domain) suspended
    # by the debtor's rule; no
    # reminder of invoice 100 (due 03-10: its D-10 was 02-28, before the import), nothing
    # about the services WHMCS had suspended already
    assert sorted({(m["event"], m["service_id"], m["stage"]) for m in sent}) == [
        ("service.suspended", 10, None),
        ("service.suspended", 20, None),
    ]
    # web1 has had its panel since the import day: the day's suspension reaches it, what
    # WHMCS had suspended before (11, 19) does not
    panel = hostctl.json("notify", "list", "--channel", "panel")
    assert [(m["service_id"], m["server"], m["action"], m["data"]["user"]) for m in panel] == [
        (10, "web1", "suspend", "juan10")
    ]


def test_a_dry_run_keeps_nothing_and_a_second_import_is_refused(hostctl, whmcs, tmp_path):
    dry = _import(hostctl, whmcs, tmp_path, "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert json.loads(dry.stdout)["dry_run"] is True
    assert hostctl.json("client", "list") == []
    assert _import(hostctl, whmcs, tmp_path).exit_code == 0
    again = _import(hostctl, whmcs, tmp_path)
    assert again.exit_code == 1
    assert "already has clients" in again.stderr
    assert len(hostctl.json("client", "list")) == 3


def test_two_imports_at_the_same_moment_bring_everything_once(hostctl, whmcs, tmp_path):
    import os
    import subprocess

    from tests.e2e.test_startup_and_concurrency import HOSTCTL

    command = [
        HOSTCTL,
        "whmcs",
        "import",
        "--from",
        whmcs.url,
        "--map",
        str(tmp_path / "map.toml"),
        "--json",
    ]
    env = {**os.environ, "HOSTCTL_TODAY": TODAY}
    procs = [
        subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    results = sorted((p.wait(timeout=120), p.communicate()[1]) for p in procs)
    assert [code for code, _ in results] == [0, 1], results
    assert "already has clients" in results[1][1]
    assert "Traceback" not in results[1][1]
    assert len(hostctl.json("client", "list")) == 3
    assert len(hostctl.json("invoice", "list")) == 8


def test_a_map_that_forgets_a_product_or_a_gateway_is_refused(hostctl, whmcs, tmp_path):
    (tmp_path / "map.toml").write_text(MAP.replace('"2" = "hosting-pro"\n', ""), "utf-8")
    result = _import(hostctl, whmcs, tmp_path)
    assert result.exit_code == 1
    assert "WHMCS product 2" in result.stderr
    (tmp_path / "map.toml").write_text(MAP.replace('paypal = "paypal"\n', ""), "utf-8")
    result = _import(hostctl, whmcs, tmp_path)
    assert result.exit_code == 1
    assert "gateway paypal" in result.stderr
    (tmp_path / "map.toml").write_text(MAP.replace('"hosting-pro"', '"no-such"'), "utf-8")
    result = _import(hostctl, whmcs, tmp_path)
    assert result.exit_code == 1
    assert "hostctl has no product no-such" in result.stderr
    assert hostctl.json("client", "list") == []


def test_client_show_reads_through_core_what_the_orm_reads(imported, db_url):
    """``client show`` reads its eight tables through Core (``core/client_card``): for every
    imported client (services, unpaid invoices with lines, payments, tickets) the view is
    the one the ORM's list functions give."""
    from sqlmodel import Session

    from hostctl import views
    from hostctl.core import client_card, clients, invoices, payments, services, tickets, transfers
    from hostctl.core.context import Context

    engine = create_engine(db_url)
    ctx = Context.from_env()
    compared = 0
    with Session(engine) as session:
        for client_id in [c.id for c in clients.list_clients(session)]:
            row, rows = client_card.whole_client(session, client_id)
            core = views.client(row) | {
                "contacts": [views.contact(c) for c in rows["contacts"]],
                "services": [views.service(s) for s in rows["services"]],
                "unpaid_invoices": [views.invoice(i, ls) for i, ls in rows["unpaid_invoices"]],
                "recent_payments": [views.payment(p) for p in rows["recent_payments"]],
                "open_tickets": [views.ticket(t) for t in rows["open_tickets"]],
                "pending_transfers": [views.transfer(t) for t in rows["pending_transfers"]],
            }
            orm = views.client(clients.get_client(session, client_id)) | {
                "contacts": [views.contact(c) for c in clients.contacts(session, client_id)],
                "services": [
                    views.service(s) for s in services.list_services(session, client_id=client_id)
                ],
                "unpaid_invoices": [
                    views.invoice(i, invoices.lines_of(session, i.id or 0))
                    for i in invoices.list_invoices(session, client_id=client_id, status="unpaid")
                ],
                "recent_payments": [
                    views.payment(p)
                    for p in payments.list_payments(session, client_id=client_id)[-10:]
                ],
                "open_tickets": [
                    views.ticket(t)
                    for t in tickets.list_tickets(session, ctx, client_id=client_id)
                    if t.status != "closed"
                ],
                "pending_transfers": [
                    views.transfer(t)
                    for t in transfers.list_transfers(
                        session, client_id=client_id, status="pending"
                    )
                ],
            }
            assert core == orm
            compared += bool(rows["services"] or rows["unpaid_invoices"] or rows["open_tickets"])
    engine.dispose()
    assert compared >= 2  # clients with something in their sections were compared
