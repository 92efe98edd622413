"""core/service_state.py without the CLI: the state changes of a service, one definition
each, called with one id or thousands (SPEC §4, BIL-6, BIL-7, BIL-12)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from billing_setup import (
    add_catalogue,
    add_client,
    add_service,
    audit_rows,
    date,
    invoice_for,
    last_id,
    outbox_rows,
    state,
)
from sqlmodel import col, select

from conftest import make_ctx
from hostctl.core import invoices, service_state
from hostctl.models import AuditEntry, Client, OutboxMessage, Service


@pytest.fixture
def shop(session):
    add_catalogue(session)
    return session


# --------------------------------------------------------------------------- one = many
def _starting_data(session, email: str) -> dict[str, int]:
    """The same services for each client: name → id."""
    client = add_client(session, email)
    made = {
        "overdue": add_service(session, client, due="2026-02-01"),
        "paid": add_service(session, client, due="2026-06-01"),
        "monthly": add_service(session, client, product="radio", cycle="monthly", due="2026-06-01"),
        "abuse": add_service(session, client, status="suspended", reason="abuse", due="2026-06-01"),
        "late": add_service(session, client, status="suspended", due="2026-01-20"),
        "pending": add_service(session, client, status="pending"),
        "ordered": add_service(session, client, status="pending"),
        "cancelled": add_service(session, client, status="cancelled"),
    }
    return {name: s.id for name, s in made.items()}


def _life(session, clients: list[dict[str, int]], one_by_one: bool) -> None:
    """Suspend (twice), reactivate, suspend for abuse and lift it, cancel the pending and
    terminate the clients' services: one id (one client) per call, or all in one call."""

    def call(function, ids, *args, **kw):
        if one_by_one:
            for i in ids:
                function(session, *args[:1], [i], *args[1:], **kw)
        else:
            function(session, *args[:1], ids, *args[1:], **kw)

    def ids(*names):
        return [c[n] for c in clients for n in names]

    owners = [session.get(Service, c["paid"]).client_id for c in clients]  # the clients, in order
    everything = ids("overdue", "paid", "monthly", "abuse", "late", "pending", "cancelled")
    call(service_state.suspend, everything, make_ctx("2026-02-03"), "non-payment", rule="D+2")
    call(service_state.suspend, everything, make_ctx("2026-02-04"), "non-payment", rule="D+2")
    call(service_state.reactivate_clear, owners, make_ctx("2026-02-05"))
    call(service_state.suspend, ids("paid"), make_ctx("2026-02-06"), "abuse")

    def unsuspend(session, ctx, ids):
        rows = service_state.locked_rows(session, ids)
        service_state.reactivate(session, ctx, rows, "abuse", action="service.unsuspend")

    call(unsuspend, ids("paid"), make_ctx("2026-02-07"))
    call(service_state.cancel_pending, ids("ordered", "paid"), make_ctx("2026-02-08"))
    call(
        service_state.terminate,
        ids("overdue", "late", "cancelled", "ordered"),
        make_ctx("2026-02-26"),
        "non-payment",
        rule="D+25",
        note="terminated for non-payment",
    )


def _rows_of(session, clients: list[dict[str, int]]) -> list[dict[str, Any]]:
    """Per client: each service's row, its audit entries and its alerts, with the ids
    replaced by the service's name."""
    session.flush()
    session.expire_all()
    result = []
    for names in clients:
        name_of = {str(i): n for n, i in names.items()}
        services = {
            n: (
                s.status,
                s.suspension_reason,
                s.suspended_on,
                s.ended_on,
                s.next_due_date,
                s.cycle,
                s.anchor_day,
            )
            for n, i in names.items()
            for s in [session.get(Service, i)]
        }
        audit = {n: [] for n in names}
        for a in session.exec(
            select(AuditEntry)
            .where(AuditEntry.entity_type == "service", col(AuditEntry.entity_id).in_(name_of))
            .order_by(col(AuditEntry.id))
        ):
            audit[name_of[a.entity_id]].append(
                (a.action, json.loads(a.changes), a.note, a.effective_date, a.staff)
            )
        alerts = {n: [] for n in names}
        for m in session.exec(
            select(OutboxMessage)
            .where(col(OutboxMessage.service_id).in_(names.values()))
            .order_by(col(OutboxMessage.id))
        ):
            payload = json.loads(m.payload)
            payload["service_id"] = name_of[str(payload["service_id"])]
            alerts[name_of[str(m.service_id)]].append(
                (m.event, m.channel, m.stage, m.status, m.effective_date, payload)
            )
        result.append({"services": services, "audit": audit, "alerts": alerts})
    return result


def test_one_id_at_a_time_and_in_bulk_leave_the_same_rows(shop, monkeypatch):
    session = shop
    one = [_starting_data(session, f"one{i}@example.com") for i in range(2)]
    bulk = [_starting_data(session, f"bulk{i}@example.com") for i in range(2)]
    monkeypatch.setattr(service_state, "CHUNK", 3)  # bulk calls cross chunk boundaries

    _life(session, one, one_by_one=True)
    _life(session, bulk, one_by_one=False)

    got_one, got_bulk = _rows_of(session, one), _rows_of(session, bulk)
    assert got_one == got_bulk
    assert got_one[0] == got_one[1]  # and the clients of one side agree with each other
    # what those rows are
    services = got_one[0]["services"]
    d = date
    assert services == {
        "overdue": (
            "terminated",
            "non-payment",
            d("2026-02-03"),
            d("2026-02-26"),
            d("2026-02-01"),
            "annual",
            1,
        ),
        "paid": ("active", None, None, None, d("2026-06-01"), "annual", 1),
        "monthly": ("active", None, None, None, d("2026-06-01"), "quarterly", 1),  # BIL-7
        "abuse": ("active", None, None, None, d("2026-06-01"), "annual", 1),
        "late": (
            "terminated",
            "non-payment",
            d("2026-01-01"),
            d("2026-02-26"),
            d("2026-01-20"),
            "annual",
            20,
        ),
        "pending": ("pending", None, None, None, None, "annual", None),  # never suspended
        "ordered": ("cancelled", None, None, d("2026-02-08"), None, "annual", None),
        "cancelled": ("cancelled", None, None, None, d("2027-01-10"), "annual", 10),
    }
    audit = got_one[0]["audit"]
    suspend = (
        "service.suspend",
        {"status": ["active", "suspended"], "suspension_reason": "non-payment", "rule": "D+2"},
        None,
        d("2026-02-03"),
        "tester",
    )
    back = (
        "service.reactivate",
        {"status": ["suspended", "active"]},
        None,
        d("2026-02-05"),
        "tester",
    )
    terminate = (
        "service.terminate",
        {"status": "terminated", "rule": "D+25"},
        "terminated for non-payment",
        d("2026-02-26"),
        "tester",
    )
    assert audit["overdue"] == [suspend, terminate]
    assert audit["paid"] == [
        suspend,
        back,
        (
            "service.suspend",
            {"status": ["active", "suspended"], "suspension_reason": "abuse"},
            None,
            d("2026-02-06"),
            "tester",
        ),
        ("service.unsuspend", {"status": ["suspended", "active"]}, None, d("2026-02-07"), "tester"),
    ]
    assert audit["monthly"] == [
        suspend,
        (
            "service.reactivate",
            {"status": ["suspended", "active"], "cycle": ["monthly", "quarterly"]},
            None,
            d("2026-02-05"),
            "tester",
        ),
        (  # BIL-7 on its own, for why and payment add to say it
            "service.lengthen_cycle",
            {"cycle": ["monthly", "quarterly"], "rule": "BIL-7"},
            None,
            d("2026-02-05"),
            "tester",
        ),
    ]
    assert audit["abuse"][0][1] == {
        "status": ["suspended", "suspended"],
        "suspension_reason": "non-payment",
        "rule": "D+2",
    }
    assert audit["late"] == [terminate]  # already suspended for non-payment: skipped
    assert audit["pending"] == []
    assert audit["ordered"] == []  # cancel_pending writes no audit entry of its own
    assert audit["cancelled"] == []
    alerts = got_one[0]["alerts"]
    assert [(e, ch) for e, ch, *_ in alerts["overdue"]] == [
        ("service.suspended", "whatsapp"),
        ("service.suspended", "email"),
        ("service.terminated", "whatsapp"),
        ("service.terminated", "email"),
    ]
    assert alerts["overdue"][0][5] == {
        "service_id": "overdue",
        "product": "hosting-basic",
        "product_name": "Hosting Básico",
        "domain": None,
        "reason": "non-payment",
    }
    assert alerts["pending"] == alerts["cancelled"] == alerts["ordered"] == []


# --------------------------------------------------------------------------- suspension
def test_a_suspension_for_the_reason_it_already_has_is_skipped(shop):
    session = shop
    client = add_client(session, "ana@example.com")
    service = add_service(session, client, due="2026-02-01")
    done = service_state.suspend(session, make_ctx("2026-02-03"), [service.id], "non-payment")
    assert [(r.id, r.status) for r in done] == [(service.id, "active")]
    audit_before, outbox_before = last_id(session, AuditEntry), last_id(session, OutboxMessage)

    again = service_state.suspend(session, make_ctx("2026-02-10"), [service.id], "non-payment")
    assert again == []
    assert state(session, service) == (
        "suspended",
        "non-payment",
        date("2026-02-01"),
        "annual",
        date("2026-02-03"),  # the first suspension's day, not the second's
        None,
    )
    assert audit_rows(session, after=audit_before) == []
    assert outbox_rows(session, after=outbox_before) == []

    # another reason is a change: recorded and alerted
    changed = service_state.suspend(session, make_ctx("2026-02-11"), [service.id], "chargeback")
    assert [(r.status, r.suspension_reason) for r in changed] == [("suspended", "non-payment")]
    assert state(session, service)[1::3] == ("chargeback", date("2026-02-11"))
    assert [a[3] for a in audit_rows(session, after=audit_before)] == [
        {"status": ["suspended", "suspended"], "suspension_reason": "chargeback"}
    ]
    assert [m[0] for m in outbox_rows(session, after=outbox_before)] == ["service.suspended"] * 2


def test_services_that_ended_are_never_suspended_or_terminated(shop):
    session = shop
    client = add_client(session, "ana@example.com")
    ended = [add_service(session, client, status=s) for s in ("cancelled", "terminated", "expired")]
    ids = [s.id for s in ended]
    assert service_state.suspend(session, make_ctx(), ids, "non-payment") == []
    assert service_state.terminate(session, make_ctx(), ids, "non-payment") == []
    assert [state(session, s)[0] for s in ended] == ["cancelled", "terminated", "expired"]
    assert audit_rows(session, "service.") == []


# --------------------------------------------------------------------------- reactivation
def test_reactivation_waits_for_no_overdue_debt_and_for_the_service_s_own_period(shop):
    session = shop
    client = add_client(session, "ana@example.com")
    owing = add_service(session, client, due="2026-02-01")
    paid_up = add_service(session, client, due="2026-06-01")
    abused = add_service(session, client, status="suspended", reason="abuse", due="2026-06-01")
    renewal = invoice_for(
        session, make_ctx("2026-01-17"), client, ["96.00"], due="2026-02-01", service=owing
    )
    invoice_for(session, make_ctx("2026-01-17"), client, ["5.00"], kind="order", due="2026-01-17")
    service_state.suspend(session, make_ctx("2026-02-03"), [owing.id], "non-payment", rule="D+2")
    service_state.suspend(session, make_ctx("2026-02-09"), [paid_up.id], "non-payment")
    today = make_ctx("2026-02-10")

    # the renewal due 2026-02-01 is overdue: nothing comes back
    assert invoices.has_overdue_debt(session, client.id, today.today)
    assert service_state.reactivate_clear(session, today, [client.id]) == []

    # with the debt gone (cancelled by staff; the unpaid order is no debt), the service
    # whose own period is paid comes back; the one whose period is unpaid does not
    invoices.cancel_invoices(session, today, [renewal.id], "staff")
    back = service_state.reactivate_clear(session, today, [client.id])
    assert [r.id for r in back] == [paid_up.id]
    assert state(session, paid_up)[:2] == ("active", None)
    assert state(session, owing)[:2] == ("suspended", "non-payment")
    assert state(session, abused)[:2] == ("suspended", "abuse")
    # a second call finds nothing more
    assert service_state.reactivate_clear(session, today, [client.id]) == []


def test_reactivation_of_one_client_leaves_other_clients_alone(shop):
    session = shop
    ana = add_client(session, "ana@example.com")
    bob = add_client(session, "bob@example.com")
    a = add_service(session, ana, status="suspended", due="2026-06-01")
    b = add_service(session, bob, status="suspended", due="2026-06-01")
    back = service_state.reactivate_clear(session, make_ctx("2026-02-10"), [ana.id])
    assert [r.id for r in back] == [a.id]
    assert [state(session, s)[0] for s in (a, b)] == ["active", "suspended"]


# --------------------------------------------------------------------------- the end
def test_terminate_ends_live_services_with_their_alerts(shop):
    session = shop
    client = add_client(session, "ana@example.com", phone=None)
    live = [
        add_service(session, client, status="active"),
        add_service(session, client, status="suspended"),
        add_service(session, client, status="pending"),
    ]
    done = service_state.terminate(
        session, make_ctx("2026-03-01"), [s.id for s in live], "chargeback", note="closed"
    )
    assert [r.status for r in done] == ["active", "suspended", "pending"]
    assert [state(session, s)[0::5] for s in live] == [("terminated", date("2026-03-01"))] * 3
    assert [(m[0], m[1], m[4], m[6]["reason"]) for m in outbox_rows(session, "service.")] == [
        ("service.terminated", "email", s.id, "chargeback") for s in live
    ]
    assert [(a[0], a[3], a[4]) for a in audit_rows(session, "service.")] == [
        ("service.terminate", {"status": "terminated"}, "closed")
    ] * 3


def test_cancel_pending_cancels_only_pending_services(shop):
    session = shop
    client = add_client(session, "ana@example.com")
    pending = add_service(session, client, status="pending")
    active = add_service(session, client)
    assert (
        service_state.cancel_pending(session, make_ctx("2026-02-08"), [pending.id, active.id]) == 1
    )
    assert state(session, pending)[0::5] == ("cancelled", date("2026-02-08"))
    assert state(session, active)[0::5] == ("active", None)


def test_close_account_terminates_every_live_service_and_closes_the_client(shop):
    session = shop
    client = add_client(session, "ana@example.com")
    live = add_service(session, client)
    gone = add_service(session, client, status="cancelled")
    service_state.close_account(session, make_ctx("2026-03-01"), client, reason="fraud")
    assert [state(session, s)[0] for s in (live, gone)] == ["terminated", "cancelled"]
    assert session.get(Client, client.id).status == "closed"


@pytest.mark.parametrize(
    ("day", "cycle", "due"),
    [
        ("2026-01-31", "monthly", "2026-02-28"),
        ("2026-01-10", "annual", "2027-01-10"),
        ("2028-02-29", "annual", "2029-02-28"),
        ("2026-08-31", "semiannual", "2027-02-28"),
    ],
)
def test_activation_starts_the_first_period_today_keeping_its_day(shop, day, cycle, due):
    session = shop
    client = add_client(session, "ana@example.com")
    service = add_service(session, client, product="radio", cycle=cycle, status="pending")
    service_state.activate(session, make_ctx(day), service, reason="first invoice paid")
    session.flush()
    fresh = session.get(Service, service.id, populate_existing=True)
    assert (fresh.status, fresh.activated_on, fresh.anchor_day, fresh.next_due_date) == (
        "active",
        date(day),
        date(day).day,
        date(due),
    )
    assert audit_rows(session, "service.activate")[0][3:5] == (
        {"status": ["pending", "active"], "next_due_date": due},
        "first invoice paid",
    )
