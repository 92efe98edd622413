"""core/renewals.py without the CLI: renewal invoices at D−15, one per client and due date
with one line per service (BIL-1), their discounts (DSC-1, DSC-2, DSC-8, no DSC-5 bundle)
and prices (CAT-4), made once (BIL-10)."""

from __future__ import annotations

import datetime as dt

import pytest
from billing_setup import (
    add_catalogue,
    add_client,
    add_service,
    add_services,
    audit_rows,
    client_invoices,
    credit_of,
    date,
    last_id,
    lines,
    outbox_rows,
    pay,
    state,
    total,
)
from sqlmodel import col, select

from conftest import make_ctx
from hostctl.core import catalogue, invoices, payments, renewals
from hostctl.core.money import Money
from hostctl.models import Invoice, InvoiceLine, OutboxMessage


@pytest.fixture
def shop(session):
    add_catalogue(session)
    return session


def _renew(session, day: str, **kw):
    return renewals.generate_renewals(
        session, make_ctx(day), date(day), settle=payments.settle_ids, **kw
    )


def _items(session, invoice):
    return [
        (x.description, x.service_id, x.period_start, x.period_end)
        for x in invoices.lines_of(session, invoice.id)
        if x.kind == "item"
    ]


# --------------------------------------------------------------------------- D−15
def test_the_renewal_invoice_is_made_fifteen_days_before_the_due_date(shop):
    session = shop
    client = add_client(session, "ana@example.com")
    service = add_service(session, client, due="2026-03-01")
    assert _renew(session, "2026-02-13") == []  # D−16
    made = _renew(session, "2026-02-14")  # D−15
    assert len(made) == 1
    invoice = session.get(Invoice, made[0].id)
    assert (invoice.number, invoice.kind, invoice.status) == ("2026-000001", "renewal", "unpaid")
    assert (invoice.issue_date, invoice.due_date) == (date("2026-02-14"), date("2026-03-01"))
    assert lines(session, invoice) == [("item", None, "120.00"), ("discount", "period", "-24.00")]
    assert _items(session, invoice) == [
        ("Hosting Básico — anual", service.id, date("2026-03-01"), date("2027-02-28"))
    ]
    assert total(invoice) == "96.00"
    assert [(m[0], m[1], m[3], m[6]["items"]) for m in outbox_rows(session, "invoice.")] == [
        ("invoice.created", "whatsapp", invoice.id, ["Hosting Básico — anual"]),
        ("invoice.created", "email", invoice.id, ["Hosting Básico — anual"]),
    ]
    assert state(session, service)[:3] == ("active", None, date("2026-03-01"))  # unpaid yet


def test_a_missed_period_inside_the_window_is_invoiced_too(shop):
    session = shop
    client = add_client(session, "ana@example.com")
    add_service(session, client, due="2026-02-20")
    (made,) = _renew(session, "2026-02-14")
    assert (made.issue_date, made.due_date) == (date("2026-02-14"), date("2026-02-20"))


def test_one_invoice_per_client_and_due_date_with_one_line_per_service(shop):
    session = shop
    ana = add_client(session, "ana@example.com")
    a1 = add_service(session, ana, due="2026-03-01", domain="ana.com.ar")
    a2 = add_service(session, ana, due="2026-03-01")
    a3 = add_service(session, ana, product="radio", cycle="quarterly", due="2026-03-01")
    a4 = add_service(session, ana, due="2026-03-05")
    bob = add_client(session, "bob@example.com")
    b1 = add_service(session, bob, due="2026-03-01")

    made = _renew(session, "2026-02-18")  # the window reaches 2026-03-05
    assert [(i.number, i.client_id, i.due_date) for i in made] == [
        ("2026-000001", ana.id, date("2026-03-01")),
        ("2026-000002", ana.id, date("2026-03-05")),
        ("2026-000003", bob.id, date("2026-03-01")),
    ]
    first, second, third = (session.get(Invoice, i.id) for i in made)
    # ana has 4 active services: volume 10 % on the list subtotal of each invoice
    assert lines(session, first) == [
        ("item", None, "120.00"),
        ("item", None, "120.00"),
        ("item", None, "24.00"),
        ("discount", "period", "-48.00"),  # 20 % of the two annual lines
        ("discount", "volume", "-26.40"),  # 10 % of 264
    ]
    assert total(first) == "189.60"
    assert _items(session, first) == [
        ("Hosting Básico — anual (ana.com.ar)", a1.id, date("2026-03-01"), date("2027-02-28")),
        ("Hosting Básico — anual", a2.id, date("2026-03-01"), date("2027-02-28")),
        ("Radio Streaming — trimestral", a3.id, date("2026-03-01"), date("2026-05-31")),
    ]
    assert invoices.lines_of(session, first.id)[3].description == "Descuento por pago anual 20 %"
    assert lines(session, second) == [
        ("item", None, "120.00"),
        ("discount", "period", "-24.00"),
        ("discount", "volume", "-12.00"),
    ]
    assert _items(session, second)[0][1:] == (a4.id, date("2026-03-05"), date("2027-03-04"))
    assert lines(session, third) == [("item", None, "120.00"), ("discount", "period", "-24.00")]
    assert _items(session, third)[0][1] == b1.id


def test_five_identical_services_renewing_together_pay_five(shop):
    """DSC-5 is for services ordered together, not for renewals."""
    session = shop
    client = add_client(session, "ana@example.com")
    add_services(session, client, 5, due="2026-03-01")
    (made,) = _renew(session, "2026-02-14")
    invoice = session.get(Invoice, made.id)
    assert lines(session, invoice) == [("item", None, "120.00")] * 5 + [
        ("discount", "period", "-120.00"),  # 20 % of 600
        ("discount", "volume", "-150.00"),  # 25 % of 600: 5 active services
    ]
    assert total(invoice) == "330.00"
    assert all(x.code != "bundle" for x in invoices.lines_of(session, invoice.id))


@pytest.mark.parametrize(
    ("others", "pct", "volume"),
    [(0, 0, None), (1, 0, None), (2, 10, "-12.00"), (4, 25, "-30.00"), (9, 40, "-48.00"),
     (29, 50, "-60.00")],
)  # fmt: skip
def test_renewals_keep_the_volume_discount_of_the_client_s_active_services(
    shop, others, pct, volume
):
    """DSC-2 counts the client's active services, the renewing one included."""
    session = shop
    client = add_client(session, "ana@example.com")
    add_service(session, client, due="2026-03-01")
    add_services(session, client, others, due="2026-09-01")
    # neither pending nor suspended (for abuse) services count
    add_service(session, client, status="pending")
    add_service(session, client, status="suspended", reason="abuse", due="2026-09-01")
    (made,) = _renew(session, "2026-02-14")
    expected = [("item", None, "120.00"), ("discount", "period", "-24.00")]
    if volume:
        expected.append(("discount", "volume", volume))
    assert lines(session, made.id) == expected
    if volume:
        assert invoices.lines_of(session, made.id)[2].description == (
            f"Descuento por volumen {pct} % ({others + 1} servicios activos)"
        )


def test_no_discount_at_all_while_a_service_is_suspended_for_non_payment(shop):
    session = shop
    client = add_client(session, "ana@example.com")
    add_services(session, client, 4, due="2026-03-01")
    add_service(session, client, status="suspended", reason="non-payment", due="2026-09-01")
    (made,) = _renew(session, "2026-02-14")
    assert lines(session, made.id) == [("item", None, "120.00")] * 4
    assert total(session.get(Invoice, made.id)) == "480.00"

    # an abuse suspension blocks nothing
    other = add_client(session, "bob@example.com")
    add_services(session, other, 4, due="2026-03-01")
    add_service(session, other, status="suspended", reason="abuse", due="2026-09-01")
    (made,) = _renew(session, "2026-02-14")
    assert [x[1] for x in lines(session, made.id)][-2:] == ["period", "volume"]


def test_the_suspended_service_itself_is_renewed_without_discounts(shop):
    session = shop
    client = add_client(session, "ana@example.com")
    service = add_service(session, client, status="suspended", due="2026-03-01")
    (made,) = _renew(session, "2026-02-14")
    assert lines(session, made.id) == [("item", None, "120.00")]
    assert _items(session, made)[0][1] == service.id


# --------------------------------------------------------------------------- CAT-4
def test_catalogue_price_changes_apply_from_the_next_renewal(shop):
    session = shop
    client = add_client(session, "ana@example.com")
    service = add_service(session, client, due="2026-03-01")
    (made,) = _renew(session, "2026-02-14")
    catalogue.edit_product(
        session,
        make_ctx("2026-02-20"),
        "hosting-basic",
        prices={"USD": Money.parse("12.50", "USD")},
    )
    invoice = session.get(Invoice, made.id, populate_existing=True)
    assert lines(session, invoice) == [("item", None, "120.00"), ("discount", "period", "-24.00")]
    assert total(invoice) == "96.00"  # the invoice is the contract for its period
    pay(session, make_ctx("2026-02-25"), invoice, "96.00")
    assert state(session, service)[2] == date("2027-03-01")

    (following,) = _renew(session, "2027-02-14")
    assert lines(session, following.id) == [
        ("item", None, "150.00"),
        ("discount", "period", "-30.00"),
    ]
    assert _items(session, following)[0][2:] == (date("2027-03-01"), date("2028-02-29"))


# --------------------------------------------------------------------------- BIL-10
def test_rerunning_makes_nothing_twice_and_a_cancelled_invoice_is_made_again(shop):
    session = shop
    client = add_client(session, "ana@example.com")
    service = add_service(session, client, due="2026-03-01")
    (made,) = _renew(session, "2026-02-14")
    before = last_id(session, OutboxMessage)
    assert _renew(session, "2026-02-14") == []
    assert _renew(session, "2026-02-20") == []
    assert len(client_invoices(session, client)) == 1
    assert outbox_rows(session, after=before) == []

    invoices.cancel_invoices(session, make_ctx("2026-02-21"), [made.id], "staff")
    (again,) = _renew(session, "2026-02-21")
    assert (again.number, again.issue_date, again.due_date) == (
        "2026-000002",
        date("2026-02-21"),
        date("2026-03-01"),
    )
    assert _items(session, again)[0][1:3] == (service.id, date("2026-03-01"))
    assert _renew(session, "2026-02-21") == []


def test_services_that_do_not_renew_get_no_renewal_invoice(shop):
    session = shop
    client = add_client(session, "ana@example.com")
    add_service(session, client, due="2026-03-01", auto_renew=False)
    add_service(session, client, due="2026-03-01", cancellation="end-of-period")
    for status in ("pending", "cancelled", "terminated", "expired"):
        add_service(session, client, due="2026-03-01", status=status)
    assert _renew(session, "2026-02-14") == []
    assert client_invoices(session, client) == []


def test_credit_is_applied_to_renewals_and_a_renewal_it_pays_is_settled(shop):
    session = shop
    some = add_client(session, "ana@example.com", credit="50.00")
    add_service(session, some, due="2026-03-01")
    plenty = add_client(session, "bob@example.com", credit="200.00")
    covered = add_service(session, plenty, due="2026-03-01")
    first, second = _renew(session, "2026-02-14")
    assert lines(session, first.id) == [
        ("item", None, "120.00"),
        ("discount", "period", "-24.00"),
        ("credit", "credit", "-50.00"),
    ]
    assert (first.status, total(session.get(Invoice, first.id))) == ("unpaid", "46.00")
    assert (second.status, second.total_minor) == ("paid", 0)
    assert state(session, covered)[:3] == ("active", None, date("2027-03-01"))
    assert [credit_of(session, c) for c in (some, plenty)] == ["0.00", "104.00"]


def test_a_missing_price_is_a_problem_and_the_others_are_still_invoiced(shop):
    session = shop
    uy = add_client(session, "uy@example.com", currency="UYU")
    add_service(session, uy, product="radio", cycle="monthly", due="2026-03-01")
    us = add_client(session, "us@example.com")
    add_service(session, us, product="radio", cycle="monthly", due="2026-03-01")
    problems: list[str] = []
    made = _renew(session, "2026-02-14", problems=problems)
    assert [i.client_id for i in made] == [us.id]
    assert problems == [
        f"client {uy.id}, due 2026-03-01: Product radio has no price in UYU; add one with "
        "`hostctl product edit radio --monthly-price UYU=AMOUNT`."
    ]
    assert client_invoices(session, uy) == []


def test_periods_keep_the_anchor_day(shop):
    """BIL-12: a service anchored on the 31st renews Feb 28 → Mar 31, never drifting."""
    session = shop
    client = add_client(session, "ana@example.com")
    service = add_service(session, client, product="radio", cycle="monthly", due="2026-01-31")
    expected = [
        ("2026-01-31", "2026-02-27", "2026-02-28"),
        ("2026-02-28", "2026-03-30", "2026-03-31"),
        ("2026-03-31", "2026-04-29", "2026-04-30"),
        ("2026-04-30", "2026-05-30", "2026-05-31"),
    ]
    for start, end, next_due in expected:
        day = date(start) - dt.timedelta(days=15)
        (made,) = _renew(session, str(day))
        assert _items(session, made)[0][2:] == (date(start), date(end))
        pay(session, make_ctx(day), made.id, "8.00")
        assert state(session, service)[2] == date(next_due)
    assert session.get(type(service), service.id).anchor_day == 31


def test_batches_number_invoices_client_by_client_and_keep_false_only_counts(shop, monkeypatch):
    session = shop
    monkeypatch.setattr(renewals, "BATCH", 2)
    made_clients = [add_client(session, f"c{i}@example.com") for i in range(5)]
    for client in reversed(made_clients):
        add_service(session, client, due="2026-03-02")
        add_service(session, client, due="2026-03-01")
    counted = renewals.generate_renewals(
        session, make_ctx("2026-02-15"), date("2026-02-15"), settle=payments.settle_ids, keep=False
    )
    assert counted == range(10)
    rows = session.exec(select(Invoice).order_by(col(Invoice.seq))).all()
    assert [(r.client_id, r.due_date.day) for r in rows] == [
        (c.id, day) for c in made_clients for day in (1, 2)
    ]
    assert [r.number for r in rows] == [f"2026-{n:06d}" for n in range(1, 11)]
    assert len(session.exec(select(InvoiceLine)).all()) == 20
    assert len(audit_rows(session, "invoice.create")) == 10


def test_a_renewal_for_one_client_only(shop):
    """``client_id`` (cycle changes, BIL-11) makes only that client's invoices."""
    session = shop
    ana = add_client(session, "ana@example.com")
    add_service(session, ana, due="2026-03-01")
    bob = add_client(session, "bob@example.com")
    add_service(session, bob, due="2026-03-01")
    made = _renew(session, "2026-02-14", client_id=bob.id)
    assert [i.client_id for i in made] == [bob.id]
    assert [i.client_id for i in _renew(session, "2026-02-14")] == [ana.id]
