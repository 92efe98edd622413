"""Invoices: numbering, making and cancelling them, their lines, what is due, overdue debt,
who gets discounts, and the client's credit ledger (rules §4).

* BIL-2 numbers ``YYYY-NNNNNN`` without gaps: a counter row per year, incremented in the
  invoice's own transaction (the row lock on PostgreSQL, the write lock on SQLite), so a
  rolled-back invoice gives its number back and two writers never share one.
* BIL-3/4 totals are exact sums of lines; a paid invoice is never edited.
* BIL-5 credit is applied to new invoices. An invoice that credit pays in full is made
  ``paid`` here; what paying sets in motion is the caller's (``payments.issue_invoices``).

Money read, changed and written back is read under a row lock (``FOR UPDATE`` on
PostgreSQL; SQLite writers are serialised by ``BEGIN IMMEDIATE``), or changed by one
``UPDATE … SET x = x + n``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

from sqlalchemy import and_, bindparam, case, exists, func, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from hostctl.core import audit, outbox, settings
from hostctl.core.bulk import chunks, db_value, insert_rows, update_ids
from hostctl.core.context import Context
from hostctl.core.money import (
    LARGEST_STORED_MINOR,
    SMALLEST_STORED_MINOR,
    Money,
    money_json,
)
from hostctl.core.pricing import Line
from hostctl.core.rows import (
    CHUNK,
    CLIENTS,
    INVOICES,
    LINES,
    SERVICES,
    by_ids,
    contacts,
    expire,
    no_index,
)
from hostctl.core.validate import one_of
from hostctl.errors import BusinessRuleError, NotFoundError, ValidationError
from hostctl.i18n import N_, _
from hostctl.models import Client, CreditEntry, Invoice, InvoiceCounter, InvoiceLine

STATUSES = ("unpaid", "paid", "cancelled", "refunded")
# What a listing may ask for: a status, or overdue (an unpaid invoice past its due date,
# ``is_overdue``), the word the table shows.
OVERDUE = "overdue"
OVERDUE_STATUS = "unpaid"
LISTED_STATUSES = (*STATUSES, OVERDUE)
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
    session.execute(_counter_row(dialect), {"of_year": year})
    last = session.execute(_TAKE_NUMBERS, {"of_year": year, "count": count}).scalar_one()
    return [(seq, f"{year}-{seq:06d}") for seq in range(last - count + 1, last + 1)]


# The statements of numbering, built once (``daily`` numbers a batch of invoices a day).
_COUNTERS = InvoiceCounter.__table__  # type: ignore[attr-defined]
_TAKE_NUMBERS = (
    update(_COUNTERS)
    .where(_COUNTERS.c.year == bindparam("of_year"))
    .values(last=_COUNTERS.c.last + bindparam("count"))
    .returning(_COUNTERS.c.last)
)
_COUNTER_ROW: dict[str, Any] = {}


def _counter_row(dialect: str) -> Any:
    """``INSERT`` the counter of ``:of_year`` at 0 unless it exists, in ``dialect``'s words."""
    statement = _COUNTER_ROW.get(dialect)
    if statement is None:
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
        statement = (
            insert(_COUNTERS).values(year=bindparam("of_year"), last=0).on_conflict_do_nothing()
        )
        _COUNTER_ROW[dialect] = statement
    return statement


# --------------------------------------------------------------------------- creation
_IDS_OF_NUMBERS = sa_select(INVOICES.c.seq, INVOICES.c.id).where(
    INVOICES.c.year == bindparam("year"),
    INVOICES.c.seq.between(bindparam("low"), bindparam("high")),
)


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
    whmcs_id: int | None = None  # made by hostctl: never a WHMCS invoice


INVOICE_COLUMNS = (
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
LINE_COLUMNS = (
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

    Invoices fully covered by credit are ``paid`` at once: the caller settles them
    (``payments.issue_invoices`` does both). With ``load=False`` (``daily``) the invoices
    returned are ``NewInvoice`` records of what was written, not objects of the session:
    reading them costs no query. The clients whose credit is used are read again under a
    row lock first, so two invoices made at once never spend the same credit."""
    if not specs:
        return []
    apply_credit = bool(settings.get(session, "billing.apply_credit"))
    if apply_credit:
        _lock_clients(session, [s.client for s in specs if s.client.credit_minor > 0])
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
            raise BusinessRuleError(_("An invoice cannot have a negative total."))
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
        INVOICE_COLUMNS,
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
                _IDS_OF_NUMBERS, {"year": year, "low": min(seqs), "high": max(seqs)}
            ).all()
        )
        for r in records:
            if r.issue_date.year == year:
                r.id = id_of[r.id]
    insert_rows(
        session,
        InvoiceLine.__table__,  # type: ignore[attr-defined]
        LINE_COLUMNS,
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
        assert spec.client.id is not None  # a client read from the database
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
    if load:
        return load_invoices(session, [r.id for r in records])
    return records


def load_invoices(session: Session, ids: Sequence[int]) -> list[Invoice]:
    """These invoices as objects of the session, in the order of ``ids``."""
    session.flush()
    loaded = {i.id: i for i in session.exec(select(Invoice).where(col(Invoice.id).in_(ids)))}
    return [loaded[i] for i in ids]


def _lock_clients(session: Session, clients: list[Any]) -> None:
    """Read these clients again under a row lock (their credit is about to be spent)."""
    ids = sorted(cast("set[int]", {c.id for c in clients if isinstance(c, Client)}))
    if not ids:
        return
    session.flush()
    list(
        session.exec(
            select(Client)
            .where(col(Client.id).in_(ids))
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )


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
    from hostctl.core.validate import id_can_exist

    invoice = session.get(Invoice, invoice_id) if id_can_exist(invoice_id) else None
    if invoice is None:
        raise NotFoundError(
            _("There is no invoice {invoice_id}; `hostctl invoice list` shows them.").format(
                invoice_id=invoice_id
            )
        )
    return invoice


def find_invoice(session: Session, ref: str) -> Invoice:
    """By id (``42``) or number (``2026-000042``)."""
    if "-" in ref:
        invoice = session.exec(select(Invoice).where(Invoice.number == ref.strip())).first()
        if invoice is None:
            raise NotFoundError(_("There is no invoice numbered {ref}.").format(ref=ref))
        return invoice
    try:
        return get_invoice(session, int(ref))
    except ValueError:
        raise ValidationError(
            _("{ref!r} is neither an invoice id nor a number.").format(ref=ref)
        ) from None


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
    today: dt.date | None = None,
) -> list[Invoice]:
    """The invoices, by id. ``status`` is one of ``STATUSES`` or ``overdue`` (the unpaid
    ones past their due date on ``today``: ``is_overdue`` as SQL, ``overdue_condition``)."""
    if status is not None:
        status = one_of(status, LISTED_STATUSES, N_("invoice status"))
    stmt = select(Invoice)
    if client_id:
        stmt = stmt.where(Invoice.client_id == client_id)
    if status == OVERDUE:
        if today is None:
            raise ValueError("list_invoices(status='overdue') needs today")
        stmt = stmt.where(overdue_condition(today))
    elif status:
        stmt = stmt.where(Invoice.status == status)
    stmt = stmt.order_by(col(Invoice.id))
    if limit:
        stmt = stmt.limit(limit)
    return list(session.exec(stmt).all())


class Owed(Protocol):
    """What the amount due of an invoice is made of (an ``Invoice``, or a row of one)."""

    total_minor: int
    paid_minor: int
    currency: str


def amount_due(invoice: Owed) -> Money:
    return Money(invoice.total_minor - invoice.paid_minor, invoice.currency)


def is_overdue(invoice: Invoice, today: dt.date) -> bool:
    """Unpaid past its due date: what a person reading the invoice calls overdue (any kind;
    the debt that suspends, BIL-6, is ``overdue_debt``). ``overdue_condition`` is the same
    rule in SQL, for ``invoice list --status overdue`` (a test checks they agree)."""
    return invoice.status == OVERDUE_STATUS and invoice.due_date < today


def overdue_condition(today: dt.date) -> Any:
    """``is_overdue`` as a SQL condition on the invoices."""
    return and_(col(Invoice.status) == OVERDUE_STATUS, col(Invoice.due_date) < today)


def overdue_debt(client_id: Any, today: dt.date | Any) -> Any:
    """The SQL condition "the client ``client_id`` (a column or a value) has an unpaid
    renewal or fee invoice past its due date" (BIL-6, §4): the one definition, used for one
    client and for thousands. ``today``: a date, or a bind parameter of a statement built
    once."""
    return exists().where(
        INVOICES.c.client_id == client_id,
        no_index(INVOICES.c.status) == "unpaid",
        INVOICES.c.kind.in_(DEBT_KINDS),
        INVOICES.c.due_date < today,
    )


def has_overdue_debt(session: Session, client_id: int, today: dt.date) -> bool:
    return bool(session.execute(sa_select(overdue_debt(client_id, today))).scalar())


def discount_facts(session: Session, client_ids: Iterable[int]) -> dict[int, tuple[int, bool]]:
    """client id → (active services for DSC-2, a non-payment suspension for DSC-8), in
    one pass over the client_id index (a filter on status would make SQLite scan by
    status). Clients with no services are absent: (0, False)."""
    facts: dict[int, tuple[int, bool]] = {}
    for chunk in chunks(sorted(set(client_ids)), CHUNK):
        for cid, n_active, n_blocked in session.execute(_DISCOUNT_FACTS, {"ids": chunk}).all():
            facts[cid] = (int(n_active or 0), bool(n_blocked))
    return facts


# built once: ``daily`` asks it for every batch of renewal invoices
_DISCOUNT_FACTS = (
    sa_select(
        SERVICES.c.client_id,
        func.sum(case((SERVICES.c.status == "active", 1), else_=0)),
        func.sum(
            case(
                (
                    and_(
                        SERVICES.c.status == "suspended",
                        SERVICES.c.suspension_reason == "non-payment",
                    ),
                    1,
                ),
                else_=0,
            )
        ),
    )
    .where(SERVICES.c.client_id.in_(bindparam("ids", expanding=True)))
    .group_by(SERVICES.c.client_id)
)


def discounts_blocked(session: Session, client_id: int) -> bool:
    """DSC-8: a service of the client is suspended for non-payment."""
    return discount_facts(session, [client_id]).get(client_id, (0, False))[1]


def active_services(session: Session, client_id: int) -> int:
    """DSC-2: the client's active services now."""
    return discount_facts(session, [client_id]).get(client_id, (0, False))[0]


# --------------------------------------------------------------------------- credit
def add_credit(
    session: Session,
    ctx: Context,
    client_id: int,
    amount: Money,
    reason: str,
    *,
    invoice_id: int | None = None,
    payment_id: int | None = None,
) -> None:
    """``add_credits`` of one move."""
    add_credits(session, ctx, [CreditMove(client_id, amount, reason, invoice_id, payment_id)])


@dataclass(frozen=True)
class CreditMove:
    """A client's credit moved by ``amount`` (negative takes it back), and why."""

    client_id: int
    amount: Money
    reason: str
    invoice_id: int | None = None
    payment_id: int | None = None


def add_credits(session: Session, ctx: Context, moves: Sequence[CreditMove]) -> None:
    """Move these clients' credit, each with its ledger entry: the balances read under a
    row lock, each move checked against what the column keeps (64 bits) — a balance that
    would go beyond it is refused in one sentence, and nothing moves (the sum is never
    computed by the database: SQLite would make it a real, PostgreSQL would fail) — then
    one ``UPDATE … SET credit_minor = credit_minor + n`` per move, in one statement."""
    moves = [m for m in moves if not m.amount.is_zero()]
    if not moves:
        return
    session.flush()
    balance: dict[int, int] = {}
    for chunk in chunks(sorted({m.client_id for m in moves}), CHUNK):
        balance.update(
            session.execute(
                sa_select(CLIENTS.c.id, CLIENTS.c.credit_minor)
                .where(CLIENTS.c.id.in_(chunk))
                .with_for_update()
            ).all()
        )
    for move in moves:
        now = balance.get(move.client_id, 0)
        if move.amount.minor > 0:  # the bound is computed here, so the comparison cannot overflow
            fits = now <= LARGEST_STORED_MINOR - move.amount.minor
        else:
            fits = now >= SMALLEST_STORED_MINOR - move.amount.minor
        if not fits:
            raise BusinessRuleError(
                _(
                    "The credit of client {client_id} would go beyond the largest balance "
                    "hostctl keeps ({largest}); nothing was changed."
                ).format(
                    client_id=move.client_id,
                    largest=money_json(LARGEST_STORED_MINOR, move.amount.currency),
                )
            )
        balance[move.client_id] = now + move.amount.minor
    session.execute(
        update(CLIENTS)
        .where(CLIENTS.c.id == bindparam("b_id"))
        .values(credit_minor=CLIENTS.c.credit_minor + bindparam("b_minor")),
        [{"b_id": m.client_id, "b_minor": m.amount.minor} for m in moves],
    )
    expire(session, Client, [m.client_id for m in moves])
    convert = db_value(session)
    today, now_ts = convert(ctx.today), convert(ctx.now)
    insert_rows(
        session,
        CreditEntry.__table__,  # type: ignore[attr-defined]
        (
            "client_id",
            "currency",
            "amount_minor",
            "reason",
            "invoice_id",
            "payment_id",
            "effective_date",
            "created_at",
        ),
        (
            (
                m.client_id,
                m.amount.currency,
                m.amount.minor,
                m.reason,
                m.invoice_id,
                m.payment_id,
                today,
                now_ts,
            )
            for m in moves
        ),
    )


# --------------------------------------------------------------------------- cancellation
_CANCEL_COLS = (
    INVOICES.c.id,
    INVOICES.c.number,
    INVOICES.c.client_id,
    INVOICES.c.kind,
    INVOICES.c.status,
    INVOICES.c.total_minor,
    INVOICES.c.paid_minor,
    INVOICES.c.currency,
    INVOICES.c.issue_date,
    INVOICES.c.due_date,
)


def cancel_invoices(
    session: Session,
    ctx: Context,
    invoice_ids: Iterable[int],
    reason: str,
    *,
    kinds: Sequence[str] | None = None,
    client_contacts: dict[int, Any] | None = None,
) -> list[Any]:
    """Cancel those of these invoices that are unpaid (and of ``kinds``, if given): what
    was paid on each, and the credit it used, goes back to the client's credit; each is
    audited and alerted. The rows are read under a row lock, so a payment recorded at the
    same moment is either seen here or refused there. Returns the cancelled rows (before
    the change). What cancelling an order invoice does to its services is the caller's."""
    ids = sorted(set(invoice_ids))
    invoices: list[Any] = []
    locked = by_ids(_CANCEL_COLS, INVOICES, lock=True)
    for chunk in chunks(ids, CHUNK):  # by id alone, filtered here
        invoices += [
            i
            for i in session.execute(locked, {"ids": chunk}).all()
            if i.status == "unpaid" and (kinds is None or i.kind in kinds)
        ]
    if not invoices:
        return []
    invoices.sort(key=lambda i: (i.due_date, i.id))
    ids = [i.id for i in invoices]
    items: dict[int, list[str]] = {i: [] for i in ids}
    credit_used: dict[int, int] = dict.fromkeys(ids, 0)
    for chunk in chunks(ids, CHUNK):
        for line in session.execute(_CANCELLED_LINES, {"ids": chunk}).all():
            if line.kind == "item":
                items[line.invoice_id].append(line.description)
            else:
                credit_used[line.invoice_id] -= line.amount_minor
    returned = {i.id: Money(i.paid_minor + credit_used[i.id], i.currency) for i in invoices}
    for invoice in invoices:
        if returned[invoice.id].is_positive():
            add_credit(
                session,
                ctx,
                invoice.client_id,
                returned[invoice.id],
                "cancelled invoice",
                invoice_id=invoice.id,
            )
    update_ids(session, INVOICES, ids, status="cancelled", cancelled_on=ctx.today)
    expire(session, Invoice, ids)
    audit.record_many(
        session,
        ctx,
        [
            (
                "invoice.cancel",
                "invoice",
                i.id,
                {"status": ["unpaid", "cancelled"], "to_credit": returned[i.id].to_json()},
            )
            for i in invoices
        ],
        note=reason,
    )
    who = client_contacts or {}
    if not all(i.client_id in who for i in invoices):
        who = contacts(session, {i.client_id for i in invoices})
    outbox.emit_many(
        session,
        ctx,
        [
            {
                "event": "invoice.cancelled",
                "client_id": i.client_id,
                "phone": who[i.client_id].phone,
                "email": who[i.client_id].email,
                "invoice_id": i.id,
                "data": invoice_payload(i, items[i.id]),
            }
            for i in invoices
        ],
    )
    return invoices


# What cancelling an invoice reads of its lines (the items named in the alert, the credit
# it used) and the invoices of some services' items: built once, asked every day.
_CANCELLED_LINES = (
    sa_select(LINES.c.invoice_id, LINES.c.kind, LINES.c.description, LINES.c.amount_minor)
    .where(
        LINES.c.invoice_id.in_(bindparam("ids", expanding=True)),
        LINES.c.kind.in_(("item", "credit")),
    )
    .order_by(LINES.c.invoice_id, LINES.c.position)
)
_INVOICES_OF_ITEMS = (
    sa_select(LINES.c.invoice_id)
    .where(LINES.c.service_id.in_(bindparam("ids", expanding=True)), LINES.c.kind == "item")
    .distinct()
)


def invoices_with_items_of(session: Session, service_ids: Sequence[int]) -> list[int]:
    """The ids of the invoices with an item line of these services."""
    found: set[int] = set()
    for chunk in chunks(list(service_ids), CHUNK):
        found.update(session.execute(_INVOICES_OF_ITEMS, {"ids": chunk}).scalars())
    return sorted(found)


def unpaid_renewals(
    session: Session, service_id: int, period_start: dt.date | None
) -> list[Invoice]:
    """The unpaid renewal invoices with an item line of this service for the period that
    starts on ``period_start`` (its next period): what a cycle change, an upgrade, a
    referral month or ``why`` look at."""
    if period_start is None:
        return []
    return list(
        session.exec(
            select(Invoice)
            .join(InvoiceLine, InvoiceLine.invoice_id == Invoice.id)  # type: ignore[arg-type]
            .where(
                InvoiceLine.service_id == service_id,
                InvoiceLine.kind == "item",
                InvoiceLine.period_start == period_start,
                Invoice.kind == "renewal",
                Invoice.status == "unpaid",
            )
            .order_by(col(Invoice.id))
        ).all()
    )
