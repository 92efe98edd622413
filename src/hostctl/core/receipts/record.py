"""Statement lines into payments (PAY-2 … PAY-6).

A file's lines are written a batch at a time with ``INSERT … ON CONFLICT (source,
transaction_id) DO NOTHING RETURNING``: the unique key, not a look-up first, decides which
lines are new, so a file imported twice, two overlapping files or two staff importing at
the same moment record each line once (PostgreSQL makes the second insert of a key wait for
the first transaction, then skips it; SQLite's writers take turns). Only the new lines go on:
money out is kept as ``ignored`` with why (PAY-3), the rest is matched (``matcher``, PAY-4)
and the matches become payments through ``payments.receive_many`` — the path of ``payment
add``, which is ``receive_many`` of one — a batch of lines at a time, each dated the day its
money came; what no rule matches, or what a rule of ``payment add`` refuses, waits in
``review`` (PAY-5).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select as sa_select
from sqlalchemy import update
from sqlmodel import Session

from hostctl.core import audit, invoices, payments, settings
from hostctl.core.bulk import batched, chunks, db_value, insert_rows, reserve_ids, update_rows
from hostctl.core.context import Context
from hostctl.core.money import MINOR_DIGITS, Money, money_json
from hostctl.core.receipts import matcher
from hostctl.core.receipts.lines import DEBIT, FEE, PAYOUT, REFUND, ParsedLine, Statement
from hostctl.core.rows import INVOICES
from hostctl.errors import BusinessRuleError, HostctlError, NotFoundError, ValidationError
from hostctl.i18n import N_, _, localize
from hostctl.models import StatementLine
from hostctl.words import say

BATCH = 5000  # lines written, matched and recorded at a time (memory: ~170 MB at 50 000)
LINES = StatementLine.__table__  # type: ignore[attr-defined]
NOT_PAYMENT = {
    PAYOUT: N_("a payout of the account, not a client's payment"),
    FEE: N_("the gateway's fee, not a client's payment"),
    REFUND: N_("a refund, money out"),
    DEBIT: N_("money out of the account"),
}
Progress = Callable[[int], None]


@dataclass
class ImportReport:
    file: str
    format: str
    dry_run: bool = False
    lines: int = 0
    new: int = 0
    already_imported: int = 0
    applied: list[dict[str, Any]] = field(default_factory=list)
    review: list[dict[str, Any]] = field(default_factory=list)
    ignored: list[dict[str, Any]] = field(default_factory=list)
    currency: dict[int, str] = field(default_factory=dict)  # line → currency (tables only)

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "format": self.format,
            "dry_run": self.dry_run,
            "lines": self.lines,
            "new": self.new,
            "already_imported": self.already_imported,
            "applied": self.applied,
            "review": self.review,
            "ignored": self.ignored,
        }


# --------------------------------------------------------------------------- import
def import_statement(
    session: Session,
    ctx: Context,
    statement: Statement,
    *,
    file_name: str,
    method: str,
    progress: Progress | None = None,
) -> ImportReport:
    """Record the new lines of ``statement`` and what they pay, in the caller's transaction
    (the caller rolls back for ``--dry-run``)."""
    method = statement.method or (method or "").strip().lower()
    if method not in settings.payment_methods(session):
        raise ValidationError(
            _("Unknown payment method {method!r}; use one of {methods}.").format(
                method=method, methods=", ".join(settings.payment_methods(session))
            )
        )
    report = ImportReport(file=file_name, format=statement.format)
    for batch in batched(statement.lines, BATCH):
        report.lines += len(batch)
        new = _insert_new(session, ctx, statement, file_name, method, batch)
        report.new += len(new)
        report.already_imported += len(batch) - len(new)
        _decide(session, ctx, method, new, report)
        if progress:
            progress(report.lines)
    if report.new:
        audit.record(
            session,
            ctx,
            "payment.import",
            "statement",
            statement.source,
            {
                "file": file_name,
                "format": statement.format,
                "new": report.new,
                "applied": len(report.applied),
                "review": len(report.review),
                "ignored": len(report.ignored),
            },
        )
    return report


def _insert_new(
    session: Session,
    ctx: Context,
    statement: Statement,
    file_name: str,
    method: str,
    batch: Sequence[ParsedLine],
) -> list[tuple[int, ParsedLine]]:
    """Insert the lines of ``batch`` whose (source, transaction id) is not recorded yet;
    (id, line) of those this transaction inserted, in file order."""
    first: dict[str, ParsedLine] = {}
    for line in batch:
        first.setdefault(line.transaction_id, line)  # a line repeated in one file: once
    rows = [
        {
            "source": statement.source,
            "transaction_id": line.transaction_id,
            "format": statement.format,
            "file_name": file_name,
            "line_date": line.date,
            "amount_minor": _minor(line.amount, line.currency),
            "fee_minor": _minor(line.fee, line.currency) if line.fee is not None else None,
            "currency": line.currency.upper(),
            "method": method,
            "payer": line.payer,
            "payer_email": line.payer_email,
            "payer_document": line.payer_document,
            "reference": line.reference,
            "description": line.description,
            # money out is ignored from the start (PAY-3); the others are decided next
            "status": "review" if why is None else "ignored",
            "why": why,
            "imported_by": ctx.staff,
            "imported_at": ctx.now,
        }
        for line in first.values()
        for why in [_not_payable(line)]
    ]
    # the lines already recorded are left out by one indexed look-up (a file imported again
    # costs a read, not a write); the unique key still decides for the others
    known: set[str] = set()
    for chunk in chunks(list(first), 500):
        known.update(
            session.execute(
                sa_select(LINES.c.transaction_id).where(
                    LINES.c.source == statement.source, LINES.c.transaction_id.in_(chunk)
                )
            ).scalars()
        )
    rows = [row for row in rows if row["transaction_id"] not in known]
    if not rows:
        return []
    if session.get_bind().dialect.name == "sqlite":
        # SQLite's writers take turns and this transaction has held the write lock since
        # its first statement: what the look-up did not find is new, and its ids are free
        ids = reserve_ids(session, LINES, len(rows))
        convert = db_value(session)
        insert_rows(
            session,
            LINES,
            ("id", *rows[0]),
            ((i, *(convert(v) for v in row.values())) for i, row in zip(ids, rows, strict=True)),
        )
        new = dict(zip((row["transaction_id"] for row in rows), ids, strict=True))
        return [(new[tid], line) for tid, line in first.items() if tid in new]
    from sqlalchemy.dialects.postgresql import insert

    stmt = (
        insert(LINES)
        .on_conflict_do_nothing(index_elements=["source", "transaction_id"])
        .returning(LINES.c.id, LINES.c.transaction_id)
    )
    session.flush()
    inserted = {tid: line_id for line_id, tid in session.execute(stmt, rows).all()}
    return [(inserted[tid], line) for tid, line in first.items() if tid in inserted]


def _minor(amount: Any, currency: str) -> int:
    code = (currency or "").upper()
    if code not in MINOR_DIGITS:
        return int(amount * 100)  # kept as read; the line goes to review for its currency
    return Money.of(amount, code).minor


def _decide(
    session: Session,
    ctx: Context,
    method: str,
    new: list[tuple[int, ParsedLine]],
    report: ImportReport,
) -> None:
    """Report the money out (recorded as ignored), match the rest, record the matches, leave
    the others to review; the lines' new states written in one statement at the end."""
    states: list[tuple[Any, ...]] = []
    to_match: list[tuple[int, ParsedLine]] = []
    for line_id, line in new:
        why = _not_payable(line)
        if why is None:
            to_match.append((line_id, line))
            continue
        report.ignored.append(  # recorded as ignored already (``_insert_new``)
            {"line_id": line_id, "transaction_id": line.transaction_id, "why": why}
        )
    results = matcher.match_lines(session, [line for _id, line in to_match])
    matched = [
        (line_id, line, result)
        for (line_id, line), result in zip(to_match, results, strict=True)
        if isinstance(result, matcher.Match)
    ]
    recorded = _apply(session, ctx, method, matched)
    reviews: dict[int, Any] = {}
    for (line_id, line), result in zip(to_match, results, strict=True):
        if isinstance(result, matcher.Match):
            outcome = recorded[line_id]
            if isinstance(outcome, HostctlError):  # a rule of payment add refused it
                result = matcher.Review(outcome.message, ())
            else:
                states.append(
                    _state(
                        line_id,
                        "applied",
                        matched_by=result.by,
                        invoice_id=outcome[0].invoice_id,
                        client_id=outcome[0].client_id,
                    )
                )
                report.currency[line_id] = line.currency.upper()
                report.applied += [
                    {
                        "line_id": line_id,
                        "transaction_id": line.transaction_id,
                        "invoice": paid.number,
                        "amount": paid.amount.to_json(),
                        "by": result.by,
                    }
                    for paid in outcome
                ]
                continue
        states.append(_state(line_id, "review", why=result.why))
        reviews[line_id] = result
    update_rows(session, LINES, ("status", "why", "matched_by", "invoice_id", "client_id"), states)
    if reviews:
        rows = session.execute(sa_select(LINES).where(LINES.c.id.in_(list(reviews)))).all()
        by_id = {row.id: row for row in rows}
        numbers = _numbers(session, [i for r in reviews.values() for _c, i in r.candidates if i])
        report.review += [line_view(session, by_id[i], reviews[i], numbers) for i in reviews]


def _state(line_id: int, status: str, **values: Any) -> tuple[Any, ...]:
    """A line's new state, as one row of ``_decide``'s update."""
    return (
        line_id,
        status,
        values.get("why"),
        values.get("matched_by"),
        values.get("invoice_id"),
        values.get("client_id"),
    )


def _not_payable(line: ParsedLine) -> str | None:
    if line.not_payment:
        text = NOT_PAYMENT.get(line.not_payment)
        return localize(text) if text else line.not_payment
    if line.amount <= 0:
        return localize(NOT_PAYMENT[DEBIT])
    return None


def _apply(
    session: Session,
    ctx: Context,
    method: str,
    matched: list[tuple[int, ParsedLine, matcher.Match]],
) -> dict[int, list[payments.Received] | HostctlError]:
    """The payments of the matched lines, through ``payments.receive_many`` (the path of
    ``payment add``), each dated the day its money came: the lines in file order, a run of
    lines of one day at a time. A line paying several invoices pays each but the last its
    amount due and the last the rest (PAY-4's "all of them together" pays each exactly),
    all of them or none. Line id → what it recorded, or the refusal."""
    due = _amounts_due(session, [i for _l, _p, m in matched for i in m.invoice_ids[:-1]])
    outcome: dict[int, list[payments.Received] | HostctlError] = {}
    for day, run in itertools.groupby(matched, key=lambda item: item[1].date):
        receipts: list[payments.Receipt] = []
        for line_id, line, match in run:
            left = Money.of(line.amount, line.currency.upper())
            for position, invoice_id in enumerate(match.invoice_ids):
                last = position == len(match.invoice_ids) - 1
                amount = left if last else due.get(invoice_id, left).min(left)
                receipts.append(
                    payments.Receipt(
                        invoice_id,
                        amount,
                        method,
                        line.transaction_id,
                        duplicate_ok=position > 0,  # one transaction paying several invoices
                        statement_line_id=line_id,
                        group=line_id,
                    )
                )
                left = left - amount
        on_day = Context(staff=ctx.staff, today=day, now=ctx.now)
        for receipt, result in zip(
            receipts, payments.receive_many(session, on_day, receipts), strict=True
        ):
            line_id = receipt.group
            if isinstance(result, HostctlError):
                outcome[line_id] = result
            else:
                done = outcome.setdefault(line_id, [])
                assert isinstance(done, list)
                done.append(result)
    return outcome


def _amounts_due(session: Session, invoice_ids: list[int]) -> dict[int, Money]:
    """Invoice id → its amount due now, of these invoices (one look-up per chunk)."""
    found: dict[int, Money] = {}
    for chunk in chunks(sorted(set(invoice_ids)), 500):
        for row in session.execute(
            sa_select(
                INVOICES.c.id, INVOICES.c.total_minor, INVOICES.c.paid_minor, INVOICES.c.currency
            ).where(INVOICES.c.id.in_(chunk))
        ).all():
            found[row.id] = invoices.amount_due(row)
    return found


def _set(session: Session, line_id: int, **values: Any) -> None:
    session.execute(update(LINES).where(LINES.c.id == line_id).values(**values))


def _stored(session: Session, line_id: int) -> Any:
    row = session.execute(sa_select(LINES).where(LINES.c.id == line_id)).first()
    if row is None:
        raise NotFoundError(_("There is no statement line {line_id}.").format(line_id=line_id))
    return row


def as_parsed(row: Any) -> ParsedLine:
    """A stored line as the matcher reads lines."""
    from decimal import Decimal

    digits = MINOR_DIGITS.get(row.currency, 2)
    return ParsedLine(
        transaction_id=row.transaction_id,
        date=row.line_date,
        amount=Decimal(row.amount_minor).scaleb(-digits),
        currency=row.currency,
        payer=row.payer,
        payer_email=row.payer_email,
        payer_document=row.payer_document,
        reference=row.reference,
        description=row.description,
    )


def line_view(
    session: Session,
    row: Any,
    review: Any | None = None,
    numbers: dict[int, str] | None = None,
) -> dict[str, Any]:
    """A line as `payment review` and the import's report show it (CLI.md); ``numbers``:
    the candidates' invoice numbers, when already read."""
    if review is None and row.status == "review":
        review = matcher.Review(row.why or "", matcher.candidates(session, as_parsed(row)))
    candidates = []
    if review is not None:
        if numbers is None:
            numbers = _numbers(session, [i for _c, i in review.candidates if i])
        candidates = [
            {"client_id": client_id, "invoice": numbers.get(invoice_id) if invoice_id else None}
            for client_id, invoice_id in review.candidates
        ]
    digits = MINOR_DIGITS.get(row.currency, 2)
    return {
        "line_id": row.id,
        "source": row.source,
        "transaction_id": row.transaction_id,
        "date": row.line_date.isoformat(),
        "amount": money_json(row.amount_minor, row.currency)
        if row.currency in MINOR_DIGITS
        else f"{row.amount_minor / 10**digits:.2f}",
        "currency": row.currency,
        "payer": row.payer or row.payer_email or row.payer_document,
        "reference": row.reference,
        "status": row.status,
        "candidates": candidates,
        "why": row.why,
    }


def _numbers(session: Session, invoice_ids: list[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    for chunk in chunks(sorted(set(invoice_ids)), 500):
        found.update(
            (row.id, row.number)
            for row in session.execute(
                sa_select(INVOICES.c.id, INVOICES.c.number).where(INVOICES.c.id.in_(chunk))
            ).all()
        )
    return found


# --------------------------------------------------------------------------- review
def waiting(session: Session) -> list[dict[str, Any]]:
    """The lines waiting for a person (PAY-5), oldest first, each with its candidates
    (computed again: the data may have changed since the import), a batch at a time."""
    rows = session.execute(
        sa_select(LINES).where(LINES.c.status == "review").order_by(LINES.c.line_date, LINES.c.id)
    ).all()
    views: list[dict[str, Any]] = []
    for batch in batched(rows, BATCH):
        reviews = [
            matcher.Review(row.why or "", found)
            for row, found in zip(
                batch, matcher.candidates_many(session, [as_parsed(r) for r in batch]), strict=True
            )
        ]
        numbers = _numbers(session, [i for r in reviews for _c, i in r.candidates if i])
        views += [
            line_view(session, row, review, numbers)
            for row, review in zip(batch, reviews, strict=True)
        ]
    return views


def _claim(session: Session, ctx: Context, line_id: int, status: str, **values: Any) -> Any:
    """The line taken out of review by one conditional update: of two staff deciding it at
    the same moment, one does (PAY-5: a line becomes a payment at most once)."""
    row = _stored(session, line_id)
    done = session.execute(
        update(LINES)
        .where(LINES.c.id == line_id, LINES.c.status == "review")
        .values(status=status, decided_by=ctx.staff, decided_at=ctx.now, **values)
    ).rowcount  # type: ignore[attr-defined]
    if not done:
        current = _stored(session, line_id)
        raise BusinessRuleError(
            _(
                "Statement line {line_id} is {status} already; only lines in review can be decided."
            ).format(line_id=line_id, status=say("statement line", current.status))
        )
    return row


def match_to_invoice(
    session: Session,
    ctx: Context,
    line_id: int,
    invoice_ref: str,
    *,
    allow_excess: bool = False,
) -> tuple[Any, Any]:
    """Record a line in review as a payment of an invoice (staff's decision): the path of
    ``payment add``, dated the day the money came."""
    row = _claim(session, ctx, line_id, "applied", matched_by="staff", why=None)
    invoice = payments.locked_invoice(session, invoices.find_invoice(session, invoice_ref).id or 0)
    if row.currency not in MINOR_DIGITS:
        raise BusinessRuleError(
            _("Statement line {line_id} is in {currency}, which hostctl does not bill in.").format(
                line_id=line_id, currency=row.currency
            )
        )
    on_day = Context(staff=ctx.staff, today=row.line_date, now=ctx.now)
    payment, paid = payments.receive(
        session,
        on_day,
        invoice,
        Money(row.amount_minor, row.currency),
        row.method,
        row.transaction_id,
        allow_excess=allow_excess,
        statement_line_id=row.id,
    )
    _set(session, line_id, invoice_id=paid.id, client_id=paid.client_id)
    return payment, paid


def match_to_credit(session: Session, ctx: Context, line_id: int, client_id: int) -> Money:
    """Record a line in review as credit of a client (staff's decision)."""
    from hostctl.core.clients import get_client

    row = _claim(session, ctx, line_id, "applied", matched_by="staff", why=None)
    client = get_client(session, client_id)
    if row.currency != client.currency:
        raise BusinessRuleError(
            _(
                "Statement line {line_id} is in {currency}; client {client_id} is billed in "
                "{client_currency}."
            ).format(
                line_id=line_id,
                currency=row.currency,
                client_id=client_id,
                client_currency=client.currency,
            )
        )
    amount = Money(row.amount_minor, row.currency)
    if not amount.is_positive():
        raise BusinessRuleError(
            _("Statement line {line_id} is money out; it cannot be credit.").format(line_id=line_id)
        )
    on_day = Context(staff=ctx.staff, today=row.line_date, now=ctx.now)
    invoices.add_credit(session, on_day, client_id, amount, f"statement line {line_id}")
    _set(session, line_id, client_id=client_id)
    audit.record(
        session,
        ctx,
        "payment.credit",
        "client",
        client_id,
        {"line_id": line_id, "amount": amount.to_json(), "transaction_id": row.transaction_id},
    )
    return amount


def ignore(session: Session, ctx: Context, line_id: int, reason: str) -> dict[str, Any]:
    """Put a line in review aside with staff's reason (PAY-5)."""
    from hostctl.core import validate

    reason = validate.text(reason, N_("reason"))
    _claim(session, ctx, line_id, "ignored", why=reason)
    audit.record(session, ctx, "payment.ignore", "statement_line", line_id, {"why": reason})
    return line_view(session, _stored(session, line_id))
