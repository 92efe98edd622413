"""core/receipts/record.py: statement lines into payments (PAY-2 … PAY-6), without the CLI.

Ana (USD) has a service suspended for non-payment since its due date 2026-12-10; its
renewal invoice is 120.00. Bruno (USD) owes one 10.00 invoice and pays by PayPal from his
own address. A statement of 2026-12-20 brings: Ana's payment naming her invoice (dated
2026-12-18, the day the money came), Bruno's 10.00 without a number, a payout, a line no
rule matches, and a line repeated in the file."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from billing_setup import add_catalogue, add_client, add_service, invoice_for
from sqlmodel import select

from conftest import make_ctx
from hostctl.core.receipts import record
from hostctl.core.receipts.lines import PAYOUT, ParsedLine, Statement
from hostctl.errors import BusinessRuleError
from hostctl.models import Payment, Service


def _line(tid: str, day: str, amount: str, **kw: object) -> ParsedLine:
    return ParsedLine(
        transaction_id=tid, date=dt.date.fromisoformat(day), amount=Decimal(amount),
        currency="USD", **kw,  # type: ignore[arg-type]
    )  # fmt: skip


def _statement(*lines: ParsedLine) -> Statement:
    return Statement("paypal", "paypal", "paypal", iter(lines))


def _setup(session):
    add_catalogue(session)
    ana = add_client(session, "ana@example.com")
    bruno = add_client(session, "bruno@example.com")
    service = add_service(session, ana, cycle="annual", due="2026-12-10", status="suspended")
    ctx = make_ctx("2026-11-25")
    owed = invoice_for(session, ctx, ana, ["120.00"], due="2026-12-10", service=service)
    small = invoice_for(session, ctx, bruno, ["10.00"], kind="fee")
    return ana, bruno, service, owed, small


def test_a_statement_pays_what_it_names_and_keeps_the_rest(session):
    _ana, _bruno, service, owed, small = _setup(session)
    ctx = make_ctx("2026-12-20", staff="laura")
    lines = [
        _line("PP-1", "2026-12-18", "120.00", reference=f"Factura {owed.number}"),
        _line("PP-2", "2026-12-19", "10.00", payer_email="BRUNO@example.com"),
        _line("PP-3", "2026-12-19", "-500.00", not_payment=PAYOUT),
        _line("PP-4", "2026-12-19", "77.00", payer="Nadie"),
        _line("PP-1", "2026-12-18", "120.00", reference=f"Factura {owed.number}"),
    ]
    report = record.import_statement(
        session, ctx, _statement(*lines), file_name="actividad.csv", method="bank-transfer"
    )
    assert (report.lines, report.new, report.already_imported) == (5, 4, 1)
    assert [(a["transaction_id"], a["invoice"], a["amount"], a["by"]) for a in report.applied] == [
        ("PP-1", owed.number, "120.00", "invoice-number"),
        ("PP-2", small.number, "10.00", "payer-amount"),
    ]
    assert [(i["transaction_id"], i["why"]) for i in report.ignored] == [
        ("PP-3", "a payout of the account, not a client's payment")
    ]
    assert [(r["transaction_id"], r["why"]) for r in report.review] == [
        ("PP-4", "no invoice number or payer matched")
    ]
    paid = session.exec(select(Payment).order_by(Payment.id)).all()
    assert [(p.invoice_id, p.method, p.reference, p.paid_on, p.created_by) for p in paid] == [
        (owed.id, "paypal", "PP-1", dt.date(2026, 12, 18), "laura"),
        (small.id, "paypal", "PP-2", dt.date(2026, 12, 19), "laura"),
    ]
    assert all(p.statement_line_id for p in paid)
    # BIL-6: Ana's payment reactivated her service and moved its due date a period on
    session.refresh(service)
    assert (service.status, service.next_due_date) == ("active", dt.date(2027, 12, 10))

    # the same file again: every line known, nothing recorded twice
    again = record.import_statement(
        session, ctx, _statement(*lines), file_name="actividad.csv", method="bank-transfer"
    )
    assert (again.new, again.already_imported, again.applied) == (0, 5, [])
    assert len(session.exec(select(Payment)).all()) == 2


def test_staff_decide_the_lines_in_review(session):
    _ana, bruno, service, owed, small = _setup(session)
    ctx = make_ctx("2026-12-20", staff="laura")
    record.import_statement(
        session,
        ctx,
        _statement(
            _line("PP-7", "2026-12-18", "120.00", payer="Ana (desde la cuenta del marido)"),
            _line("PP-8", "2026-12-18", "5.00", payer="Bruno"),
            _line("PP-9", "2026-12-18", "1.00"),
        ),
        file_name="actividad.csv",
        method="bank-transfer",
    )
    waiting = record.waiting(session)
    assert [w["transaction_id"] for w in waiting] == ["PP-7", "PP-8", "PP-9"]
    ids = {w["transaction_id"]: w["line_id"] for w in waiting}

    payment, paid = record.match_to_invoice(session, ctx, ids["PP-7"], owed.number)
    assert (payment.paid_on, payment.reference, paid.status) == (
        dt.date(2026, 12, 18),
        "PP-7",
        "paid",
    )
    assert session.get(Service, service.id).status == "active"
    assert str(record.match_to_credit(session, ctx, ids["PP-8"], bruno.id).amount) == "5.00"
    assert record.ignore(session, ctx, ids["PP-9"], "prueba del banco")["status"] == "ignored"
    assert record.waiting(session) == []
    # a line is decided once
    with pytest.raises(BusinessRuleError, match="is applied already"):
        record.match_to_invoice(session, ctx, ids["PP-7"], small.number)


def test_a_payment_dated_before_its_invoice_waits(session):
    _ana, _bruno, _service, owed, _small = _setup(session)
    ctx = make_ctx("2026-12-20")
    report = record.import_statement(
        session,
        ctx,
        _statement(
            # the money came before the invoice was issued (2026-11-25): payment add's rule
            _line("PP-20", "2026-11-20", "120.00", reference=owed.number),
        ),
        file_name="actividad.csv",
        method="bank-transfer",
    )
    assert report.applied == []
    assert report.review[0]["why"].startswith("The payment would be dated 2026-11-20, before")
    assert session.exec(select(Payment)).all() == []
