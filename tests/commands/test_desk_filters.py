"""Filters at the desk: ``invoice list --status overdue`` is what the table calls overdue,
and a filter that names a client, service … that does not exist is "not found" (exit 3, one
sentence), never an empty list that looks like an answer."""

from __future__ import annotations

import pytest
from tests.billing_helpers import add_client, setup_catalogue


@pytest.fixture
def desk(cli, tmp_path):
    setup_catalogue(cli, tmp_path)
    client = add_client(cli, "ana@example.com")
    ordered = cli.json(
        "service", "order", "--client", str(client), "--product", "radio",
        "--cycle", "monthly", today="2026-01-01",
    )  # fmt: skip
    return client, ordered["invoice"]


def test_invoice_list_status_overdue(cli, desk):
    client, invoice = desk
    due = invoice["due_date"]
    assert cli.json("invoice", "list", "--status", "overdue", today=due) == []
    late = cli.json("invoice", "list", "--status", "overdue", today="2026-02-20")
    assert [i["number"] for i in late] == [invoice["number"]]
    assert late[0]["status"] == "unpaid"  # the JSON keeps the stored status
    mine = cli.json("invoice", "list", "--status", "OVERDUE", "--client", str(client))
    assert [i["number"] for i in mine] == [invoice["number"]]
    table = cli("invoice", "list", "--status", "overdue", today="2026-02-20")
    assert (table.exit_code, table.stderr) == (0, "")
    assert invoice["number"] in table.stdout
    refused = cli("invoice", "list", "--status", "late")
    assert refused.exit_code == 1
    assert "overdue" in refused.stderr and refused.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("args", "sentence"),
    [
        (("invoice", "list", "--client", "999"), "There is no client 999"),
        (("invoice", "list", "--client", "0"), "There is no client 0"),
        (("service", "list", "--client", "999"), "There is no client 999"),
        (("service", "list", "--pending", "--client", "999"), "There is no client 999"),
        (("ticket", "list", "--client", "999"), "There is no client 999"),
        (("payment", "list", "--client", "999"), "There is no client 999"),
        (("payment", "list", "--invoice", "2026-000099"), "There is no invoice numbered"),
        (("quote", "list", "--client", "999"), "There is no client 999"),
        (("transfer", "list", "--client", "999"), "There is no client 999"),
        (("transfer", "list", "--service", "999"), "There is no service 999"),
        (("notify", "list", "--client", "999"), "There is no client 999"),
        (("log", "--entity", "client:99999"), "There is no client 99999"),
        (("log", "--entity", "client:x"), "There is no client x"),
        (("log", "--entity", "service:12"), "There is no service 12"),
        (("log", "--entity", "invoice:77"), "There is no invoice 77"),
        (("log", "--entity", "product:nope"), "There is no product nope"),
        (("log", "--entity", "ticket:T-9"), "There is no ticket T-9"),
        (("log", "--entity", "outage:5"), "There is no outage 5"),
        (("outage", "list", "--server", "web9"), "There is no server web9"),
    ],
)
def test_a_filter_naming_nothing_is_not_found(cli, desk, args, sentence):
    result = cli(*args)
    assert result.exit_code == 3, result.stdout + result.stderr
    assert sentence in result.stderr
    assert result.stderr.count("\n") == 1 and result.stdout == ""


def test_filters_naming_what_exists_still_list(cli, desk):
    client, _invoice = desk
    assert len(cli.json("invoice", "list", "--client", str(client))) == 1
    assert cli.json("ticket", "list", "--client", str(client)) == []
    assert cli.json("quote", "list", "--client", str(client)) == []
    assert [e["action"] for e in cli.json("log", "--entity", f"client:{client}")][:1] == [
        "client.add"
    ]
    assert cli.json("log", "--entity", "nothing:5") == []  # a kind the log does not know


def test_notify_list_unknown_event(cli, desk):
    result = cli("notify", "list", "--event", "invoice.paid")
    assert result.exit_code == 1
    assert "invoice.created" in result.stderr
    assert cli("notify", "list", "--event", "Invoice.Created").exit_code == 0
