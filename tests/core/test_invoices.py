"""core/invoices.py without the CLI: numbering (BIL-2), totals (BIL-3), credit (BIL-5),
cancellation, overdue debt (BIL-6) and the facts discounts depend on (DSC-2, DSC-8)."""

from __future__ import annotations

import datetime as dt

import pytest
from billing_setup import (
    add_catalogue,
    add_client,
    add_service,
    audit_rows,
    client_invoices,
    credit_of,
    date,
    invoice_for,
    last_id,
    ledger,
    ledger_total,
    lines,
    order,
    outbox_rows,
    pay,
    reread,
    state,
    total,
)
from sqlalchemy import select as sa_select
from sqlmodel import select

from conftest import make_ctx
from hostctl import db
from hostctl.core import invoices, settings
from hostctl.core.invoices import InvoiceSpec, create_invoices
from hostctl.core.money import Money
from hostctl.core.pricing import Item, Line, price_items
from hostctl.core.rows import CLIENTS
from hostctl.errors import BusinessRuleError
from hostctl.models import AuditEntry, Invoice, InvoiceCounter, OutboxMessage


def _spec(client, day: str, *amounts: str, kind: str = "renewal") -> InvoiceSpec:
    return InvoiceSpec(
        client=client,
        kind=kind,
        issue_date=date(day),
        due_date=date(day),
        lines=[Line("item", f"Item {a}", Money.parse(a, client.currency)) for a in amounts],
    )


# --------------------------------------------------------------------------- BIL-2
def test_numbers_follow_without_gaps_per_year_and_restart_across_the_year_boundary(session):
    client = add_client(session, "ana@example.com")
    made = []
    for day in ("2026-12-30", "2026-12-31"):
        made += create_invoices(session, make_ctx(day), [_spec(client, day, "10.00")])
    # one batch across the boundary: numbered per year, in the order given
    made += create_invoices(
        session,
        make_ctx("2027-01-01"),
        [
            _spec(client, "2027-01-01", "1.00"),
            _spec(client, "2026-12-31", "2.00"),
            _spec(client, "2027-01-01", "3.00"),
        ],
    )
    made += create_invoices(session, make_ctx("2027-01-02"), [_spec(client, "2027-01-02", "4.00")])
    assert [(i.number, i.year, i.seq, total(i)) for i in made] == [
        ("2026-000001", 2026, 1, "10.00"),
        ("2026-000002", 2026, 2, "10.00"),
        ("2027-000001", 2027, 1, "1.00"),
        ("2026-000003", 2026, 3, "2.00"),
        ("2027-000002", 2027, 2, "3.00"),
        ("2027-000003", 2027, 3, "4.00"),
    ]
    counters = session.exec(select(InvoiceCounter).order_by(InvoiceCounter.year)).all()
    assert [(c.year, c.last) for c in counters] == [(2026, 3), (2027, 3)]


def test_a_rolled_back_invoice_gives_its_number_back(session, db_url):
    client = add_client(session, "ana@example.com")
    first = create_invoices(session, make_ctx(), [_spec(client, "2026-01-10", "10.00")])[0]
    assert first.number == "2026-000001"
    client_id = client.id
    session.commit()

    with pytest.raises(RuntimeError), db.unit_of_work(url=db_url) as other:
        from hostctl.models import Client

        made = create_invoices(
            other, make_ctx(), [_spec(other.get(Client, client_id), "2026-01-10", "5.00")]
        )
        assert made[0].number == "2026-000002"
        raise RuntimeError("the rest of the change failed")

    # a refused invoice takes no number either
    with pytest.raises(BusinessRuleError) as err:
        create_invoices(session, make_ctx(), [_spec(client, "2026-01-10", "-1.00")])
    assert err.value.message == "An invoice cannot have a negative total."

    again = create_invoices(session, make_ctx(), [_spec(client, "2026-01-10", "7.00")])[0]
    assert again.number == "2026-000002"
    assert [(i.number, total(i)) for i in client_invoices(session, client)] == [
        ("2026-000001", "10.00"),
        ("2026-000002", "7.00"),
    ]


# --------------------------------------------------------------------------- BIL-3
def test_totals_are_the_exact_sums_of_lines_each_rounded_half_up(session):
    client = add_client(session, "ana@example.com")
    item = Item(None, "odd", "Odd plan", "annual", Money.parse("9.99", "USD"), True)
    priced = price_items(
        [item, item], "USD", active_services=3, discounts_blocked=False, bundle=False
    )
    invoice = create_invoices(
        session,
        make_ctx(),
        [InvoiceSpec(client, "order", date("2026-01-10"), date("2026-01-10"), priced.lines)],
    )[0]
    # 2 × 119.88; 20 % of 239.76 = 47.952 → 47.95; 10 % = 23.976 → 23.98
    assert lines(session, invoice) == [
        ("item", None, "119.88"),
        ("item", None, "119.88"),
        ("discount", "period", "-47.95"),
        ("discount", "volume", "-23.98"),
    ]
    assert total(invoice) == "167.83"
    assert invoice.total_minor == sum(
        x.amount_minor for x in invoices.lines_of(session, invoice.id)
    )
    assert audit_rows(session, "invoice.")[0][3] == {
        "number": "2026-000001",
        "client_id": client.id,
        "kind": "order",
        "total": "167.83",
        "due_date": "2026-01-10",
    }


# --------------------------------------------------------------------------- BIL-5 credit
def test_credit_is_applied_to_a_new_invoice(session, ctx):
    client = add_client(session, "ana@example.com", credit="30.00")
    invoice = create_invoices(session, ctx, [_spec(client, "2026-01-10", "96.00")])[0]
    assert lines(session, invoice) == [("item", None, "96.00"), ("credit", "credit", "-30.00")]
    assert (invoice.status, total(invoice), invoice.paid_minor) == ("unpaid", "66.00", 0)
    assert invoices.lines_of(session, invoice.id)[1].description == "Crédito a favor aplicado"
    assert credit_of(session, client) == "0.00"
    assert ledger(session, client) == [
        ("30.00", "test", None),
        ("-30.00", "applied to invoice", invoice.id),
    ]
    created = outbox_rows(session, "invoice.created")
    assert [(m[0], m[1], m[3]) for m in created] == [
        ("invoice.created", "whatsapp", invoice.id),
        ("invoice.created", "email", invoice.id),
    ]
    assert created[0][6]["total"] == "66.00"
    assert created[0][6]["amount_due"] == "66.00"


def test_credit_below_the_total_of_several_invoices_is_spent_in_order(session, ctx):
    client = add_client(session, "ana@example.com", credit="50.00")
    made = create_invoices(
        session, ctx, [_spec(client, "2026-01-10", "30.00"), _spec(client, "2026-01-10", "40.00")]
    )
    assert [(i.status, total(i)) for i in made] == [("paid", "0.00"), ("unpaid", "20.00")]
    assert lines(session, made[1]) == [("item", None, "40.00"), ("credit", "credit", "-20.00")]
    assert credit_of(session, client) == "0.00"
    assert ledger_total(session, client) == "0.00"


def test_an_order_paid_in_full_by_credit_is_paid_and_its_service_starts(session, ctx):
    add_catalogue(session)
    client = add_client(session, "ana@example.com", credit="200.00")
    (service,), invoice = order(session, ctx, client, "hosting-basic", "annual")
    assert lines(session, invoice) == [
        ("item", None, "120.00"),
        ("discount", "period", "-24.00"),
        ("credit", "credit", "-96.00"),
    ]
    invoice = reread(session, invoice)
    assert (invoice.status, total(invoice), invoice.paid_on) == ("paid", "0.00", ctx.today)
    assert state(session, service) == ("active", None, date("2027-01-10"), "annual", None, None)
    assert credit_of(session, client) == "104.00"
    assert ledger(session, client)[-1] == ("-96.00", "applied to invoice", invoice.id)


def test_no_credit_is_applied_when_the_setting_is_off(session, ctx):
    client = add_client(session, "ana@example.com", credit="30.00")
    settings.set_value(session, ctx, "billing.apply_credit", "false")
    invoice = create_invoices(session, ctx, [_spec(client, "2026-01-10", "96.00")])[0]
    assert lines(session, invoice) == [("item", None, "96.00")]
    assert credit_of(session, client) == "30.00"


# --------------------------------------------------------------------------- cancellation
def test_cancelling_returns_paid_money_and_used_credit_and_skips_what_is_not_unpaid(session):
    ctx = make_ctx("2026-01-10")
    client = add_client(session, "ana@example.com", credit="30.00")
    used_credit = invoice_for(session, ctx, client, ["96.00"])  # 30 of credit, 66 due
    pay(session, ctx, used_credit, "40.00")
    settled = invoice_for(session, ctx, client, ["10.00"])
    pay(session, ctx, settled, "10.00")
    untouched = invoice_for(session, ctx, client, ["5.00"])
    before_audit, before_outbox = last_id(session, AuditEntry), last_id(session, OutboxMessage)

    later = make_ctx("2026-01-20")
    cancelled = invoices.cancel_invoices(
        session, later, [settled.id, used_credit.id], "staff request"
    )

    assert [i.id for i in cancelled] == [used_credit.id]
    assert [(i.number, i.status, i.cancelled_on) for i in client_invoices(session, client)] == [
        ("2026-000001", "cancelled", date("2026-01-20")),
        ("2026-000002", "paid", None),
        ("2026-000003", "unpaid", None),
    ]
    assert credit_of(session, client) == "70.00"
    assert ledger(session, client) == [
        ("30.00", "test", None),
        ("-30.00", "applied to invoice", used_credit.id),
        ("70.00", "cancelled invoice", used_credit.id),
    ]
    assert ledger_total(session, client) == credit_of(session, client)
    assert audit_rows(session, after=before_audit) == [
        (
            "invoice.cancel",
            "invoice",
            str(used_credit.id),
            {"status": ["unpaid", "cancelled"], "to_credit": "70.00"},
            "staff request",
            date("2026-01-20"),
        )
    ]
    cancelled_alerts = outbox_rows(session, after=before_outbox)
    assert [(m[0], m[1], m[3]) for m in cancelled_alerts] == [
        ("invoice.cancelled", "whatsapp", used_credit.id),
        ("invoice.cancelled", "email", used_credit.id),
    ]
    assert cancelled_alerts[0][6] == {
        "invoice_number": "2026-000001",
        "total": "66.00",
        "amount_due": "26.00",
        "currency": "USD",
        "issue_date": "2026-01-10",
        "due_date": "2026-01-10",
        "items": ["Línea 1"],
    }
    # a second time finds nothing unpaid to cancel
    assert invoices.cancel_invoices(session, later, [used_credit.id, settled.id], "again") == []
    assert credit_of(session, client) == "70.00"
    assert reread(session, untouched).status == "unpaid"


def test_cancelling_by_kind_leaves_the_other_kinds(session, ctx):
    client = add_client(session, "ana@example.com")
    renewal = invoice_for(session, ctx, client, ["10.00"], kind="renewal")
    order_invoice = invoice_for(session, ctx, client, ["20.00"], kind="order")
    done = invoices.cancel_invoices(
        session, ctx, [renewal.id, order_invoice.id], "terminated", kinds=("renewal",)
    )
    assert [i.id for i in done] == [renewal.id]
    assert [i.status for i in client_invoices(session, client)] == ["cancelled", "unpaid"]
    assert credit_of(session, client) == "0.00"
    assert ledger(session, client) == []


# --------------------------------------------------------------------------- overdue debt
@pytest.mark.parametrize(
    ("kind", "due", "status", "overdue"),
    [
        ("renewal", "2026-01-09", "unpaid", True),
        ("fee", "2026-01-09", "unpaid", True),
        ("renewal", "2026-01-10", "unpaid", False),  # due today is not past due
        ("renewal", "2026-02-01", "unpaid", False),
        ("order", "2026-01-01", "unpaid", False),
        ("restoration", "2026-01-01", "unpaid", False),
        ("upgrade", "2026-01-01", "unpaid", False),
        ("renewal", "2026-01-01", "paid", False),
        ("renewal", "2026-01-01", "cancelled", False),
    ],
)
def test_overdue_debt_is_an_unpaid_renewal_or_fee_strictly_past_due(
    session, kind, due, status, overdue
):
    client = add_client(session, "ana@example.com")
    other = add_client(session, "bob@example.com")
    invoice = invoice_for(session, make_ctx("2026-01-01"), client, ["10.00"], kind=kind, due=due)
    if status == "paid":
        pay(session, make_ctx("2026-01-01"), invoice, "10.00")
    elif status == "cancelled":
        invoices.cancel_invoices(session, make_ctx("2026-01-01"), [invoice.id], "test")
    today = date("2026-01-10")
    assert invoices.has_overdue_debt(session, client.id, today) is overdue
    assert invoices.has_overdue_debt(session, other.id, today) is False
    # the same condition over a column, for many clients at once
    debtors = session.execute(
        sa_select(CLIENTS.c.id).where(invoices.overdue_debt(CLIENTS.c.id, today))
    ).scalars()
    assert list(debtors) == ([client.id] if overdue else [])


# --------------------------------------------------------------------------- DSC-2 / DSC-8
def test_discount_facts_count_active_services_and_see_non_payment_suspensions(session):
    add_catalogue(session)
    ana = add_client(session, "ana@example.com")
    for status in ("active", "active", "active", "pending", "cancelled", "terminated"):
        add_service(session, ana, status=status)
    add_service(session, ana, status="suspended", reason="abuse")
    bob = add_client(session, "bob@example.com")
    add_service(session, bob)
    add_service(session, bob)
    add_service(session, bob, status="suspended", reason="non-payment")
    cid = add_client(session, "cid@example.com")
    add_service(session, cid, status="suspended", reason="chargeback")
    dan = add_client(session, "dan@example.com")

    facts = invoices.discount_facts(session, [ana.id, bob.id, cid.id, dan.id, ana.id])
    assert facts == {ana.id: (3, False), bob.id: (2, True), cid.id: (0, False)}
    assert [invoices.active_services(session, c.id) for c in (ana, bob, cid, dan)] == [3, 2, 0, 0]
    assert [invoices.discounts_blocked(session, c.id) for c in (ana, bob, cid, dan)] == [
        False,
        True,
        False,
        False,
    ]


def test_discount_facts_of_more_clients_than_one_chunk(session, monkeypatch):
    add_catalogue(session)
    monkeypatch.setattr(invoices, "CHUNK", 2)
    made = [add_client(session, f"c{i}@example.com") for i in range(5)]
    for n, client in enumerate(made):
        for _ in range(n):
            add_service(session, client)
    facts = invoices.discount_facts(session, [c.id for c in made])
    assert facts == {c.id: (n, False) for n, c in enumerate(made) if n}


def test_invoice_due_date_and_kind_come_from_the_spec(session):
    client = add_client(session, "ana@example.com")
    spec = _spec(client, "2026-03-01", "5.00", kind="fee")
    spec.due_date = date("2026-03-16")
    spec.note = "nota"
    invoice = create_invoices(session, make_ctx("2026-03-01"), [spec])[0]
    assert (invoice.kind, invoice.issue_date, invoice.due_date, invoice.note) == (
        "fee",
        dt.date(2026, 3, 1),
        dt.date(2026, 3, 16),
        "nota",
    )
    records = create_invoices(
        session, make_ctx("2026-03-01"), [_spec(client, "2026-03-01", "6.00")], load=False
    )
    assert isinstance(records[0], invoices.NewInvoice)
    assert (records[0].number, records[0].total_minor) == ("2026-000002", 600)
    assert session.get(Invoice, records[0].id).number == "2026-000002"


def test_an_invoice_is_overdue_the_day_after_its_due_date_while_unpaid():
    due = dt.date(2026, 3, 10)
    unpaid = Invoice(status="unpaid", due_date=due)
    assert [invoices.is_overdue(unpaid, dt.date(2026, 3, d)) for d in (9, 10, 11)] == [
        False,
        False,
        True,
    ]
    for status in ("paid", "cancelled", "refunded"):
        assert not invoices.is_overdue(Invoice(status=status, due_date=due), dt.date(2026, 4, 1))
