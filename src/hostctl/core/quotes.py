"""Quotes (presupuestos), rules QUO-1 and QUO-2.

A quote's lines are free text with an amount, or catalogue products with a cycle, priced
as an order is priced that day (``services.price_order``: period, volume and bundle
discounts, DSC-8). The client is alerted ``quote.available``; the quote stays open
``quote.valid_days`` (30) and then expires in ``daily``. Accepting it places an order
through ``services.place_order`` (pending services for the product lines, the free-text
lines on the same invoice, due that day), honouring the quoted total: if the order would
cost more today, accepting is refused and a new quote is needed. An accepted, declined or
expired quote does not change.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import CursorResult, update
from sqlmodel import Session, col, select

from hostctl import words
from hostctl.core import audit, outbox, services, settings
from hostctl.core.context import Context
from hostctl.core.money import Money
from hostctl.core.pricing import Line
from hostctl.errors import BusinessRuleError, NotFoundError, ValidationError
from hostctl.i18n import N_, _
from hostctl.models import Invoice, Quote, QuoteLine
from hostctl.words import say

STATUSES = ("pending", "accepted", "declined", "expired")


def _free_text(raw: str, currency: str, language: str | None = None) -> Line:
    text, sep, amount = (raw or "").rpartition("=")
    text = " ".join(text.split())
    if not sep or not text:
        raise ValidationError(
            _('--item {raw!r} must be TEXT=AMOUNT, e.g. "Migración=50.00".').format(raw=raw)
        )
    money = Money.parse(amount, currency, language=language)
    if not money.is_positive():
        raise ValidationError(
            _("The amount of --item {raw!r} must be more than zero.").format(raw=raw)
        )
    return Line("item", text, money, "quote")


def _order_lines(products: list[str]) -> list[services.OrderLine]:
    counts: dict[tuple[str, str], int] = {}
    for raw in products:
        code, sep, cycle = (raw or "").partition(":")
        if not sep or not code.strip() or not cycle.strip():
            raise ValidationError(
                _("--product {raw!r} must be CODE:CYCLE, e.g. hosting-pro:annual.").format(raw=raw)
            )
        key = (code.strip().lower(), cycle.strip().lower())
        counts[key] = counts.get(key, 0) + 1
    return [services.OrderLine(code, cycle, n) for (code, cycle), n in counts.items()]


def create(
    session: Session,
    ctx: Context,
    client_id: int,
    *,
    items: list[str] | None = None,
    products: list[str] | None = None,
    valid_days: int | None = None,
    language: str | None = None,
) -> Quote:
    """QUO-1; the amounts of ``items`` as typed in the session's ``language``."""
    client = services.orderable_client(session, client_id)
    if not items and not products:
        raise ValidationError(
            _("A quote needs at least one --item TEXT=AMOUNT or --product CODE:CYCLE.")
        )
    days = valid_days if valid_days is not None else int(settings.get(session, "quote.valid_days"))
    if not 1 <= days <= 365:
        raise ValidationError(_("--valid-days must be from 1 to 365."))
    free = [_free_text(raw, client.currency, language) for raw in items or []]
    order = _order_lines(products or [])
    priced = services.price_order(session, ctx, client, order) if order else []
    units = [(line.product_code, line.cycle) for line in order for _ in range(line.quantity)]
    quote = Quote(
        client_id=client.id or 0,
        currency=client.currency,
        total_minor=sum(x.amount.minor for x in [*priced, *free]),
        valid_until=ctx.today + dt.timedelta(days=days),
        created_on=ctx.today,
        created_by=ctx.staff,
        created_at=ctx.now,
    )
    session.add(quote)
    session.flush()
    unit = iter(units)
    for position, line in enumerate([*priced, *free], start=1):
        product_code = cycle = None
        if line.kind == "item" and line.code != "quote":
            product_code, cycle = next(unit)
        session.add(
            QuoteLine(
                quote_id=quote.id or 0,
                position=position,
                kind=line.kind,
                code=line.code,
                description=line.description,
                product_code=product_code,
                cycle=cycle,
                quantity=1 if product_code else None,
                amount_minor=line.amount.minor,
            )
        )
    audit.record(
        session,
        ctx,
        "quote.create",
        "quote",
        quote.id,
        {
            "client_id": client.id,
            "total": Money(quote.total_minor, quote.currency).to_json(),
            "valid_until": quote.valid_until.isoformat(),
        },
    )
    outbox.emit(
        session,
        ctx,
        "quote.available",
        client,
        data={
            "quote_id": quote.id,
            "total": Money(quote.total_minor, quote.currency).to_json(),
            "currency": quote.currency,
            "due_date": quote.valid_until.isoformat(),
            "items": [x.description for x in [*priced, *free] if x.kind == "item"],
        },
    )
    session.flush()
    return quote


def get_quote(session: Session, quote_id: int, *, lock: bool = False) -> Quote:
    session.flush()
    quote = session.get(Quote, quote_id, with_for_update=lock, populate_existing=lock)
    if quote is None:
        raise NotFoundError(
            _("There is no quote {quote_id}; `hostctl quote list` shows them.").format(
                quote_id=quote_id
            )
        )
    return quote


def lines_of(session: Session, quote_id: int) -> list[QuoteLine]:
    return list(
        session.exec(
            select(QuoteLine)
            .where(QuoteLine.quote_id == quote_id)
            .order_by(col(QuoteLine.position))
        ).all()
    )


def list_quotes(
    session: Session, *, status: str | None = None, client_id: int | None = None
) -> list[Quote]:
    if status is not None and status not in STATUSES:
        raise ValidationError(
            _("Unknown quote status {status!r}; use one of {statuses}.").format(
                status=status, statuses=", ".join(STATUSES)
            )
        )
    stmt = select(Quote)
    if status:
        stmt = stmt.where(Quote.status == status)
    if client_id:
        stmt = stmt.where(Quote.client_id == client_id)
    return list(session.exec(stmt.order_by(col(Quote.id))).all())


def _open(quote: Quote, today: dt.date) -> None:
    if quote.status != "pending":
        raise BusinessRuleError(
            _("Quote {quote_id} is {quote_status} ({decided_on}); it does not change.").format(
                quote_id=quote.id,
                quote_status=say("status", quote.status),
                decided_on=quote.decided_on,
            )
        )
    if quote.valid_until < today:
        raise BusinessRuleError(
            _("Quote {quote_id} expired on {valid_until}; make a new quote.").format(
                quote_id=quote.id, valid_until=quote.valid_until
            )
        )


def accept(session: Session, ctx: Context, quote_id: int) -> tuple[Quote, Invoice]:
    quote = get_quote(session, quote_id, lock=True)
    _open(quote, ctx.today)
    lines = lines_of(session, quote.id or 0)
    order: dict[tuple[str, str], int] = {}
    for line in lines:
        if line.product_code and line.cycle:
            key = (line.product_code, line.cycle)
            order[key] = order.get(key, 0) + 1
    order_lines = [services.OrderLine(code, cycle, n) for (code, cycle), n in order.items()]
    free = [
        Line("item", x.description, Money(x.amount_minor, quote.currency), "quote")
        for x in lines
        if x.code == "quote"
    ]
    client = services.orderable_client(session, quote.client_id)
    priced = services.price_order(session, ctx, client, order_lines) if order_lines else []
    today_price = sum(x.amount.minor for x in [*priced, *free])
    if today_price > quote.total_minor:
        raise BusinessRuleError(
            N_(
                "Quote {quote_id} was for {quoted}; ordered today it costs {today_price}; make "
                "a new quote.",
                quote_id=quote.id,
                quoted=words.Amount(Money(quote.total_minor, quote.currency)),
                today_price=words.Amount(Money(today_price, quote.currency)),
            )
        )
    _services, invoice = services.place_order(
        session,
        ctx,
        quote.client_id,
        order_lines,
        extra=free,
        kind="quote",
        note=f"quote {quote.id}",
    )
    quote.status = "accepted"
    quote.decided_on = ctx.today
    quote.invoice_id = invoice.id
    session.add(quote)
    audit.record(
        session,
        ctx,
        "quote.accept",
        "quote",
        quote.id,
        {"status": ["pending", "accepted"], "invoice": invoice.number},
    )
    session.flush()
    return quote, invoice


def decline(session: Session, ctx: Context, quote_id: int) -> Quote:
    quote = get_quote(session, quote_id, lock=True)
    _open(quote, ctx.today)
    quote.status = "declined"
    quote.decided_on = ctx.today
    session.add(quote)
    audit.record(
        session, ctx, "quote.decline", "quote", quote.id, {"status": ["pending", "declined"]}
    )
    return quote


def expire(session: Session, ctx: Context, day: dt.date) -> int:
    """``daily``: every open quote past its validity expires, in one statement."""
    result = cast(
        CursorResult[Any],  # an UPDATE's result: it has a rowcount
        session.execute(
            update(Quote)
            .where(col(Quote.status) == "pending", col(Quote.valid_until) < day)
            .values(status="expired", decided_on=day)
        ),
    )
    return int(result.rowcount or 0)
