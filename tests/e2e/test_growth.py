"""Promotions, affiliates and quotes (SPEC DSC-6, DSC-7, DSC-9, §10, §11) through the CLI,
with exact dates and amounts, on SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest
from test_plan_changes import refused, snapshot

from billing_helpers import add_client, amounts, daily, order, pay, service, setup_catalogue


@pytest.fixture
def shop(cli, tmp_path):
    setup_catalogue(cli, tmp_path)
    return cli


def enroll(shop, email="aff@example.com", currency="USD"):
    affiliate = add_client(shop, email, currency=currency)
    data = shop.json("affiliate", "enroll", str(affiliate))
    assert re.fullmatch(r"[A-HJKMNP-Z2-9]{6}", data["referral_code"])
    return affiliate, data["referral_code"]


def referred_client(shop, code, email="ref@example.com", currency="USD", today="2026-01-01"):
    return shop.json(
        "client",
        "add",
        "--name",
        "Referida",
        "--email",
        email,
        "--currency",
        currency,
        "--referral-code",
        code.lower(),
        today=today,
    )["id"]


# --------------------------------------------------------------------------- affiliates
def test_commission_withdrawal_and_chargeback_keep_the_ledger_exact(shop, db_url):
    affiliate, code = enroll(shop)
    friend = referred_client(shop, code)
    assert shop.json("client", "show", str(friend))["referrer_id"] == affiliate
    placed = order(shop, friend, "hosting-basic", "annual", "2026-02-01", quantity=4)
    assert placed["invoice"]["total"] == "384.00"
    payment = pay(shop, placed["invoice"]["id"], "384.00", "2026-02-01")["payment"]
    shown = shop.json("affiliate", "show", str(affiliate))
    assert (shown["earned"], shown["balance"], shown["referred"]) == ("38.40", "38.40", [friend])
    assert shown["commissions"] == [
        {
            "invoice_id": placed["invoice"]["id"],
            "amount": "38.40",
            "status": "earned",
            "date": "2026-02-01",
        }
    ]
    refused(
        shop,
        db_url,
        ["affiliate", "withdraw", str(affiliate), "--amount", "20.00", "--to", "credit"],
        f"Client {affiliate} is not verified; verify the client before a withdrawal.",
    )
    shop("client", "verify", str(affiliate))
    data = shop.json(
        "affiliate",
        "withdraw",
        str(affiliate),
        "--amount",
        "20.00",
        "--to",
        "credit",
        today="2026-02-10",
    )
    assert (data["balance"], data["withdrawn"]) == ("18.40", "20.00")
    assert data["withdrawals"][0] | {"id": 0} == {
        "id": 0,
        "date": "2026-02-10",
        "amount": "20.00",
        "to": "credit",
        "bank_account": None,
    }
    assert shop.json("client", "show", str(affiliate))["credit_balance"] == "20.00"
    refused(
        shop,
        db_url,
        ["affiliate", "withdraw", str(affiliate), "--amount", "18.40", "--to", "credit"],
        f"Client {affiliate} already withdrew on 2026-02-10; one withdrawal a calendar month.",
        today="2026-02-28",
    )
    refused(
        shop,
        db_url,
        ["affiliate", "withdraw", str(affiliate), "--amount", "10.00", "--to", "credit"],
        "The minimum withdrawal is US$ 20.00.",
        today="2026-03-01",
    )
    refused(
        shop,
        db_url,
        ["affiliate", "withdraw", str(affiliate), "--amount", "25.00", "--to", "credit"],
        f"The balance of client {affiliate} is US$ 18.40; a withdrawal cannot be more.",
        today="2026-03-01",
    )
    refused(
        shop,
        db_url,
        ["affiliate", "withdraw", str(affiliate), "--amount", "20.00", "--to", "bank"],
        "A bank withdrawal needs --bank-account TEXT (an account held by the client).",
        today="2026-03-01",
    )
    shop.json("payment", "chargeback", str(payment["id"]), today="2026-03-05")
    after = shop.json("affiliate", "show", str(affiliate))
    assert (after["earned"], after["reversed"], after["withdrawn"], after["balance"]) == (
        "38.40",
        "38.40",
        "20.00",
        "0.00",
    )
    assert after["commissions"][0]["status"] == "reversed"


def test_renewals_earn_commissions_and_upgrades_do_not(shop):
    affiliate, code = enroll(shop)
    friend = referred_client(shop, code)
    placed = order(shop, friend, "hosting-basic", "annual", "2026-01-10")
    pay(shop, placed["invoice"]["id"], "96.00", "2026-01-10")
    sid = placed["services"][0]["id"]
    up = shop.json("service", "upgrade", str(sid), "--to", "hosting-pro", today="2026-02-01")
    pay(shop, up["invoice"]["id"], "48.00", "2026-02-01")
    daily(shop, "2026-12-26")
    renewal = shop.json("invoice", "list", "--client", str(friend), "--status", "unpaid")[0]
    assert renewal["total"] == "144.00"
    pay(shop, renewal["id"], "144.00", "2026-12-27")
    shown = shop.json("affiliate", "show", str(affiliate))
    assert [(c["invoice_id"], c["amount"]) for c in shown["commissions"]] == [
        (placed["invoice"]["id"], "9.60"),
        (renewal["id"], "14.40"),
    ]
    assert shown["balance"] == "24.00"


def test_a_commission_in_another_currency_waits_for_an_exchange_rate(shop):
    affiliate, code = enroll(shop)
    friend = referred_client(shop, code, currency="UYU")
    placed = order(shop, friend, "hosting-basic", "annual", "2026-02-01")
    pay(shop, placed["invoice"]["id"], "3840.00", "2026-02-01")
    shown = shop.json("affiliate", "show", str(affiliate))
    assert shown["balance"] == "0.00"
    assert shown["waiting"] == [
        {
            "invoice_id": placed["invoice"]["id"],
            "amount": "384.00",
            "currency": "UYU",
            "needs": "exchange_rate.UYU.USD",
        }
    ]
    assert shown["commissions"][0]["status"] == "waiting"
    shop("config", "set", "exchange_rate.UYU.USD", "0.025")
    shown = shop.json("affiliate", "show", str(affiliate))
    assert (shown["balance"], shown["waiting"]) == ("9.60", [])


def test_attribution_by_staff_within_ninety_days(shop, db_url):
    affiliate, code = enroll(shop)
    late = add_client(shop, "late@example.com", today="2026-01-01")
    on_time = add_client(shop, "ontime@example.com", today="2026-01-01")
    data = shop.json("client", "edit", str(on_time), "--referral-code", code, today="2026-03-31")
    assert data["referrer_id"] == affiliate
    refused(
        shop,
        db_url,
        ["client", "edit", str(late), "--referral-code", code],
        f"Client {late} signed up on 2026-01-01, more than 90 days ago; a referral is "
        "attributed only within 90 days of signing up.",
        today="2026-04-02",
    )
    refused(
        shop,
        db_url,
        ["client", "edit", str(on_time), "--referral-code", code],
        f"Client {on_time} was already referred by client {affiliate}.",
    )
    refused(
        shop,
        db_url,
        ["client", "edit", str(affiliate), "--referral-code", code],
        "A client cannot be referred by itself.",
    )
    refused(
        shop,
        db_url,
        ["client", "edit", str(late), "--referral-code", "ZZZZZZ"],
        "There is no affiliate with referral code 'ZZZZZZ'.",
    )


# --------------------------------------------------------------------------- promotions
def test_referral_month_moves_the_due_date_and_an_unpaid_renewal(shop, db_url):
    referrer = add_client(shop, "a@example.com")
    placed = order(shop, referrer, "hosting-basic", "annual", "2026-01-31")
    pay(shop, placed["invoice"]["id"], "96.00", "2026-01-31")
    sid = placed["services"][0]["id"]
    daily(shop, "2027-01-16")  # D−15: renewal due 2027-01-31
    friend = add_client(shop, "b@example.com")
    unpaid_friend = add_client(shop, "c@example.com")
    f_order = order(shop, friend, "hosting-basic", "annual", "2027-01-16")
    refused(
        shop,
        db_url,
        [
            "promo",
            "referral",
            "--referrer",
            str(referrer),
            "--referred",
            str(friend),
            "--service",
            str(sid),
        ],
        f"Client {friend} has not paid an invoice yet; the free month comes when the "
        "referred client pays.",
        today="2027-01-16",
    )
    pay(shop, f_order["invoice"]["id"], "96.00", "2027-01-16")
    data = shop.json(
        "promo",
        "referral",
        "--referrer",
        str(referrer),
        "--referred",
        str(friend),
        "--service",
        str(sid),
        today="2027-01-17",
    )
    assert data["next_due_date"] == "2027-02-28"  # a month later, on its anchor day clamped
    renewal = shop.json("invoice", "list", "--client", str(referrer), "--status", "unpaid")[0]
    assert (
        renewal["due_date"],
        renewal["lines"][0]["period_start"],
        renewal["lines"][0]["period_end"],
    ) == ("2027-02-28", "2027-02-28", "2028-02-28")
    refused(
        shop,
        db_url,
        [
            "promo",
            "referral",
            "--referrer",
            str(referrer),
            "--referred",
            str(friend),
            "--service",
            str(sid),
        ],
        f"Client {friend} already gave a free month to client {referrer} on 2027-01-17; "
        "each referred client counts once.",
        today="2027-01-18",
    )
    refused(
        shop,
        db_url,
        [
            "promo",
            "referral",
            "--referrer",
            str(referrer),
            "--referred",
            str(referrer),
            "--service",
            str(sid),
        ],
        "A client cannot be its own referral.",
        today="2027-01-18",
    )
    assert unpaid_friend
    # the service is not suspended on the old due date, and one renewal invoice remains
    daily(shop, "2027-02-05")
    assert service(shop, sid)["status"] == "active"
    assert len(shop.json("invoice", "list", "--client", str(referrer), "--status", "unpaid")) == 1


def test_two_for_one_starts_both_services_when_the_first_invoice_is_paid(shop, db_url):
    a = add_client(shop, "uno@example.com")
    b = add_client(shop, "dos@example.com")
    data = shop.json(
        "promo",
        "two-for-one",
        "--client",
        str(a),
        "--client",
        str(b),
        "--product",
        "hosting-basic",
        "--cycle",
        "annual",
        today="2026-03-01",
    )
    first, second = data["invoices"]
    assert (first["client_id"], first["total"]) == (a, "96.00")
    assert (second["client_id"], second["total"], second["status"]) == (b, "0.00", "unpaid")
    assert amounts(second) == [
        ("item", None, "120.00"),
        ("discount", "period", "-24.00"),
        ("discount", "2x1", "-96.00"),
    ]
    pay(shop, first["id"], "96.00", "2026-03-02")
    svc_a, svc_b = (service(shop, s["id"]) for s in data["services"])
    assert (svc_a["status"], svc_b["status"]) == ("active", "active")
    assert svc_a["next_due_date"] == svc_b["next_due_date"] == "2027-03-02"
    assert shop.json("invoice", "show", str(second["id"]))["status"] == "paid"
    daily(shop, "2027-02-15")  # both renew at the ordinary price
    renewals = [
        shop.json("invoice", "list", "--client", str(c), "--status", "unpaid")[0]["total"]
        for c in (a, b)
    ]
    assert renewals == ["96.00", "96.00"]
    c = add_client(shop, "tres@example.com")
    refused(
        shop,
        db_url,
        [
            "promo",
            "two-for-one",
            "--client",
            str(a),
            "--client",
            str(c),
            "--product",
            "hosting-basic",
            "--cycle",
            "annual",
        ],
        f"Client {a} is not new (it has a service or a paid invoice); the 2×1 is for two "
        "new clients.",
        today="2027-02-16",
    )


# --------------------------------------------------------------------------- quotes
def test_a_quote_accepted_becomes_an_order_invoice(shop, db_url):
    client = add_client(shop, "quote@example.com")
    quote = shop.json(
        "quote",
        "create",
        "--client",
        str(client),
        "--product",
        "hosting-pro:annual",
        "--item",
        "Migración del sitio=50.00",
        today="2026-05-01",
    )
    assert (quote["status"], quote["total"], quote["valid_until"]) == (
        "pending",
        "194.00",
        "2026-05-31",
    )
    assert [(x["kind"], x["amount"]) for x in quote["lines"]] == [
        ("item", "180.00"),
        ("discount", "-36.00"),
        ("item", "50.00"),
    ]
    events = [m["event"] for m in shop.json("notify", "list") if m["client_id"] == client]
    assert "quote.available" in events
    accepted = shop.json("quote", "accept", str(quote["id"]), today="2026-05-10")
    invoice = accepted["invoice"]
    assert (accepted["status"], accepted["invoice_id"]) == ("accepted", invoice["id"])
    assert (invoice["kind"], invoice["total"], invoice["due_date"]) == (
        "quote",
        "194.00",
        "2026-05-10",
    )
    sid = next(x["service_id"] for x in invoice["lines"] if x["service_id"])
    assert service(shop, sid)["status"] == "pending"
    pay(shop, invoice["id"], "194.00", "2026-05-11")
    assert service(shop, sid, today="2026-05-11")["next_due_date"] == "2027-05-11"
    refused(
        shop,
        db_url,
        ["quote", "accept", str(quote["id"])],
        f"Quote {quote['id']} is accepted (2026-05-10); it does not change.",
        today="2026-05-12",
    )


def test_open_quotes_expire_in_daily_and_bad_quotes_are_refused(shop, db_url):
    client = add_client(shop, "exp@example.com")
    daily(shop, "2026-05-01")
    quote = shop.json(
        "quote",
        "create",
        "--client",
        str(client),
        "--item",
        "Diseño=300.00",
        "--valid-days",
        "5",
        today="2026-05-01",
    )
    assert daily(shop, "2026-05-06")["quotes_expired"] == 0
    assert daily(shop, "2026-05-07")["quotes_expired"] == 1
    assert shop.json("quote", "show", str(quote["id"]))["status"] == "expired"
    refused(
        shop,
        db_url,
        ["quote", "accept", str(quote["id"])],
        f"Quote {quote['id']} is expired (2026-05-07); it does not change.",
        today="2026-05-07",
    )
    refused(
        shop,
        db_url,
        ["quote", "create", "--client", str(client), "--item", "Diseño=abc"],
        "'abc' is not an amount; write 1234.56 or 1,234.56.",
    )
    refused(
        shop,
        db_url,
        ["quote", "create", "--client", str(client), "--item", "=50"],
        "--item '=50' must be TEXT=AMOUNT, e.g. \"Migración=50.00\".",
    )
    refused(
        shop,
        db_url,
        ["quote", "create", "--client", str(client), "--product", "vps"],
        "--product 'vps' must be CODE:CYCLE, e.g. hosting-pro:annual.",
    )
    declined = shop.json("quote", "create", "--client", str(client), "--item", "Logo=80.00")
    assert shop.json("quote", "decline", str(declined["id"]))["status"] == "declined"
    assert [q["status"] for q in shop.json("quote", "list", "--status", "declined")] == ["declined"]
    assert snapshot(db_url)  # the helper reads every table
