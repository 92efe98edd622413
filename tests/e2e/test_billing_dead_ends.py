"""Billing paths that used to end nowhere: a chargeback that could never be paid off, a fee
missing for a currency that blocked recording what the bank did, a currency change that
relabelled credit, and a restoration whose log hid the termination."""

from __future__ import annotations

import pytest

from billing_helpers import add_client, amounts, daily, order, pay, service, setup_catalogue


@pytest.fixture
def shop(cli, tmp_path):
    setup_catalogue(cli, tmp_path)
    return cli


def test_paying_the_fee_and_the_reopened_invoice_brings_a_chargeback_suspension_back(shop):
    client_id = add_client(shop, "cb@example.com")
    placed = order(shop, client_id, "hosting-basic", "annual", "2026-02-01")
    sid = placed["services"][0]["id"]
    payment = pay(shop, placed["invoice"]["id"], "96.00", "2026-02-01")["payment"]
    data = shop.json("payment", "chargeback", str(payment["id"]), today="2026-02-20")
    fee_id = data["fee_invoice"]["id"]
    pay(shop, fee_id, "25.00", "2026-02-21")
    # the fee alone is not enough: the reopened invoice is still unpaid
    assert service(shop, sid)["suspension_reason"] == "chargeback"
    refused = shop("service", "unsuspend", str(sid))
    assert refused.exit_code == 1
    pay(shop, placed["invoice"]["id"], "96.00", "2026-02-22")
    after = service(shop, sid, today="2026-02-22")
    assert (after["status"], after["suspension_reason"], after["next_due_date"]) == (
        "active",
        None,
        "2027-02-01",
    )
    log = shop.json("log", "--entity", f"service:{sid}")
    assert [e["action"] for e in log][-2:] in (
        ["service.suspend", "service.reactivate"],
        ["service.reactivate", "service.suspend"],
    )


def test_paying_the_reopened_invoice_first_keeps_the_suspension_until_the_fee_is_paid(shop):
    client_id = add_client(shop, "cb2@example.com")
    placed = order(shop, client_id, "hosting-basic", "annual", "2026-02-01")
    sid = placed["services"][0]["id"]
    payment = pay(shop, placed["invoice"]["id"], "96.00", "2026-02-01")["payment"]
    data = shop.json("payment", "chargeback", str(payment["id"]), today="2026-02-20")
    pay(shop, placed["invoice"]["id"], "96.00", "2026-02-21")
    assert service(shop, sid)["status"] == "suspended"
    pay(shop, data["fee_invoice"]["id"], "25.00", "2026-02-22")
    assert service(shop, sid)["status"] == "active"


def test_a_chargeback_without_a_fee_for_the_currency_is_recorded_with_a_warning(shop):
    uyu = add_client(shop, "uy@example.com", currency="UYU")
    placed = order(shop, uyu, "hosting-basic", "annual", "2026-02-01")
    payment = pay(shop, placed["invoice"]["id"], "3840.00", "2026-02-01")["payment"]
    result = shop("payment", "chargeback", str(payment["id"]), "--json", today="2026-02-20")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == (
        "warning: No chargeback fee is set for UYU, so none was invoiced; set it with "
        "`hostctl config set billing.chargeback_fee.UYU AMOUNT`.\n"
    )
    import json

    data = json.loads(result.stdout)
    assert data["payment"]["status"] == "reversed"
    assert (data["invoice"]["status"], data["invoice"]["amount_due"]) == ("unpaid", "3840.00")
    assert data["fee_invoice"] is None
    sid = placed["services"][0]["id"]
    assert service(shop, sid)["suspension_reason"] == "chargeback"
    assert [i["kind"] for i in shop.json("invoice", "list", "--client", str(uyu))] == ["order"]
    pay(shop, placed["invoice"]["id"], "3840.00", "2026-02-21")
    assert service(shop, sid)["status"] == "active"


def test_a_restoration_without_a_fee_for_the_currency_invoices_the_period_with_a_warning(shop):
    ars = add_client(shop, "ars@example.com", currency="ARS")
    placed = order(shop, ars, "hosting-basic", "annual", "2026-01-10")
    pay(shop, placed["invoice"]["id"], "86400.00", "2026-01-10")
    sid = placed["services"][0]["id"]
    daily(shop, "2026-12-20")
    daily(shop, "2027-02-05")
    assert service(shop, sid)["status"] == "terminated"
    result = shop("service", "restore", str(sid), "--json", today="2027-02-10")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == (
        "warning: No restoration fee is set for ARS, so none was invoiced; set it with "
        "`hostctl config set billing.restoration_fee.ARS AMOUNT`.\n"
    )
    import json

    inv = json.loads(result.stdout)["invoice"]
    assert amounts(inv) == [("item", None, "108000.00"), ("discount", "period", "-21600.00")]
    assert inv["total"] == "86400.00"


def test_the_log_of_a_restored_service_says_it_was_terminated(shop):
    client_id = add_client(shop, "rest@example.com")
    placed = order(shop, client_id, "hosting-basic", "annual", "2026-01-10")
    pay(shop, placed["invoice"]["id"], "96.00", "2026-01-10")
    sid = placed["services"][0]["id"]
    daily(shop, "2026-12-20")
    daily(shop, "2027-02-05")
    inv = shop.json("service", "restore", str(sid), today="2027-02-10")["invoice"]
    pay(shop, inv["id"], "196.00", "2027-02-11")
    log = shop.json("log", "--entity", f"service:{sid}")
    states = [e["changes"]["status"] for e in log if "status" in (e["changes"] or {})]
    assert states[-3:] == ["terminated", ["terminated", "suspended"], ["suspended", "active"]]


def test_changing_the_currency_of_a_client_with_credit_needs_an_exchange_rate(shop):
    uyu = add_client(shop, "credit@example.com", currency="UYU")
    placed = order(shop, uyu, "hosting-basic", "annual", "2026-02-01")
    pay(shop, placed["invoice"]["id"], "4304.00", "2026-02-01")  # 464.00 over: credit
    assert shop.json("client", "show", str(uyu))["credit_balance"] == "464.00"
    refused = shop("client", "edit", str(uyu), "--currency", "USD")
    assert (refused.exit_code, refused.stderr) == (
        1,
        "error: Client 1 has UYU 464.00 of credit; give --exchange-rate (how many USD one "
        "UYU is) to convert it.\n",
    )
    shown = shop.json("client", "show", str(uyu))
    assert (shown["currency"], shown["credit_balance"]) == ("UYU", "464.00")
    bad = shop("client", "edit", str(uyu), "--currency", "USD", "--exchange-rate", "٠.٠٢٥")
    assert bad.exit_code == 1
    assert "is not a number" in bad.stderr
    changed = shop.json("client", "edit", str(uyu), "--currency", "USD", "--exchange-rate", "0.025")
    assert (changed["currency"], changed["credit_balance"]) == ("USD", "11.60")
    log = shop.json("log", "--entity", f"client:{uyu}")
    convert = [e for e in log if e["action"] == "client.credit_convert"]
    assert convert[0]["changes"] == {
        "credit": ["464.00", "11.60"],
        "currency": ["UYU", "USD"],
        "rate": "0.025",
    }
