"""The renewal lifecycle of SPEC §4, walked day by day through `hostctl daily`."""

from __future__ import annotations

import datetime as dt

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


@pytest.fixture
def annual_client(cli, tmp_path):
    """The issue's example: an annual plan ordered and paid on 2026-01-10."""
    setup_catalogue(cli, tmp_path)
    client_id = add_client(cli, "ana@example.com", phone="+5491123456789")
    placed = order(cli, client_id, "hosting-basic", "annual", "2026-01-10")
    assert placed["invoice"]["number"] == "2026-000001"
    assert placed["invoice"]["due_date"] == "2026-01-10"
    assert placed["invoice"]["total"] == "96.00"
    assert placed["services"][0]["status"] == "pending"
    paid = pay(cli, placed["invoice"]["id"], "96.00", "2026-01-10")
    assert paid["invoice"]["status"] == "paid"
    return client_id, placed["services"][0]["id"]


def walk(cli, start: str, end: str) -> dict[str, dict]:
    """Run daily on every day from start to end; return each day's summary."""
    day, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    out = {}
    while day <= last:
        out[day.isoformat()] = daily(cli, day.isoformat())
        day += dt.timedelta(days=1)
    return out


def test_annual_plan_from_payment_to_termination(cli, annual_client):
    client_id, service_id = annual_client
    assert service(cli, service_id)["status"] == "active"
    assert service(cli, service_id)["next_due_date"] == "2027-01-10"

    days = walk(cli, "2026-12-24", "2027-02-05")
    acted = {
        d: s
        for d, s in days.items()
        if any(s[k] for k in ("invoices_created", "reminders", "suspended", "terminated"))
    }
    assert {
        d: (s["invoices_created"], s["reminders"], s["suspended"], s["terminated"])
        for d, s in acted.items()
    } == {
        "2026-12-26": (1, 0, 0, 0),  # D−15
        "2026-12-31": (0, 1, 0, 0),  # D−10 first reminder
        "2027-01-05": (0, 1, 0, 0),  # D−5
        "2027-01-09": (0, 1, 0, 0),  # D−1
        "2027-01-12": (0, 0, 1, 0),  # D+2 suspended
        "2027-02-04": (0, 0, 0, 1),  # D+25 terminated
    }
    renewal = invoices(cli, client_id)[1]
    assert renewal["number"] == "2026-000002"
    assert (renewal["issue_date"], renewal["due_date"]) == ("2026-12-26", "2027-01-10")
    assert renewal["lines"][0]["period_start"] == "2027-01-10"
    assert renewal["lines"][0]["period_end"] == "2028-01-09"
    assert amounts(renewal) == [("item", None, "120.00"), ("discount", "period", "-24.00")]
    assert renewal["status"] == "cancelled"  # cancelled with the termination
    final = service(cli, service_id)
    assert (final["status"], final["suspension_reason"], final["ended_on"]) == (
        "terminated",
        "non-payment",
        "2027-02-04",
    )

    events = [
        (m["event"], m["stage"], m["channel"])
        for m in cli.json("notify", "list")
        if m["channel"] == "email"
    ]
    assert events == [
        ("client.registered", None, "email"),
        ("invoice.created", None, "email"),
        ("payment.received", None, "email"),
        ("invoice.created", None, "email"),
        ("invoice.reminder", "first", "email"),
        ("invoice.reminder", "second", "email"),
        ("invoice.reminder", "final", "email"),
        ("service.suspended", None, "email"),
        ("service.terminated", None, "email"),
        ("invoice.cancelled", None, "email"),
    ]
    log = cli.json("log", "--entity", f"service:{service_id}")
    assert [e["action"] for e in log] == [
        "service.order",
        "service.activate",
        "service.suspend",
        "service.terminate",
    ]
    assert log[2]["effective_date"] == "2027-01-12"


def test_paying_a_suspended_service_reactivates_it_from_the_old_due_date(cli, annual_client):
    client_id, service_id = annual_client
    walk(cli, "2026-12-26", "2027-01-13")
    assert service(cli, service_id)["status"] == "suspended"
    renewal = invoices(cli, client_id)[1]
    paid = pay(cli, renewal["number"], "96.00", "2027-01-13")
    assert paid["invoice"]["status"] == "paid"
    after = service(cli, service_id)
    assert (after["status"], after["suspension_reason"]) == ("active", None)
    assert after["next_due_date"] == "2028-01-10"  # one cycle from the old due date
    assert after["cycle"] == "annual"  # nothing longer than annual to step to
    assert [m["event"] for m in cli.json("notify", "list", "--event", "service.reactivated")] == [
        "service.reactivated",
        "service.reactivated",
    ]
    assert daily(cli, "2027-02-04")["terminated"] == 0


def test_daily_twice_the_same_day_does_nothing_and_catches_up_missed_days(cli, annual_client):
    first = daily(cli, "2026-12-20")
    assert first["days"] == ["2026-12-20"]
    again = daily(cli, "2026-12-20")
    assert again["days"] == [] and again["invoices_created"] == 0
    # ten missed days in one run: 21 … 30, with the D−15 invoice and the D−10 reminder
    caught = daily(cli, "2026-12-30")
    assert caught["days"] == [f"2026-12-{d}" for d in range(21, 31)]
    assert (caught["invoices_created"], caught["reminders"]) == (1, 0)
    assert daily(cli, "2026-12-31")["reminders"] == 1
    assert len(invoices(cli, annual_client[0])) == 2


def test_dry_run_prints_and_changes_nothing(cli, annual_client):
    daily(cli, "2026-12-20")
    result = cli("daily", "--date", "2027-01-12", "--dry-run", "--no-send", today="2027-01-12")
    assert result.exit_code == 0, result.stderr
    assert "dry run, nothing changed" in result.stdout
    assert "2027-01-12  suspend" in result.stdout
    assert len(invoices(cli, annual_client[0])) == 1
    assert service(cli, annual_client[1])["status"] == "active"
    assert daily(cli, "2026-12-26")["invoices_created"] == 1  # the real run still does it


def test_client_wide_suspension_on_the_fifth_business_day(cli, annual_client):
    client_id, overdue_id = annual_client
    other = order(cli, client_id, "hosting-basic", "semiannual", "2026-09-01")
    pay(cli, other["invoice"]["number"], other["invoice"]["total"], "2026-09-01")
    other_id = other["services"][0]["id"]
    assert service(cli, other_id)["next_due_date"] == "2027-03-01"
    walk(cli, "2026-12-26", "2027-01-14")
    assert service(cli, overdue_id)["status"] == "suspended"
    assert service(cli, other_id)["status"] == "active"  # 4th business day after Sun 10
    daily(cli, "2027-01-15")  # Fri 15: the 5th business day after 2027-01-10
    assert (service(cli, other_id)["status"], service(cli, other_id)["suspension_reason"]) == (
        "suspended",
        "non-payment",
    )
    renewal = next(i for i in invoices(cli, client_id) if i["due_date"] == "2027-01-10")
    pay(cli, renewal["id"], renewal["total"], "2027-01-20")
    assert service(cli, overdue_id)["status"] == "active"
    assert service(cli, other_id)["status"] == "active"
    assert service(cli, other_id)["next_due_date"] == "2027-03-01"


def test_monthly_due_dates_keep_their_day_and_cycle_lengthens_after_suspension(cli, tmp_path):
    setup_catalogue(cli, tmp_path)
    client_id = add_client(cli, "radio@example.com")
    placed = order(cli, client_id, "radio", "monthly", "2026-01-31")
    pay(cli, placed["invoice"]["id"], "8.00", "2026-01-31")
    service_id = placed["services"][0]["id"]
    assert service(cli, service_id)["next_due_date"] == "2026-02-28"  # Jan 31 → Feb 28
    daily(cli, "2026-02-12")
    assert daily(cli, "2026-02-13")["invoices_created"] == 1  # D−15 of Feb 28
    feb = invoices(cli, client_id)[1]
    pay(cli, feb["id"], "8.00", "2026-02-20")
    assert service(cli, service_id)["next_due_date"] == "2026-03-31"  # back to the 31st
    walk(cli, "2026-02-21", "2026-04-02")  # March unpaid: suspended on April 2 (D+2)
    assert service(cli, service_id)["status"] == "suspended"
    march = invoices(cli, client_id)[2]
    assert (march["due_date"], march["total"]) == ("2026-03-31", "8.00")
    pay(cli, march["id"], "8.00", "2026-04-03")
    after = service(cli, service_id)
    assert (after["status"], after["next_due_date"], after["cycle"]) == (
        "active",
        "2026-04-30",
        "quarterly",
    )  # BIL-7: monthly → quarterly
    walk(cli, "2026-04-04", "2026-04-15")
    april = invoices(cli, client_id)[3]
    assert april["lines"][0]["period_start"] == "2026-04-30"
    assert april["lines"][0]["period_end"] == "2026-07-30"  # next due 2026-07-31
    assert april["total"] == "24.00"


def test_lengthening_can_be_switched_off(cli, tmp_path):
    setup_catalogue(cli, tmp_path)
    assert cli("config", "set", "billing.lengthen_cycle_after_suspension", "false").exit_code == 0
    client_id = add_client(cli, "radio2@example.com")
    placed = order(cli, client_id, "radio", "monthly", "2026-01-10")
    pay(cli, placed["invoice"]["id"], "8.00", "2026-01-10")
    walk(cli, "2026-01-26", "2026-02-12")
    renewal = invoices(cli, client_id)[1]
    pay(cli, renewal["id"], "8.00", "2026-02-13")
    after = service(cli, placed["services"][0]["id"])
    assert (after["status"], after["cycle"], after["next_due_date"]) == (
        "active",
        "monthly",
        "2026-03-10",
    )


def test_services_of_one_client_renewing_the_same_day_share_one_invoice(cli, tmp_path):
    setup_catalogue(cli, tmp_path)
    client_id = add_client(cli, "two@example.com")
    hosting = order(cli, client_id, "hosting-basic", "annual", "2026-03-05")
    domain = order(cli, client_id, "domain-com", "annual", "2026-03-05", domain="two.com")
    assert domain["invoice"]["total"] == "15.00"
    pay(cli, hosting["invoice"]["id"], "96.00", "2026-03-05")
    pay(cli, domain["invoice"]["id"], "15.00", "2026-03-05")
    daily(cli, "2027-02-17")
    assert daily(cli, "2027-02-18")["invoices_created"] == 1
    renewal = invoices(cli, client_id)[2]
    assert renewal["due_date"] == "2027-03-05"
    assert amounts(renewal) == [
        ("item", None, "120.00"),
        ("item", None, "15.00"),
        ("discount", "period", "-24.00"),
    ]
    assert renewal["total"] == "111.00"
    assert {line["service_id"] for line in renewal["lines"] if line["kind"] == "item"} == {
        hosting["services"][0]["id"],
        domain["services"][0]["id"],
    }


def test_a_domain_set_not_to_renew_expires_on_its_due_date(cli, tmp_path):
    setup_catalogue(cli, tmp_path)
    client_id = add_client(cli, "dom@example.com")
    placed = order(cli, client_id, "domain-com", "annual", "2026-03-05", domain="x.com")
    pay(cli, placed["invoice"]["id"], "15.00", "2026-03-05")
    service_id = placed["services"][0]["id"]
    assert cli("service", "no-renew", str(service_id), today="2026-06-01").exit_code == 0
    walk(cli, "2027-02-15", "2027-03-04")
    assert len(invoices(cli, client_id)) == 1  # never renewed
    assert daily(cli, "2027-03-05")["ended"] == 1
    assert (service(cli, service_id)["status"], service(cli, service_id)["ended_on"]) == (
        "expired",
        "2027-03-05",
    )


def test_renewal_uses_the_catalogue_price_of_the_day_it_is_generated(cli, annual_client):
    client_id, _ = annual_client
    cli("product", "edit", "hosting-basic", "--monthly-price", "12.00", today="2026-06-01")
    daily(cli, "2026-12-26")
    renewal = invoices(cli, client_id)[1]
    assert amounts(renewal) == [("item", None, "144.00"), ("discount", "period", "-28.80")]
    cli("product", "edit", "hosting-basic", "--monthly-price", "20.00", today="2026-12-27")
    assert cli.json("invoice", "show", renewal["number"])["total"] == "115.20"  # CAT-4


def test_a_crash_half_way_through_a_day_leaves_nothing_half_done(cli, annual_client, monkeypatch):
    from hostctl.core import lifecycle

    client_id, service_id = annual_client
    daily(cli, "2026-12-20")
    daily(cli, "2026-12-25")
    real = lifecycle.terminate_overdue

    def crash(*args, **kwargs):
        raise RuntimeError("power cut")

    # 2026-12-26 creates the renewal invoice first, then crashes in a later rule
    monkeypatch.setattr(lifecycle, "terminate_overdue", crash)
    with pytest.raises(RuntimeError, match="power cut"):
        cli("daily", "--date", "2026-12-26", "--no-send", today="2026-12-26")
    assert len(invoices(cli, client_id)) == 1  # the day's invoice was rolled back with it
    assert [m["event"] for m in cli.json("notify", "list", "--event", "invoice.created")] == [
        "invoice.created",
        "invoice.created",
    ]  # only the order invoice's alerts (whatsapp, email)
    monkeypatch.setattr(lifecycle, "terminate_overdue", real)
    rerun = daily(cli, "2026-12-26")
    assert rerun["days"] == ["2026-12-26"]
    assert rerun["invoices_created"] == 1
    assert len(invoices(cli, client_id)) == 2
    assert service(cli, service_id)["status"] == "active"


def test_termination_clears_the_debt_and_the_clients_other_services_come_back(cli, annual_client):
    """D+25 cancels the unpaid renewal with the terminated service; the client then owes
    nothing overdue, so the service suspended only because the client was a debtor (5th
    business day) is reactivated the same day, with its alert and audit entry."""
    client_id, overdue_id = annual_client
    other = order(cli, client_id, "hosting-basic", "semiannual", "2026-09-01")
    pay(cli, other["invoice"]["number"], other["invoice"]["total"], "2026-09-01")
    other_id = other["services"][0]["id"]
    walk(cli, "2026-12-26", "2027-02-03")
    assert service(cli, overdue_id)["status"] == "suspended"
    assert service(cli, other_id)["status"] == "suspended"
    day = daily(cli, "2027-02-04")  # D+25 of 2027-01-10
    assert day["terminated"] == 1
    assert service(cli, overdue_id)["status"] == "terminated"
    back = service(cli, other_id)
    assert (back["status"], back["suspension_reason"], back["next_due_date"]) == (
        "active",
        None,
        "2027-03-01",
    )
    renewal = next(i for i in invoices(cli, client_id) if i["due_date"] == "2027-01-10")
    assert renewal["status"] == "cancelled"
    reactivated = cli.json("notify", "list", "--event", "service.reactivated")
    assert {(m["service_id"], m["channel"]) for m in reactivated} == {
        (other_id, "whatsapp"),
        (other_id, "email"),
    }
    log = cli.json("log", "--entity", f"service:{other_id}")
    assert [e["action"] for e in log][-2:] == ["service.suspend", "service.reactivate"]
    # the next days leave it alone until its own renewal
    assert daily(cli, "2027-02-05")["suspended"] == 0
    assert service(cli, other_id)["status"] == "active"
