"""Discounts (SPEC §3), payments and credit, chargebacks, restoration, activation queue,
cycle changes and import (SPEC §4), with exact amounts."""

from __future__ import annotations

import pytest

from billing_helpers import (
    add_client,
    amounts,
    daily,
    invoices,
    order,
    pay,
    service,
    setup_catalogue,
)
from hostctl.core.pricing import volume_percent


@pytest.fixture
def shop(cli, tmp_path):
    setup_catalogue(cli, tmp_path)
    return cli


def test_bundle_of_ten_biennial_pays_eight_with_33_percent(shop):
    client_id = add_client(shop, "ten@example.com")
    placed = order(shop, client_id, "hosting-basic", "biennial", "2026-02-01", quantity=10)
    inv = placed["invoice"]
    assert len(placed["services"]) == 10
    assert amounts(inv) == (
        [("item", None, "240.00")] * 9
        + [("discount", "bundle", "-240.00")]
        + [("item", None, "240.00"), ("discount", "bundle", "-240.00")]
        + [("discount", "period", "-633.60")]
    )
    assert inv["total"] == "1286.40"
    paid = pay(shop, inv["id"], "1286.40", "2026-02-01", method="pagofacil")
    assert paid["invoice"]["status"] == "paid"
    assert {s["status"] for s in shop.json("service", "list", "--client", str(client_id))} == {
        "active"
    }


@pytest.mark.parametrize(
    ("active", "pct"),
    [(0, 0), (2, 0), (3, 10), (4, 10), (5, 25), (9, 25), (10, 40), (29, 40), (30, 50), (120, 50)],
)
def test_volume_tiers(active, pct):
    assert volume_percent(active) == pct


def test_volume_discount_counts_active_services_not_the_ones_ordered(shop):
    client_id = add_client(shop, "vol@example.com")
    first = order(shop, client_id, "hosting-basic", "semiannual", "2026-02-01", quantity=3)
    assert amounts(first["invoice"]) == [("item", None, "60.00")] * 3 + [
        ("discount", "period", "-10.80")
    ]
    pay(shop, first["invoice"]["id"], "169.20", "2026-02-01")
    second = order(shop, client_id, "hosting-basic", "annual", "2026-02-02")
    inv = second["invoice"]
    assert amounts(inv) == [
        ("item", None, "120.00"),
        ("discount", "period", "-24.00"),
        ("discount", "volume", "-12.00"),
    ]
    assert inv["lines"][2]["description"] == "Descuento por volumen 10 % (3 servicios activos)"
    assert inv["total"] == "84.00"


def test_no_discount_while_a_service_is_suspended_for_non_payment(shop, tmp_path):
    client_id = add_client(shop, "late@example.com")
    csv = tmp_path / "services.csv"
    csv.write_text(
        "client_email,product,cycle,status,next_due_date,domain\n"
        "late@example.com,hosting-basic,annual,suspended,2026-01-05,\n",
        encoding="utf-8",
    )
    assert shop("service", "import", str(csv), today="2026-01-20").exit_code == 0
    placed = order(shop, client_id, "hosting-basic", "annual", "2026-01-20")
    assert amounts(placed["invoice"]) == [("item", None, "120.00")]
    paid = pay(shop, placed["invoice"]["id"], "120.00", "2026-01-20", method="zelle")
    assert paid["payment"]["discount"] == "0.00"


def test_zelle_discount_adds_to_the_period_discount_on_the_list_price(shop):
    client_id = add_client(shop, "zelle@example.com")
    placed = order(shop, client_id, "hosting-basic", "annual", "2026-02-01")
    paid = pay(shop, placed["invoice"]["id"], "84.00", "2026-02-01", method="zelle")
    assert paid["payment"]["discount"] == "12.00"
    inv = paid["invoice"]
    assert amounts(inv) == [
        ("item", None, "120.00"),
        ("discount", "period", "-24.00"),
        ("discount", "method", "-12.00"),
    ]
    assert (inv["status"], inv["total"], inv["amount_due"]) == ("paid", "84.00", "0.00")


def test_zelle_partial_payment_gets_no_discount_and_rate_is_configurable(shop):
    client_id = add_client(shop, "zp@example.com")
    placed = order(shop, client_id, "hosting-basic", "annual", "2026-02-01")
    part = pay(shop, placed["invoice"]["id"], "50.00", "2026-02-01", method="zelle")
    assert (part["payment"]["discount"], part["invoice"]["amount_due"]) == ("0.00", "46.00")
    assert shop("config", "set", "payment.discount.card", "5").exit_code == 0
    rest = pay(shop, placed["invoice"]["id"], "40.00", "2026-02-01", method="card")
    assert rest["payment"]["discount"] == "6.00"
    assert (rest["invoice"]["status"], rest["invoice"]["total"]) == ("paid", "90.00")


def test_partial_payments_then_overpayment_to_credit_applied_to_next_invoice(shop):
    client_id = add_client(shop, "part@example.com")
    placed = order(shop, client_id, "hosting-basic", "annual", "2026-02-01")
    sid = placed["services"][0]["id"]
    first = pay(shop, placed["invoice"]["id"], "40.00", "2026-02-01")
    assert (first["invoice"]["status"], first["invoice"]["amount_due"]) == ("unpaid", "56.00")
    assert service(shop, sid)["status"] == "pending"
    second = pay(shop, placed["invoice"]["id"], "60.00", "2026-02-03")
    assert (second["payment"]["applied"], second["payment"]["credited"]) == ("56.00", "4.00")
    assert second["invoice"]["status"] == "paid"
    assert service(shop, sid)["next_due_date"] == "2027-02-03"  # first period from payment day
    assert shop.json("client", "show", str(client_id))["credit_balance"] == "4.00"
    nxt = order(shop, client_id, "hosting-basic", "annual", "2026-02-04")
    assert amounts(nxt["invoice"])[-1] == ("credit", "credit", "-4.00")
    assert nxt["invoice"]["total"] == "92.00"  # 120 − 24 − 4 (1 active: no volume)
    assert shop.json("client", "show", str(client_id))["credit_balance"] == "0.00"


def test_credit_covering_a_whole_order_pays_and_activates_it(shop):
    client_id = add_client(shop, "rich@example.com")
    placed = order(shop, client_id, "hosting-basic", "annual", "2026-02-01")
    pay(shop, placed["invoice"]["id"], "192.00", "2026-02-01")  # twice 96.00: the most taken
    assert shop.json("client", "show", str(client_id))["credit_balance"] == "96.00"
    nxt = order(shop, client_id, "hosting-basic", "annual", "2026-02-02")
    assert (nxt["invoice"]["status"], nxt["invoice"]["total"]) == ("paid", "0.00")
    assert service(shop, nxt["services"][0]["id"])["status"] == "active"
    assert shop.json("client", "show", str(client_id))["credit_balance"] == "0.00"


def test_credit_not_applied_when_the_setting_is_off(shop):
    client_id = add_client(shop, "nocredit@example.com")
    placed = order(shop, client_id, "hosting-basic", "annual", "2026-02-01")
    pay(shop, placed["invoice"]["id"], "100.00", "2026-02-01")
    shop("config", "set", "billing.apply_credit", "false")
    nxt = order(shop, client_id, "hosting-basic", "annual", "2026-02-02")
    assert nxt["invoice"]["total"] == "96.00"


def test_bad_payments_are_refused_and_change_nothing(shop):
    uyu = add_client(shop, "uy@example.com", currency="UYU")
    placed = order(shop, uyu, "hosting-basic", "annual", "2026-02-01")
    inv = placed["invoice"]["id"]
    assert placed["invoice"]["total"] == "3840.00"  # 400 × 12 − 20 %
    cases = [
        (
            ["--amount", "3840.00", "--method", "paypal"],
            1,
            "error: PayPal cannot be used by clients billed in UYU; choose another method.\n",
        ),
        (
            ["--amount", "1.234,56", "--method", "card"],
            1,
            "error: '1.234,56' is not an amount; write 1234.56 or 1,234.56.\n",
        ),
        (["--amount", "10", "--method", "bitcoin"], 1, "error: Unknown payment method 'bitcoin'"),
        (["--amount", "0", "--method", "card"], 1, "error: A payment must be more than zero.\n"),
    ]
    for args, code, message in cases:
        result = shop("payment", "add", "--invoice", str(inv), *args, today="2026-02-01")
        assert result.exit_code == code
        assert result.stderr.startswith(message)
    assert (
        shop("payment", "add", "--invoice", "999", "--amount", "1", "--method", "card").exit_code
        == 3
    )
    shown = shop.json("invoice", "show", str(inv))
    assert (shown["status"], shown["amount_due"]) == ("unpaid", "3840.00")
    pay(shop, inv, "3840.00", "2026-02-01")
    again = shop("payment", "add", "--invoice", str(inv), "--amount", "1", "--method", "card")
    assert again.exit_code == 1
    assert again.stderr == (
        "error: Invoice 2026-000001 is paid; only unpaid invoices take payments.\n"
    )


def test_chargeback_reopens_invoice_suspends_service_and_charges_a_fee(shop):
    client_id = add_client(shop, "cb@example.com")
    placed = order(shop, client_id, "hosting-basic", "annual", "2026-02-01")
    payment = pay(shop, placed["invoice"]["id"], "96.00", "2026-02-01")["payment"]
    data = shop.json("payment", "chargeback", str(payment["id"]), today="2026-02-20")
    assert data["payment"]["status"] == "reversed"
    assert (data["invoice"]["status"], data["invoice"]["amount_due"]) == ("unpaid", "96.00")
    fee = data["fee_invoice"]
    assert (fee["kind"], fee["total"], fee["due_date"]) == ("fee", "25.00", "2026-02-20")
    assert amounts(fee) == [("fee", "chargeback", "25.00")]
    sid = placed["services"][0]["id"]
    assert (service(shop, sid)["status"], service(shop, sid)["suspension_reason"]) == (
        "suspended",
        "chargeback",
    )
    twice = shop("payment", "chargeback", str(payment["id"]))
    assert (twice.exit_code, twice.stderr) == (
        1,
        "error: Payment 1 was already reversed on 2026-02-20.\n",
    )


def test_chargeback_can_close_the_account(shop):
    ars = add_client(shop, "ars@example.com", currency="ARS")
    placed = order(shop, ars, "hosting-basic", "annual", "2026-02-01")
    payment = pay(shop, placed["invoice"]["id"], "86400.00", "2026-02-01")["payment"]
    shop("config", "set", "billing.chargeback_fee.ARS", "25000")
    data = shop.json("payment", "chargeback", str(payment["id"]), "--close-account")
    assert data["fee_invoice"]["total"] == "25000.00"
    assert service(shop, placed["services"][0]["id"])["status"] == "terminated"
    assert shop.json("client", "show", str(ars))["status"] == "closed"


def test_restoring_a_terminated_service_costs_the_fee_plus_the_unpaid_period(shop):
    client_id = add_client(shop, "rest@example.com")
    placed = order(shop, client_id, "hosting-basic", "annual", "2026-01-10")
    pay(shop, placed["invoice"]["id"], "96.00", "2026-01-10")
    sid = placed["services"][0]["id"]
    daily(shop, "2026-12-20")
    daily(shop, "2027-02-05")
    assert service(shop, sid)["status"] == "terminated"
    data = shop.json("service", "restore", str(sid), today="2027-02-10")
    inv = data["invoice"]
    assert amounts(inv) == [
        ("fee", "restoration", "100.00"),
        ("item", None, "120.00"),
        ("discount", "period", "-24.00"),
    ]
    assert (inv["kind"], inv["total"]) == ("restoration", "196.00")
    again = shop("service", "restore", str(sid), today="2027-02-10")
    assert again.exit_code == 1
    assert "already has restoration invoice 2027-000001" in again.stderr
    pay(shop, inv["id"], "196.00", "2027-02-11")
    after = service(shop, sid, today="2027-02-11")
    assert (after["status"], after["next_due_date"]) == ("active", "2028-01-10")


def test_manual_activation_queue_counts_business_days(shop):
    client_id = add_client(shop, "res@example.com")
    placed = order(shop, client_id, "reseller", "monthly", "2026-05-20")
    sid = placed["services"][0]["id"]
    queue = shop.json("service", "list", "--pending", today="2026-05-20")
    assert queue[0]["queue_state"] == "awaiting payment"
    pay(shop, placed["invoice"]["id"], "20.00", "2026-05-20")
    assert service(shop, sid)["status"] == "pending"  # manual: no instant activation
    early = shop("service", "activate", str(sid), today="2026-05-21")
    assert early.exit_code == 1
    assert early.stderr == (
        "error: Mark the requirements of service 1 first (`hostctl service "
        "requirements-met 1`): datos de la cuenta confirmados\n"
    )
    met = shop.json("service", "requirements-met", str(sid), today="2026-05-22")
    assert met["activation_due"] == "2026-05-27"  # Fri 22 + 2 business days (Mon 25 holiday)
    queue = shop.json("service", "list", "--pending", today="2026-05-26")
    assert (queue[0]["queue_state"], queue[0]["business_days_left"]) == ("in progress", 1)
    late = shop.json("service", "list", "--pending", today="2026-05-29")
    assert (late[0]["queue_state"], late[0]["business_days_left"]) == ("overdue", -2)
    active = shop.json("service", "activate", str(sid), today="2026-05-29")
    assert (active["status"], active["activated_on"], active["next_due_date"]) == (
        "active",
        "2026-05-29",
        "2026-06-29",
    )


def test_cancelling_an_order_invoice_cancels_its_services_and_credits_what_was_paid(shop):
    client_id = add_client(shop, "cancel@example.com")
    placed = order(shop, client_id, "hosting-basic", "annual", "2026-02-01")
    pay(shop, placed["invoice"]["id"], "30.00", "2026-02-01")
    result = shop.json("invoice", "cancel", placed["invoice"]["number"], today="2026-02-02")
    assert result["status"] == "cancelled"
    assert service(shop, placed["services"][0]["id"])["status"] == "cancelled"
    assert shop.json("client", "show", str(client_id))["credit_balance"] == "30.00"
    again = shop("invoice", "cancel", placed["invoice"]["number"])
    assert (again.exit_code, again.stderr) == (
        1,
        "error: Invoice 2026-000001 is cancelled; only unpaid invoices can be cancelled.\n",
    )


def test_cycle_change_replaces_the_unpaid_renewal_invoice(shop):
    client_id = add_client(shop, "cyc@example.com")
    placed = order(shop, client_id, "hosting-basic", "annual", "2026-01-10")
    pay(shop, placed["invoice"]["id"], "96.00", "2026-01-10")
    sid = placed["services"][0]["id"]
    daily(shop, "2026-12-26")
    data = shop.json("service", "change-cycle", str(sid), "--cycle", "biennial", today="2026-12-30")
    assert data["service"]["cycle"] == "biennial"
    new = data["invoice"]
    assert (new["number"], new["due_date"]) == ("2026-000003", "2027-01-10")
    assert amounts(new) == [("item", None, "240.00"), ("discount", "period", "-79.20")]
    assert new["lines"][0]["period_end"] == "2029-01-09"
    states = {i["number"]: i["status"] for i in invoices(shop, client_id)}
    assert states == {"2026-000001": "paid", "2026-000002": "cancelled", "2026-000003": "unpaid"}
    late = shop("service", "change-cycle", str(sid), "--cycle", "annual", today="2027-01-06")
    assert late.exit_code == 1
    assert late.stderr == (
        "error: A cycle change must be asked at least 5 days before the "
        "renewal on 2027-01-10; it can apply from the following period.\n"
    )
    bad = shop("service", "change-cycle", str(sid), "--cycle", "monthly", today="2026-12-30")
    assert bad.stderr == (
        "error: hosting-basic cannot be billed monthly; its cycles are "
        "semiannual, annual, biennial.\n"
    )


def test_ordering_refusals(shop):
    client_id = add_client(shop, "ord@example.com", currency="UYU")
    cases = [
        (
            ["--product", "hosting-basic", "--cycle", "monthly"],
            1,
            "error: hosting-basic cannot be billed monthly; its cycles are semiannual, annual, "
            "biennial.\n",
        ),
        (
            ["--product", "radio", "--cycle", "monthly"],
            1,
            "error: Product radio has no price in UYU; add one with `hostctl product edit radio "
            "--monthly-price UYU=AMOUNT`.\n",
        ),
        (
            ["--product", "domain-com", "--cycle", "annual"],
            1,
            "error: A domain order needs --domain NAME.\n",
        ),
        (
            ["--product", "nope", "--cycle", "annual"],
            3,
            "error: There is no product 'nope'; `hostctl product list` shows them.\n",
        ),
    ]
    for args, code, message in cases:
        result = shop("service", "order", "--client", str(client_id), *args)
        assert (result.exit_code, result.stderr) == (code, message)
    assert shop.json("service", "list") == []
    assert shop.json("invoice", "list") == []


def test_service_import_reports_every_bad_row_and_writes_nothing(shop, tmp_path):
    add_client(shop, "imp@example.com")
    csv = tmp_path / "services.csv"
    csv.write_text(
        "client_email,product,cycle,status,next_due_date,domain\n"
        "imp@example.com,hosting-basic,annual,active,2027-03-01,imp.com\n"
        "ghost@example.com,hosting-basic,annual,active,2027-03-01,\n"
        "imp@example.com,hosting-basic,monthly,active,2027-03-01,\n"
        "imp@example.com,hosting-basic,annual,frozen,2027-03-01,\n"
        "imp@example.com,hosting-basic,annual,active,01/03/2027,\n"
        "imp@example.com,domain-com,annual,active,2027-03-01,\n",
        encoding="utf-8",
    )
    result = shop("service", "import", str(csv))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: services.csv was not imported: 5 bad row(s).",
        "  line 3, column client_email: no client has the email 'ghost@example.com'.",
        "  line 4, column cycle: hosting-basic cannot be billed 'monthly' "
        "(semiannual,annual,biennial).",
        "  line 5, column status: 'frozen' is not one of active, suspended, pending.",
        "  line 6, column next_due_date: '01/03/2027' is not a date (YYYY-MM-DD).",
        "  line 7, column domain: a domain service needs its domain name.",
    ]
    assert shop.json("service", "list") == []
    csv.write_text(
        "client_email,product,cycle,status,next_due_date,domain\n"
        "IMP@example.com,hosting-basic,annual,active,2027-01-31,imp.com\n",
        encoding="utf-8",
    )
    assert shop.json("service", "import", str(csv)) == {"imported": 1}
    imported = shop.json("service", "list")[0]
    assert (imported["status"], imported["next_due_date"], imported["domain"]) == (
        "active",
        "2027-01-31",
        "imp.com",
    )
    bad_header = tmp_path / "bad.csv"
    bad_header.write_text("client_email,product,cycle,status,price\n", encoding="utf-8")
    result = shop("service", "import", str(bad_header))
    assert (result.exit_code, result.stderr) == (
        1,
        "error: bad.csv has unknown column 'price'; the columns are "
        "client_email,product,cycle,status,next_due_date,domain,server.\n",
    )
