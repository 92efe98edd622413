"""Cancellations at the client's request, refunds and the end of domains (rules §6).

* CAN-1 ``immediate`` ends the service today; ``end-of-period`` keeps it working until its
  due date, never renews it, and ``daily`` ends it then (revocable until that day).
* CAN-2 an unpaid invoice for a period already started refuses the cancellation; unpaid
  invoices for periods not yet started are cancelled — one shared with other services is
  cancelled and the other services are invoiced again at once (an issued invoice is never
  edited, BIL-4).
* CAN-3/CAN-6 a refund only within 30 days of activation, for refundable products: what was
  paid for the service's current period, less the price of a domain included free; one
  ``Refund`` per payment it returns, by that payment's method; the invoice is ``refunded``
  once all that was paid on it is returned. An immediate cancellation of a hosting with a
  free domain, without refund, invoices that domain (Terms §12d).
* CAN-4 domains are not cancelled: ``service no-renew``; they expire on their due date, and
  ``daily`` alerts ``domain.deleted`` when the expired domain is removed.
* CAN-5 the channel and the reason of the request are recorded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from hostctl.core import affiliates, audit, catalogue, outbox, renewals, service_state
from hostctl.core.bulk import update_ids
from hostctl.core.context import Context
from hostctl.core.invoices import add_credit, cancel_invoices, load_invoices
from hostctl.core.money import Money
from hostctl.core.payments import issue_fee, settle_ids
from hostctl.core.pricing import Line
from hostctl.core.rows import SERVICES
from hostctl.errors import BusinessRuleError, NotFoundError, ValidationError
from hostctl.i18n import _
from hostctl.models import Client, Invoice, InvoiceLine, Payment, Product, Refund, Service
from hostctl.words import say

WHENS = ("immediate", "end-of-period")
REFUND_DAYS = 30  # CAN-3: the satisfaction guarantee
DOMAIN_DELETE_AFTER_DAYS = 30  # an expired domain is removed from the registry after this
ENDED = ("cancelled", "terminated", "expired")


@dataclass
class CancelResult:
    service: Service
    cancelled_invoices: list[Invoice] = field(default_factory=list)
    refunds: list[Refund] = field(default_factory=list)
    invoices: list[Invoice] = field(default_factory=list)  # made by the cancellation


def _locked_service(session: Session, service_id: int) -> Service:
    session.flush()
    service = session.get(Service, service_id, with_for_update=True, populate_existing=True)
    if service is None:
        raise NotFoundError(
            _("There is no service {service_id}; `hostctl service list` shows them.").format(
                service_id=service_id
            )
        )
    return service


def _unpaid_of(session: Session, service_id: int) -> list[tuple[Invoice, InvoiceLine]]:
    """The unpaid invoices with an item line of this service, with that line."""
    return [
        (invoice, line)
        for invoice, line in session.exec(
            select(Invoice, InvoiceLine)
            .join(InvoiceLine, InvoiceLine.invoice_id == Invoice.id)  # type: ignore[arg-type]
            .where(
                InvoiceLine.service_id == service_id,
                InvoiceLine.kind == "item",
                Invoice.status == "unpaid",
            )
            .order_by(col(Invoice.due_date), col(Invoice.id))
            .with_for_update()
        ).all()
    ]


def _shared_with(session: Session, invoice_id: int, service_id: int) -> list[int]:
    """The other services with an item line on this invoice."""
    return sorted(
        {
            sid
            for sid in session.exec(
                select(InvoiceLine.service_id).where(
                    InvoiceLine.invoice_id == invoice_id,
                    InvoiceLine.kind == "item",
                    InvoiceLine.service_id != service_id,
                )
            ).all()
            if sid is not None
        }
    )


def cancel_service(
    session: Session,
    ctx: Context,
    service_id: int,
    *,
    when: str,
    channel: str,
    reason: str,
    refund: bool = False,
) -> CancelResult:
    """Cancel a service at the client's request (CAN-1 … CAN-6)."""
    when = (when or "").strip().lower()
    if when not in WHENS:
        raise ValidationError(
            _("--when must be immediate or end-of-period, not {when!r}.").format(when=when)
        )
    channel, reason = " ".join((channel or "").split()), " ".join((reason or "").split())
    if not channel or not reason:
        raise ValidationError(
            _(
                "A cancellation needs the client's request: --channel (client area, ticket …) "
                "and --reason."
            )
        )
    service = _locked_service(session, service_id)
    product = catalogue.get_product(session, service.product_code)
    if product.category == "domain":
        if service.domain:
            raise BusinessRuleError(
                _(
                    "Domains cannot be cancelled; `hostctl service no-renew {service_id}` lets "
                    "{domain} expire on its due date."
                ).format(service_id=service.id, domain=service.domain)
            )
        raise BusinessRuleError(
            _(
                "Domains cannot be cancelled; `hostctl service no-renew {service_id}` lets "
                "it expire on its due date."
            ).format(service_id=service.id)
        )
    if service.status in ENDED:
        raise BusinessRuleError(
            _(
                "Service {service_id} is already {service_status}; it cannot be cancelled again."
            ).format(service_id=service.id, service_status=say("service", service.status))
        )
    if service.cancellation == "end-of-period" and when == "end-of-period":
        raise BusinessRuleError(
            _("Service {service_id} is already cancelled from {next_due_date}.").format(
                service_id=service.id, next_due_date=service.next_due_date
            )
        )
    if refund and when != "immediate":
        raise BusinessRuleError(_("A refund goes with --when immediate."))
    if refund:
        _check_refundable(service, product, ctx.today)
    unpaid = _unpaid_of(session, service.id or 0)
    for invoice, line in unpaid:
        started = line.period_start is not None and line.period_start <= ctx.today
        if invoice.kind == "order" and service.status == "pending":
            started = False  # a pending service has not started
        if started:
            raise BusinessRuleError(
                _(
                    "Invoice {invoice_number} for a period already started ({period_start} "
                    "to {period_end}) is unpaid; it must be paid before the cancellation."
                ).format(
                    invoice_number=invoice.number,
                    period_start=line.period_start,
                    period_end=line.period_end,
                )
            )
        if invoice.kind == "order" and _shared_with(session, invoice.id or 0, service.id or 0):
            raise BusinessRuleError(
                _(
                    "Service {service_id} was ordered with others on invoice "
                    "{invoice_number}; cancel that order as a whole (`hostctl invoice cancel "
                    "{invoice_number}`)."
                ).format(service_id=service.id, invoice_number=invoice.number)
            )
    result = CancelResult(service)
    before = service.status
    ends_on = ctx.today if when == "immediate" else service.next_due_date
    # the state first, so the other services' invoices made again below leave it out
    if when == "immediate":
        service.status = "cancelled"
        service.ended_on = ctx.today
    service.cancellation = when
    service.updated_at = ctx.now
    session.add(service)
    audit.record(
        session,
        ctx,
        "service.cancel",
        "service",
        service.id,
        {
            "status": [before, service.status],
            "cancellation": when,
            "ends_on": ends_on.isoformat() if ends_on else None,
            "channel": channel,
            "refund": refund,
        },
        note=reason,
    )
    session.flush()
    result.cancelled_invoices = _cancel_unstarted(session, ctx, service, unpaid)
    if when == "immediate":
        service_state.emit_service_events(
            session, ctx, "service.terminated", [service], "cancelled"
        )
        if refund:
            result.refunds = _refund(session, ctx, service, product, reason)
        elif product.free_domain:
            result.invoices.append(_invoice_free_domain(session, ctx, service, product))
    session.refresh(service)
    return result


def _cancel_unstarted(
    session: Session, ctx: Context, service: Service, unpaid: list[tuple[Invoice, InvoiceLine]]
) -> list[Invoice]:
    ids = sorted({invoice.id or 0 for invoice, _ in unpaid})
    if not ids:
        return []
    shared = any(_shared_with(session, i, service.id or 0) for i in ids)
    cancel_invoices(session, ctx, ids, f"cancellation of service {service.id}")
    if service.status == "pending":
        service_state.cancel_pending(session, ctx, [service.id or 0])
    if shared:  # the other services of a shared renewal invoice are invoiced again
        renewals.generate_renewals(
            session, ctx, ctx.today, client_id=service.client_id, settle=settle_ids
        )
    return load_invoices(session, ids)


def _check_refundable(service: Service, product: Product, today: dt.date) -> None:
    if not product.refundable:
        raise BusinessRuleError(
            _(
                "{product_code} is not refundable: domains, app development and streaming "
                "are never refunded."
            ).format(product_code=product.code)
        )
    if service.activated_on is None:
        raise BusinessRuleError(
            _(
                "Service {service_id} was never activated; cancel it without --refund (its "
                "unpaid order is cancelled)."
            ).format(service_id=service.id)
        )
    if (today - service.activated_on).days > REFUND_DAYS:
        raise BusinessRuleError(
            _(
                "Service {service_id} was activated on {activated_on}, more than "
                "{refund_days} days ago; the guarantee refunds only within {refund_days} "
                "days."
            ).format(
                service_id=service.id, activated_on=service.activated_on, refund_days=REFUND_DAYS
            )
        )


def _domain_price(session: Session, product: Product, currency: str) -> Money:
    domain = catalogue.get_product(session, product.free_domain or "")
    return catalogue.monthly_price(session, domain, currency).times(12)


def _current_paid_invoice(
    session: Session, service: Service, today: dt.date
) -> tuple[Invoice, list[InvoiceLine]] | None:
    """The paid order or renewal invoice of the service's current period, with its lines."""
    found = session.exec(
        select(Invoice)
        .join(InvoiceLine, InvoiceLine.invoice_id == Invoice.id)  # type: ignore[arg-type]
        .where(
            InvoiceLine.service_id == service.id,
            InvoiceLine.kind == "item",
            Invoice.status == "paid",
            col(Invoice.kind).in_(("order", "renewal")),
        )
        .order_by(col(Invoice.issue_date).desc(), col(Invoice.id).desc())
        .with_for_update()
    ).all()
    chosen = None
    for invoice in found:
        lines = list(
            session.exec(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id)).all()
        )
        mine = [x for x in lines if x.service_id == service.id and x.kind == "item"]
        covers = any(
            x.period_start and x.period_end and x.period_start <= today <= x.period_end
            for x in mine
        )
        if covers or (chosen is None and invoice.kind == "order"):
            chosen = (invoice, lines)
            if covers:
                break
    return chosen


def _share(lines: list[InvoiceLine], service_id: int, paid_minor: int) -> int:
    """What of ``paid_minor`` paid for this service: split in proportion to the item lines'
    list amounts, a free bundle unit counting nothing (decisions.md)."""
    weights: dict[int, int] = {}
    for line in lines:
        if line.service_id is None:
            continue
        if line.kind == "item" or (line.kind == "discount" and line.code == "bundle"):
            weights[line.service_id] = weights.get(line.service_id, 0) + line.amount_minor
    total = sum(weights.values())
    if total <= 0:
        return 0
    exact = Decimal(paid_minor) * weights.get(service_id, 0) / total
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _refund(
    session: Session, ctx: Context, service: Service, product: Product, reason: str
) -> list[Refund]:
    """CAN-6: return what was paid for the current period, less a free domain's price, by
    the methods of the payments it returns (newest first); credit used returns to credit."""
    found = _current_paid_invoice(session, service, ctx.today)
    if found is None:
        raise BusinessRuleError(
            _("Service {service_id} has no paid invoice to refund.").format(service_id=service.id)
        )
    invoice, lines = found
    client = session.get(Client, invoice.client_id)
    assert client is not None
    credit_used = -sum(x.amount_minor for x in lines if x.kind == "credit")
    already = sum(
        r.amount_minor
        for r in session.exec(select(Refund).where(Refund.invoice_id == invoice.id)).all()
    )
    payments = list(
        session.exec(
            select(Payment)
            .where(Payment.invoice_id == invoice.id, Payment.status == "received")
            .order_by(col(Payment.id).desc())
            .with_for_update()
        ).all()
    )
    paid_by_payments = sum(p.applied_minor for p in payments)
    owed = _share(lines, service.id or 0, paid_by_payments + credit_used)
    if product.free_domain:
        owed -= _domain_price(session, product, invoice.currency).minor
    owed = max(owed, 0)
    refunded_by_payment: dict[int, int] = {}
    for r in session.exec(select(Refund).where(Refund.invoice_id == invoice.id)).all():
        refunded_by_payment[r.payment_id] = (
            refunded_by_payment.get(r.payment_id, 0) + r.amount_minor
        )
    refunds: list[Refund] = []
    left = owed
    for payment in payments:
        room = payment.applied_minor - refunded_by_payment.get(payment.id or 0, 0)
        amount = min(left, room)
        if amount <= 0:
            continue
        refund = Refund(
            invoice_id=invoice.id or 0,
            payment_id=payment.id or 0,
            client_id=invoice.client_id,
            service_id=service.id or 0,
            currency=invoice.currency,
            amount_minor=amount,
            method=payment.method,
            refunded_on=ctx.today,
            reason=reason,
            created_by=ctx.staff,
            created_at=ctx.now,
        )
        session.add(refund)
        refunds.append(refund)
        left -= amount
    if left > 0:  # the part credit paid goes back to credit
        add_credit(
            session,
            ctx,
            client.id or 0,
            Money(left, invoice.currency),
            f"refund of service {service.id}",
            invoice_id=invoice.id,
        )
    session.flush()
    returned = already + sum(r.amount_minor for r in refunds)
    if returned >= paid_by_payments and paid_by_payments > 0:
        invoice.status = "refunded"
        session.add(invoice)
        affiliates.reverse(session, ctx, invoice.id or 0, f"refund of service {service.id}")
    for refund in refunds:
        money = Money(refund.amount_minor, refund.currency)
        audit.record(
            session,
            ctx,
            "payment.refund",
            "invoice",
            invoice.id,
            {
                "refund_id": refund.id,
                "payment_id": refund.payment_id,
                "service_id": service.id,
                "amount": money.to_json(),
                "method": refund.method,
                "status": invoice.status,
            },
            note=reason,
        )
        outbox.emit(
            session,
            ctx,
            "payment.refunded",
            client,
            invoice_id=invoice.id,
            service_id=service.id,
            data={
                "invoice_number": invoice.number,
                "amount": money.to_json(),
                "currency": refund.currency,
                "method": refund.method,
                "product_name": product.name,
                "domain": service.domain,
            },
        )
    return refunds


def _invoice_free_domain(
    session: Session, ctx: Context, service: Service, product: Product
) -> Invoice:
    """Terms §12d: the domain given free with the hosting is invoiced at its price."""
    client = session.get(Client, service.client_id)
    assert client is not None
    domain = catalogue.get_product(session, product.free_domain or "")
    price = _domain_price(session, product, client.currency)
    name = f"{domain.name} ({service.domain})" if service.domain else domain.name
    return issue_fee(
        session,
        ctx,
        client,
        Line(
            "fee",
            f"{name}: incluido sin cargo con {product.name}, cancelado antes de término",
            price,
            "free-domain",
            service.id,
        ),
    )


def revoke_cancel(session: Session, ctx: Context, service_id: int) -> Service:
    """Undo an end-of-period cancellation before it takes effect; the renewal invoice of
    the next period is made again if its day has come."""
    service = _locked_service(session, service_id)
    if service.cancellation != "end-of-period" or service.status in ENDED:
        raise BusinessRuleError(
            _("Service {service_id} has no end-of-period cancellation to revoke.").format(
                service_id=service.id
            )
        )
    service.cancellation = None
    service.updated_at = ctx.now
    session.add(service)
    audit.record(
        session,
        ctx,
        "service.revoke_cancel",
        "service",
        service.id,
        {"cancellation": ["end-of-period", None]},
    )
    session.flush()
    renewals.generate_renewals(
        session, ctx, ctx.today, client_id=service.client_id, settle=settle_ids
    )
    session.refresh(service)
    return service


def delete_expired_domains(session: Session, ctx: Context, day: dt.date) -> Sequence[Any]:
    """CAN-4: an expired domain is removed from the registry ``DOMAIN_DELETE_AFTER_DAYS``
    after it expired; its holder is alerted ``domain.deleted``."""
    cutoff = day - dt.timedelta(days=DOMAIN_DELETE_AFTER_DAYS)
    rows = session.execute(
        sa_select(
            SERVICES.c.id,
            SERVICES.c.client_id,
            SERVICES.c.product_code,
            SERVICES.c.domain,
            SERVICES.c.next_due_date,
        )
        .where(
            SERVICES.c.status == "expired",
            SERVICES.c.deleted_on.is_(None),
            SERVICES.c.ended_on <= cutoff,
        )
        .order_by(SERVICES.c.id)
    ).all()
    if not rows:
        return []
    update_ids(session, SERVICES, [r.id for r in rows], deleted_on=day)
    service_state.emit_service_events(session, ctx, "domain.deleted", rows, "expired")
    changes = audit.dumps({"deleted_on": day.isoformat(), "rule": "expired domain removed"})
    audit.record_many(session, ctx, [("domain.delete", "service", r.id, changes) for r in rows])
    return rows
