"""client statement (WHY-2) and client show: the statement adds up to what the client owes
less its credit, through payments, overpayments, credit applied, cancellations, chargebacks,
refunds and credit given outside invoices."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing_helpers import add_client, daily, order, pay, setup_catalogue


@pytest.fixture
def shop(cli, tmp_path):
    setup_catalogue(cli, tmp_path)
    return cli


def owed_less_credit(shop, client_id: int) -> str:
    unpaid = shop.json("invoice", "list", "--client", str(client_id), "--status", "unpaid")
    due = sum(Decimal(i["amount_due"]) for i in unpaid)
    credit = Decimal(shop.json("client", "show", str(client_id))["credit_balance"])
    return f"{due - credit:.2f}"


def test_a_simple_statement_line_by_line(shop):
    ana = add_client(shop, "ana@example.com")
    placed = order(shop, ana, "hosting-basic", "annual", "2026-02-01")
    pay(shop, placed["invoice"]["id"], "100.00", "2026-02-03")  # 4.00 over: credit
    data = shop.json("client", "statement", str(ana))
    assert [(e["date"], e["kind"], e["amount"], e["balance"]) for e in data["entries"]] == [
        ("2026-02-01", "invoice", "96.00", "96.00"),
        ("2026-02-03", "payment", "-100.00", "-4.00"),
    ]
    assert (data["opening_balance"], data["closing_balance"]) == ("0.00", "-4.00")
    assert data["closing_balance"] == owed_less_credit(shop, ana)
    later = shop.json("client", "statement", str(ana), "--from", "2026-02-02")
    assert (later["opening_balance"], len(later["entries"])) == ("96.00", 1)
    csv = shop("client", "statement", str(ana), "--csv").stdout.splitlines()
    assert csv[0] == "date,kind,ref,description,amount,balance"
    assert csv[2] == "2026-02-03,payment,payment 1,card for 2026-000001,-100.00,-4.00"


def test_the_statement_adds_up_through_every_kind_of_document(shop):
    ana = add_client(shop, "mix@example.com")
    first = order(shop, ana, "hosting-basic", "annual", "2026-01-10")
    pay(shop, first["invoice"]["id"], "120.00", "2026-01-10")  # 24.00 to credit
    assert (
        owed_less_credit(shop, ana) == shop.json("client", "statement", str(ana))["closing_balance"]
    )
    second = order(shop, ana, "hosting-basic", "annual", "2026-02-01")  # credit applied
    assert second["invoice"]["total"] == "72.00"
    pay(shop, second["invoice"]["id"], "30.00", "2026-02-02")
    shop.json("invoice", "cancel", str(second["invoice"]["id"]), today="2026-02-05")
    third = order(shop, ana, "hosting-basic", "annual", "2026-03-01")
    zelle = pay(shop, third["invoice"]["id"], "42.00", "2026-03-01", method="zelle")
    shop.json("payment", "chargeback", str(zelle["payment"]["id"]), today="2026-03-05")
    fourth = order(shop, ana, "hosting-basic", "annual", "2026-03-10")
    pay(shop, fourth["invoice"]["id"], str(fourth["invoice"]["total"]), "2026-03-10")
    shop.json(
        "service",
        "cancel",
        str(fourth["services"][0]["id"]),
        "--when",
        "immediate",
        "--channel",
        "ticket",
        "--reason",
        "x",
        "--refund",
        today="2026-03-15",
    )
    daily(shop, "2026-12-26")  # a renewal for the first service
    data = shop.json("client", "statement", str(ana))
    kinds = {e["kind"] for e in data["entries"]}
    assert kinds >= {
        "invoice",
        "payment",
        "discount",
        "cancellation",
        "chargeback",
        "refund",
        "credit_note",
    }
    assert data["closing_balance"] == owed_less_credit(shop, ana)
    running = Decimal(0)
    for entry in data["entries"]:
        running += Decimal(entry["amount"])
        assert entry["balance"] == f"{running:.2f}"


def test_client_show_has_the_whole_client_on_one_screen(shop):
    ana = add_client(shop, "whole@example.com")
    placed = order(shop, ana, "hosting-basic", "annual", "2026-02-01")
    pay(shop, placed["invoice"]["id"], "96.00", "2026-02-01")
    unpaid = order(shop, ana, "radio", "monthly", "2026-02-02")
    shop.json(
        "ticket",
        "open",
        "--client",
        str(ana),
        "--subject",
        "ayuda",
        "--category",
        "sla1",
        now="2026-02-03T11:00:00-03:00",
    )
    data = shop.json("client", "show", str(ana))
    assert [s["product"] for s in data["services"]] == ["hosting-basic", "radio"]
    assert [i["number"] for i in data["unpaid_invoices"]] == [unpaid["invoice"]["number"]]
    assert [p["amount"] for p in data["recent_payments"]] == ["96.00"]
    assert [t["status"] for t in data["open_tickets"]] == ["open"]
    assert data["pending_transfers"] == []
    text = shop("client", "show", str(ana)).stdout
    assert f"unpaid {unpaid['invoice']['number']}: USD 8.00 due 2026-02-02" in text
