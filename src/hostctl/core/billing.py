"""Invoices, payments, credit and what paying an invoice sets in motion (SPEC §4).

* BIL-2 numbers ``YYYY-NNNNNN`` without gaps: a counter row per year, incremented in the
  invoice's own transaction (the row lock on PostgreSQL, the write lock on SQLite), so a
  rolled-back invoice gives its number back and two writers never share one.
* BIL-3/4 totals are exact sums of lines; a paid invoice is never edited.
* BIL-5 partial payments; excess to client credit; credit applied to new invoices.
* BIL-6 paying moves due dates one cycle and reactivates non-payment suspensions when no
  other overdue invoice of the client remains; BIL-7 lengthens the next cycle then.
* BIL-9 chargebacks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import func, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from hostctl.core import audit, outbox, settings
from hostctl.core.bulk import db_value, insert_rows
from hostctl.core.clients import get_client, paypal_allowed
from hostctl.core.context import Context
from hostctl.core.cycles import lengthened
from hostctl.core.money import Money, money_json
from hostctl.core.pricing import Line, list_subtotal_of_paid
from hostctl.errors import BusinessRuleError, NotFoundError, ValidationError
from hostctl.models import (
    Client,
    CreditEntry,
    Invoice,
    InvoiceCounter,
    InvoiceLine,
    Payment,
    Product,
    Service,
)

# Unpaid invoices of these kinds make a client a debtor once past due (BIL-6, §4).
DEBT_KINDS = ("renewal", "fee")


@dataclass
class InvoiceSpec:
    client: Client
    kind: str
    issue_date: dt.date
    due_date: dt.date
    lines: list[Line] = field(default_factory=list)
    note: str | None = None


# --------------------------------------------------------------------------- numbering
def allocate_numbers(session: Session, year: int, count: int) -> list[tuple[int, str]]:
    """Reserve ``count`` consecutive numbers of ``year`` in this transaction."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    session.execute(
        dialect_insert(InvoiceCounter).values(year=year, last=0).on_conflict_do_nothing()
    )
    last = session.execute(
        update(InvoiceCounter)
        .where(col(InvoiceCounter.year) == year)
        .values(last=InvoiceCounter.last + count)
        .returning(InvoiceCounter.last)
    ).scalar_one()
    return [(seq, f"{year}-{seq:06d}") for seq in range(last - count + 1, last + 1)]


# --------------------------------------------------------------------------- creation
@dataclass(slots=True)
class NewInvoice:
    """What ``daily`` needs of an invoice it has just written (``create_invoices(...,
    load=False)``): plain values, no ORM object per invoice."""

    id: int
    number: str
    client_id: int
    kind: str
    status: str
    issue_date: dt.date
    due_date: dt.date
    currency: str
    total_minor: int
    paid_minor: int = 0
    paid_on: dt.date | None = None  # the issue date of an invoice paid by credit
    cancelled_on: dt.date | None = None
    note: str | None = None


_INVOICE_COLUMNS = (
    "number",
    "year",
    "seq",
    "client_id",
    "kind",
    "status",
    "issue_date",
    "due_date",
    "currency",
    "total_minor",
    "paid_minor",
    "reminders_sent",
    "paid_on",
    "cancelled_on",
    "note",
    "created_at",
)
_LINE_COLUMNS = (
    "invoice_id",
    "position",
    "kind",
    "code",
    "description",
    "service_id",
    "period_start",
    "period_end",
    "amount_minor",
)


def create_invoices(
    session: Session, ctx: Context, specs: list[InvoiceSpec], *, load: bool = True
) -> list[Any]:
    """Write invoices with their lines in few statements; apply credit; queue alerts.

    Invoices fully covered by credit are paid at once (and settled). With ``load=False``
    (``daily``) the invoices returned are ``NewInvoice`` records of what was written, not
    objects of the session: reading them costs no query."""
    if not specs:
        return []
    apply_credit = bool(settings.get(session, "billing.apply_credit"))
    credit_rows: list[tuple[InvoiceSpec, int]] = []
    totals: list[int] = []
    for spec in specs:
        currency = spec.client.currency
        total = sum(line.amount.minor for line in spec.lines)
        credit = spec.client.credit_minor
        if apply_credit and credit > 0 and total > 0:
            used = min(credit, total)
            spec.lines.append(
                Line("credit", "Crédito a favor aplicado", Money(-used, currency), "credit")
            )
            total -= used
            spec.client.credit_minor -= used
            session.add(spec.client)
            credit_rows.append((spec, used))
        if total < 0:
            raise BusinessRuleError("An invoice cannot have a negative total.")
        totals.append(total)
    numbers: dict[int, Iterator[tuple[int, str]]] = {}
    for year in sorted({s.issue_date.year for s in specs}):
        count = sum(1 for s in specs if s.issue_date.year == year)
        numbers[year] = iter(allocate_numbers(session, year, count))
    records = []
    for spec, total in zip(specs, totals, strict=True):
        seq, number = next(numbers[spec.issue_date.year])
        paid = total == 0 and any(line.kind == "credit" for line in spec.lines)
        records.append(
            NewInvoice(
                seq,  # the id once it is known
                number,
                spec.client.id,  # type: ignore[arg-type]
                spec.kind,
                "paid" if paid else "unpaid",
                spec.issue_date,
                spec.due_date,
                spec.client.currency,
                total,
                paid_on=spec.issue_date if paid else None,
                note=spec.note,
            )
        )
    # Straight to the driver: one executemany each for the invoices and their lines; the
    # ids are then read back by (year, seq), which is unique (RETURNING in parameter order
    # would be one INSERT per row on SQLite).
    convert = db_value(session)
    now = convert(ctx.now)
    invoice_table = Invoice.__table__  # type: ignore[attr-defined]
    insert_rows(
        session,
        invoice_table,
        _INVOICE_COLUMNS,
        (
            (
                r.number,
                r.issue_date.year,
                r.id,
                r.client_id,
                r.kind,
                r.status,
                convert(r.issue_date),
                convert(r.due_date),
                r.currency,
                r.total_minor,
                0,
                0,
                convert(r.paid_on),
                None,
                r.note,
                now,
            )
            for r in records
        ),
    )
    for year in numbers:
        seqs = [r.id for r in records if r.issue_date.year == year]
        id_of = dict(
            session.execute(
                sa_select(invoice_table.c.seq, invoice_table.c.id).where(
                    invoice_table.c.year == year, invoice_table.c.seq.between(min(seqs), max(seqs))
                )
            ).all()
        )
        for r in records:
            if r.issue_date.year == year:
                r.id = id_of[r.id]
    insert_rows(
        session,
        InvoiceLine.__table__,  # type: ignore[attr-defined]
        _LINE_COLUMNS,
        (
            (
                r.id,
                position,
                line.kind,
                line.code,
                line.description,
                line.service_id,
                convert(line.period_start),
                convert(line.period_end),
                line.amount.minor,
            )
            for r, spec in zip(records, specs, strict=True)
            for position, line in enumerate(spec.lines, start=1)
        ),
    )
    by_spec = {id(s): r.id for r, s in zip(records, specs, strict=True)}
    for spec, used in credit_rows:
        session.add(
            CreditEntry(
                client_id=spec.client.id,
                currency=spec.client.currency,
                amount_minor=-used,
                reason="applied to invoice",
                invoice_id=by_spec[id(spec)],
                effective_date=ctx.today,
                created_at=ctx.now,
            )
        )
    outbox.emit_many(
        session,
        ctx,
        [
            {
                "event": "invoice.created",
                "client_id": spec.client.id,
                "phone": spec.client.phone,
                "email": spec.client.email,
                "invoice_id": r.id,
                "data": invoice_payload(
                    r, [line.description for line in spec.lines if line.kind == "item"]
                ),
            }
            for r, spec in zip(records, specs, strict=True)
        ],
    )
    dumps = audit.dumps
    audit.record_many(
        session,
        ctx,
        [
            (
                "invoice.create",
                "invoice",
                r.id,
                dumps(
                    {
                        "number": r.number,
                        "client_id": r.client_id,
                        "kind": r.kind,
                        "total": money_json(r.total_minor, r.currency),
                        "due_date": r.due_date.isoformat(),
                    }
                ),
            )
            for r in records
        ],
    )
    paid = [r.id for r in records if r.status == "paid"]
    if load or paid:
        wanted = [r.id for r in records] if load else paid
        loaded = {i.id: i for i in session.exec(select(Invoice).where(col(Invoice.id).in_(wanted)))}
        for invoice_id in paid:
            settle(session, ctx, loaded[invoice_id])
        if load:
            return [loaded[r.id] for r in records]
    return records


def create_invoice(session: Session, ctx: Context, spec: InvoiceSpec) -> Invoice:
    return create_invoices(session, ctx, [spec])[0]


def invoice_payload(inv: Invoice | Any, items: list[str]) -> dict[str, Any]:
    """The alert data of an invoice (an ``Invoice`` or a row with its columns)."""
    return {
        "invoice_number": inv.number,
        "total": money_json(inv.total_minor, inv.currency),
        "amount_due": money_json(inv.total_minor - inv.paid_minor, inv.currency),
        "currency": inv.currency,
        "issue_date": inv.issue_date.isoformat(),
        "due_date": inv.due_date.isoformat(),
        "items": items,
    }


# --------------------------------------------------------------------------- reading
def get_invoice(session: Session, invoice_id: int) -> Invoice:
    invoice = session.get(Invoice, invoice_id)
    if invoice is None:
        raise NotFoundError(f"There is no invoice {invoice_id}; `hostctl invoice list` shows them.")
    return invoice


def find_invoice(session: Session, ref: str) -> Invoice:
    """By id (``42``) or number (``2026-000042``)."""
    if "-" in ref:
        invoice = session.exec(select(Invoice).where(Invoice.number == ref.strip())).first()
        if invoice is None:
            raise NotFoundError(f"There is no invoice numbered {ref}.")
        return invoice
    try:
        return get_invoice(session, int(ref))
    except ValueError:
        raise ValidationError(f"{ref!r} is neither an invoice id nor a number.") from None


def lines_of(session: Session, invoice_id: int) -> list[InvoiceLine]:
    return list(
        session.exec(
            select(InvoiceLine)
            .where(InvoiceLine.invoice_id == invoice_id)
            .order_by(col(InvoiceLine.position))
        ).all()
    )


def list_invoices(
    session: Session,
    *,
    client_id: int | None = None,
    status: str | None = None,
    limit: int | None = None,
) -> list[Invoice]:
    stmt = select(Invoice)
    if client_id:
        stmt = stmt.where(Invoice.client_id == client_id)
    if status:
        stmt = stmt.where(Invoice.status == status)
    stmt = stmt.order_by(col(Invoice.id))
    if limit:
        stmt = stmt.limit(limit)
    return list(session.exec(stmt).all())


def amount_due(invoice: Invoice) -> Money:
    return Money(invoice.total_minor - invoice.paid_minor, invoice.currency)


def has_overdue_debt(
    session: Session, client_id: int, today: dt.date, exclude_invoice: int | None = None
) -> bool:
    stmt = (
        select(func.count())
        .select_from(Invoice)
        .where(
            Invoice.client_id == client_id,
            Invoice.status == "unpaid",
            col(Invoice.kind).in_(DEBT_KINDS),
            Invoice.due_date < today,
        )
    )
    if exclude_invoice:
        stmt = stmt.where(Invoice.id != exclude_invoice)
    return session.exec(stmt).one() > 0


def discounts_blocked(session: Session, client_id: int) -> bool:
    """DSC-8: a service of the client is suspended for non-payment."""
    stmt = (
        select(func.count())
        .select_from(Service)
        .where(
            Service.client_id == client_id,
            Service.status == "suspended",
            Service.suspension_reason == "non-payment",
        )
    )
    return session.exec(stmt).one() > 0


def active_services(session: Session, client_id: int) -> int:
    stmt = (
        select(func.count())
        .select_from(Service)
        .where(Service.client_id == client_id, Service.status == "active")
    )
    return session.exec(stmt).one()


# --------------------------------------------------------------------------- credit
def add_credit(
    session: Session,
    ctx: Context,
    client: Client,
    amount: Money,
    reason: str,
    *,
    invoice_id: int | None = None,
    payment_id: int | None = None,
) -> None:
    if amount.is_zero():
        return
    client.credit_minor += amount.minor
    session.add(client)
    session.add(
        CreditEntry(
            client_id=client.id or 0,
            currency=amount.currency,
            amount_minor=amount.minor,
            reason=reason,
            invoice_id=invoice_id,
            payment_id=payment_id,
            effective_date=ctx.today,
            created_at=ctx.now,
        )
    )


# --------------------------------------------------------------------------- payments
def add_payment(
    session: Session,
    ctx: Context,
    invoice_id: int,
    amount_text: str,
    method: str,
    reference: str | None = None,
) -> tuple[Payment, Invoice]:
    invoice = get_invoice(session, invoice_id)
    client = get_client(session, invoice.client_id)
    method = (method or "").strip().lower()
    methods = settings.payment_methods(session)
    if method not in methods:
        raise ValidationError(
            f"Unknown payment method {method!r}; use one of {', '.join(methods)}."
        )
    if method == "paypal" and not paypal_allowed(client):
        raise BusinessRuleError(
            f"PayPal cannot be used by clients billed in {client.currency}; choose another method."
        )
    if invoice.status != "unpaid":
        raise BusinessRuleError(
            f"Invoice {invoice.number} is {invoice.status}; only unpaid invoices take payments."
        )
    amount = Money.parse(amount_text, invoice.currency)
    if not amount.is_positive():
        raise ValidationError("A payment must be more than zero.")
    lines = lines_of(session, invoice.id or 0)
    discount = _method_discount(session, client, invoice, lines, method, amount)
    if discount is not None:
        pct, value = discount
        session.add(
            InvoiceLine(
                invoice_id=invoice.id or 0,
                position=len(lines) + 1,
                kind="discount",
                code="method",
                description=f"Descuento por pago con {method} {pct.normalize():f} %",
                amount_minor=-value.minor,
            )
        )
        invoice.total_minor -= value.minor
    due = amount_due(invoice)
    applied = amount.min(due)
    credited = amount - applied
    invoice.paid_minor += applied.minor
    payment = Payment(
        invoice_id=invoice.id or 0,
        client_id=client.id or 0,
        currency=invoice.currency,
        amount_minor=amount.minor,
        discount_minor=discount[1].minor if discount else 0,
        applied_minor=applied.minor,
        credited_minor=credited.minor,
        method=method,
        reference=reference,
        paid_on=ctx.today,
        created_by=ctx.staff,
        created_at=ctx.now,
    )
    session.add(payment)
    session.flush()
    if credited.is_positive():
        add_credit(
            session,
            ctx,
            client,
            credited,
            "payment above invoice total",
            invoice_id=invoice.id,
            payment_id=payment.id,
        )
    became_paid = invoice.paid_minor >= invoice.total_minor
    if became_paid:
        invoice.status = "paid"
        invoice.paid_on = ctx.today
    session.add(invoice)
    session.flush()
    audit.record(
        session,
        ctx,
        "payment.add",
        "invoice",
        invoice.id,
        {
            "payment_id": payment.id,
            "amount": amount.to_json(),
            "method": method,
            "discount": discount[1].to_json() if discount else "0.00",
            "credited": credited.to_json(),
            "status": invoice.status,
        },
    )
    outbox.emit(
        session,
        ctx,
        "payment.received",
        client,
        invoice_id=invoice.id,
        data={
            "invoice_number": invoice.number,
            "amount": amount.to_json(),
            "currency": invoice.currency,
            "method": method,
            "invoice_status": invoice.status,
        },
    )
    if became_paid:
        settle(session, ctx, invoice)
    return payment, invoice


def _method_discount(
    session: Session,
    client: Client,
    invoice: Invoice,
    lines: list[InvoiceLine],
    method: str,
    amount: Money,
) -> tuple[Decimal, Money] | None:
    """DSC-3: granted once, when this payment (with the discount) settles the invoice."""
    pct = settings.method_discount(session, method)
    if pct <= 0 or any(line.code == "method" for line in lines):
        return None
    if discounts_blocked(session, client.id or 0):
        return None
    base = list_subtotal_of_paid(
        [
            Line(x.kind, x.description, Money(x.amount_minor, invoice.currency), x.code)
            for x in lines
        ]
    )
    if base is None or not base.is_positive():
        return None
    value = base.percent(pct).min(amount_due(invoice))
    if amount < amount_due(invoice) - value:
        return None
    return pct, value


# --------------------------------------------------------------------------- settlement
def settle(session: Session, ctx: Context, invoice: Invoice) -> None:
    """What a paid invoice sets in motion for its services (BIL-6, BIL-7, BIL-12, CAT-3)."""
    from hostctl.core import services as svc

    client = get_client(session, invoice.client_id)
    for line in lines_of(session, invoice.id or 0):
        if line.kind != "item" or line.service_id is None:
            continue
        service = session.get(Service, line.service_id)
        if service is None:
            continue
        if invoice.kind == "order" and service.status == "pending":
            product = session.get(Product, service.product_code)
            if product is not None and product.activation == "instant":
                svc.activate_service(session, ctx, service, reason="first invoice paid")
        elif invoice.kind in ("renewal", "restoration") and line.period_end is not None:
            before = service.next_due_date
            if before is None or before <= line.period_end:
                service.next_due_date = line.period_end + dt.timedelta(days=1)
            if invoice.kind == "restoration" and service.status == "terminated":
                service.status = "suspended"
                service.suspension_reason = "non-payment"
                service.ended_on = None
            session.add(service)
            audit.record(
                session,
                ctx,
                "service.renewed",
                "service",
                service.id,
                {
                    "next_due_date": [str(before), str(service.next_due_date)],
                    "invoice": invoice.number,
                },
            )
    session.flush()
    reactivate_if_clear(session, ctx, client)


def reactivate_if_clear(
    session: Session, ctx: Context, client: Client, *, lengthen: bool | None = None
) -> list[Service]:
    """Reactivate the client's non-payment suspensions if no overdue debt remains.

    ``lengthen`` (default: the BIL-7 setting) steps each reactivated cycle up one."""
    if has_overdue_debt(session, client.id or 0, ctx.today):
        return []
    suspended = session.exec(
        select(Service).where(
            Service.client_id == client.id,
            Service.status == "suspended",
            Service.suspension_reason == "non-payment",
        )
    ).all()
    if lengthen is None:
        lengthen = bool(settings.get(session, "billing.lengthen_cycle_after_suspension"))
    result = []
    for service in suspended:
        if service.next_due_date is not None and service.next_due_date < ctx.today:
            continue  # this service's own period is still unpaid
        changes: dict[str, Any] = {"status": ["suspended", "active"]}
        service.status = "active"
        service.suspension_reason = None
        service.suspended_on = None
        if lengthen:
            product = session.get(Product, service.product_code)
            allowed = product.cycles.split(",") if product else []
            longer = lengthened(service.cycle, allowed)
            if longer != service.cycle:
                changes["cycle"] = [service.cycle, longer]
                service.cycle = longer
        service.updated_at = ctx.now
        session.add(service)
        audit.record(session, ctx, "service.reactivate", "service", service.id, changes)
        outbox.emit(
            session,
            ctx,
            "service.reactivated",
            client,
            service_id=service.id,
            data=service_payload(session, service, "payment"),
        )
        result.append(service)
    return result


def service_payload(session: Session, service: Service, reason: str | None) -> dict[str, Any]:
    product = session.get(Product, service.product_code)
    return {
        "service_id": service.id,
        "product": service.product_code,
        "product_name": product.name if product else service.product_code,
        "domain": service.domain,
        "reason": reason,
    }


# --------------------------------------------------------------------------- cancellation
def cancel_invoice(session: Session, ctx: Context, invoice: Invoice, reason: str) -> Invoice:
    """Cancel an unpaid invoice; what was paid on it, and credit used, goes back to credit."""
    if invoice.status != "unpaid":
        raise BusinessRuleError(
            f"Invoice {invoice.number} is {invoice.status}; only unpaid invoices can be cancelled."
        )
    client = get_client(session, invoice.client_id)
    lines = lines_of(session, invoice.id or 0)
    returned = Money(invoice.paid_minor, invoice.currency)
    for line in lines:
        if line.kind == "credit":
            returned = returned + Money(-line.amount_minor, invoice.currency)
    if returned.is_positive():
        add_credit(session, ctx, client, returned, "cancelled invoice", invoice_id=invoice.id)
    invoice.status = "cancelled"
    invoice.cancelled_on = ctx.today
    session.add(invoice)
    if invoice.kind == "order":
        for line in lines:
            service = session.get(Service, line.service_id) if line.service_id else None
            if service is not None and service.status == "pending":
                service.status = "cancelled"
                service.ended_on = ctx.today
                session.add(service)
    audit.record(
        session,
        ctx,
        "invoice.cancel",
        "invoice",
        invoice.id,
        {"status": ["unpaid", "cancelled"], "to_credit": returned.to_json()},
        note=reason,
    )
    outbox.emit(
        session,
        ctx,
        "invoice.cancelled",
        client,
        invoice_id=invoice.id,
        data=invoice_payload(invoice, [x.description for x in lines if x.kind == "item"]),
    )
    return invoice


# --------------------------------------------------------------------------- chargeback
def chargeback(
    session: Session, ctx: Context, payment_id: int, *, close_account: bool = False
) -> tuple[Payment, Invoice, Invoice]:
    """BIL-9: reverse the payment, reopen the invoice, suspend its services, charge a fee."""
    from hostctl.core import services as svc

    payment = session.get(Payment, payment_id)
    if payment is None:
        raise NotFoundError(f"There is no payment {payment_id}.")
    if payment.status == "reversed":
        raise BusinessRuleError(
            f"Payment {payment_id} was already reversed on {payment.reversed_on}."
        )
    invoice = get_invoice(session, payment.invoice_id)
    client = get_client(session, invoice.client_id)
    fee = settings.fee(session, "chargeback_fee", client.currency)
    if fee is None:
        raise BusinessRuleError(
            f"No chargeback fee is set for {client.currency}; set it with "
            f"`hostctl config set billing.chargeback_fee.{client.currency} AMOUNT`."
        )
    payment.status = "reversed"
    payment.reversed_on = ctx.today
    session.add(payment)
    if payment.credited_minor:
        add_credit(
            session,
            ctx,
            client,
            Money(-payment.credited_minor, payment.currency),
            "chargeback of payment",
            payment_id=payment.id,
        )
    if payment.discount_minor:  # the method discount went with the payment
        for line in lines_of(session, invoice.id or 0):
            if line.code == "method":
                session.delete(line)
        invoice.total_minor += payment.discount_minor
    was_paid = invoice.status == "paid"
    invoice.paid_minor -= payment.applied_minor
    invoice.status = "unpaid"
    invoice.paid_on = None
    session.add(invoice)
    session.flush()
    for line in lines_of(session, invoice.id or 0):
        if line.kind != "item" or line.service_id is None:
            continue
        service = session.get(Service, line.service_id)
        if service is None:
            continue
        if was_paid and invoice.kind in ("renewal", "restoration") and line.period_start:
            service.next_due_date = line.period_start
        if service.status in ("active", "suspended", "pending"):
            svc.suspend_service(session, ctx, service, "chargeback", client=client)
    fee_invoice = create_invoice(
        session,
        ctx,
        InvoiceSpec(
            client=client,
            kind="fee",
            issue_date=ctx.today,
            due_date=ctx.today,
            lines=[
                Line(
                    "fee",
                    f"Cargo administrativo por contracargo (pago {payment.id})",
                    fee,
                    "chargeback",
                )
            ],
        ),
    )
    audit.record(
        session,
        ctx,
        "payment.chargeback",
        "payment",
        payment.id,
        {
            "invoice": invoice.number,
            "fee_invoice": fee_invoice.number,
            "close_account": close_account,
        },
    )
    if close_account:
        svc.close_account(session, ctx, client, reason="chargeback")
    return payment, invoice, fee_invoice
