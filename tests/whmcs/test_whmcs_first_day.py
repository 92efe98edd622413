"""The first `daily` after a WHMCS import is an ordinary day: a client whose service WHMCS
suspended long ago (more than 25 days overdue) and who has another active service sees that
service terminated and its invoice cancelled — and nothing else: the other service is not
suspended (the debt ended the same morning) and so not reactivated either."""

from __future__ import annotations

from pathlib import Path

import pytest

MAP = """
[products]
"1" = "hosting-basic"
[gateways]
banktransfer = "bank-transfer"
"""
TODAY = "2027-03-01"


@pytest.fixture(scope="module")
def whmcs(whmcs_db):
    w = whmcs_db
    w.insert("tblcurrencies", {"id": 1, "code": "USD", "rate": 1, "default": 1})
    w.insert(
        "tblclients",
        {
            "id": 1,
            "firstname": "Ana",
            "lastname": "Gómez",
            "email": "ana@example.com",
            "currency": 1,
            "country": "UY",
        },
    )
    w.insert(
        "tblhosting",
        {
            "id": 1,
            "userid": 1,
            "packageid": 1,
            "billingcycle": "Monthly",
            "domainstatus": "Suspended",
            "suspendreason": "Overdue on Payment",
            "nextduedate": "2027-01-20",
            "regdate": "2025-01-20",
        },
        {
            "id": 2,
            "userid": 1,
            "packageid": 1,
            "billingcycle": "Monthly",
            "domainstatus": "Active",
            "nextduedate": "2027-03-20",
            "regdate": "2025-01-20",
        },
    )
    w.insert(
        "tblinvoices",
        {
            "id": 1,
            "userid": 1,
            "status": "Unpaid",
            "date": "2027-01-05",
            "duedate": "2027-01-20",
            "subtotal": "8.00",
            "total": "8.00",
        },
    )
    w.insert(
        "tblinvoiceitems",
        {
            "invoiceid": 1,
            "type": "Hosting",
            "relid": 1,
            "amount": "8.00",
            "description": "Hosting",
            "duedate": "2027-01-20",
        },
    )
    return w


def test_a_debt_that_ends_on_the_first_day_suspends_nothing(cli, whmcs, tmp_path):
    catalogue = Path(__file__).resolve().parents[2] / "src/hostctl/data/catalogue.toml"
    assert cli("product", "import", str(catalogue)).exit_code == 0
    (tmp_path / "map.toml").write_text(MAP, encoding="utf-8")
    cli.json(
        "whmcs", "import", "--from", whmcs.url, "--map", str(tmp_path / "map.toml"), today=TODAY
    )
    day = cli.json("daily", "--verbose", "--no-send", today=TODAY)
    assert [(a["action"], a["service_id"]) for a in day["actions"]] == [("terminate", 1)]
    statuses = {s["id"]: s["status"] for s in cli.json("service", "list")}
    assert statuses == {1: "terminated", 2: "active"}
    assert cli.json("invoice", "show", "1")["status"] == "cancelled"
    events = sorted((m["event"], m["service_id"]) for m in cli.json("notify", "list"))
    assert ("service.suspended", 2) not in events
    assert ("service.reactivated", 2) not in events
