"""core/payments.py without the CLI: partial payments and excess to credit (BIL-5), the
payment-method discount (DSC-3, DSC-4), what settling does (CAT-3, BIL-6, BIL-7) and
chargebacks (BIL-9), with exact amounts and dates."""

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
    last_id,
    ledger,
    lines,
    order,
    outbox_rows,
    pay,
    reread,
    state,
    total,
)
from sqlmodel import select

from conftest import make_ctx
from hostctl.core import invoices, payments, service_state, services, settings
from hostctl.core.money import Money, money_json
from hostctl.core.renewals import generate_renewals
from hostctl.errors import BusinessRuleError, NotFoundError, ValidationError
from hostctl.models import Client, Invoice, OutboxMessage, Payment


@pytest.fixture
def shop(session):
    add_catalogue(session)
    return session


def _renewal(session, client, day: str) -> Invoice:
    """The renewal invoice ``generate_renewals`` makes for the client on ``day``."""
    made = generate_renewals(
        session, make_ctx(day), date(day), client_id=client.id, settle=payments.settle_ids
    )
    assert len(made) == 1
    return session.get(Invoice, made[0].id)


def _payments(session, invoice):
    rows = session.exec(
        select(Payment).where(Payment.invoice_id == invoice.id).order_by(Payment.id)
    )
    return [
        (
            p.method,
            money_json(p.amount_minor, p.currency),
            money_json(p.discount_minor, p.currency),
            money_json(p.applied_minor, p.currency),
            money_json(p.credited_minor, p.currency),
            p.status,
        )
        for p in rows
    ]


# --------------------------------------------------------------------------- BIL-5
def test_partial_payments_until_the_invoice_is_paid_then_the_service_starts(shop):
    session = shop
    client = add_client(session, "ana@example.com")
    (service,), invoice = order(session, make_ctx("2026-01-10"), client)
    assert total(invoice) == "96.00"

    _, inv = pay(session, make_ctx("2026-01-10"), invoice, "40.00")
    assert (inv.status, money_json(inv.paid_minor, "USD"), inv.paid_on) == ("unpaid", "40.00", None)
    assert invoices.amount_due(inv).to_json() == "56.00"
    assert state(session, service)[0] == "pending"

    _, inv = pay(session, make_ctx("2026-01-12"), invoice, "56.00")
    assert (inv.status, money_json(inv.paid_minor, "USD"), inv.paid_on) == (
        "paid",
        "96.00",
        date("2026-01-12"),
    )
    assert _payments(session, inv) == [
        ("card", "40.00", "0.00", "40.00", "0.00", "received"),
        ("card", "56.00", "0.00", "56.00", "0.00", "received"),
    ]
    # CAT-3: an instant product starts the day its first invoice is paid (BIL-12)
    service = reread(session, service)
    assert (service.status, service.activated_on, service.anchor_day, service.next_due_date) == (
        "active",
        date("2026-01-12"),
        12,
        date("2027-01-12"),
    )
    assert [(a[0], a[3].get("status"), a[5]) for a in audit_rows(session, "payment.")] == [
        ("payment.add", "unpaid", date("2026-01-10")),
        ("payment.add", "paid", date("2026-01-12")),
    ]
    received = outbox_rows(session, "payment.received")
    assert [(m[1], m[6]["amount"], m[6]["invoice_status"]) for m in received] == [
        ("whatsapp", "40.00", "unpaid"),
        ("email", "40.00", "unpaid"),
        ("whatsapp", "56.00", "paid"),
        ("email", "56.00", "paid"),
    ]


def test_a_payment_above_the_total_leaves_the_excess_as_credit_for_the_next_invoice(shop):
    session = shop
    client = add_client(session, "ana@example.com")
    _, invoice = order(session, make_ctx("2026-01-10"), client)
    _, inv = pay(session, make_ctx("2026-01-10"), invoice, "100.00")
    assert (inv.status, money_json(inv.paid_minor, "USD")) == ("paid", "96.00")
    assert _payments(session, inv) == [("card", "100.00", "0.00", "96.00", "4.00", "received")]
    assert credit_of(session, client) == "4.00"
    assert ledger(session, client) == [("4.00", "payment above invoice total", inv.id)]

    _, second = order(session, make_ctx("2026-01-11"), client, "radio", "monthly")
    assert lines(session, second) == [("item", None, "8.00"), ("credit", "credit", "-4.00")]
    assert total(second) == "4.00"
    assert credit_of(session, client) == "0.00"


def test_payments_refused_change_nothing(shop):
    session = shop
    usd = add_client(session, "ana@example.com")
    _, invoice = order(session, make_ctx("2026-01-10"), usd)
    uyu = add_client(session, "uy@example.com", currency="UYU")
    _, uyu_invoice = order(session, make_ctx("2026-01-10"), uyu)
    assert total(uyu_invoice) == "3840.00"

    cases = [
        (
            uyu_invoice,
            "3840.00",
            "paypal",
            BusinessRuleError,
            ("PayPal cannot be used by clients billed in UYU; choose another method."),
        ),
        (invoice, "0", "card", ValidationError, "A payment must be more than zero."),
        (invoice, "-5", "card", ValidationError, "A payment must be more than zero."),
        (
            invoice,
            "10",
            "bitcoin",
            ValidationError,
            (
                "Unknown payment method 'bitcoin'; use one of card, paypal, mercadopago, "
                "pagofacil, rapipago, efecty, pse, servipag, pagoefectivo, abitab, redpagos, "
                "prex, zelle, pagos360, bank-transfer, cash."
            ),
        ),
    ]
    for inv, amount, method, error, message in cases:
        with pytest.raises(error) as err:
            pay(session, make_ctx("2026-01-10"), inv, amount, method)
        assert err.value.message == message
    with pytest.raises(NotFoundError) as err:
        payments.add_payment(session, make_ctx(), 999, "1.00", "card")
    assert err.value.message == "There is no invoice 999; `hostctl invoice list` shows them."
    assert session.exec(select(Payment)).all() == []
    assert [
        (i.status, i.paid_minor) for i in (reread(session, invoice), reread(session, uyu_invoice))
    ] == [
        ("unpaid", 0),
        ("unpaid", 0),
    ]

    # PayPal is fine in USD; a paid invoice takes no more payments
    pay(session, make_ctx("2026-01-10"), invoice, "96.00", "paypal")
    with pytest.raises(BusinessRuleError) as err:
        pay(session, make_ctx("2026-01-10"), invoice, "1.00")
    assert err.value.message == ("Invoice 2026-000001 is paid; only unpaid invoices take payments.")
    assert len(session.exec(select(Payment)).all()) == 1


# --------------------------------------------------------------------------- at the desk
EXCESS = (
    "USD 9600.00 is more than twice the USD 96.00 due on invoice 2026-000001 and would leave "
    "USD 9504.00 as credit; check the amount, or add --allow-excess."
)


def test_more_than_twice_the_amount_due_is_refused_unless_the_excess_is_allowed(shop):
    session = shop
    client = add_client(session, "ana@example.com")
    _, invoice = order(session, make_ctx("2026-01-10"), client)
    for amount in ("9600", "192.01"):
        with pytest.raises(BusinessRuleError) as err:
            pay(session, make_ctx("2026-01-10"), invoice, amount)
        if amount == "9600":
            assert err.value.message == EXCESS
    assert session.exec(select(Payment)).all() == []
    assert (reread(session, invoice).status, credit_of(session, client)) == ("unpaid", "0.00")
    assert payments.would_credit(session, "2026-000001", "9.600,00", language="es") == (
        Money(950400, "USD")
    )
    assert payments.would_credit(session, "1", "192.00") is None

    payments.add_payment(
        session, make_ctx("2026-01-10"), invoice.id, "9600", "card", allow_excess=True
    )
    assert _payments(session, invoice) == [
        ("card", "9600.00", "0.00", "96.00", "9504.00", "received")
    ]
    assert credit_of(session, client) == "9504.00"


def test_twice_the_amount_due_is_still_taken_and_the_rest_is_credit(shop):
    session = shop
    client = add_client(session, "ana@example.com")
    _, invoice = order(session, make_ctx("2026-01-10"), client)
    pay(session, make_ctx("2026-01-10"), invoice, "50.00")
    # 46.00 due now: twice that is the most taken without --allow-excess
    with pytest.raises(BusinessRuleError):
        pay(session, make_ctx("2026-01-11"), invoice, "92.01")
    pay(session, make_ctx("2026-01-11"), invoice, "92.00")
    assert reread(session, invoice).status == "paid"
    assert credit_of(session, client) == "46.00"


def test_a_payment_dated_before_its_invoice_was_issued_is_refused(shop):
    session = shop
    client = add_client(session, "ana@example.com")
    _, invoice = order(session, make_ctx("2026-01-10"), client)
    with pytest.raises(BusinessRuleError) as err:
        pay(session, make_ctx("2026-01-09"), invoice, "96.00")
    assert err.value.message == (
        "The payment would be dated 2026-01-09, before invoice 2026-000001 was issued "
        "(2026-01-10); record it on or after that day."
    )
    assert session.exec(select(Payment)).all() == []
    pay(session, make_ctx("2026-01-10"), invoice, "96.00")
    assert reread(session, invoice).status == "paid"


def test_an_amount_in_the_sessions_format(shop):
    session = shop
    client = add_client(session, "ana@example.com")
    _, invoice = order(session, make_ctx("2026-01-10"), client)
    payments.add_payment(
        session, make_ctx("2026-01-10"), invoice.id, "50,00", "card", language="es"
    )
    with pytest.raises(ValidationError) as err:
        payments.add_payment(
            session, make_ctx("2026-01-10"), invoice.id, "46,00", "card", language="en"
        )
    assert err.value.message == "'46,00' is not an amount; write 1234.56 or 1,234.56."
    assert money_json(reread(session, invoice).paid_minor, "USD") == "50.00"


# --------------------------------------------------------------------------- DSC-3
def test_zelle_takes_ten_percent_of_the_list_subtotal_when_it_settles(shop):
    session = shop
    client = add_client(session, "ana@example.com")
    _, invoice = order(session, make_ctx("2026-01-10"), client)  # 120 − 20 % = 96
    _, inv = pay(session, make_ctx("2026-01-10"), invoice, "84.00", "zelle")
    assert lines(session, inv) == [
        ("item", None, "120.00"),
        ("discount", "period", "-24.00"),
        ("discount", "method", "-12.00"),  # 10 % of 120, not of 96: 20 % + 10 % = 30 %
    ]
    assert invoices.lines_of(session, inv.id)[2].description == "Descuento por pago con zelle 10 %"
    assert (inv.status, total(inv), money_json(inv.paid_minor, "USD")) == ("paid", "84.00", "84.00")
    assert _payments(session, inv) == [("zelle", "84.00", "12.00", "84.00", "0.00", "received")]
    assert audit_rows(session, "payment.add")[0][3]["discount"] == "12.00"


def test_zelle_discount_only_with_the_payment_that_settles_and_only_once(shop):
    session = shop
    client = add_client(session, "ana@example.com")
    _, invoice = order(session, make_ctx("2026-01-10"), client)
    # 83.99 would not settle even with the discount (96 − 12 = 84): none
    _, inv = pay(session, make_ctx("2026-01-10"), invoice, "83.99", "zelle")
    assert (inv.status, total(inv), invoices.amount_due(inv).to_json()) == (
        "unpaid",
        "96.00",
        "12.01",
    )
    assert [x[1] for x in lines(session, inv)] == [None, "period"]
    # the last cent settles it with the discount
    _, inv = pay(session, make_ctx("2026-01-11"), invoice, "0.01", "zelle")
    assert (inv.status, total(inv)) == ("paid", "84.00")
    assert _payments(session, inv) == [
        ("zelle", "83.99", "0.00", "83.99", "0.00", "received"),
        ("zelle", "0.01", "12.00", "0.01", "0.00", "received"),
    ]


def test_zelle_discount_is_not_granted_twice_after_a_chargeback_reopens_the_invoice(shop):
    session = shop
    client = add_client(session, "ana@example.com")
    _, invoice = order(session, make_ctx("2026-01-10"), client)
    card, _ = pay(session, make_ctx("2026-01-10"), invoice, "50.00", "card")
    pay(session, make_ctx("2026-01-10"), invoice, "34.00", "zelle")  # 46 due − 12 = 34
    inv = reread(session, invoice)
    assert (inv.status, total(inv)) == ("paid", "84.00")

    payments.chargeback(session, make_ctx("2026-01-15"), card.id)
    inv = reread(session, invoice)
    assert (inv.status, total(inv), invoices.amount_due(inv).to_json()) == (
        "unpaid",
        "84.00",
        "50.00",
    )
    _, inv = pay(session, make_ctx("2026-01-16"), invoice, "50.00", "zelle")
    assert (inv.status, total(inv)) == ("paid", "84.00")
    assert [x for x in lines(session, inv) if x[1] == "method"] == [
        ("discount", "method", "-12.00")
    ]
    assert credit_of(session, client) == "0.00"


def test_zelle_base_leaves_out_the_free_unit_of_a_bundle(shop):
    session = shop
    client = add_client(session, "ana@example.com")
    _, invoice = order(session, make_ctx("2026-01-10"), client, quantity=5)
    assert lines(session, invoice) == [("item", None, "120.00")] * 5 + [
        ("discount", "bundle", "-120.00"),
        ("discount", "period", "-96.00"),
    ]
    assert total(invoice) == "384.00"
    # 10 % of the four paid units (480), not of the five (600)
    _, inv = pay(session, make_ctx("2026-01-10"), invoice, "336.00", "zelle")
    assert lines(session, inv)[-1] == ("discount", "method", "-48.00")
    assert (inv.status, total(inv)) == ("paid", "336.00")
    assert credit_of(session, client) == "0.00"


def test_zelle_base_on_a_renewal_of_several_services_ignores_the_discount_lines(shop):
    session = shop
    client = add_client(session, "ana@example.com")
    hosting = add_service(session, client, cycle="annual", due="2026-02-01")
    radio = add_service(session, client, product="radio", cycle="quarterly", due="2026-02-01")
    add_service(session, client, due="2026-12-01")  # a third active service: volume 10 %
    invoice = _renewal(session, client, "2026-01-17")
    assert lines(session, invoice) == [
        ("item", None, "120.00"),
        ("item", None, "24.00"),
        ("discount", "period", "-24.00"),  # annual 20 % of 120; quarterly has none
        ("discount", "volume", "-14.40"),  # 10 % of 144
    ]
    assert total(invoice) == "105.60"
    # 10 % of the list subtotal 144 (not of 105.60): 144 − 24 − 14.40 − 14.40
    _, inv = pay(session, make_ctx("2026-01-20"), invoice, "91.20", "zelle")
    assert lines(session, inv)[-1] == ("discount", "method", "-14.40")
    assert (inv.status, total(inv)) == ("paid", "91.20")
    assert state(session, hosting)[:3] == ("active", None, date("2027-02-01"))
    assert state(session, radio)[:3] == ("active", None, date("2026-05-01"))


def test_bundle_volume_and_zelle_together(shop):
    session = shop
    client = add_client(session, "ana@example.com")
    for _ in range(3):
        add_service(session, client, due="2026-12-01")
    _, invoice = order(session, make_ctx("2026-01-10"), client, cycle="semiannual", quantity=5)
    assert lines(session, invoice) == [("item", None, "60.00")] * 5 + [
        ("discount", "bundle", "-60.00"),
        ("discount", "period", "-14.40"),  # 6 % of 240
        ("discount", "volume", "-24.00"),  # 10 % of 240 (3 active services)
    ]
    assert invoices.lines_of(session, invoice.id)[7].description == (
        "Descuento por volumen 10 % (3 servicios activos)"
    )
    assert total(invoice) == "201.60"
    # 6 % + 10 % + 10 % = 26 % of 240 → 177.60
    _, inv = pay(session, make_ctx("2026-01-10"), invoice, "177.60", "zelle")
    assert lines(session, inv)[-1] == ("discount", "method", "-24.00")
    assert (inv.status, total(inv), inv.paid_minor) == ("paid", "177.60", 17760)


def test_no_method_discount_while_a_service_is_suspended_for_non_payment(shop):
    session = shop
    client = add_client(session, "ana@example.com")
    add_service(session, client, status="suspended", reason="non-payment", due="2026-01-05")
    _, invoice = order(session, make_ctx("2026-01-10"), client)
    assert lines(session, invoice) == [("item", None, "120.00")]  # DSC-8: no period discount
    _, inv = pay(session, make_ctx("2026-01-10"), invoice, "108.00", "zelle")
    assert (inv.status, total(inv), invoices.amount_due(inv).to_json()) == (
        "unpaid",
        "120.00",
        "12.00",
    )
    assert lines(session, inv) == [("item", None, "120.00")]


def test_method_discount_follows_its_setting(shop):
    session = shop
    client = add_client(session, "ana@example.com")
    settings.set_value(session, make_ctx(), "payment.discount.cash", "5")
    settings.set_value(session, make_ctx(), "payment.discount.zelle", "0")
    _, first = order(session, make_ctx("2026-01-10"), client)
    _, inv = pay(session, make_ctx("2026-01-10"), first, "90.00", "cash")  # 96 − 5 % of 120
    assert lines(session, inv)[-1] == ("discount", "method", "-6.00")
    assert invoices.lines_of(session, inv.id)[-1].description == "Descuento por pago con cash 5 %"
    _, second = order(session, make_ctx("2026-01-10"), client)
    _, inv = pay(session, make_ctx("2026-01-10"), second, "96.00", "zelle")
    assert [x[1] for x in lines(session, inv)] == [None, "period"]


# --------------------------------------------------------------------------- settling
def test_paying_a_manual_product_leaves_it_pending_for_staff(shop):
    session = shop
    client = add_client(session, "ana@example.com")
    (service,), invoice = order(session, make_ctx("2026-01-10"), client, "reseller", "monthly")
    pay(session, make_ctx("2026-01-10"), invoice, "20.00")
    assert state(session, service) == ("pending", None, None, "monthly", None, None)
    assert [a[0] for a in audit_rows(session, "service.")] == ["service.order"]


def test_paying_a_renewal_early_moves_the_due_date_one_cycle_from_the_old_one(shop):
    session = shop
    client = add_client(session, "ana@example.com")
    service = add_service(session, client, cycle="annual", due="2026-02-01")
    invoice = _renewal(session, client, "2026-01-17")
    assert (invoice.issue_date, invoice.due_date, total(invoice)) == (
        date("2026-01-17"),
        date("2026-02-01"),
        "96.00",
    )
    pay(session, make_ctx("2026-01-20"), invoice, "96.00")
    assert state(session, service) == ("active", None, date("2027-02-01"), "annual", None, None)
    renewed = audit_rows(session, "service.renewed")
    assert [(a[2], a[3]) for a in renewed] == [
        (str(service.id), {"next_due_date": ["2026-02-01", "2027-02-01"], "invoice": "2026-000001"})
    ]
    assert outbox_rows(session, "service.reactivated") == []


def test_paying_late_reactivates_at_once_and_the_period_runs_from_the_old_due_date(shop):
    session = shop
    client = add_client(session, "ana@example.com")
    service = add_service(session, client, cycle="annual", due="2026-02-01")
    invoice = _renewal(session, client, "2026-01-17")
    service_state.suspend(session, make_ctx("2026-02-03"), [service.id], "non-payment", rule="D+2")
    before = last_id(session, OutboxMessage)
    pay(session, make_ctx("2026-02-10"), invoice, "96.00")
    assert state(session, service) == ("active", None, date("2027-02-01"), "annual", None, None)
    assert [
        (m[0], m[1], m[4], m[6]["reason"]) for m in outbox_rows(session, "service.", after=before)
    ] == [
        ("service.reactivated", "whatsapp", service.id, "payment"),
        ("service.reactivated", "email", service.id, "payment"),
    ]
    assert audit_rows(session, "service.reactivate")[0][2:4] == (
        str(service.id),
        {"status": ["suspended", "active"]},  # annual: nothing longer to step to
    )


@pytest.mark.parametrize(
    ("product", "cycle", "price", "longer", "next_due", "following"),
    [
        ("radio", "monthly", "8.00", "quarterly", "2026-03-01", ("24.00", "2026-05-31")),
        ("radio", "quarterly", "24.00", "semiannual", "2026-05-01", ("48.00", "2026-10-31")),
        ("radio", "semiannual", "45.12", "semiannual", "2026-08-01", ("48.00", "2027-01-31")),
        ("reseller", "monthly", "20.00", "monthly", "2026-03-01", ("20.00", "2026-03-31")),
    ],
)
def test_after_a_non_payment_suspension_the_next_cycle_is_one_step_longer(
    shop, product, cycle, price, longer, next_due, following
):
    """Monthly → quarterly → semiannual, within the product's cycles (BIL-7)."""
    session = shop
    client = add_client(session, "ana@example.com")
    service = add_service(session, client, product=product, cycle=cycle, due="2026-02-01")
    invoice = _renewal(session, client, "2026-01-17")
    assert total(invoice) == price
    service_state.suspend(session, make_ctx("2026-02-03"), [service.id], "non-payment")
    pay(session, make_ctx("2026-02-05"), invoice, price)
    # the period paid is the old cycle's; the cycle after it is the longer one
    assert state(session, service) == ("active", None, date(next_due), longer, None, None)
    changes = audit_rows(session, "service.reactivate")[0][3]
    assert changes == (
        {"status": ["suspended", "active"], "cycle": [cycle, longer]}
        if longer != cycle
        else {"status": ["suspended", "active"]}
    )
    renewal = _renewal(session, client, str(date(next_due) - dt.timedelta(days=15)))
    item = invoices.lines_of(session, renewal.id)[0]
    assert (money_json(item.amount_minor, "USD"), item.period_start, item.period_end) == (
        following[0],
        date(next_due),
        date(following[1]),
    )


def test_no_longer_cycle_when_paid_on_time_or_when_the_setting_is_off(shop):
    session = shop
    client = add_client(session, "ana@example.com")
    on_time = add_service(session, client, product="radio", cycle="monthly", due="2026-02-01")
    pay(session, make_ctx("2026-01-20"), _renewal(session, client, "2026-01-17"), "8.00")
    assert state(session, on_time)[:4] == ("active", None, date("2026-03-01"), "monthly")

    other = add_client(session, "bob@example.com")
    late = add_service(session, other, product="radio", cycle="monthly", due="2026-02-01")
    invoice = _renewal(session, other, "2026-01-17")
    service_state.suspend(session, make_ctx("2026-02-03"), [late.id], "non-payment")
    settings.set_value(session, make_ctx(), "billing.lengthen_cycle_after_suspension", "false")
    pay(session, make_ctx("2026-02-05"), invoice, "8.00")
    assert state(session, late)[:4] == ("active", None, date("2026-03-01"), "monthly")


# --------------------------------------------------------------------------- BIL-9
def _paid_renewal(session, client, service_due="2026-02-01", amount="96.00"):
    """An annual service whose renewal (made at D−15) is paid at D−12."""
    service = add_service(session, client, cycle="annual", due=service_due)
    invoice = _renewal(session, client, str(date(service_due) - dt.timedelta(days=15)))
    payment, _ = pay(session, make_ctx(date(service_due) - dt.timedelta(days=12)), invoice, amount)
    return service, invoice, payment


def test_chargeback_reverses_reopens_suspends_and_charges_a_fee(shop):
    session = shop
    client = add_client(session, "ana@example.com")
    service, invoice, payment = _paid_renewal(session, client, amount="100.00")
    assert credit_of(session, client) == "4.00"
    assert state(session, service)[2] == date("2027-02-01")

    ctx = make_ctx("2026-03-01")
    reversed_payment, inv, fee, warnings = payments.chargeback(session, ctx, payment.id)
    assert warnings == []
    assert (reversed_payment.status, reversed_payment.reversed_on) == (
        "reversed",
        date("2026-03-01"),
    )
    assert (inv.status, inv.paid_minor, inv.paid_on, total(inv)) == ("unpaid", 0, None, "96.00")
    # the period the payment paid is owed again; the service waits for it, suspended
    assert state(session, service) == (
        "suspended",
        "chargeback",
        date("2026-02-01"),
        "annual",
        date("2026-03-01"),
        None,
    )
    assert (fee.kind, fee.status, fee.issue_date, fee.due_date, total(fee)) == (
        "fee",
        "unpaid",
        date("2026-03-01"),
        date("2026-03-01"),
        "25.00",
    )
    assert lines(session, fee) == [("fee", "chargeback", "25.00")]
    assert invoices.lines_of(session, fee.id)[0].description == (
        f"Cargo administrativo por contracargo (pago {payment.id})"
    )
    # the excess that went to credit goes back with the payment
    assert credit_of(session, client) == "0.00"
    assert ledger(session, client) == [
        ("4.00", "payment above invoice total", invoice.id),
        ("-4.00", "chargeback of payment", None),
    ]
    assert audit_rows(session, "payment.chargeback")[0][2:4] == (
        str(payment.id),
        {"invoice": "2026-000001", "fee_invoice": "2026-000002", "close_account": False},
    )
    with pytest.raises(BusinessRuleError) as err:
        payments.chargeback(session, ctx, payment.id)
    assert err.value.message == f"Payment {payment.id} was already reversed on 2026-03-01."
    with pytest.raises(NotFoundError) as err:
        payments.chargeback(session, ctx, 999)
    assert err.value.message == "There is no payment 999."


@pytest.mark.parametrize("fee_first", [False, True])
def test_a_chargeback_suspension_lifts_once_the_fee_and_the_reopened_invoice_are_paid(
    shop, fee_first
):
    session = shop
    client = add_client(session, "ana@example.com")
    service, invoice, payment = _paid_renewal(session, client, service_due="2026-03-10")
    _, _, fee, _ = payments.chargeback(session, make_ctx("2026-03-01"), payment.id)

    first, second = ((fee, "25.00"), (invoice, "96.00"))[:: -1 if not fee_first else 1]
    pay(session, make_ctx("2026-03-02"), first[0], first[1])
    assert state(session, service)[:2] == ("suspended", "chargeback")
    pay(session, make_ctx("2026-03-03"), second[0], second[1])
    assert state(session, service) == ("active", None, date("2027-03-10"), "annual", None, None)
    assert [i.status for i in client_invoices(session, client)] == ["paid", "paid"]


def test_a_chargeback_suspension_stays_while_other_debt_is_overdue(shop):
    session = shop
    client = add_client(session, "ana@example.com")
    service, invoice, payment = _paid_renewal(session, client, service_due="2026-02-01")
    _, _, fee, _ = payments.chargeback(session, make_ctx("2026-03-01"), payment.id)
    pay(session, make_ctx("2026-03-02"), fee, "25.00")
    # the reopened renewal (due 2026-02-01) is still unpaid and past due
    assert state(session, service)[:2] == ("suspended", "chargeback")
    pay(session, make_ctx("2026-03-02"), invoice, "96.00")
    assert state(session, service)[:3] == ("active", None, date("2027-02-01"))


def test_a_chargeback_before_the_service_started_leaves_it_pending_until_paid(shop):
    """A pending service is not running: a chargeback does not suspend it (a suspension
    lifted later would make it active with no period and no due date); it starts, as
    any order, once its first invoice is paid again."""
    session = shop
    client = add_client(session, "ana@example.com")
    (hosting,), order_invoice = order(session, make_ctx("2026-01-10"), client)
    partial, _ = pay(session, make_ctx("2026-01-10"), order_invoice, "40.00")
    _, inv, fee, _ = payments.chargeback(session, make_ctx("2026-01-11"), partial.id)
    assert (inv.status, inv.paid_minor) == ("unpaid", 0)
    assert state(session, hosting) == ("pending", None, None, "annual", None, None)
    pay(session, make_ctx("2026-01-12"), fee, "25.00")
    pay(session, make_ctx("2026-01-12"), order_invoice, "96.00")
    hosting = reread(session, hosting)
    assert (hosting.status, hosting.activated_on, hosting.next_due_date) == (
        "active",
        date("2026-01-12"),
        date("2027-01-12"),
    )

    # a manual product paid, charged back before staff activated it
    (reseller,), reseller_invoice = order(
        session, make_ctx("2026-01-12"), client, "reseller", "monthly"
    )
    paid, _ = pay(session, make_ctx("2026-01-12"), reseller_invoice, "20.00")
    _, _, fee, _ = payments.chargeback(session, make_ctx("2026-01-13"), paid.id)
    assert state(session, reseller)[0] == "pending"
    with pytest.raises(BusinessRuleError) as err:
        services.activate(session, make_ctx("2026-01-13"), reseller.id)
    assert err.value.message == (
        f"Service {reseller.id}'s first invoice is unpaid; it activates once paid."
    )
    pay(session, make_ctx("2026-01-14"), fee, "25.00")
    pay(session, make_ctx("2026-01-14"), reseller_invoice, "20.00")
    assert state(session, reseller)[0] == "pending"  # waiting for staff, as before
    services.requirements_met(session, make_ctx("2026-01-14"), reseller.id)
    services.activate(session, make_ctx("2026-01-15"), reseller.id)
    assert state(session, reseller)[:3] == ("active", None, date("2026-02-15"))


def test_chargeback_of_a_zelle_payment_takes_the_discount_back(shop):
    session = shop
    client = add_client(session, "ana@example.com")
    (service,), invoice = order(session, make_ctx("2026-01-10"), client)
    payment, _ = pay(session, make_ctx("2026-01-10"), invoice, "84.00", "zelle")
    _, inv, fee, _ = payments.chargeback(session, make_ctx("2026-01-20"), payment.id)
    assert lines(session, inv) == [("item", None, "120.00"), ("discount", "period", "-24.00")]
    assert (inv.status, total(inv), inv.paid_minor) == ("unpaid", "96.00", 0)
    assert state(session, service)[:2] == ("suspended", "chargeback")
    assert total(fee) == "25.00"


def test_chargeback_without_a_fee_for_the_currency_warns_and_invoices_none(shop):
    session = shop
    client = add_client(session, "ar@example.com", currency="ARS")
    _, invoice = order(session, make_ctx("2026-01-10"), client)
    assert total(invoice) == "86400.00"
    payment, _ = pay(session, make_ctx("2026-01-10"), invoice, "86400.00")
    _, inv, fee, warnings = payments.chargeback(session, make_ctx("2026-01-20"), payment.id)
    assert (fee, inv.status) == (None, "unpaid")
    assert warnings == [
        "No chargeback fee is set for ARS, so none was invoiced; set it with "
        "`hostctl config set billing.chargeback_fee.ARS AMOUNT`."
    ]
    assert [(i.kind, i.status) for i in client_invoices(session, client)] == [("order", "unpaid")]


def test_chargeback_closing_the_account_terminates_every_live_service(shop):
    session = shop
    client = add_client(session, "ana@example.com")
    service, _, payment = _paid_renewal(session, client)
    other = add_service(session, client, product="radio", cycle="monthly", due="2026-03-01")
    ended = add_service(session, client, status="cancelled")
    _, _, fee, _ = payments.chargeback(
        session, make_ctx("2026-03-01"), payment.id, close_account=True
    )
    assert [state(session, s)[0] for s in (service, other, ended)] == [
        "terminated",
        "terminated",
        "cancelled",
    ]
    assert state(session, service)[5] == date("2026-03-01")
    assert session.get(Client, client.id, populate_existing=True).status == "closed"
    assert audit_rows(session, "client.close")[0][3:5] == ({"status": "closed"}, "chargeback")
    assert (fee.status, total(fee)) == ("unpaid", "25.00")


# --------------------------------------------------------------------------- BIL-4
def test_cancelling_an_order_invoice_cancels_its_pending_services_and_says_so_in_the_log(shop):
    session = shop
    client = add_client(session, "olga@example.com")
    services_, invoice = order(session, make_ctx("2026-03-02"), client, quantity=2)
    payments.cancel_invoice(session, make_ctx("2026-03-04"), invoice, "client changed plans")
    session.flush()
    assert [reread(session, s).status for s in services_] == ["cancelled", "cancelled"]
    assert [reread(session, s).ended_on for s in services_] == [date("2026-03-04")] * 2
    assert audit_rows(session, "service.order_cancelled") == [
        (
            "service.order_cancelled",
            "service",
            str(s.id),
            {"status": ["pending", "cancelled"]},
            "client changed plans",
            date("2026-03-04"),
        )
        for s in services_
    ]
    # a second cancellation is refused and logs nothing more
    with pytest.raises(BusinessRuleError):
        payments.cancel_invoice(session, make_ctx("2026-03-05"), invoice, "again")
    assert len(audit_rows(session, "service.order_cancelled")) == 2


# --------------------------------------------------------------------------- references
def _recorded(invoice, reference: str, *, method: str = "mercadopago", duplicate_ok=False):
    """A payment row as ``receive_many`` writes it (through ``insert_payments``)."""
    return {
        "invoice_id": invoice.id,
        "client_id": invoice.client_id,
        "currency": "USD",
        "amount_minor": 9600,
        "discount_minor": 0,
        "applied_minor": 9600,
        "credited_minor": 0,
        "method": method,
        "reference": reference,
        "reference_key": payments.reference_key(reference),
        "duplicate_ok": duplicate_ok,
        "paid_on": date("2026-01-12"),
        "status": "received",
        "created_by": "import",
        "created_at": make_ctx("2026-01-12").now,
    }


def test_the_database_keeps_a_method_and_reference_once_but_deliberate_duplicates(shop):
    """The rule is the payments table's unique key, not only the look-up of ``add_payment``:
    whatever records a payment (the statement import of SPEC §14 included) goes through
    ``insert_payments``, which turns the key's refusal into the desk's sentence."""
    from sqlalchemy.exc import IntegrityError

    session = shop
    client = add_client(session, "ana@example.com")
    invoice = order(session, make_ctx("2026-01-10"), client)[1]
    first, _ = payments.add_payment(
        session, make_ctx("2026-01-10"), invoice.id, "40.00", "mercadopago", " MP  1318200001 "
    )
    assert (first.reference, first.reference_key, first.duplicate_ok) == (
        "MP 1318200001",
        "mp 1318200001",
        False,
    )
    # as if another agent's look-up had run before the first was committed
    with pytest.raises(BusinessRuleError) as refused:
        payments.insert_payments(session, [_recorded(invoice, "mp 1318200001")])
    assert refused.value.message == (
        f"Payment {first.id} (mercadopago MP 1318200001, 2026-01-10, invoice {invoice.id}) "
        "already has this reference; if this is another payment, add --duplicate-ok."
    )
    # a deliberate duplicate, twice; another method; the session is still usable
    for _ in range(2):
        payments.insert_payments(session, [_recorded(invoice, "MP 1318200001", duplicate_ok=True)])
    payments.insert_payments(session, [_recorded(invoice, "MP 1318200001", method="card")])
    rows = session.exec(
        select(Payment.method, Payment.reference_key, Payment.duplicate_ok).order_by(Payment.id)
    ).all()
    assert rows == [
        ("mercadopago", "mp 1318200001", False),
        ("mercadopago", "mp 1318200001", True),
        ("mercadopago", "mp 1318200001", True),
        ("card", "mp 1318200001", False),
    ]
    # and below the core: the table itself refuses the second one (in a savepoint, so the
    # test's session goes on)
    with pytest.raises(IntegrityError), session.begin_nested():
        row = _recorded(invoice, "x")
        session.add(Payment(**{**row, "reference_key": "mp 1318200001"}))
