"""MIG-6, the heart of the move from WHMCS: after `hostctl whmcs import` the first `daily` is an
ordinary day. A WHMCS 8.4 database (real MariaDB) holds six clients whose services stand in
exact situations on the import day, 2027-03-01; hostctl imports it, then cron runs `daily`
every day for 60 days (to 2027-04-29) and staff record one payment. Every invoice, reminder,
suspension, termination and alert must fall on the day the rules of §4 give, counted from the
WHMCS due dates, and nothing may happen twice or for a day before the import:

(a) client 1: an Active monthly service due 03-10 with its unpaid invoice (no invoice number:
    the WHMCS id, "101") → no second invoice; reminders D−5 (03-05) and D−1 (03-09) only (D−10,
    02-28, was before the import); suspended D+2 (03-12); the client's paid-up second service
    suspended on the 5th business day (03-17); terminated D+25 (04-04) with the invoice
    cancelled, and the second service back the same day.
(b) client 2: an Active monthly service due 03-20 with no invoice yet → hostctl's renewal on
    D−15 (03-05), then the whole chain: 03-10, 03-15, 03-19, suspended 03-22, terminated 04-14.
(c) client 3: Suspended in WHMCS ("Overdue on Payment"), due 02-10, unpaid → stays suspended,
    terminated on hostctl's calendar: 02-10 + 25 = 03-07.
(d) client 4: Active, due 02-27, unpaid (WHMCS's cron was stopped) → suspended by the first
    daily, on the import day (D+2 = 03-01); terminated 03-24.
(e) client 5: Suspended, due 02-15, unpaid; pays on 03-03 with `payment add` → reactivated, next
    due one cycle on (2028-02-15), no second invoice, no termination on 03-12.
(f) client 6: an annual service paid up to 2027-06-01, with credit → nothing in 60 days.

The 2027 holidays of Argentina matter: 03-24, 03-25 and 03-26 are not business days, so the
5th business day after (b)'s 03-20 is 03-31 (client 2 has nothing else to suspend).

One WHMCS database and one hostctl database for the module, walked once; the tests read what
the walk recorded."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from billing_helpers import CATALOGUE
from conftest import PG_URL, Cli, _truncate_pg
from hostctl import db

IMPORT_DAY = dt.date(2027, 3, 1)
DAYS = 60  # 2027-03-01 … 2027-04-29
LAST_DAY = IMPORT_DAY + dt.timedelta(days=DAYS - 1)
PAYMENT_DAY = "2027-03-03"  # client 5 pays its WHMCS invoice, after that day's daily

MAP = """
[products]
"1" = "radio"
"2" = "hosting-basic"

[domains]
"*" = "domain-com"

[gateways]
banktransfer = "bank-transfer"
"""


# --------------------------------------------------------------------------- WHMCS
def _client(cid: int, first: str, last: str, *, credit: str = "0.00") -> dict[str, Any]:
    return {
        "id": cid,
        "firstname": first,
        "lastname": last,
        "email": f"{first.lower()}@example.com",
        "country": "AR",
        "currency": 1,
        "credit": credit,
        "status": "Active",
        "datecreated": "2024-01-15",
    }


def _service(
    sid: int,
    client: int,
    product: int,
    cycle: str,
    amount: str,
    regdate: str,
    due: str,
    status: str = "Active",
    suspendreason: str = "",
) -> dict[str, Any]:
    return {
        "id": sid,
        "userid": client,
        "packageid": product,
        "regdate": regdate,
        "domain": f"site{sid}.example.com",
        "paymentmethod": "banktransfer",
        "amount": amount,
        "billingcycle": cycle,
        "nextduedate": due,
        "nextinvoicedate": due,
        "domainstatus": status,
        "suspendreason": suspendreason,
    }


def _invoice(
    iid: int, client: int, number: str, issued: str, due: str, total: str, status: str = "Unpaid"
) -> dict[str, Any]:
    return {
        "id": iid,
        "userid": client,
        "invoicenum": number,
        "date": issued,
        "duedate": due,
        "datepaid": f"{issued} 10:00:00" if status == "Paid" else "0000-00-00 00:00:00",
        "subtotal": total,
        "total": total,
        "status": status,
        "paymentmethod": "banktransfer",
    }


def _item(invoice: int, client: int, service: int, due: str, amount: str, what: str) -> dict:
    return {
        "invoiceid": invoice,
        "userid": client,
        "type": "Hosting",
        "relid": service,
        "description": what,
        "amount": amount,
        "duedate": due,
        "paymentmethod": "banktransfer",
    }


@pytest.fixture(scope="module")
def whmcs(whmcs_db: Any) -> Any:
    whmcs_db.insert(
        "tblcurrencies", {"id": 1, "code": "USD", "prefix": "US$", "rate": 1, "default": 1}
    )
    whmcs_db.insert("tblproductgroups", {"id": 1, "name": "Servicios"})
    whmcs_db.insert(
        "tblproducts",
        {"id": 1, "type": "other", "gid": 1, "name": "Radio Streaming", "paytype": "recurring"},
        {
            "id": 2,
            "type": "hostingaccount",
            "gid": 1,
            "name": "Hosting B&aacute;sico",
            "paytype": "recurring",
        },
    )
    whmcs_db.insert(
        "tblclients",
        _client(1, "Ana", "Pérez"),
        _client(2, "Bruno", "Gómez"),
        _client(3, "Carla", "Díaz"),
        _client(4, "Diego", "Ruiz"),
        _client(5, "Elena", "Sosa"),
        _client(6, "Fabián", "López", credit="12.50"),
    )
    overdue = "Overdue on Payment"
    whmcs_db.insert(
        "tblhosting",
        _service(1, 1, 1, "Monthly", "8.00", "2026-06-10", "2027-03-10"),  # (a)
        _service(2, 1, 2, "Annually", "96.00", "2025-08-15", "2027-08-15"),  # (a)'s other one
        _service(3, 2, 1, "Monthly", "8.00", "2026-11-20", "2027-03-20"),  # (b)
        _service(4, 3, 2, "Annually", "90.00", "2025-02-10", "2027-02-10", "Suspended", overdue),
        _service(5, 4, 1, "Monthly", "8.00", "2026-09-27", "2027-02-27"),  # (d)
        _service(6, 5, 2, "Annually", "90.00", "2025-02-15", "2027-02-15", "Suspended", overdue),
        _service(7, 6, 2, "Annually", "90.00", "2024-06-01", "2027-06-01"),  # (f)
    )
    whmcs_db.insert(
        "tblinvoices",
        _invoice(101, 1, "", "2027-02-24", "2027-03-10", "8.00"),  # (a): numbered by its id
        _invoice(102, 3, "F-0102", "2027-01-27", "2027-02-10", "90.00"),  # (c)
        _invoice(103, 4, "F-0103", "2027-02-13", "2027-02-27", "8.00"),  # (d)
        _invoice(104, 5, "F-0104", "2027-02-01", "2027-02-15", "90.00"),  # (e)
        _invoice(105, 6, "F-0105", "2026-05-18", "2026-06-01", "90.00", "Paid"),  # (f)
    )
    whmcs_db.insert(
        "tblinvoiceitems",
        _item(101, 1, 1, "2027-03-10", "8.00", "Radio Streaming (10/03/2027 - 09/04/2027)"),
        _item(102, 3, 4, "2027-02-10", "90.00", "Hosting B&aacute;sico (10/02/2027 - 09/02/2028)"),
        _item(103, 4, 5, "2027-02-27", "8.00", "Radio Streaming (27/02/2027 - 26/03/2027)"),
        _item(104, 5, 6, "2027-02-15", "90.00", "Hosting B&aacute;sico (15/02/2027 - 14/02/2028)"),
        _item(105, 6, 7, "2026-06-01", "90.00", "Hosting B&aacute;sico (01/06/2026 - 31/05/2027)"),
    )
    whmcs_db.insert(
        "tblaccounts",
        {
            "userid": 6,
            "currency": 0,
            "gateway": "banktransfer",
            "date": "2026-05-18 10:00:00",
            "description": "Invoice Payment",
            "amountin": "90.00",
            "transid": "TR-105",
            "invoiceid": 105,
        },
    )
    return whmcs_db


# --------------------------------------------------------------------------- the walk
@dataclass
class Walk:
    """What the module's one walk saw."""

    cli: Cli
    url: str
    dry_report: dict[str, Any] = field(default_factory=dict)
    report: dict[str, Any] = field(default_factory=dict)
    outbox_after_import: list[Any] = field(default_factory=list)
    after_import: dict[int, dict[str, Any]] = field(default_factory=dict)
    predicted: dict[str, Any] = field(default_factory=dict)  # daily --dry-run, import day
    runs: dict[str, dict[str, Any]] = field(default_factory=dict)  # daily --json, by day
    changes: dict[str, list[tuple[int, str, str]]] = field(default_factory=dict)
    payment: dict[str, Any] = field(default_factory=dict)
    services: dict[int, dict[str, Any]] = field(default_factory=dict)  # at the end
    invoices: list[dict[str, Any]] = field(default_factory=list)  # at the end
    outbox: list[Any] = field(default_factory=list)  # rows with their effective date


@pytest.fixture(scope="module")
def hostctl_cli(_database_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """A hostctl database for the whole module, empty but for the catalogue."""
    with pytest.MonkeyPatch.context() as patch:
        if PG_URL:
            url = _database_template
            _truncate_pg(url)
        else:
            target = tmp_path_factory.mktemp("walk") / "hostctl.db"
            shutil.copy(_database_template, target)
            url = f"sqlite:///{target}"
        patch.setenv("HOSTCTL_DATABASE_URL", url)
        patch.setenv("HOSTCTL_STAFF", "tester")
        patch.setenv("HOSTCTL_NO_INPUT", "1")
        for var in ("HOSTCTL_TODAY", "HOSTCTL_NOW", "NO_COLOR", "HOSTCTL_WHMCS_URL"):
            patch.delenv(var, raising=False)
        cli = Cli(patch)
        folder = tmp_path_factory.mktemp("files")
        (folder / "catalogue.toml").write_text(CATALOGUE, encoding="utf-8")
        result = cli("product", "import", str(folder / "catalogue.toml"), today="2026-01-01")
        assert result.exit_code == 0, result.stderr
        yield cli, url, folder
        db.dispose_all()


def _statuses(cli: Cli, day: str) -> dict[int, dict[str, Any]]:
    return {s["id"]: s for s in cli.json("service", "list", today=day)}


def _run(cli: Cli, day: str, *extra: str) -> dict[str, Any]:
    """`hostctl daily` as cron runs it on ``day`` (HOSTCTL_TODAY), listing its actions."""
    result = cli("daily", "--json", "--verbose", "--no-send", *extra, today=day)
    assert result.exit_code == 0, (day, result.stderr, result.stdout)
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def walk(whmcs: Any, hostctl_cli: Any) -> Walk:
    cli, url, folder = hostctl_cli
    seen = Walk(cli, url)
    (folder / "whmcs-map.toml").write_text(MAP, encoding="utf-8")
    day = IMPORT_DAY.isoformat()
    args = ("whmcs", "import", "--from", whmcs.url, "--map", str(folder / "whmcs-map.toml"))
    seen.dry_report = cli.json(*args, "--dry-run", today=day)
    assert cli.json("client", "list", today=day) == []  # the dry run kept nothing
    seen.report = cli.json(*args, today=day)
    seen.outbox_after_import = cli.json("notify", "list", today=day)
    seen.after_import = _statuses(cli, day)
    seen.predicted = _run(cli, day, "--dry-run")

    before = seen.after_import
    current = IMPORT_DAY
    while current <= LAST_DAY:
        day = current.isoformat()
        seen.runs[day] = _run(cli, day)
        if day == PAYMENT_DAY:  # staff records client 5's transfer, after the morning's run
            seen.payment = cli.json(
                "payment",
                "add",
                "--invoice",
                "F-0104",
                "--amount",
                "90.00",
                "--method",
                "bank-transfer",
                today=day,
            )
        after = _statuses(cli, day)
        moved = [
            (sid, before[sid]["status"], s["status"])
            for sid, s in after.items()
            if s["status"] != before[sid]["status"]
        ]
        if moved:
            seen.changes[day] = moved
        before = after
        current += dt.timedelta(days=1)

    seen.services = before
    seen.invoices = cli.json("invoice", "list", today=LAST_DAY.isoformat())
    listed = {m["id"] for m in cli.json("notify", "list", "--limit", "1000")}
    engine = create_engine(url)
    with engine.connect() as conn:
        seen.outbox = [
            tuple(row)
            for row in conn.execute(
                text(
                    "SELECT id, effective_date, event, stage, channel, client_id, service_id, "
                    "invoice_id FROM outbox ORDER BY id"
                )
            )
        ]
    engine.dispose()
    assert {row[0] for row in seen.outbox} == listed  # what `notify list` shows
    return seen


# --------------------------------------------------------------------------- the import
def test_the_import_brings_every_situation_and_its_money(walk: Walk) -> None:
    expected = {
        "imported": {
            "clients": 6,
            "services": 7,
            "domains": 0,
            "invoices": 5,
            "payments": 1,
            "tickets": 0,
            "affiliates": 0,
            "servers": 0,  # this WHMCS has none
        },
        "skipped": [],
        "money": [
            {
                "currency": "USD",
                "whmcs_unpaid": "196.00",  # 8.00 + 90.00 + 8.00 + 90.00
                "hostctl_unpaid": "196.00",
                "whmcs_credit": "12.50",
                "hostctl_credit": "12.50",
            }
        ],
        "servers": [],
    }
    assert walk.dry_report == {"dry_run": True, **expected}
    assert walk.report == {"dry_run": False, **expected}
    assert walk.outbox_after_import == []  # the import itself alerts nobody
    assert {
        sid: (
            s["client_id"],
            s["product"],
            s["cycle"],
            s["status"],
            s["suspension_reason"],
            s["next_due_date"],
            s["whmcs_id"],
        )
        for sid, s in walk.after_import.items()
    } == {
        1: (1, "radio", "monthly", "active", None, "2027-03-10", 1),
        2: (1, "hosting-basic", "annual", "active", None, "2027-08-15", 2),
        3: (2, "radio", "monthly", "active", None, "2027-03-20", 3),
        4: (3, "hosting-basic", "annual", "suspended", "non-payment", "2027-02-10", 4),
        5: (4, "radio", "monthly", "active", None, "2027-02-27", 5),
        6: (5, "hosting-basic", "annual", "suspended", "non-payment", "2027-02-15", 6),
        7: (6, "hosting-basic", "annual", "active", None, "2027-06-01", 7),
    }


# --------------------------------------------------------------------------- daily
def _actions(summary: dict[str, Any]) -> list[tuple[str, int, int | None, str]]:
    return [(a["action"], a["client_id"], a["service_id"], a["detail"]) for a in summary["actions"]]


# Every action of `daily` in the 60 days, by day (action, client, service, detail).
EXPECTED_ACTIONS = {
    "2027-03-01": [("suspend", 4, 5, "due 2027-02-27")],  # (d) D+2 on the import day
    "2027-03-05": [
        ("invoice", 2, None, "2027-000001 due 2027-03-20 USD 8.00"),  # (b) D−15
        ("reminder", 1, None, "101 second"),  # (a) D−5
    ],
    "2027-03-07": [("terminate", 3, 4, "due 2027-02-10")],  # (c) D+25
    "2027-03-09": [("reminder", 1, None, "101 final")],  # (a) D−1
    "2027-03-10": [("reminder", 2, None, "2027-000001 first")],  # (b) D−10
    "2027-03-12": [("suspend", 1, 1, "due 2027-03-10")],  # (a) D+2
    "2027-03-15": [("reminder", 2, None, "2027-000001 second")],  # (b) D−5
    "2027-03-17": [("suspend-client", 1, 2, "due 2027-08-15")],  # (a) 5th business day
    "2027-03-19": [("reminder", 2, None, "2027-000001 final")],  # (b) D−1
    "2027-03-22": [("suspend", 2, 3, "due 2027-03-20")],  # (b) D+2
    "2027-03-24": [("terminate", 4, 5, "due 2027-02-27")],  # (d) D+25
    "2027-04-04": [("terminate", 1, 1, "due 2027-03-10")],  # (a) D+25
    "2027-04-14": [("terminate", 2, 3, "due 2027-03-20")],  # (b) D+25
}


def test_the_first_daily_runs_the_import_day_only_as_its_dry_run_said(walk: Walk) -> None:
    first = walk.runs[IMPORT_DAY.isoformat()]
    assert first["days"] == [IMPORT_DAY.isoformat()]  # no day before the import is replayed
    assert walk.predicted["dry_run"] is True
    assert walk.predicted["days"] == first["days"]
    assert _actions(walk.predicted) == _actions(first) == EXPECTED_ACTIONS["2027-03-01"]
    for key in ("invoices_created", "reminders", "suspended", "terminated", "ended"):
        assert walk.predicted[key] == first[key], key


def test_daily_acts_on_the_days_the_rules_give_and_on_no_other(walk: Walk) -> None:
    assert all(run["days"] == [day] for day, run in walk.runs.items())
    assert all(run["problems"] == [] for run in walk.runs.values())
    did = {day: _actions(run) for day, run in walk.runs.items() if run["actions"]}
    assert did == EXPECTED_ACTIONS


def test_services_change_state_only_on_those_days(walk: Walk) -> None:
    assert walk.changes == {
        "2027-03-01": [(5, "active", "suspended")],
        "2027-03-03": [(6, "suspended", "active")],  # (e) paid: reactivated at once (BIL-6)
        "2027-03-07": [(4, "suspended", "terminated")],
        "2027-03-12": [(1, "active", "suspended")],
        "2027-03-17": [(2, "active", "suspended")],
        "2027-03-22": [(3, "active", "suspended")],
        "2027-03-24": [(5, "suspended", "terminated")],
        # (a) terminated, its invoice cancelled: client 1 owes nothing overdue, so the service
        # suspended only because the client was a debtor comes back the same day
        "2027-04-04": [(1, "suspended", "terminated"), (2, "suspended", "active")],
        "2027-04-14": [(3, "suspended", "terminated")],
    }
    assert {
        sid: (s["status"], s["suspension_reason"], s["next_due_date"], s["ended_on"], s["cycle"])
        for sid, s in walk.services.items()
    } == {
        1: ("terminated", "non-payment", "2027-03-10", "2027-04-04", "monthly"),
        2: ("active", None, "2027-08-15", None, "annual"),
        3: ("terminated", "non-payment", "2027-03-20", "2027-04-14", "monthly"),
        4: ("terminated", "non-payment", "2027-02-10", "2027-03-07", "annual"),
        5: ("terminated", "non-payment", "2027-02-27", "2027-03-24", "monthly"),
        6: ("active", None, "2028-02-15", None, "annual"),  # one cycle from the old due date
        7: ("active", None, "2027-06-01", None, "annual"),  # (f) untouched
    }


def test_one_invoice_per_period_the_whmcs_ones_kept(walk: Walk) -> None:
    """The WHMCS invoices keep number, dates, amount; hostctl made exactly one invoice, (b)'s,
    and cancelled the unpaid ones of the terminated services."""
    assert [
        (
            i["number"],
            i["client_id"],
            i["kind"],
            i["status"],
            i["issue_date"],
            i["due_date"],
            i["total"],
            i["paid"],
            i["whmcs_id"],
        )
        for i in sorted(walk.invoices, key=lambda i: i["id"])
    ] == [
        ("101", 1, "renewal", "cancelled", "2027-02-24", "2027-03-10", "8.00", "0.00", 101),
        ("F-0102", 3, "renewal", "cancelled", "2027-01-27", "2027-02-10", "90.00", "0.00", 102),
        ("F-0103", 4, "renewal", "cancelled", "2027-02-13", "2027-02-27", "8.00", "0.00", 103),
        ("F-0104", 5, "renewal", "paid", "2027-02-01", "2027-02-15", "90.00", "90.00", 104),
        ("F-0105", 6, "renewal", "paid", "2026-05-18", "2026-06-01", "90.00", "90.00", 105),
        (
            "2027-000001",
            2,
            "renewal",
            "cancelled",
            "2027-03-05",
            "2027-03-20",
            "8.00",
            "0.00",
            None,
        ),
    ]
    periods = {
        i["number"]: [
            (line["service_id"], line["period_start"], line["amount"])
            for line in i["lines"]
            if line["kind"] == "item"
        ]
        for i in walk.invoices
    }
    assert periods == {
        "101": [(1, "2027-03-10", "8.00")],  # the period daily would otherwise invoice again
        "F-0102": [(4, "2027-02-10", "90.00")],
        "F-0103": [(5, "2027-02-27", "8.00")],
        "F-0104": [(6, "2027-02-15", "90.00")],
        "F-0105": [(7, "2026-06-01", "90.00")],
        "2027-000001": [(3, "2027-03-20", "8.00")],
    }
    renewal = next(i for i in walk.invoices if i["number"] == "2027-000001")
    assert renewal["lines"][0]["period_end"] == "2027-04-19"


def test_a_payment_after_the_import_settles_the_whmcs_invoice(walk: Walk) -> None:
    paid = walk.payment
    assert paid["invoice"]["number"] == "F-0104"
    assert (paid["invoice"]["status"], paid["invoice"]["amount_due"]) == ("paid", "0.00")
    assert walk.changes["2027-03-03"] == [(6, "suspended", "active")]
    assert walk.services[6]["next_due_date"] == "2028-02-15"
    assert [i["number"] for i in walk.invoices if i["client_id"] == 5] == ["F-0104"]


# Every alert in the 60 days: (effective date, event, stage, client, service, invoice number).
EXPECTED_ALERTS = [
    ("2027-03-01", "service.suspended", None, 4, 5, None),
    ("2027-03-03", "payment.received", None, 5, None, "F-0104"),
    ("2027-03-03", "service.reactivated", None, 5, 6, None),
    ("2027-03-05", "invoice.created", None, 2, None, "2027-000001"),
    ("2027-03-05", "invoice.reminder", "second", 1, None, "101"),
    ("2027-03-07", "service.terminated", None, 3, 4, None),
    ("2027-03-07", "invoice.cancelled", None, 3, None, "F-0102"),
    ("2027-03-09", "invoice.reminder", "final", 1, None, "101"),
    ("2027-03-10", "invoice.reminder", "first", 2, None, "2027-000001"),
    ("2027-03-12", "service.suspended", None, 1, 1, None),
    ("2027-03-15", "invoice.reminder", "second", 2, None, "2027-000001"),
    ("2027-03-17", "service.suspended", None, 1, 2, None),
    ("2027-03-19", "invoice.reminder", "final", 2, None, "2027-000001"),
    ("2027-03-22", "service.suspended", None, 2, 3, None),
    ("2027-03-24", "service.terminated", None, 4, 5, None),
    ("2027-03-24", "invoice.cancelled", None, 4, None, "F-0103"),
    ("2027-04-04", "service.terminated", None, 1, 1, None),
    ("2027-04-04", "invoice.cancelled", None, 1, None, "101"),
    ("2027-04-04", "service.reactivated", None, 1, 2, None),
    ("2027-04-14", "service.terminated", None, 2, 3, None),
    ("2027-04-14", "invoice.cancelled", None, 2, None, "2027-000001"),
]


def test_every_alert_on_its_day_and_none_before_the_import(walk: Walk) -> None:
    numbers = {i["id"]: i["number"] for i in walk.invoices}

    def day(value: Any) -> str:
        return value.isoformat() if isinstance(value, dt.date) else str(value)[:10]

    assert min(day(row[1]) for row in walk.outbox) >= IMPORT_DAY.isoformat()
    assert {row[4] for row in walk.outbox} == {"email"}  # the clients have no WhatsApp phone
    alerts = [
        (day(eff), event, stage, client, service, numbers.get(invoice))
        for _id, eff, event, stage, _channel, client, service, invoice in walk.outbox
    ]
    assert sorted(alerts, key=str) == sorted(EXPECTED_ALERTS, key=str)
