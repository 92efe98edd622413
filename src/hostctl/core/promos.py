"""Promotions (rules DSC-6, DSC-7, DSC-9).

* Referral month: for each referred friend who has paid at least one invoice, the
  referrer's chosen active service gets its next due date one month later (kept on its
  anchor day, BIL-12); each referred client counts once. A renewal invoice already made
  unpaid for the old due date moves with it (its due date and its line's period).
* 2×1: two new clients (no service, no paid invoice) order the same product and cycle,
  one each: A's first invoice is ordinary; B's has a 100 % "2×1" line, total 0, and is
  settled when A's is paid, so both services start the same day. Renewals are ordinary.
"""

from __future__ import annotations

from sqlmodel import Session, select

from hostctl.core import audit, services
from hostctl.core.clients import get_client
from hostctl.core.context import Context
from hostctl.core.cycles import add_months, period_end
from hostctl.core.money import Money
from hostctl.core.pricing import Line
from hostctl.errors import BusinessRuleError, ValidationError
from hostctl.i18n import _
from hostctl.models import (
    Invoice,
    InvoiceLine,
    Pairing,
    ReferralReward,
    Service,
)
from hostctl.words import say


def _has_paid(session: Session, client_id: int) -> bool:
    return (
        session.exec(
            select(Invoice.id).where(Invoice.client_id == client_id, Invoice.status == "paid")
        ).first()
        is not None
    )


def referral_month(
    session: Session, ctx: Context, referrer_id: int, referred_id: int, service_id: int
) -> tuple[Service, ReferralReward]:
    referrer = get_client(session, referrer_id)
    referred = get_client(session, referred_id)
    if referrer.id == referred.id:
        raise BusinessRuleError(_("A client cannot be its own referral."))
    if referred.referrer_id not in (None, referrer.id):
        raise BusinessRuleError(
            _(
                "Client {referred_id} was referred by client {actual_referrer_id}, not by "
                "client {referrer_id}."
            ).format(
                referred_id=referred.id,
                actual_referrer_id=referred.referrer_id,
                referrer_id=referrer.id,
            )
        )
    given = session.exec(
        select(ReferralReward).where(ReferralReward.referred_id == referred.id)
    ).first()
    if given is not None:
        raise BusinessRuleError(
            _(
                "Client {referred_id} already gave a free month to client {referrer_id} on "
                "{given_on}; each referred client counts once."
            ).format(
                referred_id=referred.id, referrer_id=given.referrer_id, given_on=given.given_on
            )
        )
    if not _has_paid(session, referred.id or 0):
        raise BusinessRuleError(
            _(
                "Client {referred_id} has not paid an invoice yet; the free month comes when "
                "the referred client pays."
            ).format(referred_id=referred.id)
        )
    session.flush()
    service = session.get(Service, service_id, with_for_update=True, populate_existing=True)
    if service is None or service.client_id != referrer.id:
        raise ValidationError(
            _("Service {service_id} is not a service of client {referrer_id}.").format(
                service_id=service_id, referrer_id=referrer.id
            )
        )
    if service.status != "active" or service.next_due_date is None:
        raise BusinessRuleError(
            _(
                "Service {service_id} is {service_status}; the free month goes on an active "
                "service."
            ).format(service_id=service.id, service_status=say("service", service.status))
        )
    old = service.next_due_date
    new = add_months(old, 1, service.anchor_day)
    service.next_due_date = new
    service.updated_at = ctx.now
    session.add(service)
    moved = []
    for line, invoice in session.exec(
        select(InvoiceLine, Invoice)
        .join(Invoice, InvoiceLine.invoice_id == Invoice.id)  # type: ignore[arg-type]
        .where(
            InvoiceLine.service_id == service.id,
            InvoiceLine.kind == "item",
            InvoiceLine.period_start == old,
            Invoice.kind == "renewal",
            Invoice.status == "unpaid",
        )
        .with_for_update()
    ).all():
        line.period_start = new
        line.period_end = period_end(new, service.cycle, service.anchor_day)
        session.add(line)
        if invoice.due_date == old:
            invoice.due_date = new
            invoice.reminders_sent = 0
            session.add(invoice)
        moved.append(invoice.number)
    reward = ReferralReward(
        referrer_id=referrer.id or 0,
        referred_id=referred.id or 0,
        service_id=service.id or 0,
        old_due=old,
        new_due=new,
        given_on=ctx.today,
        created_by=ctx.staff,
        created_at=ctx.now,
    )
    session.add(reward)
    audit.record(
        session,
        ctx,
        "promo.referral_month",
        "service",
        service.id,
        {
            "next_due_date": [old.isoformat(), new.isoformat()],
            "referred": referred.id,
            "invoices_moved": moved,
        },
    )
    session.flush()
    return service, reward


def _is_new(session: Session, client_id: int) -> bool:
    has_service = session.exec(select(Service.id).where(Service.client_id == client_id)).first()
    return has_service is None and not _has_paid(session, client_id)


def two_for_one(
    session: Session,
    ctx: Context,
    client_ids: list[int],
    product_code: str,
    cycle: str,
    domains: list[str] | None = None,
) -> tuple[list[Service], list[Invoice]]:
    if len(client_ids) != 2:
        raise ValidationError(_("A 2×1 needs two clients: --client A --client B."))
    a_id, b_id = client_ids
    if a_id == b_id:
        raise ValidationError(_("A 2×1 needs two different clients."))
    domains = list(domains or [])
    if len(domains) not in (0, 2):
        raise ValidationError(_("Give one --domain per client (A's, then B's), or none."))
    for cid in (a_id, b_id):
        client = get_client(session, cid)
        if not _is_new(session, cid):
            raise BusinessRuleError(
                _(
                    "Client {client_id} is not new (it has a service or a paid invoice); the "
                    "2×1 is for two new clients."
                ).format(client_id=client.id)
            )
    a_client, b_client = get_client(session, a_id), get_client(session, b_id)
    if a_client.currency != b_client.currency:
        raise BusinessRuleError(
            _(
                "Clients {a_id} and {b_id} are billed in {a_client_currency} and "
                "{b_client_currency}; a 2×1 needs one currency."
            ).format(
                a_id=a_id,
                b_id=b_id,
                a_client_currency=a_client.currency,
                b_client_currency=b_client.currency,
            )
        )
    a_line = services.OrderLine(product_code, cycle, 1, domains[0] if domains else None)
    b_line = services.OrderLine(product_code, cycle, 1, domains[1] if domains else None)
    a_services, a_invoice = services.place_order(session, ctx, a_id, [a_line])
    b_lines = services.price_order(session, ctx, b_client, [b_line])
    b_total = sum(line.amount.minor for line in b_lines)
    free = Line(
        "discount",
        "Promoción 2×1: primera factura sin cargo",
        Money(-b_total, b_client.currency),
        "2x1",
    )
    b_services, b_invoice = services.place_order(
        session, ctx, b_id, [b_line], extra=[free], note=f"2×1 with invoice {a_invoice.number}"
    )
    if b_invoice.total_minor != 0:  # pragma: no cover - the two pricings are one function
        raise BusinessRuleError(_("The 2×1 invoice does not add up to zero."))
    session.add(
        Pairing(
            paying_invoice_id=a_invoice.id or 0,
            free_invoice_id=b_invoice.id or 0,
            created_at=ctx.now,
        )
    )
    audit.record(
        session,
        ctx,
        "promo.two_for_one",
        "invoice",
        b_invoice.id,
        {"paid_with": a_invoice.number, "clients": [a_id, b_id], "product": product_code},
    )
    session.flush()
    return [*a_services, *b_services], [a_invoice, b_invoice]
