"""Renewal invoices (rules §4 D−15, BIL-1): one invoice per client and due date for every
renewing service whose next period starts within the notice window, one line per service
with its discounts. Used by ``daily``, cycle changes (BIL-11), upgrades (UPG-4) and
cancellations (CAN-2). Settling an invoice that credit paid in full is the caller's
``settle`` (``payments.settle_ids``), so this module stays below payments."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, exists
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from hostctl.core import catalogue, settings
from hostctl.core.context import Context
from hostctl.core.invoices import InvoiceSpec, create_invoices, discount_facts
from hostctl.core.money import Money
from hostctl.core.pricing import Item, price_items
from hostctl.core.rows import CHUNK, CLIENTS, INVOICES, LINES, SERVICES, by_ids, rows_by_id
from hostctl.core.service_state import renewing
from hostctl.errors import BusinessRuleError
from hostctl.i18n import _
from hostctl.models import Client, Invoice, Product

BATCH = 500  # clients and due dates per batch of invoices
Settle = Callable[[Session, Context, Sequence[int]], None]


def item_for(
    service: Any, product: Product, monthly_price: Money, period_start: dt.date | None
) -> Item:
    """The pricing item of one service (an ORM ``Service`` or a row) for one period."""
    return Item(
        service_id=service.id,
        product_code=product.code,
        product_name=product.name,
        cycle=service.cycle,
        monthly_price=monthly_price,
        period_discount=product.period_discount,
        period_start=period_start,
        anchor_day=service.anchor_day,
        domain=service.domain,
    )


# --------------------------------------------------------------------------- D−15
# What a renewal invoice needs of a service.
_RENEWAL_COLS = (
    SERVICES.c.id,
    SERVICES.c.client_id,
    SERVICES.c.product_code,
    SERVICES.c.cycle,
    SERVICES.c.next_due_date,
    SERVICES.c.anchor_day,
    SERVICES.c.domain,
)


def notice_days(session: Session) -> int:
    """N of D−N: the renewal invoice of a period starting on D is made on D − N."""
    return int(settings.get(session, "billing.renewal_days_before"))


def renewal_day(session: Session, due: dt.date) -> dt.date:
    """The day ``generate_renewals`` first takes a period starting on ``due``."""
    return due - dt.timedelta(days=notice_days(session))


# The renewing services whose period starting on or before :horizon has no invoice yet
# (an item line for that period on an invoice not cancelled): built once, asked every day.
_INVOICED = exists().where(
    LINES.c.service_id == SERVICES.c.id,
    LINES.c.period_start == SERVICES.c.next_due_date,
    LINES.c.kind == "item",
    LINES.c.invoice_id == INVOICES.c.id,
    INVOICES.c.status != "cancelled",
)
_DUE = sa_select(SERVICES.c.id, SERVICES.c.client_id, SERVICES.c.next_due_date).where(
    SERVICES.c.status.in_(("active", "suspended")),
    renewing(),
    SERVICES.c.next_due_date.is_not(None),
    SERVICES.c.next_due_date <= bindparam("horizon"),
    ~_INVOICED,
)
_DUE_OF_CLIENT = _DUE.where(SERVICES.c.client_id == bindparam("client_id"))


def generate_renewals(
    session: Session,
    ctx: Context,
    day: dt.date,
    *,
    client_id: int | None = None,
    problems: list[str] | None = None,
    settle: Settle,
    checkpoint: Callable[[], None] | None = None,
    keep: bool = True,
    catalogue_cache: CatalogueCache | None = None,
) -> Sequence[Any]:
    """Renewal invoices for every period that starts within the notice window of ``day``:
    the ``NewInvoice`` records, or with ``keep=False`` only how many (``range(n)``, so a
    first day of tens of thousands of invoices does not hold them all)."""
    horizon = day + dt.timedelta(days=notice_days(session))
    params: dict[str, Any] = {"horizon": horizon}
    stmt = _DUE
    if client_id:
        stmt, params["client_id"] = _DUE_OF_CLIENT, client_id
    session.flush()
    # Streamed and grouped as the rows come, in no particular order (an ORDER BY would make
    # SQLite sort every candidate first); invoices are then made client by client, due date
    # by due date, which is the order of their numbers.
    groups: dict[tuple[int, dt.date], list[int]] = {}
    for part in session.execute(stmt, params).partitions(CHUNK):  # fetchmany, not one by one
        for service_id, owner, due in part:
            groups.setdefault((owner, due), []).append(service_id)
    if not groups:
        return []
    created: list[Any] = []
    count = 0
    if catalogue_cache is None:
        catalogue_cache = CatalogueCache(session)
    keys = sorted(groups)
    for start in range(0, len(keys), BATCH):
        batch = {k: sorted(groups.pop(k)) for k in keys[start : start + BATCH]}
        rows = {
            row.id: row
            for row in rows_by_id(
                session, _RENEWAL_COLS, [i for ids in batch.values() for i in ids]
            )
        }
        made = _renewal_batch(
            session,
            ctx,
            {k: [rows[i] for i in ids] for k, ids in batch.items()},
            problems if problems is not None else [],
            catalogue_cache,
            settle,
        )
        count += len(made)
        if keep:
            created += made
        del rows, made
        if checkpoint:
            checkpoint()
    return created if keep else range(count)


@dataclass(slots=True)
class _ClientRef:
    """What an invoice needs of a client without credit (one with credit is an ORM Client,
    because applying credit changes it)."""

    id: int
    currency: str
    credit_minor: int
    phone: str | None
    email: str | None


class CatalogueCache:
    """Products and monthly prices read once per run instead of once per service: a call
    of ``generate_renewals`` makes its own, ``daily`` one for all the days it runs (the
    catalogue as it was when the run began; the session keeps what it loaded, it is not
    expired at each day's commit)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.products: dict[str, Product] = {}
        self.prices: dict[tuple[str, str], Money | BusinessRuleError] = {}

    def product(self, code: str) -> Product:
        product = self.products.get(code)
        if product is None:
            product = catalogue.get_product(self.session, code)
            self.products[code] = product
        return product

    def price(self, product: Product, currency: str) -> Money:
        key = (product.code, currency)
        price = self.prices.get(key)
        if price is None:
            try:
                price = catalogue.monthly_price(self.session, product, currency)
            except BusinessRuleError as exc:
                price = exc
            self.prices[key] = price
        if isinstance(price, BusinessRuleError):
            raise price
        return price


_CLIENT_COLS = (
    CLIENTS.c.id,
    CLIENTS.c.currency,
    CLIENTS.c.credit_minor,
    CLIENTS.c.phone,
    CLIENTS.c.email,
)


def _renewal_batch(
    session: Session,
    ctx: Context,
    groups: dict[tuple[int, dt.date], list[Any]],
    problems: list[str],
    cache: CatalogueCache,
    settle: Settle,
) -> list[Invoice]:
    client_ids = sorted({cid for cid, _ in groups})
    clients: dict[int, Any] = {}
    with_credit = []
    for row in session.execute(by_ids(_CLIENT_COLS, CLIENTS), {"ids": client_ids}).all():
        if row.credit_minor:
            with_credit.append(row.id)
        else:
            clients[row.id] = _ClientRef(
                row.id, row.currency, row.credit_minor, row.phone, row.email
            )
    if with_credit:
        for c in session.exec(select(Client).where(col(Client.id).in_(with_credit))):
            assert c.id is not None  # read from the database
            clients[c.id] = c
    facts = discount_facts(session, client_ids)  # DSC-2 and DSC-8
    specs = []
    for (cid, due), services in groups.items():
        client = clients[cid]
        try:
            items = []
            for service in services:
                product = cache.product(service.product_code)
                price = cache.price(product, client.currency)
                items.append(item_for(service, product, price, due))
        except BusinessRuleError as exc:
            problems.append(
                _("client {cid}, due {due}: {exc_message}").format(
                    cid=cid, due=due, exc_message=exc.message
                )
            )
            continue
        priced = price_items(
            items,
            client.currency,
            active_services=facts.get(cid, (0, False))[0],
            discounts_blocked=facts.get(cid, (0, False))[1],
            bundle=False,
        )
        specs.append(
            InvoiceSpec(
                client=client,
                kind="renewal",
                issue_date=ctx.today,
                due_date=due,
                lines=priced.lines,
            )
        )
    made = create_invoices(session, ctx, specs, load=False)
    paid = [i.id for i in made if i.status == "paid"]
    if paid:
        settle(session, ctx, paid)
    return made
