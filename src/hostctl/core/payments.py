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

A payment is received by one path, ``receive_many``, for one payment typed at the desk
(``add_payment``) as for the thousands of a statement (``receipts``): the invoices read once
under their locks, each payment's rules applied in order against what the ones before it
left, then everything written a few statements for all, and ``settle_many`` for the invoices
it paid. Rows are read and written through Core statements (``core/rows.py``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import insert
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from hostctl.core import audit, outbox, renewals, service_state, settings
from hostctl.core.bulk import (
    chunks,
    db_value,
    insert_rows,
    reserve_ids,
    update_ids,
    update_rows,
)
from hostctl.core.clients import get_client, paypal_allowed
from hostctl.core.context import Context
from hostctl.core.invoices import (
    CreditMove,
    InvoiceSpec,
    Owed,
    add_credit,
    add_credits,
    amount_due,
    cancel_invoices,
    create_invoices,
    discount_facts,
    discounts_blocked,
    get_invoice,
    lines_of,
    load_invoices,
    unpaid_renewals,
)
from hostctl.core.money import Money, money_json
from hostctl.core.pricing import Line, list_subtotal_of_paid
from hostctl.core.rows import CHUNK, INVOICES, LINES, SERVICES, expire, rows_by_id
from hostctl.core.validate import id_can_exist
from hostctl.errors import BusinessRuleError, HostctlError, NotFoundError, ValidationError
from hostctl.i18n import _
from hostctl.models import (
    AuditEntry,
    Client,
    Invoice,
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
    if invoice_ids:
        settle_many(session, ctx, load_invoices(session, invoice_ids))


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


# --------------------------------------------------------------------------- receiving
PAYMENTS = Payment.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Receipt:
    """One payment to record: what ``payment add`` is typed with, or what a statement line
    pays. Receipts of one ``group`` (a line paying several invoices) are all recorded or
    none."""

    invoice_id: int
    amount: Money
    method: str
    reference: str | None = None
    duplicate_ok: bool = False
    allow_excess: bool = False
    statement_line_id: int | None = None
    group: Any = None


@dataclass(frozen=True)
class Received:
    """A receipt recorded: its payment, and its invoice as the payment left it."""

    payment_id: int
    invoice_id: int
    client_id: int
    number: str
    amount: Money
    status: str


@dataclass
class _InvoiceState:
    """An invoice as the receipts before this one left it (read under its row lock)."""

    id: int
    number: str
    client_id: int
    kind: str
    status: str
    currency: str
    issue_date: dt.date
    total_minor: int
    paid_minor: int
    paid_on: dt.date | None


_INVOICE_STATE_COLS = (
    INVOICES.c.id,
    INVOICES.c.number,
    INVOICES.c.client_id,
    INVOICES.c.kind,
    INVOICES.c.status,
    INVOICES.c.currency,
    INVOICES.c.issue_date,
    INVOICES.c.total_minor,
    INVOICES.c.paid_minor,
    INVOICES.c.paid_on,
)
_LINE_COLS = (
    LINES.c.invoice_id,
    LINES.c.position,
    LINES.c.kind,
    LINES.c.code,
    LINES.c.description,
    LINES.c.service_id,
    LINES.c.period_end,
    LINES.c.amount_minor,
)


@dataclass
class _Batch:
    """What ``receive_many`` read once for all its receipts."""

    invoices: dict[int, _InvoiceState]
    clients: dict[int, Any]
    lines: dict[int, list[Any]]
    methods: list[str]
    discount_pct: dict[str, Decimal]
    blocked: dict[int, bool]
    known: dict[tuple[str, str], Payment]
    seen: dict[tuple[str, str], _InvoiceState] = field(default_factory=dict)


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
    """``receive_many`` of one payment (``payment add``, ``payment match``): its refusal
    raised, else the payment and the invoice as it left them."""
    [result] = receive_many(
        session,
        ctx,
        [
            Receipt(
                invoice.id or 0,
                amount,
                method,
                reference,
                duplicate_ok=duplicate_ok,
                allow_excess=allow_excess,
                statement_line_id=statement_line_id,
            )
        ],
    )
    if isinstance(result, HostctlError):
        raise result
    payment = session.get(Payment, result.payment_id)
    assert payment is not None
    return payment, locked_invoice(session, result.invoice_id)


def receive_many(
    session: Session, ctx: Context, receipts: Sequence[Receipt]
) -> list[Received | HostctlError]:
    """The one path of a payment received, typed at the desk or read from a statement, for
    any number of payments at once, dated ``ctx.today``: the invoices read under their row
    locks, then each receipt in order against what the earlier ones left — the method
    discount (DSC-3), the excess to credit (BIL-5), the invoice paid — and what the paid
    invoices set in motion (``settle_many``: BIL-6, BIL-7 …), audit and alert, written a
    few statements for all. Each receipt gives what it recorded or the refusal of the rule
    it broke (nothing of its group recorded)."""
    batch = _read_batch(session, ctx, receipts)
    results: list[Received | HostctlError] = []
    payments: list[dict[str, Any]] = []
    discounts: list[dict[str, Any]] = []
    for group in _groups(receipts):
        if len(group) == 1:  # a receipt's rules refuse it before it changes anything
            try:
                results.append(_receive_one(ctx, batch, group[0], payments, discounts))
            except HostctlError as exc:
                results.append(exc)
            continue
        touched = {r.invoice_id for r in group}
        saved = {i: replace(batch.invoices[i]) for i in touched if i in batch.invoices}
        saved_lines = {i: list(batch.lines.get(i, [])) for i in touched}
        seen_before = set(batch.seen)
        made_p, made_d = len(payments), len(discounts)
        try:
            done = [_receive_one(ctx, batch, r, payments, discounts) for r in group]
        except HostctlError as exc:  # nothing of the group: as it was before it
            batch.invoices.update(saved)
            batch.lines.update(saved_lines)
            for key in [k for k in batch.seen if k not in seen_before]:
                del batch.seen[key]
            del payments[made_p:], discounts[made_d:]
            results += [exc] * len(group)
        else:
            results += done
    if payments:
        _write(session, ctx, batch, payments, discounts, results)
    return results


def _groups(receipts: Sequence[Receipt]) -> Iterator[list[Receipt]]:
    group: list[Receipt] = []
    for receipt in receipts:
        if group and (receipt.group is None or receipt.group != group[0].group):
            yield group
            group = []
        group.append(receipt)
    if group:
        yield group


class _NewLine:
    """A discount line a receipt adds, seen by the receipts after it (``_method_discount``)."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.kind, self.code = values["kind"], values["code"]
        self.description, self.amount_minor = values["description"], values["amount_minor"]


def _read_batch(session: Session, ctx: Context, receipts: Sequence[Receipt]) -> _Batch:
    from hostctl.core.rows import CLIENTS

    session.flush()
    ids = sorted({r.invoice_id for r in receipts if id_can_exist(r.invoice_id)})
    invoices: dict[int, _InvoiceState] = {}
    lines: dict[int, list[Any]] = {i: [] for i in ids}
    for chunk in chunks(ids, CHUNK):
        for row in session.execute(
            sa_select(*_INVOICE_STATE_COLS)
            .where(INVOICES.c.id.in_(chunk))
            .order_by(INVOICES.c.id)
            .with_for_update()
        ).all():
            invoices[row.id] = _InvoiceState(*row)
    methods = settings.payment_methods(session)
    wanted = {(r.method or "").strip().lower() for r in receipts}
    discount_pct = {m: settings.method_discount(session, m) for m in wanted if m in methods}
    discounts = any(p > 0 for p in discount_pct.values())
    for chunk in chunks(ids, CHUNK) if discounts else ():  # DSC-3 reads the invoice's lines
        for line in session.execute(
            sa_select(*_LINE_COLS)
            .where(LINES.c.invoice_id.in_(chunk))
            .order_by(LINES.c.invoice_id, LINES.c.position)
        ).all():
            lines[line.invoice_id].append(line)
    client_ids = sorted({s.client_id for s in invoices.values()})
    clients: dict[int, Any] = {}
    for chunk in chunks(client_ids, CHUNK):
        clients.update(
            (c.id, c)
            for c in session.execute(
                sa_select(CLIENTS.c.id, CLIENTS.c.currency, CLIENTS.c.phone, CLIENTS.c.email).where(
                    CLIENTS.c.id.in_(chunk)
                )
            ).all()
        )
    blocked = (
        {cid: facts[1] for cid, facts in discount_facts(session, client_ids).items()}
        if discounts
        else {}
    )
    return _Batch(
        invoices, clients, lines, methods, discount_pct, blocked, _known(session, receipts)
    )


def _known(session: Session, receipts: Sequence[Receipt]) -> dict[tuple[str, str], Payment]:
    """(method, reference key) → the first payment recorded with it, of these receipts'
    references (one indexed look-up per method and chunk)."""
    keys: dict[str, set[str]] = {}
    for r in receipts:
        key = reference_key(r.reference)
        if key is not None and not r.duplicate_ok:
            keys.setdefault((r.method or "").strip().lower(), set()).add(key)
    known: dict[tuple[str, str], Payment] = {}
    for method, method_keys in keys.items():
        for chunk in chunks(sorted(method_keys), CHUNK):
            for payment in session.exec(
                select(Payment)
                .where(Payment.method == method, col(Payment.reference_key).in_(chunk))
                .order_by(col(Payment.id).desc())
            ).all():
                known[(method, payment.reference_key or "")] = payment  # the first one wins
    return known


def _receive_one(
    ctx: Context,
    batch: _Batch,
    receipt: Receipt,
    payments: list[dict[str, Any]],
    discounts: list[dict[str, Any]],
) -> Received:
    """One receipt's rules, in ``add_payment``'s order, against what the receipts before it
    left; what it records is added to ``payments`` and ``discounts``. Every check comes
    before the first change: a refusal leaves the batch as it was."""
    invoice = batch.invoices.get(receipt.invoice_id)
    if invoice is None:
        raise NotFoundError(
            _("There is no invoice {invoice_id}; `hostctl invoice list` shows them.").format(
                invoice_id=receipt.invoice_id
            )
        )
    client = batch.clients[invoice.client_id]
    method = (receipt.method or "").strip().lower()
    amount = receipt.amount
    if method not in batch.methods:
        raise ValidationError(
            _("Unknown payment method {method!r}; use one of {methods}.").format(
                method=method, methods=", ".join(batch.methods)
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
    if credit is not None and not receipt.allow_excess:
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
    reference = " ".join((receipt.reference or "").split()) or None
    key = reference_key(reference)
    if key is not None and not receipt.duplicate_ok:
        same = batch.known.get((method, key))
        if same is not None:
            raise duplicate_reference(method, same)
        earlier = batch.seen.get((method, key))
        if earlier is not None:
            raise BusinessRuleError(
                _(
                    "{method} {reference} pays invoice {invoice_number} a moment before in "
                    "this same run; if this is another payment, add --duplicate-ok."
                ).format(method=method, reference=reference, invoice_number=earlier.number)
            )
    lines = batch.lines.setdefault(invoice.id, [])
    discount = _method_discount(
        batch.discount_pct.get(method, Decimal(0)),
        batch.blocked.get(invoice.client_id, False),
        invoice,
        lines,
        amount,
    )
    if discount is not None:
        pct, value = discount
        row = {
            "invoice_id": invoice.id,
            "position": len(lines) + 1,
            "kind": "discount",
            "code": "method",
            "description": f"Descuento por pago con {method} {pct.normalize():f} %",
            "service_id": None,
            "period_start": None,
            "period_end": None,
            "amount_minor": -value.minor,
        }
        discounts.append(row)
        lines.append(_NewLine(row))
        invoice.total_minor -= value.minor
    due = amount_due(invoice)
    applied = amount.min(due)
    credited = amount - applied
    invoice.paid_minor += applied.minor
    if invoice.paid_minor >= invoice.total_minor:
        invoice.status = "paid"
        invoice.paid_on = ctx.today
    if key is not None:
        batch.seen[(method, key)] = invoice
    payments.append(
        {
            "invoice_id": invoice.id,
            "client_id": invoice.client_id,
            "currency": invoice.currency,
            "amount_minor": amount.minor,
            "discount_minor": discount[1].minor if discount else 0,
            "applied_minor": applied.minor,
            "credited_minor": credited.minor,
            "method": method,
            "reference": reference,
            "reference_key": key,
            "duplicate_ok": receipt.duplicate_ok,
            "paid_on": ctx.today,
            "status": "received",
            "statement_line_id": receipt.statement_line_id,
            "created_by": ctx.staff,
            "created_at": ctx.now,
            # not columns: what the audit, the alert and the result need
            "_status": invoice.status,
            "_number": invoice.number,
        }
    )
    return Received(0, invoice.id, invoice.client_id, invoice.number, amount, invoice.status)


_NOT_COLUMNS = ("_status", "_number")


def _write(
    session: Session,
    ctx: Context,
    batch: _Batch,
    payments: list[dict[str, Any]],
    discounts: list[dict[str, Any]],
    results: list[Received | HostctlError],
) -> None:
    """Write what ``_receive_one`` decided: payments, discount lines, the invoices' new
    money and state, credit, audit and alerts; then settle the invoices paid."""
    columns = [k for k in payments[0] if k not in _NOT_COLUMNS]
    ids = insert_payments(session, [{k: p[k] for k in columns} for p in payments])
    received = iter(ids)
    for index, result in enumerate(results):
        if isinstance(result, Received):
            results[index] = replace(result, payment_id=next(received))
    if discounts:
        session.execute(insert(LINES), discounts)
    touched = sorted({p["invoice_id"] for p in payments})
    update_rows(
        session,
        INVOICES,
        ("total_minor", "paid_minor", "status", "paid_on"),
        (
            (i, state.total_minor, state.paid_minor, state.status, state.paid_on)
            for i in touched
            for state in [batch.invoices[i]]
        ),
    )
    expire(session, Invoice, touched)
    add_credits(
        session,
        ctx,
        [
            CreditMove(
                p["client_id"],
                Money(p["credited_minor"], p["currency"]),
                "payment above invoice total",
                p["invoice_id"],
                payment_id,
            )
            for payment_id, p in zip(ids, payments, strict=True)
            if p["credited_minor"] > 0
        ],
    )
    audit.record_many(
        session,
        ctx,
        [
            (
                "payment.add",
                "invoice",
                p["invoice_id"],
                audit.dumps(  # JSON values only: written as they are
                    {
                        "payment_id": payment_id,
                        "amount": money_json(p["amount_minor"], p["currency"]),
                        "method": p["method"],
                        "discount": money_json(p["discount_minor"], p["currency"])
                        if p["discount_minor"]
                        else "0.00",
                        "credited": money_json(p["credited_minor"], p["currency"]),
                        "status": p["_status"],
                    }
                ),
            )
            for payment_id, p in zip(ids, payments, strict=True)
        ],
    )
    outbox.emit_many(
        session,
        ctx,
        [
            {
                "event": "payment.received",
                "client_id": p["client_id"],
                "phone": batch.clients[p["client_id"]].phone,
                "email": batch.clients[p["client_id"]].email,
                "invoice_id": p["invoice_id"],
                "data": {
                    "invoice_number": p["_number"],
                    "amount": money_json(p["amount_minor"], p["currency"]),
                    "currency": p["currency"],
                    "method": p["method"],
                    "invoice_status": p["_status"],
                },
            }
            for p in payments
        ],
    )
    became_paid: dict[int, _InvoiceState] = {}
    for p in payments:
        if p["_status"] == "paid":
            became_paid[p["invoice_id"]] = batch.invoices[p["invoice_id"]]
    settle_many(session, ctx, list(became_paid.values()))


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


def excess_credit(invoice: Owed, amount: Money) -> Money | None:
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
    due = amount_due(invoice)
    discount = _method_discount(
        settings.method_discount(session, method),
        discounts_blocked(session, invoice.client_id),
        invoice,
        lines_of(session, invoice.id or 0),
        due,
    )
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


UNIQUE_REFERENCE = "uq_payments_method_reference_key"


def insert_payments(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Insert these payments (column → value each, ``reference_key`` and ``duplicate_ok``
    set; the same columns in each) and return their ids in order. When the unique key
    refuses one (another agent recorded the same method and reference a moment ago, after
    this one's look-up), the refusal the look-up gives; the caller's transaction is then
    rolled back whole."""
    if not rows:
        return []
    ids = reserve_ids(session, PAYMENTS, len(rows))
    columns = ("id", *rows[0])
    convert = db_value(session)
    try:
        with session.begin_nested():  # the rest of the transaction stays usable
            insert_rows(
                session,
                PAYMENTS,
                columns,
                (
                    (payment_id, *(convert(v) for v in row.values()))
                    for payment_id, row in zip(ids, rows, strict=True)
                ),
            )
    except Exception as exc:  # the driver's own error when it came through COPY
        if not _is_reference_conflict(exc):
            raise
        # PostgreSQL reported it once the other transaction committed: its payment is seen
        for row in rows:
            if row.get("reference") and not row.get("duplicate_ok"):
                same = find_by_reference(session, row["method"], row["reference"])
                if same is not None:
                    raise duplicate_reference(row["method"], same) from None
        raise
    return ids


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
    pct: Decimal,
    blocked: bool,
    invoice: Owed,
    lines: Sequence[Any],
    amount: Money,
) -> tuple[Decimal, Money] | None:
    """DSC-3: ``pct`` of the list subtotal (the method's setting), granted once, when this
    payment (with the discount) settles the invoice, and not while a service of the client
    is suspended for non-payment (``blocked``, DSC-8). ``lines``: the invoice's lines."""
    if pct <= 0 or blocked or any(line.code == "method" for line in lines):
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
    """``settle_many`` of one paid invoice."""
    settle_many(session, ctx, [invoice])


def settle_many(session: Session, ctx: Context, invoices: Sequence[Any]) -> None:
    """What paid invoices set in motion for their services (BIL-6, BIL-7, BIL-12, CAT-3),
    a few statements for all of them: an order's instant services activated, a renewal's or
    a restoration's services moved one period on, affiliates' commissions (AFF-2), the free
    half of a 2×1 (DSC-7), upgrades applied, and the clients' services suspended for
    non-payment or a chargeback back once nothing overdue is left. ``invoices`` (rows or
    objects with ``id``, ``number``, ``client_id``, ``kind``) in the order they were paid."""
    if not invoices:
        return
    from hostctl.core import affiliates  # models.trade only when a payment settles

    session.flush()
    by_id = {i.id: i for i in invoices}
    items: list[Any] = []
    for chunk in chunks(list(by_id), CHUNK):
        items += session.execute(
            sa_select(LINES.c.invoice_id, LINES.c.service_id, LINES.c.period_end)
            .where(
                LINES.c.invoice_id.in_(chunk),
                LINES.c.kind == "item",
                LINES.c.service_id.is_not(None),
            )
            .order_by(LINES.c.invoice_id, LINES.c.position)
        ).all()
    order = {invoice_id: n for n, invoice_id in enumerate(by_id)}
    items.sort(key=lambda x: order[x.invoice_id])
    services = {
        s.id: s
        for s in rows_by_id(
            session,
            (SERVICES.c.id, SERVICES.c.status, SERVICES.c.next_due_date, SERVICES.c.product_code),
            sorted({x.service_id for x in items}),
        )
    }
    _activate_paid_orders(session, ctx, by_id, items, services)
    _renew_paid(session, ctx, by_id, items, services)
    commission = [i for i in invoices if i.kind in affiliates.COMMISSION_KINDS]
    for invoice_id in _of_referred_clients(session, commission):
        paid = session.get(Invoice, invoice_id)
        if paid is not None:
            affiliates.earn(session, ctx, paid)
    for chunk in chunks(list(by_id), CHUNK):
        for pairing in session.exec(
            select(Pairing).where(col(Pairing.paying_invoice_id).in_(chunk))
        ).all():
            _settle_paired(session, ctx, by_id[pairing.paying_invoice_id], pairing)
    upgrades = [i.id for i in invoices if i.kind == "upgrade"]
    for chunk in chunks(upgrades, CHUNK):
        for upgrade in session.exec(
            select(Upgrade)
            .where(col(Upgrade.invoice_id).in_(chunk), Upgrade.status == "pending")
            .order_by(col(Upgrade.id))
        ).all():
            apply_upgrade(session, ctx, upgrade)
    causes = {i.client_id: {"invoice": i.number} for i in invoices}  # the last one paid
    service_state.reactivate_clear(session, ctx, list(causes), causes=causes)
    service_state.lift_chargeback(session, ctx, list(causes))


def _of_referred_clients(session: Session, invoices: Sequence[Any]) -> list[int]:
    """The ids of these invoices whose client was referred by an affiliate (AFF-2)."""
    from hostctl.core.rows import CLIENTS

    referred: set[int] = set()
    for chunk in chunks(sorted({i.client_id for i in invoices}), CHUNK):
        referred.update(
            session.execute(
                sa_select(CLIENTS.c.id).where(
                    CLIENTS.c.id.in_(chunk), CLIENTS.c.referrer_id.is_not(None)
                )
            ).scalars()
        )
    return [i.id for i in invoices if i.client_id in referred]


def _activate_paid_orders(
    session: Session,
    ctx: Context,
    by_id: dict[int, Any],
    items: list[Any],
    services: dict[int, Any],
) -> None:
    """CAT-3: an order's (or an accepted quote's) pending services of instant activation
    start when it is paid."""
    pending = [
        x.service_id
        for x in items
        if by_id[x.invoice_id].kind in ("order", "quote")
        and x.service_id in services
        and services[x.service_id].status == "pending"
    ]
    if not pending:
        return
    instant = {
        code
        for code, activation in session.execute(
            sa_select(col(Product.code), col(Product.activation))
        ).all()
        if activation == "instant"
    }
    for service_id in dict.fromkeys(pending):
        service = session.get(Service, service_id)
        if service is not None and service.status == "pending" and service.product_code in instant:
            service_state.activate(session, ctx, service, reason="first invoice paid")


def _renew_paid(
    session: Session,
    ctx: Context,
    by_id: dict[int, Any],
    items: list[Any],
    services: dict[int, Any],
) -> None:
    """BIL-6: a renewal's (or a restoration's) services move to the day after the period it
    paid; a terminated service whose restoration is paid is back as a non-payment
    suspension, which the reactivation then lifts (BIL-8)."""
    due: dict[int, dt.date | None] = {}
    restored: set[int] = set()
    entries: list[tuple[str, str, Any, dict[str, Any] | str]] = []
    notes: list[str | None] = []
    for x in items:
        invoice = by_id[x.invoice_id]
        if invoice.kind not in ("renewal", "restoration") or x.period_end is None:
            continue
        service = services.get(x.service_id)
        if service is None:
            continue
        before = due.get(service.id, service.next_due_date)
        after = before
        if before is None or before <= x.period_end:
            after = x.period_end + dt.timedelta(days=1)
        due[service.id] = after
        status = "suspended" if service.id in restored else service.status
        if invoice.kind == "restoration" and status == "terminated":
            restored.add(service.id)
            entries.append(
                (
                    "service.restore",
                    "service",
                    service.id,
                    {"status": ["terminated", "suspended"], "suspension_reason": "non-payment"},
                )
            )
            notes.append(f"restoration invoice {invoice.number} paid")
        entries.append(
            (
                "service.renewed",
                "service",
                service.id,
                audit.dumps(
                    {"next_due_date": [str(before), str(after)], "invoice": invoice.number}
                ),
            )
        )
        notes.append(None)
    if not due:
        return
    update_rows(session, SERVICES, ("next_due_date",), due.items())
    if restored:
        update_ids(
            session,
            SERVICES,
            sorted(restored),
            status="suspended",
            suspension_reason="non-payment",
            ended_on=None,
        )
    audit.record_many(session, ctx, entries, notes=notes)
    expire(session, Service, list(due))


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


def _settle_paired(session: Session, ctx: Context, invoice: Any, pairing: Any) -> None:
    """DSC-7: the free first invoice of a 2×1 is settled with the one that pays for both."""
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
