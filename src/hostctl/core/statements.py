"""A client's statement (rules WHY-2): invoices, payments, refunds and credit movements in
date order, with a running balance in the client's currency.

The balance is what the client owes less its credit: after the last entry it equals the
amount due on its unpaid invoices minus ``credit_balance``. Each document moves it once:

* an invoice, by what it charged when issued (its lines but credit and a payment-method
  discount; credit applied to it moves debt and credit alike, so nothing);
* a payment, by what was paid, and its method discount, by the discount (minus);
* a chargeback, by both again (plus);
* a cancelled invoice, by what it still charged (minus): its unpaid part is no longer owed
  and its paid part became credit;
* a refund, by the money returned (plus) and its credit note (minus what the refund voided,
  including what credit had paid and returned to credit);
* credit given or taken outside those documents (an affiliate withdrawal, an uptime credit,
  an upgrade's negative difference …), by its amount (minus when credit is given).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from hostctl.core.clients import get_client
from hostctl.core.money import Money
from hostctl.errors import ValidationError
from hostctl.i18n import N_, _
from hostctl.models import CreditEntry, Invoice, InvoiceLine, Payment, Refund
from hostctl.words import word

# Credit ledger reasons already counted by the document that moved the credit.
_COUNTED = (
    "applied to invoice",
    "payment above invoice total",
    "cancelled invoice",
    "chargeback of payment",
)
_COUNTED_PREFIXES = ("refund of service ",)


@dataclass
class Entry:
    date: dt.date
    order: int  # documents of one day: invoices, then payments, then the rest
    kind: str
    ref: str
    description: str
    amount: int  # minor units, + the client owes more


def _entries(session: Session, client_id: int) -> list[Entry]:
    entries: list[Entry] = []
    invoices = list(session.exec(select(Invoice).where(Invoice.client_id == client_id)).all())
    numbers = {i.id: i.number for i in invoices}
    lines: dict[int, list[InvoiceLine]] = {}
    if invoices:
        for line in session.exec(
            select(InvoiceLine).where(col(InvoiceLine.invoice_id).in_(list(numbers)))
        ).all():
            lines.setdefault(line.invoice_id, []).append(line)
    for invoice in invoices:
        own = lines.get(invoice.id or 0, [])
        charged = sum(x.amount_minor for x in own if x.kind != "credit" and x.code != "method")
        credit_used = -sum(x.amount_minor for x in own if x.kind == "credit")
        entries.append(
            Entry(
                invoice.issue_date,
                0,
                "invoice",
                invoice.number,
                N_("{kind} invoice", kind=word("invoice kind", invoice.kind)),
                charged,
            )
        )
        if invoice.status == "cancelled" and invoice.cancelled_on:
            # still charged then: the total (after any method discount) and the credit used
            entries.append(
                Entry(
                    invoice.cancelled_on,
                    2,
                    "cancellation",
                    invoice.number,
                    N_("invoice cancelled"),
                    -(invoice.total_minor + credit_used),
                )
            )
    for payment in session.exec(select(Payment).where(Payment.client_id == client_id)).all():
        ref = N_("payment {payment_id}", payment_id=payment.id)
        number = numbers.get(payment.invoice_id, str(payment.invoice_id))
        entries.append(
            Entry(
                payment.paid_on,
                1,
                "payment",
                ref,
                N_("{method} for {number}", method=payment.method, number=number),
                -payment.amount_minor,
            )
        )
        if payment.discount_minor:
            entries.append(
                Entry(
                    payment.paid_on,
                    1,
                    "discount",
                    ref,
                    N_("{method} discount", method=payment.method),
                    -payment.discount_minor,
                )
            )
        if payment.status == "reversed" and payment.reversed_on:
            entries.append(
                Entry(
                    payment.reversed_on,
                    2,
                    "chargeback",
                    ref,
                    N_("chargeback of {number}", number=number),
                    payment.amount_minor + payment.discount_minor,
                )
            )
    refunded: dict[tuple[int, dt.date], int] = {}
    for refund in session.exec(select(Refund).where(Refund.client_id == client_id)).all():
        entries.append(
            Entry(
                refund.refunded_on,
                3,
                "refund",
                N_("refund {refund_id}", refund_id=refund.id),
                N_("returned by {method}", method=refund.method),
                refund.amount_minor,
            )
        )
        key = (refund.invoice_id, refund.refunded_on)
        refunded[key] = refunded.get(key, 0) + refund.amount_minor
    for credit in session.exec(
        select(CreditEntry).where(CreditEntry.client_id == client_id).order_by(col(CreditEntry.id))
    ).all():
        if credit.reason in _COUNTED:
            continue
        if credit.reason.startswith(_COUNTED_PREFIXES) and credit.invoice_id:
            key = (credit.invoice_id, credit.effective_date)
            refunded[key] = refunded.get(key, 0) + credit.amount_minor
            continue
        entries.append(
            Entry(
                credit.effective_date,
                4,
                "credit",
                N_("credit {credit_id}", credit_id=credit.id),
                credit.reason,
                -credit.amount_minor,
            )
        )
    for (invoice_id, day), amount in refunded.items():
        entries.append(
            Entry(
                day,
                3,
                "credit_note",
                numbers.get(invoice_id, str(invoice_id)),
                N_("refunded"),
                -amount,
            )
        )
    entries.sort(key=lambda e: (e.date, e.order, e.ref))
    return entries


def statement(
    session: Session, client_id: int, *, start: dt.date | None = None, end: dt.date | None = None
) -> dict[str, Any]:
    client = get_client(session, client_id)
    if start and end and end < start:
        raise ValidationError(
            _("The period ends ({end}) before it starts ({start}).").format(end=end, start=start)
        )
    cur = client.currency
    opening = 0
    balance = 0
    rows = []
    for entry in _entries(session, client.id or 0):
        if start and entry.date < start:
            opening += entry.amount
            balance += entry.amount
            continue
        if end and entry.date > end:
            break
        balance += entry.amount
        rows.append(
            {
                "date": entry.date.isoformat(),
                "kind": entry.kind,
                "ref": entry.ref,
                "description": entry.description,
                "amount": Money(entry.amount, cur).to_json(),
                "balance": Money(balance, cur).to_json(),
            }
        )
    return {
        "client_id": client.id,
        "currency": cur,
        "from": start.isoformat() if start else None,
        "to": end.isoformat() if end else None,
        "opening_balance": Money(opening, cur).to_json(),
        "closing_balance": Money(balance, cur).to_json(),
        "entries": rows,
    }
