"""Upgrades, cancellations, refunds and domains (SPEC §5, §6), walking the calendar through
the CLI with exact dates and amounts, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import create_engine, text

from billing_helpers import add_client, amounts, daily, order, pay, service, setup_catalogue
from hostctl.models import metadata


@pytest.fixture
def shop(cli, tmp_path):
    setup_catalogue(cli, tmp_path)
    return cli


def snapshot(db_url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table: a refused command must leave this unchanged."""
    engine = create_engine(db_url)
    rows = {}
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            result = conn.execute(text(f'SELECT * FROM "{table.name}"'))
            rows[table.name] = sorted(map(tuple, result.all()), key=repr)
    engine.dispose()
    return rows


def refused(shop, db_url, args, message, today="2026-07-11"):
    before = snapshot(db_url)
    result = shop(*args, today=today)
    assert (result.exit_code, result.stderr) == (1, f"error: {message}\n"), result.stdout
    assert snapshot(db_url) == before


def active_basic(shop, email="up@example.com", day="2026-01-10"):
    client_id = add_client(shop, email)
    placed = order(shop, client_id, "hosting-basic", "annual", day)
    pay(shop, placed["invoice"]["id"], "96.00", day)
    return client_id, placed["services"][0]["id"]


# --------------------------------------------------------------------------- upgrades
def test_upgrade_invoices_the_difference_and_changes_the_plan_when_paid(shop, db_url):
    client_id, sid = active_basic(shop)
    before = snapshot(db_url)
    preview = shop.json(
        "service", "upgrade", str(sid), "--to", "hosting-pro", "--preview", today="2026-07-11"
    )
    assert snapshot(db_url) == before
    inv = preview["invoice"]
    assert (inv["id"], inv["number"], inv["kind"], inv["total"], inv["due_date"]) == (
        None,
        None,
        "upgrade",
        "48.00",
        "2026-07-11",
    )
    real = shop.json("service", "upgrade", str(sid), "--to", "hosting-pro", today="2026-07-11")
    made = real["invoice"]
    assert {k: v for k, v in made.items() if k not in ("id", "number")} == {
        k: v for k, v in inv.items() if k not in ("id", "number")
    }
    assert (made["number"], made["total"], amounts(made)) == (
        "2026-000002",
        "48.00",
        [("item", "upgrade", "48.00")],
    )
    assert made["lines"][0]["period_start"] == "2026-07-11"
    assert made["lines"][0]["period_end"] == "2027-01-09"
    assert real["service"]["product"] == "hosting-basic"  # not before it is paid
    refused(
        shop,
        db_url,
        ["service", "upgrade", str(sid), "--to", "hosting-pro"],
        f"Service {sid} already has upgrade invoice 2026-000002 waiting for payment; it "
        "must be paid or cancelled before another upgrade.",
    )
    pay(shop, made["id"], "48.00", "2026-07-12")
    after = service(shop, sid, today="2026-07-12")
    assert (after["product"], after["next_due_date"], after["status"]) == (
        "hosting-pro",
        "2027-01-10",
        "active",
    )
    log = shop.json("log", "--entity", f"service:{sid}")
    assert log[-1]["action"] == "service.upgrade"
    assert log[-1]["changes"]["product"] == ["hosting-basic", "hosting-pro"]
    # the next renewal is at the new plan's price: 15 × 12 − 20 % = 144.00
    daily(shop, "2026-12-26")
    renewal = [
        i
        for i in shop.json("invoice", "list", "--client", str(client_id))
        if i["kind"] == "renewal"
    ]
    assert [r["total"] for r in renewal] == ["144.00"]


def test_prorated_upgrade_charges_the_days_left(shop):
    _, sid = active_basic(shop)
    shop("config", "set", "billing.upgrade_policy", "prorated")
    data = shop.json("service", "upgrade", str(sid), "--to", "hosting-pro", today="2026-07-11")
    assert data["invoice"]["total"] == "24.07"  # 48 × 183 / 365, half-up
    assert "proporcional" in data["invoice"]["lines"][0]["description"]


def test_paying_an_upgrade_reissues_the_unpaid_renewal_at_the_new_price(shop):
    client_id, sid = active_basic(shop)
    daily(shop, "2026-12-26")  # D−15: renewal 2026-000002, 96.00, due 2027-01-10
    up = shop.json("service", "upgrade", str(sid), "--to", "hosting-pro", today="2026-12-27")
    assert up["invoice"]["total"] == "48.00"
    pay(shop, up["invoice"]["id"], "48.00", "2026-12-27")
    states = {
        i["number"]: (i["kind"], i["status"], i["total"], i["due_date"])
        for i in shop.json("invoice", "list", "--client", str(client_id))
    }
    assert states == {
        "2026-000001": ("order", "paid", "96.00", "2026-01-10"),
        "2026-000002": ("renewal", "cancelled", "96.00", "2027-01-10"),
        "2026-000003": ("upgrade", "paid", "48.00", "2026-12-27"),
        "2026-000004": ("renewal", "unpaid", "144.00", "2027-01-10"),
    }


def test_upgrade_refusals_change_nothing(shop, db_url, tmp_path):
    shop(
        "product",
        "add",
        "hosting-max",
        "--name",
        "Hosting Max",
        "--category",
        "hosting",
        "--monthly-price",
        "20.00",
        "--cycles",
        "semiannual,annual",
        today="2026-01-01",
    )
    client_id, sid = active_basic(shop)
    pro = order(shop, client_id, "hosting-pro", "annual", "2026-01-10")
    pay(shop, pro["invoice"]["id"], "144.00", "2026-01-10")
    pro_id = pro["services"][0]["id"]
    refused(
        shop,
        db_url,
        ["service", "upgrade", str(pro_id), "--to", "hosting-basic"],
        "hosting-pro → hosting-basic is a downgrade (48.00 USD less a annual period): "
        "downgrades are not possible; the client cancels this service (`hostctl service "
        f"cancel {pro_id}`) and orders the smaller plan.",
    )
    refused(
        shop,
        db_url,
        ["service", "upgrade", str(sid), "--to", "hosting-max"],
        "hosting-max is not an upgrade path of hosting-basic (its paths: hosting-pro); an "
        "exception needs --force --reason TEXT.",
    )
    refused(
        shop,
        db_url,
        ["service", "upgrade", str(sid), "--to", "hosting-max", "--force"],
        "--force needs --reason TEXT, kept in the log.",
    )
    refused(
        shop,
        db_url,
        ["service", "upgrade", str(sid), "--to", "radio"],
        "hosting-basic (hosting) cannot move to radio (streaming): an upgrade stays within "
        "one category; cancel this service and order the other product.",
    )
    pending = order(shop, client_id, "hosting-basic", "annual", "2026-07-11")["services"][0]
    refused(
        shop,
        db_url,
        ["service", "upgrade", str(pending["id"]), "--to", "hosting-pro"],
        f"Service {pending['id']} is pending; only an active service can be upgraded.",
    )
    forced = shop.json(
        "service",
        "upgrade",
        str(sid),
        "--to",
        "hosting-max",
        "--force",
        "--reason",
        "pedido del ejecutivo de cuentas",
        today="2026-07-11",
    )
    assert forced["invoice"]["total"] == "96.00"  # 192 − 96
    log = shop.json("log", "--entity", f"service:{sid}")
    asked = next(e for e in log if e["action"] == "service.upgrade_requested")
    assert (asked["changes"]["forced"], asked["note"]) == (True, "pedido del ejecutivo de cuentas")


# --------------------------------------------------------------------------- cancellations
def test_end_of_period_cancellation_cancels_the_renewal_and_ends_on_the_due_date(shop, db_url):
    client_id, sid = active_basic(shop)
    daily(shop, "2026-12-26")
    data = shop.json(
        "service",
        "cancel",
        str(sid),
        "--when",
        "end-of-period",
        "--channel",
        "ticket",
        "--reason",
        "cierra el negocio",
        today="2026-12-27",
    )
    assert (data["service"]["status"], data["service"]["cancellation"]) == (
        "active",
        "end-of-period",
    )
    assert [(i["number"], i["status"]) for i in data["cancelled_invoices"]] == [
        ("2026-000002", "cancelled")
    ]
    assert (data["refund"], data["invoices"]) == (None, [])
    refused(
        shop,
        db_url,
        [
            "service",
            "cancel",
            str(sid),
            "--when",
            "end-of-period",
            "--channel",
            "ticket",
            "--reason",
            "otra vez",
        ],
        f"Service {sid} is already cancelled from 2027-01-10.",
        today="2026-12-28",
    )
    # revoked: the renewal invoice is made again at once
    back = shop.json("service", "revoke-cancel", str(sid), today="2026-12-28")
    assert back["cancellation"] is None
    unpaid = shop.json("invoice", "list", "--client", str(client_id), "--status", "unpaid")
    assert [(i["number"], i["total"], i["due_date"]) for i in unpaid] == [
        ("2026-000003", "96.00", "2027-01-10")
    ]
    shop.json(
        "service",
        "cancel",
        str(sid),
        "--when",
        "end-of-period",
        "--channel",
        "client area",
        "--reason",
        "cierra el negocio",
        today="2026-12-29",
    )
    daily(shop, "2027-01-09")
    assert service(shop, sid)["status"] == "active"
    daily(shop, "2027-01-10")
    ended = service(shop, sid)
    assert (ended["status"], ended["ended_on"]) == ("cancelled", "2027-01-10")
    events = [m["event"] for m in shop.json("notify", "list") if m.get("service_id") == sid]
    assert "service.terminated" in events
    refused(
        shop,
        db_url,
        ["service", "revoke-cancel", str(sid)],
        f"Service {sid} has no end-of-period cancellation to revoke.",
        today="2027-01-11",
    )


def test_cancellation_needs_started_periods_paid(shop, db_url):
    _, sid = active_basic(shop)
    daily(shop, "2026-12-26")
    daily(shop, "2027-01-12")  # D+2: suspended, its renewal unpaid and started
    assert service(shop, sid)["status"] == "suspended"
    refused(
        shop,
        db_url,
        [
            "service",
            "cancel",
            str(sid),
            "--when",
            "immediate",
            "--channel",
            "ticket",
            "--reason",
            "no paga",
        ],
        "Invoice 2026-000002 for a period already started (2027-01-10 to 2028-01-09) is "
        "unpaid; it must be paid before the cancellation.",
        today="2027-01-12",
    )


def test_immediate_cancellation_with_refund_within_thirty_days(shop, db_url):
    client_id = add_client(shop, "refund@example.com")
    placed = order(shop, client_id, "hosting-basic", "annual", "2026-03-01")
    pay(shop, placed["invoice"]["id"], "96.00", "2026-03-01")
    sid = placed["services"][0]["id"]
    before = snapshot(db_url)
    preview = shop.json(
        "service",
        "cancel",
        str(sid),
        "--when",
        "immediate",
        "--channel",
        "ticket",
        "--reason",
        "no le sirvió",
        "--refund",
        "--preview",
        today="2026-03-20",
    )
    assert snapshot(db_url) == before
    data = shop.json(
        "service",
        "cancel",
        str(sid),
        "--when",
        "immediate",
        "--channel",
        "ticket",
        "--reason",
        "no le sirvió",
        "--refund",
        today="2026-03-20",
    )
    assert {k: v for k, v in preview["refund"].items() if k != "id"} == {
        k: v for k, v in data["refund"].items() if k != "id"
    }
    refund = data["refund"]
    assert (refund["amount"], refund["method"], refund["date"], refund["invoice_id"]) == (
        "96.00",
        "card",
        "2026-03-20",
        placed["invoice"]["id"],
    )
    assert (data["service"]["status"], data["service"]["ended_on"]) == ("cancelled", "2026-03-20")
    shown = shop.json("invoice", "show", str(placed["invoice"]["id"]))
    assert shown["status"] == "refunded"
    events = [m["event"] for m in shop.json("notify", "list")]
    assert "payment.refunded" in events and "service.terminated" in events
    refused(
        shop,
        db_url,
        [
            "service",
            "cancel",
            str(sid),
            "--when",
            "immediate",
            "--channel",
            "ticket",
            "--reason",
            "x",
        ],
        f"Service {sid} is already cancelled; it cannot be cancelled again.",
        today="2026-03-21",
    )


def test_refund_refusals(shop, db_url):
    client_id, sid = active_basic(shop)
    refused(
        shop,
        db_url,
        [
            "service",
            "cancel",
            str(sid),
            "--when",
            "immediate",
            "--channel",
            "ticket",
            "--reason",
            "tarde",
            "--refund",
        ],
        f"Service {sid} was activated on 2026-01-10, more than 30 days ago; the guarantee "
        "refunds only within 30 days.",
        today="2026-02-10",
    )
    radio = order(shop, client_id, "radio", "monthly", "2026-02-10")
    pay(shop, radio["invoice"]["id"], "8.00", "2026-02-10")
    rid = radio["services"][0]["id"]
    refused(
        shop,
        db_url,
        [
            "service",
            "cancel",
            str(rid),
            "--when",
            "immediate",
            "--channel",
            "ticket",
            "--reason",
            "x",
            "--refund",
        ],
        "radio is not refundable: domains, app development and streaming are never refunded.",
        today="2026-02-11",
    )
    domain = order(shop, client_id, "domain-com", "annual", "2026-02-10", domain="ejemplo.com")
    pay(shop, domain["invoice"]["id"], "15.00", "2026-02-10")
    did = domain["services"][0]["id"]
    refused(
        shop,
        db_url,
        [
            "service",
            "cancel",
            str(did),
            "--when",
            "immediate",
            "--channel",
            "ticket",
            "--reason",
            "x",
        ],
        f"Domains cannot be cancelled; `hostctl service no-renew {did}` lets ejemplo.com "
        "expire on its due date.",
        today="2026-02-11",
    )
    refused(
        shop,
        db_url,
        [
            "service",
            "cancel",
            str(sid),
            "--when",
            "end-of-period",
            "--channel",
            "ticket",
            "--reason",
            "x",
            "--refund",
        ],
        "A refund goes with --when immediate.",
        today="2026-02-11",
    )


def test_a_free_domain_is_deducted_from_a_refund_or_invoiced_on_early_cancellation(shop):
    shop("product", "edit", "hosting-basic", "--free-domain", "domain-com", today="2026-01-01")
    first = add_client(shop, "free1@example.com")
    placed = order(shop, first, "hosting-basic", "annual", "2026-03-01", domain="mio.com")
    pay(shop, placed["invoice"]["id"], "96.00", "2026-03-01")
    data = shop.json(
        "service",
        "cancel",
        str(placed["services"][0]["id"]),
        "--when",
        "immediate",
        "--channel",
        "ticket",
        "--reason",
        "x",
        "--refund",
        today="2026-03-10",
    )
    assert data["refund"]["amount"] == "81.00"  # 96 − the domain's 15.00
    assert data["invoices"] == []
    second = add_client(shop, "free2@example.com")
    placed = order(shop, second, "hosting-basic", "annual", "2026-03-01", domain="otro.com")
    pay(shop, placed["invoice"]["id"], "96.00", "2026-03-01")
    data = shop.json(
        "service",
        "cancel",
        str(placed["services"][0]["id"]),
        "--when",
        "immediate",
        "--channel",
        "ticket",
        "--reason",
        "x",
        today="2026-06-10",
    )
    assert data["refund"] is None
    fee = data["invoices"][0]
    assert (fee["kind"], fee["total"], fee["due_date"], amounts(fee)) == (
        "fee",
        "15.00",
        "2026-06-10",
        [("fee", "free-domain", "15.00")],
    )


def test_cancelling_one_service_of_a_shared_renewal_invoice_reissues_the_others(shop):
    client_id = add_client(shop, "two@example.com")
    placed = order(shop, client_id, "hosting-basic", "annual", "2026-01-10", quantity=2)
    pay(shop, placed["invoice"]["id"], "192.00", "2026-01-10")
    first, second = (s["id"] for s in placed["services"])
    daily(shop, "2026-12-26")
    shared = shop.json("invoice", "list", "--client", str(client_id), "--status", "unpaid")[0]
    assert (shared["total"], [x["service_id"] for x in shared["lines"] if x["kind"] == "item"]) == (
        "192.00",
        [first, second],
    )
    data = shop.json(
        "service",
        "cancel",
        str(first),
        "--when",
        "end-of-period",
        "--channel",
        "ticket",
        "--reason",
        "x",
        today="2026-12-27",
    )
    assert [i["number"] for i in data["cancelled_invoices"]] == [shared["number"]]
    left = shop.json("invoice", "list", "--client", str(client_id), "--status", "unpaid")
    assert len(left) == 1
    assert [x["service_id"] for x in left[0]["lines"] if x["kind"] == "item"] == [second]
    assert (left[0]["total"], left[0]["due_date"]) == ("96.00", "2027-01-10")
    assert sum(float(x["amount"]) for x in left[0]["lines"]) == float(left[0]["total"])


def test_a_domain_not_renewed_expires_and_is_deleted_thirty_days_later(shop):
    client_id = add_client(shop, "dom@example.com")
    placed = order(shop, client_id, "domain-com", "annual", "2026-01-10", domain="fin.com")
    pay(shop, placed["invoice"]["id"], "15.00", "2026-01-10")
    did = placed["services"][0]["id"]
    shop.json("service", "no-renew", str(did), today="2026-02-01")
    daily(shop, "2027-01-10")
    assert service(shop, did)["status"] == "expired"
    assert daily(shop, "2027-02-08")["domains_deleted"] == 0
    assert daily(shop, "2027-02-09")["domains_deleted"] == 1
    deleted = [m for m in shop.json("notify", "list") if m["event"] == "domain.deleted"]
    assert {m["service_id"] for m in deleted} == {did}
    assert daily(shop, "2027-02-10")["domains_deleted"] == 0


def _same(preview: dict[str, Any], real: dict[str, Any]) -> None:
    def strip(inv: dict[str, Any] | None) -> dict[str, Any] | None:
        return None if inv is None else {k: v for k, v in inv.items() if k not in ("id", "number")}

    assert strip(preview["invoice"]) == strip(real["invoice"])
    assert preview["service"] == real["service"]


@pytest.mark.parametrize(
    ("policy", "cycle", "day", "total"),
    [
        ("difference", "annual", "2026-07-11", "48.00"),  # 144 − 96
        ("prorated", "annual", "2026-07-11", "24.07"),  # 48 × 183 / 365
        ("difference", "biennial", "2026-07-11", "80.40"),  # (360 − 240) less 33 %
        ("prorated", "semiannual", "2026-04-10", "14.18"),  # (84.60 − 56.40) × 91 / 181
    ],
)
def test_preview_and_upgrade_agree(shop, db_url, policy, cycle, day, total):
    shop("config", "set", "billing.upgrade_policy", policy)
    client_id = add_client(shop, "agree@example.com")
    placed = order(shop, client_id, "hosting-basic", cycle, "2026-01-10")
    pay(shop, placed["invoice"]["id"], placed["invoice"]["total"], "2026-01-10")
    sid = str(placed["services"][0]["id"])
    before = snapshot(db_url)
    preview = shop.json("service", "upgrade", sid, "--to", "hosting-pro", "--preview", today=day)
    assert snapshot(db_url) == before
    real = shop.json("service", "upgrade", sid, "--to", "hosting-pro", today=day)
    _same(preview, real)
    assert real["invoice"]["total"] == total


def test_preview_of_a_cancellation_with_a_free_domain_agrees(shop, db_url):
    shop("product", "edit", "hosting-basic", "--free-domain", "domain-com", today="2026-01-01")
    client_id = add_client(shop, "agree2@example.com")
    placed = order(shop, client_id, "hosting-basic", "annual", "2026-03-01", domain="mio.com")
    pay(shop, placed["invoice"]["id"], "96.00", "2026-03-01")
    args = [
        "service",
        "cancel",
        str(placed["services"][0]["id"]),
        "--when",
        "immediate",
        "--channel",
        "ticket",
        "--reason",
        "x",
    ]
    before = snapshot(db_url)
    preview = shop.json(*args, "--preview", today="2026-06-10")
    assert snapshot(db_url) == before
    real = shop.json(*args, today="2026-06-10")
    strip = [{k: v for k, v in i.items() if k not in ("id", "number")} for i in real["invoices"]]
    assert strip == [
        {k: v for k, v in i.items() if k not in ("id", "number")} for i in preview["invoices"]
    ]
    assert preview["service"] == real["service"]
    assert (preview["preview"], real["preview"]) == (True, False)
