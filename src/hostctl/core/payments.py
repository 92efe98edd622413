"""Payments and what paying sets in motion (rules §3 DSC-3, §4 BIL-5, BIL-6, BIL-7, BIL-9).

* BIL-5 partial payments; the excess of a payment goes to client credit.
* DSC-3 the payment-method discount, granted once, when the payment settles the invoice.
* BIL-6 settling a paid invoice activates its pending services or moves their due dates one
  cycle, and reactivates non-payment suspensions when no other overdue invoice remains;
  BIL-7 lengthens the next cycle then.
* BIL-9 chargebacks: the payment reversed, the invoice unpaid again, its services suspended
  and a fee invoiced; paying all that the chargeback reopened brings them back.

The invoice (and the payment) are read under a row lock before they change, so two payments
of one invoice at the same moment are applied one after the other, never over each other.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, cast

from sqlmodel import Session, col, select

from hostctl.core import audit, outbox, renewals, service_state, settings
from hostctl.core.clients import get_client, paypal_allowed
from hostctl.core.context import Context
from hostctl.core.invoices import (
    InvoiceSpec,
    add_credit,
    amount_due,
    cancel_invoices,
    create_invoices,
    discounts_blocked,
    get_invoice,
    lines_of,
    load_invoices,
    unpaid_renewals,
)
from hostctl.core.money import Money
from hostctl.core.pricing import Line, list_subtotal_of_paid
from hostctl.errors import BusinessRuleError, NotFoundError, ValidationError
from hostctl.i18n import _
from hostctl.models import (
    AuditEntry,
    Client,
    Invoice,
    InvoiceLine,
    Pairing,
    Payment,
    Product,
    Refund,
    Service,
    Upgrade,
)
from hostctl.words import say


# --------------------------------------------------------------------------- issuing
def issue_invoices(
    session: Session, ctx: Context, specs: list[InvoiceSpec], *, load: bool = True
) -> list[Any]:
    """``invoices.create_invoices``, then settle those that credit paid in full."""
    made = create_invoices(session, ctx, specs, load=load)
    settle_ids(session, ctx, [i.id for i in made if i.status == "paid"])
    return made


def settle_ids(session: Session, ctx: Context, invoice_ids: Sequence[int]) -> None:
    """``settle`` each of these paid invoices (the ``settle`` that ``renewals`` is given)."""
    for invoice in load_invoices(session, invoice_ids) if invoice_ids else []:
        settle(session, ctx, invoice)


def issue_invoice(session: Session, ctx: Context, spec: InvoiceSpec) -> Invoice:
    invoice: Invoice = issue_invoices(session, ctx, [spec])[0]
    return invoice


def issue_fee(session: Session, ctx: Context, client: Client, line: Line) -> Invoice:
    """A one-line ``fee`` invoice, due today (a chargeback fee, a free domain invoiced)."""
    return issue_invoice(
        session,
        ctx,
        InvoiceSpec(
            client=client, kind="fee", issue_date=ctx.today, due_date=ctx.today, lines=[line]
        ),
    )


def locked_invoice(session: Session, invoice_id: int) -> Invoice:
    """The invoice read again under a row lock, for a change of its money or state."""
    session.flush()
    invoice = session.get(Invoice, invoice_id, with_for_update=True, populate_existing=True)
    if invoice is None:
        return get_invoice(session, invoice_id)  # raises NotFoundError
    return invoice


# --------------------------------------------------------------------------- payments
def add_payment(
    session: Session,
    ctx: Context,
    invoice_id: int,
    amount_text: str,
    method: str,
    reference: str | None = None,
    *,
    duplicate_ok: bool = False,
    allow_excess: bool = False,
    language: str | None = None,
) -> tuple[Payment, Invoice]:
    """Record a payment of ``amount_text`` (typed in the session's ``language``, see
    ``Money.parse``). Refused when dated before the invoice was issued, and when more than
    twice the amount due (a decimal point left out) unless ``allow_excess``."""
    invoice = locked_invoice(session, invoice_id)
    amount = check_amount(amount_text, invoice.currency, language=language)
    return receive(
        session,
        ctx,
        invoice,
        amount,
        method,
        reference,
        duplicate_ok=duplicate_ok,
        allow_excess=allow_excess,
    )


def receive(
    session: Session,
    ctx: Context,
    invoice: Invoice,
    amount: Money,
    method: str,
    reference: str | None = None,
    *,
    duplicate_ok: bool = False,
    allow_excess: bool = False,
    statement_line_id: int | None = None,
) -> tuple[Payment, Invoice]:
    """The one path of a payment received, typed at the desk (``add_payment``) or read from
    a statement (``receipts``): ``invoice`` read under its row lock (``locked_invoice``),
    dated ``ctx.today``. Method discount (DSC-3), the excess to credit (BIL-5), the invoice
    paid and what that sets in motion (``settle``: BIL-6, BIL-7 …), audit and alert."""
    client = get_client(session, invoice.client_id)
    method = (method or "").strip().lower()
    methods = settings.payment_methods(session)
    if method not in methods:
        raise ValidationError(
            _("Unknown payment method {method!r}; use one of {methods}.").format(
                method=method, methods=", ".join(methods)
            )
        )
    if not usable(client, method):
        raise BusinessRuleError(
            _(
                "PayPal cannot be used by clients billed in {client_currency}; choose "
                "another method."
            ).format(client_currency=client.currency)
        )
    if invoice.status != "unpaid":
        raise BusinessRuleError(
            _(
                "Invoice {invoice_number} is {invoice_status}; only unpaid invoices take payments."
            ).format(invoice_number=invoice.number, invoice_status=say("invoice", invoice.status))
        )
    if amount.currency != invoice.currency:
        raise BusinessRuleError(
            _("Invoice {invoice_number} is in {currency}, not {other}.").format(
                invoice_number=invoice.number, currency=invoice.currency, other=amount.currency
            )
        )
    if ctx.today < invoice.issue_date:
        raise BusinessRuleError(
            _(
                "The payment would be dated {today}, before invoice {invoice_number} was "
                "issued ({issue_date}); record it on or after that day."
            ).format(today=ctx.today, invoice_number=invoice.number, issue_date=invoice.issue_date)
        )
    credit = excess_credit(invoice, amount)
    if credit is not None and not allow_excess:
        raise BusinessRuleError(
            _(
                "{amount} is more than twice the {due} due on invoice {invoice_number} and "
                "would leave {credit} as credit; check the amount, or add --allow-excess."
            ).format(
                amount=amount,
                due=amount_due(invoice),
                invoice_number=invoice.number,
                credit=credit,
            )
        )
    reference = " ".join((reference or "").split()) or None
    check_reference(session, method, reference, duplicate_ok=duplicate_ok)
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
        statement_line_id=statement_line_id,
        created_by=ctx.staff,
        created_at=ctx.now,
    )
    insert_payment(session, payment, duplicate_ok=duplicate_ok)
    if credited.is_positive():
        add_credit(
            session,
            ctx,
            client.id or 0,
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


def get_payment(session: Session, payment_id: int) -> Payment:
    payment = session.get(Payment, payment_id)
    if payment is None:
        raise NotFoundError(_("There is no payment {payment_id}.").format(payment_id=payment_id))
    return payment


def check_amount(amount_text: str, currency: str, *, language: str | None = None) -> Money:
    """A payment's amount as typed (in the session's ``language``): a number in
    ``currency``, more than zero."""
    amount = Money.parse(amount_text, currency, language=language)
    if not amount.is_positive():
        raise ValidationError(_("A payment must be more than zero."))
    return amount


# The manual's table of methods by country (004 "Medios de pago": "dependiendo de su PAIS");
# card and PayPal are for everyone, Prex transfers come from Uruguay and Argentina, Pagos360
# is the Argentine direct debit. A method in no row (zelle, bank-transfer, cash, one added
# to payment.methods) is not tied to a country.
METHODS_BY_COUNTRY: dict[str, tuple[str, ...]] = {
    "AR": ("mercadopago", "pagofacil", "rapipago", "pagos360", "prex"),
    "UY": ("abitab", "redpagos", "prex"),
    "CO": ("efecty", "pse"),
    "CL": ("servipag",),
    "PE": ("pagoefectivo",),
}


def usable(client: Client, method: str) -> bool:
    """Whether ``client`` may pay with ``method`` at all (CLI-6: no PayPal in UYU, PYG, VES):
    the check ``add_payment`` makes, and the one that keeps a method off the choices."""
    return method != "paypal" or paypal_allowed(client)


def order_methods(methods: Sequence[str], client: Client) -> list[str]:
    """``methods`` (the configured list) as offered to ``client``: those of its country
    first (in the manual's order), then those tied to no country (in the configured
    order), then those of other countries; never one it cannot use."""
    local = METHODS_BY_COUNTRY.get((client.country or "").upper(), ())
    abroad = {m for ms in METHODS_BY_COUNTRY.values() for m in ms} - set(local)
    allowed = [m for m in methods if usable(client, m)]
    return (
        [m for m in local if m in allowed]
        + [m for m in allowed if m not in local and m not in abroad]
        + [m for m in allowed if m in abroad]
    )


EXCESS_FACTOR = 2
"""A payment more than this many times the amount due is most likely a typo (``9600`` for
``96.00``): refused unless the excess is allowed (CLI.md, "At the desk")."""


def excess_credit(invoice: Invoice, amount: Money) -> Money | None:
    """The credit that ``amount`` would leave when it is more than ``EXCESS_FACTOR`` times
    the amount due on ``invoice``; ``None`` when it is not."""
    due = amount_due(invoice)
    if amount <= due.times(EXCESS_FACTOR):
        return None
    return amount - due


def would_credit(
    session: Session, invoice_ref: str, amount_text: str, *, language: str | None = None
) -> Money | None:
    """``excess_credit`` of the invoice ``invoice_ref`` (id or number) for ``amount_text``,
    read without changing anything (what a confirmation shows before ``add_payment``)."""
    from hostctl.core.invoices import find_invoice

    invoice = find_invoice(session, invoice_ref)
    if invoice.status != "unpaid":
        return None
    return excess_credit(invoice, check_amount(amount_text, invoice.currency, language=language))


def methods_for(session: Session, invoice: Invoice) -> list[str]:
    """The payment methods ``invoice`` can be paid with, its client's country's first
    (``order_methods``)."""
    client = get_client(session, invoice.client_id)
    return order_methods(settings.payment_methods(session), client)


def amount_due_with(session: Session, invoice: Invoice, method: str) -> Money:
    """What settles ``invoice`` paid now with ``method``: the amount due less the method's
    discount (DSC-3, Zelle 10 % of the list subtotal) when paying it in full would earn it."""
    client = get_client(session, invoice.client_id)
    due = amount_due(invoice)
    lines = lines_of(session, invoice.id or 0)
    discount = _method_discount(session, client, invoice, lines, method, due)
    return due - discount[1] if discount is not None else due


# --------------------------------------------------------------------------- references
# A method and reference are recorded once (case and spaces aside), whichever invoice they
# were for, unless the payment is said to be another one (--duplicate-ok). The look-up
# (``check_reference``) gives the sentence; the unique key of the payments table
# (``uq_payments_method_reference_key``, over the payments not marked deliberate duplicates)
# decides when two are recorded at the same moment, and ``insert_payment`` turns its refusal
# into the same sentence. Every way a payment is recorded (``add_payment``, and the statement
# import of SPEC §14 when it comes: a matched line is a payment through ``add_payment``) goes
# through ``insert_payment``.
def reference_key(reference: str | None) -> str | None:
    """A payment reference as references are compared: spaces collapsed, lower case; None
    when there is none (what ``payments.reference_key`` holds)."""
    key = " ".join((reference or "").split()).lower()
    return key or None


def find_by_reference(session: Session, method: str, reference: str) -> Payment | None:
    """The first payment recorded with this method and reference (case and spaces aside),
    deliberate duplicates included."""
    key = reference_key(reference)
    if key is None:
        return None
    return session.exec(
        select(Payment)
        .where(Payment.method == method, Payment.reference_key == key)
        .order_by(col(Payment.id))
        .limit(1)
    ).first()


def duplicate_reference(method: str, same: Payment) -> BusinessRuleError:
    """The refusal of a reference that ``same`` already has."""
    return BusinessRuleError(
        _(
            "Payment {same_id} ({method} {same_reference}, {paid_on}, invoice "
            "{invoice_id}) already has this reference; if this is another payment, "
            "add --duplicate-ok."
        ).format(
            same_id=same.id,
            method=method,
            same_reference=same.reference,
            paid_on=same.paid_on,
            invoice_id=same.invoice_id,
        )
    )


def check_reference(
    session: Session, method: str, reference: str | None, *, duplicate_ok: bool = False
) -> None:
    """Refuse a ``method`` and ``reference`` already recorded, unless ``duplicate_ok``: the
    look-up, checked with the other rules before anything changes."""
    if reference and not duplicate_ok:
        same = find_by_reference(session, method, reference)
        if same is not None:
            raise duplicate_reference(method, same)


UNIQUE_REFERENCE = "uq_payments_method_reference_key"


def insert_payment(session: Session, payment: Payment, *, duplicate_ok: bool = False) -> None:
    """Insert ``payment`` (flushed: its id is known), its ``reference_key`` set from its
    reference and ``duplicate_ok`` kept. When the unique key refuses it (another agent
    recorded the same method and reference a moment ago, after this one's look-up), the
    refusal of ``check_reference``: the caller's transaction is then rolled back whole."""
    from sqlalchemy.exc import IntegrityError

    payment.reference_key = reference_key(payment.reference)
    payment.duplicate_ok = duplicate_ok
    try:
        with session.begin_nested():  # the rest of the transaction stays usable
            session.add(payment)
    except IntegrityError as exc:
        if not _is_reference_conflict(exc) or not payment.reference:
            raise
        # PostgreSQL reported it once the other transaction committed: its payment is seen
        same = find_by_reference(session, payment.method, payment.reference)
        if same is None:
            raise
        raise duplicate_reference(payment.method, same) from None


def _is_reference_conflict(exc: Exception) -> bool:
    """Whether ``exc`` is the unique key of references refusing a row (PostgreSQL names the
    index; SQLite its columns)."""
    text = str(getattr(exc, "orig", exc))
    return UNIQUE_REFERENCE in text or "payments.method, payments.reference_key" in text


def list_payments(
    session: Session,
    *,
    client_id: int | None = None,
    invoice_id: int | None = None,
    method: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    limit: int | None = None,
) -> list[Payment]:
    if method is not None:
        methods = settings.payment_methods(session)
        method = method.strip().lower()
        if method not in methods:
            raise ValidationError(
                _("Unknown payment method {method!r}; use one of {methods}.").format(
                    method=method, methods=", ".join(methods)
                )
            )
    if start and end and end < start:
        raise ValidationError(
            _("The period ends ({end}) before it starts ({start}).").format(end=end, start=start)
        )
    stmt = select(Payment)
    if client_id:
        stmt = stmt.where(Payment.client_id == client_id)
    if invoice_id:
        stmt = stmt.where(Payment.invoice_id == invoice_id)
    if method:
        stmt = stmt.where(Payment.method == method)
    if start:
        stmt = stmt.where(Payment.paid_on >= start)
    if end:
        stmt = stmt.where(Payment.paid_on <= end)
    stmt = stmt.order_by(col(Payment.paid_on), col(Payment.id))
    if limit:
        stmt = stmt.limit(limit)
    return list(session.exec(stmt).all())


def list_refunds(session: Session, *, invoice_id: int) -> list[Refund]:
    """The refunds of an invoice (CAN-6), oldest first."""
    return list(
        session.exec(
            select(Refund).where(Refund.invoice_id == invoice_id).order_by(col(Refund.id))
        ).all()
    )


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
    client = get_client(session, invoice.client_id)
    for line in lines_of(session, invoice.id or 0):
        if line.kind != "item" or line.service_id is None:
            continue
        service = session.get(Service, line.service_id)
        if service is None:
            continue
        if invoice.kind == "upgrade":
            continue  # applied below, once for the invoice
        if invoice.kind in ("order", "quote") and service.status == "pending":
            product = session.get(Product, service.product_code)
            if product is not None and product.activation == "instant":
                service_state.activate(session, ctx, service, reason="first invoice paid")
        elif invoice.kind in ("renewal", "restoration") and line.period_end is not None:
            before = service.next_due_date
            if before is None or before <= line.period_end:
                service.next_due_date = line.period_end + dt.timedelta(days=1)
            if invoice.kind == "restoration" and service.status == "terminated":
                # back as a non-payment suspension, which the reactivation below lifts
                service.status = "suspended"
                service.suspension_reason = "non-payment"
                service.ended_on = None
                audit.record(
                    session,
                    ctx,
                    "service.restore",
                    "service",
                    service.id,
                    {"status": ["terminated", "suspended"], "suspension_reason": "non-payment"},
                    note=f"restoration invoice {invoice.number} paid",
                )
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
    from hostctl.core import affiliates  # models.trade only when a payment settles

    affiliates.earn(session, ctx, invoice)
    _settle_paired(session, ctx, invoice)
    if invoice.kind == "upgrade":
        for upgrade in session.exec(
            select(Upgrade).where(Upgrade.invoice_id == invoice.id, Upgrade.status == "pending")
        ).all():
            apply_upgrade(session, ctx, upgrade)
    service_state.reactivate_clear(
        session, ctx, [client.id or 0], cause={"invoice": invoice.number}
    )
    service_state.lift_chargeback(session, ctx, [client.id or 0])


def cycle_changes(session: Session, ctx: Context, invoice: Invoice) -> list[dict[str, Any]]:
    """The cycles that paying ``invoice`` today lengthened (BIL-7), from the audit log:
    ``[{"service_id", "cycle": [old, new], "rule": "BIL-7"}]``."""
    found = []
    for entry in session.exec(
        select(AuditEntry)
        .where(
            AuditEntry.action == "service.lengthen_cycle",
            AuditEntry.effective_date == ctx.today,
        )
        .order_by(col(AuditEntry.id))
    ).all():
        changes = json.loads(entry.changes or "{}")
        if changes.get("invoice") == invoice.number:
            found.append(
                {"service_id": int(entry.entity_id), "cycle": changes["cycle"], "rule": "BIL-7"}
            )
    return found


def _settle_paired(session: Session, ctx: Context, invoice: Invoice) -> None:
    """DSC-7: the free first invoice of a 2×1 is settled with the one that pays for both."""
    pairing = session.exec(select(Pairing).where(Pairing.paying_invoice_id == invoice.id)).first()
    if pairing is None:
        return
    free = locked_invoice(session, pairing.free_invoice_id)
    if free.status != "unpaid":
        return
    free.status = "paid"
    free.paid_on = ctx.today
    session.add(free)
    audit.record(
        session,
        ctx,
        "invoice.paid_by_pairing",
        "invoice",
        free.id,
        {"status": ["unpaid", "paid"], "paid_with": invoice.number},
    )
    session.flush()
    settle(session, ctx, free)


def apply_upgrade(session: Session, ctx: Context, upgrade: Upgrade) -> Service:
    """UPG-1/UPG-4: the plan changes (its invoice is paid, or nothing was to pay); an unpaid
    renewal invoice already made for the next period is reissued at the new plan's price."""
    service = session.get(Service, upgrade.service_id, with_for_update=True)
    assert service is not None
    before = service.product_code
    service.product_code = upgrade.to_product
    service.updated_at = ctx.now
    session.add(service)
    upgrade.status = "applied"
    upgrade.applied_on = ctx.today
    session.add(upgrade)
    audit.record(
        session,
        ctx,
        "service.upgrade",
        "service",
        service.id,
        {"product": [before, upgrade.to_product], "upgrade_id": upgrade.id},
        note=upgrade.reason,
    )
    session.flush()
    # the plan changes on the server too (SRV-3): a panel message, and the hook if any
    outbox.emit_many(
        session,
        ctx,
        [
            {
                "event": "service.upgraded",
                "client_id": service.client_id,
                "phone": None,
                "email": None,
                "service_id": service.id,
                "data": {
                    "service_id": service.id,
                    "from": before,
                    "product": upgrade.to_product,
                    "domain": service.domain,
                },
            }
        ],
    )
    stale = [
        cast(int, i.id)  # read from the database
        for i in unpaid_renewals(session, service.id or 0, service.next_due_date)
    ]
    if stale:
        cancel_invoices(session, ctx, stale, f"upgrade of service {service.id}")
        renewals.generate_renewals(
            session, ctx, ctx.today, client_id=service.client_id, settle=settle_ids
        )
    return service


# --------------------------------------------------------------------------- cancellation
def cancel_invoice(session: Session, ctx: Context, invoice: Invoice, reason: str) -> Invoice:
    """Cancel an unpaid invoice (``invoices.cancel_invoices``); the pending services of a
    cancelled order are cancelled with it."""
    if not cancel_invoices(session, ctx, [invoice.id or 0], reason):
        session.refresh(invoice)
        raise BusinessRuleError(
            _(
                "Invoice {invoice_number} is {invoice_status}; only unpaid invoices can be "
                "cancelled."
            ).format(invoice_number=invoice.number, invoice_status=say("invoice", invoice.status))
        )
    session.refresh(invoice)
    if invoice.kind in ("order", "quote"):
        pending = [x.service_id for x in lines_of(session, invoice.id or 0) if x.service_id]
        service_state.cancel_pending(session, ctx, pending, note=reason)
    pairing = session.exec(select(Pairing).where(Pairing.paying_invoice_id == invoice.id)).first()
    if pairing is not None:  # the free half of a 2×1 goes with it
        free = session.get(Invoice, pairing.free_invoice_id)
        if free is not None and free.status == "unpaid":
            cancel_invoice(session, ctx, free, reason)
    return invoice


# --------------------------------------------------------------------------- chargeback
def chargeback(
    session: Session, ctx: Context, payment_id: int, *, close_account: bool = False
) -> tuple[Payment, Invoice, Invoice | None, list[str]]:
    """BIL-9: reverse the payment, reopen the invoice, suspend its services, charge a fee
    (none, with a warning, when no fee is set for the client's currency)."""
    session.flush()
    payment = session.get(Payment, payment_id, with_for_update=True, populate_existing=True)
    if payment is None:
        raise NotFoundError(_("There is no payment {payment_id}.").format(payment_id=payment_id))
    if payment.status == "reversed":
        raise BusinessRuleError(
            _("Payment {payment_id} was already reversed on {reversed_on}.").format(
                payment_id=payment_id, reversed_on=payment.reversed_on
            )
        )
    invoice = locked_invoice(session, payment.invoice_id)
    client = get_client(session, invoice.client_id)
    fee = settings.fee(session, "chargeback_fee", client.currency)
    warnings = []
    if fee is None:  # what the bank did is recorded all the same
        warnings.append(
            _(
                "No chargeback fee is set for {client_currency}, so none was invoiced; set "
                "it with `hostctl config set billing.chargeback_fee.{client_currency} "
                "AMOUNT`."
            ).format(client_currency=client.currency)
        )
    payment.status = "reversed"
    payment.reversed_on = ctx.today
    session.add(payment)
    if payment.credited_minor:
        add_credit(
            session,
            ctx,
            client.id or 0,
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
    if was_paid:
        from hostctl.core import affiliates

        affiliates.reverse(session, ctx, invoice.id or 0, f"chargeback of payment {payment.id}")
    invoice.paid_minor -= payment.applied_minor
    invoice.status = "unpaid"
    invoice.paid_on = None
    session.add(invoice)
    session.flush()
    paid_for: list[int] = []
    for line in lines_of(session, invoice.id or 0):
        if line.kind != "item" or line.service_id is None:
            continue
        service = session.get(Service, line.service_id)
        if service is None:
            continue
        if was_paid and invoice.kind in ("renewal", "restoration") and line.period_start:
            service.next_due_date = line.period_start
            session.add(service)
        paid_for.append(service.id or 0)
    service_state.suspend(session, ctx, paid_for, "chargeback")
    fee_invoice = None
    if fee is not None:
        fee_invoice = issue_fee(
            session,
            ctx,
            client,
            Line(
                "fee",
                f"Cargo administrativo por contracargo (pago {payment.id})",
                fee,
                "chargeback",
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
            "fee_invoice": fee_invoice.number if fee_invoice else None,
            "close_account": close_account,
        },
    )
    if close_account:
        service_state.close_account(session, ctx, client, reason="chargeback")
    return payment, invoice, fee_invoice, warnings
