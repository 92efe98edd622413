"""core/lifecycle.py without the CLI: each row of SPEC §4's table, walking the calendar
through ``run_daily`` (BIL-10 catch-up, day by day in date order) and ``run_day``.

A service whose current period ends on its due date D = 2026-03-10 (a Tuesday):
D−15 02-23 · D−10 02-28 · D−5 03-05 · D−1 03-09 · D+2 03-12 · 5th business day 03-17 ·
D+25 04-04."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from billing_setup import (
    add_catalogue,
    add_client,
    add_service,
    audit_rows,
    client_invoices,
    credit_of,
    date,
    ledger,
    lines,
    order,
    outbox_rows,
    pay,
    state,
    total,
)
from sqlmodel import col, select

from conftest import make_ctx
from hostctl.core import services
from hostctl.core.invoices import lines_of
from hostctl.core.lifecycle import DayResult, run_daily, run_day
from hostctl.models import DailyRun, Invoice, OutboxMessage, Service

D = date("2026-03-10")


def days(n: int) -> dt.date:
    """D + n days."""
    return D + dt.timedelta(days=n)


def walk(session, db_url: str, start: dt.date, end: dt.date) -> dict[dt.date, dict[str, int]]:
    """Commit what the test wrote, run ``daily`` over every day from ``start`` to ``end``
    (``start`` alone first, then the rest as one catch-up) and return, for each day that
    did something, its counts by kind of action."""
    session.commit()
    done: dict[dt.date, dict[str, int]] = {}

    def on_day(result: DayResult) -> None:
        counts = {kind: n for kind, n in result.counts.items() if n}
        if counts:
            done[result.day] = counts

    for until in (start, end):
        run_daily(
            make_ctx(until, staff="daily"),
            until=until,
            url=db_url,
            send_alerts=False,
            on_day=on_day,
        )
    session.expire_all()
    return done


@pytest.fixture
def ana(session):
    """A client with an annual hosting plan due D (96.00 a year with its period discount)."""
    add_catalogue(session)
    client = add_client(session, "ana@example.com")
    service = add_service(session, client, due=D)
    return client, service


def _renewal(session, client) -> Invoice:
    (invoice,) = [i for i in client_invoices(session, client) if i.kind == "renewal"]
    return invoice


# --------------------------------------------------------------------------- §4's table
def test_renewal_invoice_fifteen_days_before_due(session, db_url, ana):
    client, service = ana
    assert walk(session, db_url, days(-17), days(-14)) == {days(-15): {"invoice": 1}}
    invoice = _renewal(session, client)
    assert (invoice.number, invoice.status, invoice.issue_date, invoice.due_date) == (
        "2026-000001",
        "unpaid",
        days(-15),
        D,
    )
    assert lines(session, invoice) == [("item", None, "120.00"), ("discount", "period", "-24.00")]
    created = outbox_rows(session, "invoice.created")
    assert [(m[1], m[3], m[6]["total"], m[6]["due_date"]) for m in created] == [
        ("whatsapp", invoice.id, "96.00", "2026-03-10"),
        ("email", invoice.id, "96.00", "2026-03-10"),
    ]
    assert [(a[0], a[4], a[5]) for a in audit_rows(session, "invoice.")] == [
        ("invoice.create", None, days(-15))
    ]
    assert state(session, service)[:3] == ("active", None, D)


def _reminders(session, invoice) -> list[tuple[str, str, Any]]:
    rows = outbox_rows(session, "invoice.reminder")
    return [(m[5], m[1], m[6]["amount_due"]) for m in rows if m[3] == invoice.id]


def test_first_reminder_ten_days_before(session, db_url, ana):
    client, _ = ana
    assert walk(session, db_url, days(-16), days(-6)) == {
        days(-15): {"invoice": 1},
        days(-10): {"reminder": 1},
    }
    invoice = _renewal(session, client)
    assert invoice.reminders_sent == 1
    assert _reminders(session, invoice) == [
        ("first", "whatsapp", "96.00"),
        ("first", "email", "96.00"),
    ]
    assert [(a[3], a[5]) for a in audit_rows(session, "invoice.reminder")] == [
        ({"stage": "first"}, days(-10))
    ]


def test_second_reminder_five_days_before(session, db_url, ana):
    client, _ = ana
    # a partial payment: the reminder asks for what is left
    walk(session, db_url, days(-16), days(-7))
    pay(session, make_ctx(days(-7)), _renewal(session, client), "40.00")
    assert walk(session, db_url, days(-6), days(-2)) == {days(-5): {"reminder": 1}}
    invoice = _renewal(session, client)
    assert invoice.reminders_sent == 2
    assert _reminders(session, invoice)[2:] == [
        ("second", "whatsapp", "56.00"),
        ("second", "email", "56.00"),
    ]


def test_final_reminder_one_day_before(session, db_url, ana):
    client, _ = ana
    # a client who paid gets no reminder at all
    bob = add_client(session, "bob@example.com")
    add_service(session, bob, due=D)
    walk(session, db_url, days(-16), days(-15))
    pay(session, make_ctx(days(-15)), _renewal(session, bob), "96.00")
    assert walk(session, db_url, days(-14), D) == {
        days(-10): {"reminder": 1},
        days(-5): {"reminder": 1},
        days(-1): {"reminder": 1},
    }
    invoice = _renewal(session, client)
    assert invoice.reminders_sent == 3
    assert [r[0] for r in _reminders(session, invoice)] == [
        "first",
        "first",
        "second",
        "second",
        "final",
        "final",
    ]
    assert _reminders(session, _renewal(session, bob)) == []


def test_suspends_two_days_after_due(session, db_url, ana):
    _, service = ana
    bob = add_client(session, "bob@example.com")
    on_time = add_service(session, bob, due=D)
    walk(session, db_url, days(-16), days(-3))
    pay(session, make_ctx(days(-3)), _renewal(session, bob), "96.00")
    assert walk(session, db_url, days(-2), days(3)) == {
        days(-1): {"reminder": 1},
        days(2): {"suspend": 1},
    }
    assert state(session, service) == ("suspended", "non-payment", D, "annual", days(2), None)
    assert state(session, on_time)[:3] == ("active", None, date("2027-03-10"))
    assert audit_rows(session, "service.suspend") == [
        (
            "service.suspend",
            "service",
            str(service.id),
            {"status": ["active", "suspended"], "suspension_reason": "non-payment", "rule": "D+2"},
            None,
            days(2),
        )
    ]
    assert [(m[1], m[4], m[6]["reason"]) for m in outbox_rows(session, "service.")] == [
        ("whatsapp", service.id, "non-payment"),
        ("email", service.id, "non-payment"),
    ]


def test_suspends_every_service_of_the_client_on_the_fifth_business_day(session, db_url):
    """Due Thursday 2026-02-12: Friday 13 is the 1st business day after; the weekend and
    Carnival (Monday 16 and Tuesday 17, Argentine holidays) do not count; Wednesday 18,
    Thursday 19, Friday 20 and Monday 23 are the 2nd to 5th (without the holidays it would
    have been Thursday 19)."""
    add_catalogue(session)
    due = date("2026-02-12")
    client = add_client(session, "ana@example.com")
    late = add_service(session, client, due=due)
    paid_up = add_service(session, client, product="radio", cycle="annual", due="2026-09-01")
    domain = add_service(
        session, client, product="domain-com", due="2026-10-01", domain="ana.com.ar"
    )
    bob = add_client(session, "bob@example.com")
    other = add_service(session, bob, due="2026-09-01")

    assert walk(session, db_url, date("2026-01-27"), date("2026-02-25")) == {
        date("2026-01-28"): {"invoice": 1},
        date("2026-02-02"): {"reminder": 1},
        date("2026-02-07"): {"reminder": 1},
        date("2026-02-11"): {"reminder": 1},
        date("2026-02-14"): {"suspend": 1},  # D+2, a Saturday: calendar days
        date("2026-02-23"): {"suspend-client": 2},
    }
    assert state(session, late)[:5] == (
        "suspended",
        "non-payment",
        due,
        "annual",
        date("2026-02-14"),
    )
    for service in (paid_up, domain):
        assert state(session, service)[:5] == (
            "suspended",
            "non-payment",
            service.next_due_date,
            "annual",
            date("2026-02-23"),
        )
    assert state(session, other)[0] == "active"
    rules = [(int(a[2]), a[3].get("rule"), a[5]) for a in audit_rows(session, "service.suspend")]
    assert rules == [
        (late.id, "D+2", date("2026-02-14")),
        (paid_up.id, "5th business day", date("2026-02-23")),
        (domain.id, "5th business day", date("2026-02-23")),
    ]


def test_terminates_twenty_five_days_after_due_and_cancels_its_invoice(session, db_url, ana):
    client, service = ana
    other = add_service(session, client, due="2026-09-01")
    walk(session, db_url, days(-16), days(-3))
    pay(session, make_ctx(days(-3)), _renewal(session, client), "30.00")
    assert walk(session, db_url, days(-2), days(26)) == {
        days(-1): {"reminder": 1},
        days(2): {"suspend": 1},
        date("2026-03-17"): {"suspend-client": 1},  # 11, 12, 13, 16, 17
        days(25): {"terminate": 1},
    }
    assert state(session, service) == (
        "terminated",
        "non-payment",
        D,
        "annual",
        days(2),
        days(25),
    )
    invoice = _renewal(session, client)
    assert (invoice.status, invoice.cancelled_on, total(invoice)) == (
        "cancelled",
        days(25),
        "96.00",
    )
    # what was paid on it goes to credit; with no debt left the other service comes back
    assert credit_of(session, client) == "30.00"
    assert ledger(session, client) == [("30.00", "cancelled invoice", invoice.id)]
    assert state(session, other) == ("active", None, date("2026-09-01"), "annual", None, None)
    on_the_day = session.exec(
        select(OutboxMessage)
        .where(OutboxMessage.effective_date == days(25), OutboxMessage.channel == "email")
        .order_by(col(OutboxMessage.id))
    )
    assert [(m.event, m.service_id, m.invoice_id) for m in on_the_day] == [
        ("service.terminated", service.id, None),
        ("invoice.cancelled", None, invoice.id),
        ("service.reactivated", other.id, None),
    ]
    assert audit_rows(session, "service.terminate")[0][3:] == (
        {"status": "terminated", "rule": "D+25"},
        None,
        days(25),
    )
    assert audit_rows(session, "invoice.cancel")[0][3:5] == (
        {"status": ["unpaid", "cancelled"], "to_credit": "30.00"},
        "service terminated for non-payment",
    )
    # nothing more happens to the terminated service
    assert walk(session, db_url, days(27), days(60)) == {}


@pytest.mark.parametrize("how", ["no-renew", "end-of-period"])
def test_non_renewing_service_ends_on_its_due_date(session, db_url, how):
    add_catalogue(session)
    client = add_client(session, "ana@example.com")
    if how == "no-renew":
        service = add_service(session, client, due=D)
        services.no_renew(session, make_ctx(days(-20)), service.id)
    else:
        service = add_service(session, client, due=D, cancellation="end-of-period")
    assert walk(session, db_url, days(-16), days(3)) == {D: {"end": 1}}
    assert state(session, service) == ("cancelled", None, D, "annual", None, D)
    assert client_invoices(session, client) == []
    assert [(m[0], m[6]["reason"]) for m in outbox_rows(session, "service.")] == [
        ("service.terminated", "cancelled"),
        ("service.terminated", "cancelled"),
    ]
    assert audit_rows(session, "service.end")[0][3:] == (
        {"status": "cancelled", "rule": "not renewed"},
        None,
        D,
    )


def test_a_domain_set_not_to_renew_expires(session, db_url):
    add_catalogue(session)
    client = add_client(session, "ana@example.com")
    domain = add_service(session, client, product="domain-com", due=D, domain="ana.com.ar")
    services.no_renew(session, make_ctx(days(-20)), domain.id)
    assert walk(session, db_url, days(-16), days(1)) == {D: {"end": 1}}
    assert state(session, domain) == ("expired", None, D, "annual", None, D)
    assert [(m[0], m[6]["reason"], m[6]["domain"]) for m in outbox_rows(session, "service.")] == [
        ("service.terminated", "expired", "ana.com.ar"),
        ("service.terminated", "expired", "ana.com.ar"),
    ]


# --------------------------------------------------------------------------- BIL-10
def test_rerunning_a_day_does_nothing_the_second_time(session, ana):
    """Every rule selects by state: ``run_day`` twice on each day from D−16 to D+26, the
    second time acts on nothing."""
    client, service = ana
    acted = {}
    day = days(-16)
    while day <= days(26):
        first = run_day(session, make_ctx(day, staff="daily"), session.flush)
        again = run_day(session, make_ctx(day, staff="daily"), session.flush)
        assert {k: n for k, n in again.counts.items() if n} == {}, day
        if any(first.counts.values()):
            acted[day] = {k: n for k, n in first.counts.items() if n}
        day += dt.timedelta(days=1)
    assert acted == {
        days(-15): {"invoice": 1},
        days(-10): {"reminder": 1},
        days(-5): {"reminder": 1},
        days(-1): {"reminder": 1},
        days(2): {"suspend": 1},
        days(25): {"terminate": 1},
    }
    assert len(client_invoices(session, client)) == 1
    assert len(outbox_rows(session, "invoice.reminder")) == 6
    assert state(session, service)[0] == "terminated"


def test_daily_twice_the_same_day_runs_no_day(session, db_url, ana):
    walk(session, db_url, days(-16), days(-15))
    again = run_daily(make_ctx(days(-15)), until=days(-15), url=db_url, send_alerts=False)
    assert (again["days"], again["invoices_created"], again["reminders"]) == ([], 0, 0)
    assert len(client_invoices(session, ana[0])) == 1


def test_missed_days_are_caught_up_in_date_order(session, db_url, ana):
    _, service = ana
    session.commit()
    run_daily(make_ctx(days(-16)), until=days(-16), url=db_url, send_alerts=False)
    summary = run_daily(make_ctx(days(3)), until=days(3), url=db_url, send_alerts=False)
    session.expire_all()

    assert summary["days"] == [str(days(n)) for n in range(-15, 4)]
    assert [(a["day"], a["action"]) for a in summary["actions"]] == [
        (str(days(-15)), "invoice"),
        (str(days(-10)), "reminder"),
        (str(days(-5)), "reminder"),
        (str(days(-1)), "reminder"),
        (str(days(2)), "suspend"),
    ]
    assert summary["actions"][0]["detail"] == "2026-000001 due 2026-03-10 USD 96.00"
    assert (summary["invoices_created"], summary["reminders"], summary["suspended"]) == (1, 3, 1)
    # each day's work carries that day's date, as if daily had run every day
    alerts = session.exec(
        select(OutboxMessage)
        .where(OutboxMessage.channel == "email", OutboxMessage.event != "client.registered")
        .order_by(col(OutboxMessage.id))
    )
    assert [(m.event, m.stage, m.effective_date) for m in alerts] == [
        ("invoice.created", None, days(-15)),
        ("invoice.reminder", "first", days(-10)),
        ("invoice.reminder", "second", days(-5)),
        ("invoice.reminder", "final", days(-1)),
        ("service.suspended", None, days(2)),
    ]
    effective = [
        (a[0], a[5]) for a in audit_rows(session) if a[0].startswith(("invoice.", "service."))
    ]
    assert effective == [
        ("invoice.create", days(-15)),
        ("invoice.reminder", days(-10)),
        ("invoice.reminder", days(-5)),
        ("invoice.reminder", days(-1)),
        ("service.suspend", days(2)),
    ]
    runs = session.exec(select(DailyRun).order_by(col(DailyRun.day))).all()
    assert [r.day for r in runs] == [days(n) for n in range(-16, 4)]
    assert json.loads(runs[1].summary) == {"invoices_created": 1}
    assert state(session, service)[4] == days(2)


# --------------------------------------------------------------------------- BIL-12
def test_due_dates_keep_the_anchor_day(session, db_url):
    """Ordered and paid on Jan 31: due Feb 28, then Mar 31, Apr 30, May 31."""
    add_catalogue(session)
    client = add_client(session, "ana@example.com")
    (service,), first = order(session, make_ctx("2026-01-31"), client, "radio", "monthly")
    pay(session, make_ctx("2026-01-31"), first, "8.00")
    assert state(session, service)[2] == date("2026-02-28")
    start = date("2026-02-01")
    for due, end, following in (
        ("2026-02-28", "2026-03-30", "2026-03-31"),
        ("2026-03-31", "2026-04-29", "2026-04-30"),
        ("2026-04-30", "2026-05-30", "2026-05-31"),
    ):
        issue = date(due) - dt.timedelta(days=15)
        assert walk(session, db_url, start, issue) == {issue: {"invoice": 1}}
        invoice = client_invoices(session, client)[-1]
        (line,) = [x for x in lines_of(session, invoice.id) if x.kind == "item"]
        assert (invoice.due_date, line.period_start, line.period_end) == (
            date(due),
            date(due),
            date(end),
        )
        pay(session, make_ctx(issue), invoice, "8.00")
        assert state(session, service)[:3] == ("active", None, date(following))
        start = issue + dt.timedelta(days=1)
    assert session.get(Service, service.id).anchor_day == 31
