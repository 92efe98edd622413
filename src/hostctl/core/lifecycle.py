"""The daily automation of SPEC §4, rule by rule, each rule one set-based selection.

For a service whose current period ends on its due date D:
D−15 renewal invoice (one per client and due date, BIL-1) · D−10, D−5, D−1 reminders ·
D+2 suspension · 5th business day after D every service of the client · D+25 termination
with its unpaid invoice cancelled. Services set not to renew end on D instead.

BIL-10: every rule selects by state ("active and overdue", "no invoice yet for this period",
"reminder stage not yet sent"), so a rerun of a day does nothing twice; the runner walks
every missed day in order, and a lease in the ``locks`` table keeps two runs apart.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, case, exists, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from hostctl.core import audit, billing, catalogue, outbox, settings
from hostctl.core.bulk import chunks, update_ids
from hostctl.core.calendar import BusinessCalendar, calendar_for
from hostctl.core.clock import real_now_utc
from hostctl.core.context import Context
from hostctl.core.daily_lock import daily_lock, heartbeat
from hostctl.core.money import Money
from hostctl.core.pricing import Item, price_items
from hostctl.errors import BusinessRuleError
from hostctl.models import Client, DailyRun, Invoice, InvoiceLine, Product, Service

REMINDERS = (("first", 10, 1), ("second", 5, 2), ("final", 1, 3))
SUSPEND_AFTER_DAYS = 2
CLIENT_SUSPEND_BUSINESS_DAYS = 5
BATCH = 500


@dataclass(slots=True)
class Action:
    day: dt.date
    action: str  # invoice | reminder | suspend | suspend-client | terminate | end | expire
    client_id: int | None
    service_id: int | None = None
    detail: str = ""


class Actions(Sequence[Action]):
    """The actions of one kind a rule took on a day: the rows it acted on, described as
    ``Action``s only when read (``daily`` without ``--verbose`` only counts them)."""

    __slots__ = ("day", "describe", "kind", "rows")

    def __init__(
        self,
        day: dt.date,
        kind: str,
        rows: Sequence[Any],
        describe: Callable[[Any], tuple[int | None, int | None, str]],
    ) -> None:
        self.day, self.kind, self.rows, self.describe = day, kind, rows, describe

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return Action(self.day, self.kind, *self.describe(self.rows[index]))

    @classmethod
    def counted(cls, day: dt.date, kind: str, count: int, detail: str = "") -> Actions:
        """``count`` actions known only by their number (and a detail for all of them)."""
        return cls(day, kind, range(count), lambda _: (None, None, detail))


@dataclass
class DayResult:
    """What a day did: counts per kind of action, and the actions themselves if ``keep``."""

    day: dt.date
    keep: bool = True
    counts: dict[str, int] = field(default_factory=dict)
    actions: list[Action] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def add(self, actions: Actions) -> None:
        self.counts[actions.kind] = self.counts.get(actions.kind, 0) + len(actions)
        if self.keep:
            self.actions.extend(actions)


# The rules read and write through Core statements on the tables: columns, not ORM objects,
# so a day of thousands of services costs a few statements per rule, not one per service.
_S = Service.__table__  # type: ignore[attr-defined]
_C = Client.__table__  # type: ignore[attr-defined]
_I = Invoice.__table__  # type: ignore[attr-defined]
_L = InvoiceLine.__table__  # type: ignore[attr-defined]
CHUNK = 2000  # ids per IN (...) list
# What the alerts, the audit and the actions need of a service.
_SERVICE_COLS = (_S.c.id, _S.c.client_id, _S.c.product_code, _S.c.domain, _S.c.next_due_date)


def _core_renewing() -> Any:
    return and_(_S.c.auto_renew.is_(True), _S.c.cancellation.is_(None))


def _rows_by_id(session: Session, columns: Sequence[Any], ids: Sequence[int]) -> list[Any]:
    """The rows of these service ids, in the order of ``ids``. The rules select ids first
    (a few bytes each) and read whole rows a chunk at a time: on a first day with tens of
    thousands of services to act on, memory stays flat."""
    position = {service_id: i for i, service_id in enumerate(ids)}
    rows = session.execute(sa_select(*columns).where(_S.c.id.in_(ids))).all()
    rows.sort(key=lambda row: position[row.id])
    return rows


# --------------------------------------------------------------------------- D−15
# What a renewal invoice needs of a service.
_RENEWAL_COLS = (
    _S.c.id,
    _S.c.client_id,
    _S.c.product_code,
    _S.c.cycle,
    _S.c.next_due_date,
    _S.c.anchor_day,
    _S.c.domain,
)


def generate_renewals(
    session: Session,
    ctx: Context,
    day: dt.date,
    *,
    client_id: int | None = None,
    problems: list[str] | None = None,
    checkpoint: Callable[[], None] | None = None,
    keep: bool = True,
) -> Sequence[Any]:
    """Renewal invoices for every period that starts within the notice window of ``day``:
    the ``NewInvoice`` records, or with ``keep=False`` only how many (``range(n)``, so a
    first day of tens of thousands of invoices does not hold them all)."""
    horizon = day + dt.timedelta(days=int(settings.get(session, "billing.renewal_days_before")))
    invoiced = exists().where(
        _L.c.service_id == _S.c.id,
        _L.c.period_start == _S.c.next_due_date,
        _L.c.kind == "item",
        _L.c.invoice_id == _I.c.id,
        _I.c.status != "cancelled",
    )
    stmt = sa_select(_S.c.id, _S.c.client_id, _S.c.next_due_date).where(
        _S.c.status.in_(("active", "suspended")),
        _core_renewing(),
        _S.c.next_due_date.is_not(None),
        _S.c.next_due_date <= horizon,
        ~invoiced,
    )
    if client_id:
        stmt = stmt.where(_S.c.client_id == client_id)
    session.flush()
    # Streamed and grouped as the rows come, in no particular order (an ORDER BY would make
    # SQLite sort every candidate first); invoices are then made client by client, due date
    # by due date, which is the order of their numbers.
    groups: dict[tuple[int, dt.date], list[int]] = {}
    for part in session.execute(stmt).partitions(CHUNK):  # fetchmany, not a row at a time
        for service_id, owner, due in part:
            groups.setdefault((owner, due), []).append(service_id)
    if not groups:
        return []
    created: list[Any] = []
    count = 0
    catalogue_cache = _CatalogueCache(session)
    keys = sorted(groups)
    for start in range(0, len(keys), BATCH):
        batch = {k: sorted(groups.pop(k)) for k in keys[start : start + BATCH]}
        rows = {
            row.id: row
            for row in _rows_by_id(
                session, _RENEWAL_COLS, [i for ids in batch.values() for i in ids]
            )
        }
        made = _renewal_batch(
            session,
            ctx,
            {k: [rows[i] for i in ids] for k, ids in batch.items()},
            problems if problems is not None else [],
            catalogue_cache,
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


class _CatalogueCache:
    """Products and monthly prices read once per run instead of once per service."""

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


def _renewal_batch(
    session: Session,
    ctx: Context,
    groups: dict[tuple[int, dt.date], list[Any]],
    problems: list[str],
    cache: _CatalogueCache,
) -> list[Invoice]:
    client_ids = sorted({cid for cid, _ in groups})
    clients: dict[int, Any] = {}
    with_credit = []
    for row in session.execute(
        sa_select(
            _C.c.id,
            _C.c.currency,
            _C.c.credit_minor,
            _C.c.phone,
            _C.c.email,
        ).where(_C.c.id.in_(client_ids))
    ).all():
        if row.credit_minor:
            with_credit.append(row.id)
        else:
            clients[row.id] = _ClientRef(
                row.id, row.currency, row.credit_minor, row.phone, row.email
            )
    if with_credit:
        clients.update(
            {c.id: c for c in session.exec(select(Client).where(col(Client.id).in_(with_credit)))}
        )
    # Active services (DSC-2) and non-payment suspensions (DSC-8) of each client, in one
    # pass over the client_id index (a filter on status would make SQLite scan by status).
    active: dict[int, int] = {}
    blocked: set[int] = set()
    for cid, n_active, n_blocked in session.execute(
        sa_select(
            _S.c.client_id,
            func.sum(case((_S.c.status == "active", 1), else_=0)),
            func.sum(
                case(
                    (and_(_S.c.status == "suspended", _S.c.suspension_reason == "non-payment"), 1),
                    else_=0,
                )
            ),
        )
        .where(_S.c.client_id.in_(client_ids))
        .group_by(_S.c.client_id)
    ).all():
        if n_active:
            active[cid] = int(n_active)
        if n_blocked:
            blocked.add(cid)
    specs = []
    for (cid, due), services in groups.items():
        client = clients[cid]
        try:
            items = []
            for service in services:
                product = cache.product(service.product_code)
                items.append(
                    Item(
                        service_id=service.id,
                        product_code=product.code,
                        product_name=product.name,
                        cycle=service.cycle,
                        monthly_price=cache.price(product, client.currency),
                        period_discount=product.period_discount,
                        period_start=due,
                        anchor_day=service.anchor_day,
                        domain=service.domain,
                    )
                )
        except BusinessRuleError as exc:
            problems.append(f"client {cid}, due {due}: {exc.message}")
            continue
        priced = price_items(
            items,
            client.currency,
            active_services=active.get(cid, 0),
            discounts_blocked=cid in blocked,
            bundle=False,
        )
        specs.append(
            billing.InvoiceSpec(
                client=client,
                kind="renewal",
                issue_date=ctx.today,
                due_date=due,
                lines=priced.lines,
            )
        )
    return billing.create_invoices(session, ctx, specs, load=False)


# --------------------------------------------------------------------------- reminders
def send_reminders(session: Session, ctx: Context, day: dt.date) -> Actions:
    sent: list[tuple[Any, str]] = []
    for stage, days_before, level in REMINDERS:
        due = day + dt.timedelta(days=days_before)
        rows = session.execute(
            sa_select(
                _I.c.id,
                _I.c.number,
                _I.c.total_minor,
                _I.c.paid_minor,
                _I.c.currency,
                _I.c.issue_date,
                _I.c.due_date,
                _C.c.id.label("client_id"),
                _C.c.phone,
                _C.c.email,
            )
            .select_from(_I.join(_C, _C.c.id == _I.c.client_id))
            .where(
                _I.c.status == "unpaid",
                _I.c.kind == "renewal",
                _I.c.due_date == due,
                _I.c.reminders_sent < level,
            )
        ).all()
        if not rows:
            continue
        update_ids(session, _I, [inv.id for inv in rows], reminders_sent=level)
        outbox.emit_many(
            session,
            ctx,
            [
                {
                    "event": "invoice.reminder",
                    "stage": stage,
                    "client_id": inv.client_id,
                    "phone": inv.phone,
                    "email": inv.email,
                    "invoice_id": inv.id,
                    "data": billing.invoice_payload(inv, []),
                }
                for inv in rows
            ],
        )
        changes = audit.dumps({"stage": stage})
        audit.record_many(
            session, ctx, [("invoice.reminder", "invoice", inv.id, changes) for inv in rows]
        )
        sent += [(inv, stage) for inv in rows]
    return Actions(
        day,
        "reminder",
        sent,
        lambda row: (row[0].client_id, None, f"{row[0].number} {row[1]}"),
    )


# --------------------------------------------------------------------------- D+2, 5th bd
def suspend_overdue(session: Session, ctx: Context, day: dt.date, *, keep: bool = True) -> Actions:
    cutoff = day - dt.timedelta(days=SUSPEND_AFTER_DAYS)
    ids = session.execute(
        sa_select(_S.c.id)
        .where(_S.c.status == "active", _core_renewing(), _S.c.next_due_date <= cutoff)
        .order_by(_S.c.next_due_date, _S.c.id)
    ).scalars()
    return _suspend_all(session, ctx, day, list(ids), "suspend", keep)


def debtor_cutoff(cal: BusinessCalendar, day: dt.date) -> dt.date:
    """The latest due date D whose 5th business day after is on or before ``day``."""
    candidate = day
    while cal.add_business_days(candidate, CLIENT_SUSPEND_BUSINESS_DAYS) > day:
        candidate -= dt.timedelta(days=1)
    return candidate


def suspend_debtors(
    session: Session, ctx: Context, day: dt.date, cal: BusinessCalendar, *, keep: bool = True
) -> Actions:
    """ "El deudor es el cliente": every service of a client 5 business days overdue.

    One query: the active services of the clients that have a renewing service (active or
    already suspended) due on or before the cutoff. Read through the client index, so a day
    costs the debtors' few services, not a pass over every active one."""
    cutoff = debtor_cutoff(cal, day)
    debtors = sa_select(_S.c.client_id).where(
        _S.c.status.in_(("active", "suspended")),
        _core_renewing(),
        _S.c.next_due_date <= cutoff,
    )
    found = session.execute(
        sa_select(_S.c.id, _S.c.next_due_date).where(
            _S.c.client_id.in_(debtors), _no_index(_S.c.status) == "active"
        )
    ).all()
    found.sort(key=lambda s: (s.next_due_date is not None, s.next_due_date, s.id))
    return _suspend_all(session, ctx, day, [s.id for s in found], "suspend-client", keep)


def _no_index(column: Any) -> Any:
    """``column`` as an expression no index answers (``status || ''``).

    SQLite has no statistics here: given ``status = 'active'`` next to ``client_id IN
    (...)`` it walks the status index over every active service (tens of thousands)
    instead of the client index over the debtors' few. PostgreSQL plans by its statistics
    either way."""
    return column.concat("")


def _suspend_all(
    session: Session, ctx: Context, day: dt.date, ids: list[int], action: str, keep: bool
) -> Actions:
    """Suspend these services for non-payment, with their alerts and audit entries, a chunk
    at a time: memory stays flat on a first day with tens of thousands of them. The rows
    are kept for the actions' descriptions only if ``keep``."""
    names = _product_names(session) if ids else {}
    kept: list[Any] = []
    rule = "D+2" if action == "suspend" else "5th business day"
    changes = audit.dumps(
        {"status": ["active", "suspended"], "suspension_reason": "non-payment", "rule": rule}
    )
    for id_chunk in chunks(ids, CHUNK):
        chunk = _rows_by_id(session, _SERVICE_COLS, id_chunk)
        if keep:
            kept += chunk
        update_ids(
            session,
            _S,
            id_chunk,
            status="suspended",
            suspension_reason="non-payment",
            suspended_on=day,
            updated_at=ctx.now,
        )
        clients = _clients(session, {s.client_id for s in chunk})
        _emit_service_events(
            session, ctx, "service.suspended", chunk, clients, names, "non-payment"
        )
        audit.record_many(
            session, ctx, [("service.suspend", "service", s.id, changes) for s in chunk]
        )
    if keep:
        return Actions(day, action, kept, _describe_service)
    return Actions.counted(day, action, len(ids))


def _describe_service(service: Any) -> tuple[int | None, int | None, str]:
    return service.client_id, service.id, f"due {service.next_due_date}"


# --------------------------------------------------------------------------- D+25
def terminate_overdue(session: Session, ctx: Context, day: dt.date, cal_days: int) -> Actions:
    """Terminate, cancel the unpaid renewal/restoration invoices of the terminated services
    (what was paid on them, and credit used, goes back to credit), then reactivate the other
    suspended services of each client left with no overdue debt (``billing.cancel_invoice``
    and ``billing.reactivate_if_clear`` in bulk)."""
    cutoff = day - dt.timedelta(days=cal_days)
    services = session.execute(
        sa_select(*_SERVICE_COLS).where(
            _S.c.status.in_(("active", "suspended")), _core_renewing(), _S.c.next_due_date <= cutoff
        )
    ).all()
    actions = Actions(day, "terminate", services, _describe_service)
    if not services:
        return actions
    service_ids = [s.id for s in services]
    update_ids(session, _S, service_ids, status="terminated", ended_on=day, updated_at=ctx.now)
    clients = _clients(session, {s.client_id for s in services})
    names = _product_names(session)
    _emit_service_events(
        session, ctx, "service.terminated", services, clients, names, "non-payment"
    )
    changes = audit.dumps({"status": "terminated", "rule": "D+25"})
    audit.record_many(
        session, ctx, [("service.terminate", "service", s.id, changes) for s in services]
    )
    _cancel_invoices_of(session, ctx, service_ids, clients)
    _reactivate_clear(session, ctx, sorted(clients), clients, names)
    return actions


def _cancel_invoices_of(
    session: Session, ctx: Context, service_ids: list[int], clients: dict[int, Any]
) -> None:
    """``billing.cancel_invoice`` of every unpaid renewal/restoration invoice with an item
    line of these services."""
    invoice_ids: set[int] = set()
    for chunk in chunks(service_ids, CHUNK):
        invoice_ids.update(
            session.execute(
                sa_select(_L.c.invoice_id)
                .where(_L.c.service_id.in_(chunk), _L.c.kind == "item")
                .distinct()
            ).scalars()
        )
    invoices = []
    for chunk in chunks(sorted(invoice_ids), CHUNK):  # by id alone, filtered here
        invoices += [
            i
            for i in session.execute(
                sa_select(
                    _I.c.id,
                    _I.c.number,
                    _I.c.client_id,
                    _I.c.kind,
                    _I.c.status,
                    _I.c.total_minor,
                    _I.c.paid_minor,
                    _I.c.currency,
                    _I.c.issue_date,
                    _I.c.due_date,
                ).where(_I.c.id.in_(chunk))
            ).all()
            if i.status == "unpaid" and i.kind in ("renewal", "restoration")
        ]
    if not invoices:
        return
    invoices.sort(key=lambda i: (i.due_date, i.id))  # the order the ORM query gave
    ids = [i.id for i in invoices]
    items: dict[int, list[str]] = {i: [] for i in ids}
    credit_used: dict[int, int] = dict.fromkeys(ids, 0)
    for chunk in chunks(ids, CHUNK):
        for line in session.execute(
            sa_select(_L.c.invoice_id, _L.c.kind, _L.c.description, _L.c.amount_minor)
            .where(_L.c.invoice_id.in_(chunk), _L.c.kind.in_(("item", "credit")))
            .order_by(_L.c.invoice_id, _L.c.position)
        ).all():
            if line.kind == "item":
                items[line.invoice_id].append(line.description)
            else:
                credit_used[line.invoice_id] -= line.amount_minor
    reason = "service terminated for non-payment"
    returned = {i.id: Money(i.paid_minor + credit_used[i.id], i.currency) for i in invoices}
    for invoice in invoices:
        if returned[invoice.id].is_positive():  # rare: back to the client's credit
            client = session.get(Client, invoice.client_id)
            billing.add_credit(
                session,
                ctx,
                client,
                returned[invoice.id],  # type: ignore[arg-type]
                "cancelled invoice",
                invoice_id=invoice.id,
            )
    session.flush()
    update_ids(session, _I, ids, status="cancelled", cancelled_on=ctx.today)
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
    contacts = (
        clients
        if all(i.client_id in clients for i in invoices)
        else _clients(session, {i.client_id for i in invoices})
    )
    outbox.emit_many(
        session,
        ctx,
        [
            {
                "event": "invoice.cancelled",
                "client_id": i.client_id,
                "phone": contacts[i.client_id].phone,
                "email": contacts[i.client_id].email,
                "invoice_id": i.id,
                "data": billing.invoice_payload(i, items[i.id]),
            }
            for i in invoices
        ],
    )


def _reactivate_clear(
    session: Session,
    ctx: Context,
    client_ids: list[int],
    clients: dict[int, Any],
    names: dict[str, str],
) -> None:
    """``billing.reactivate_if_clear(..., lengthen=False)`` for each of ``client_ids``: their
    services suspended for non-payment whose period is not over, when the client has no
    overdue debt left (``billing.has_overdue_debt``). One query per chunk of clients, read
    through the client indexes (``_no_index``: not the status index)."""
    overdue_debt = exists().where(
        _I.c.client_id == _S.c.client_id,
        _no_index(_I.c.status) == "unpaid",
        _I.c.kind.in_(billing.DEBT_KINDS),
        _I.c.due_date < ctx.today,
    )
    services: list[Any] = []
    for chunk in chunks(client_ids, CHUNK):
        services += session.execute(
            sa_select(*_SERVICE_COLS).where(
                _S.c.client_id.in_(chunk),
                _no_index(_S.c.status) == "suspended",
                _S.c.suspension_reason == "non-payment",
                _S.c.next_due_date.is_(None) | (_S.c.next_due_date >= ctx.today),
                ~overdue_debt,
            )
        ).all()
    if not services:
        return
    services.sort(key=lambda s: (s.client_id, s.next_due_date is not None, s.next_due_date, s.id))
    update_ids(
        session,
        _S,
        [s.id for s in services],
        status="active",
        suspension_reason=None,
        suspended_on=None,
        updated_at=ctx.now,
    )
    changes = audit.dumps({"status": ["suspended", "active"]})
    audit.record_many(
        session, ctx, [("service.reactivate", "service", s.id, changes) for s in services]
    )
    _emit_service_events(session, ctx, "service.reactivated", services, clients, names, "payment")


# --------------------------------------------------------------------------- not renewing
def end_non_renewing(session: Session, ctx: Context, day: dt.date) -> Actions:
    services = session.execute(
        sa_select(*_SERVICE_COLS, _S.c.cancellation).where(
            # the condition of the partial index ix_services_ending, then the rule's own
            _S.c.auto_renew.is_(False) | _S.c.cancellation.is_not(None),
            _no_index(_S.c.status).in_(("active", "suspended")),
            _S.c.next_due_date <= day,
            _S.c.auto_renew.is_(False) | (_S.c.cancellation == "end-of-period"),
        )
    ).all()
    if not services:
        return Actions.counted(day, "end", 0)
    clients = _clients(session, {s.client_id for s in services})
    categories = dict(session.execute(sa_select(Product.code, Product.category)).all())
    names = _product_names(session)
    status = {
        s.id: "expired"
        if categories.get(s.product_code) == "domain" and not s.cancellation
        else "cancelled"
        for s in services
    }
    for value in ("expired", "cancelled"):
        update_ids(
            session,
            _S,
            [s.id for s in services if status[s.id] == value],
            status=value,
            ended_on=day,
        )
    _emit_service_events(
        session,
        ctx,
        "service.terminated",
        services,
        clients,
        names,
        lambda s: status[s.id],
    )
    audit.record_many(
        session,
        ctx,
        [
            ("service.end", "service", s.id, {"status": status[s.id], "rule": "not renewed"})
            for s in services
        ],
    )
    return Actions(day, "end", services, lambda s: (s.client_id, s.id, status[s.id]))


def _clients(session: Session, ids: set[int]) -> dict[int, Any]:
    """id → (id, phone, email) of these clients: what an alert needs."""
    result: dict[int, Any] = {}
    for chunk in chunks(sorted(ids), CHUNK):
        result.update(
            (c.id, c)
            for c in session.execute(
                sa_select(_C.c.id, _C.c.phone, _C.c.email).where(_C.c.id.in_(chunk))
            ).all()
        )
    return result


def _product_names(session: Session) -> dict[str, str]:
    return dict(session.execute(sa_select(Product.code, Product.name)).all())


def _emit_service_events(
    session: Session,
    ctx: Context,
    event: str,
    services: Sequence[Any],
    clients: dict[int, Any],
    names: dict[str, str],
    reason: str | Callable[[Any], str],
) -> None:
    """Queue ``event`` for each service's holder (one ``emit_many`` for all of them)."""
    outbox.emit_many(
        session,
        ctx,
        [
            {
                "event": event,
                "client_id": s.client_id,
                "phone": clients[s.client_id].phone,
                "email": clients[s.client_id].email,
                "service_id": s.id,
                "data": _service_data(s, names, reason(s) if callable(reason) else reason),
            }
            for s in services
        ],
    )


def _service_data(service: Any, names: dict[str, str], reason: str) -> dict[str, Any]:
    return {
        "service_id": service.id,
        "product": service.product_code,
        "product_name": names.get(service.product_code, service.product_code),
        "domain": service.domain,
        "reason": reason,
    }


# --------------------------------------------------------------------------- one day
def run_day(
    session: Session, ctx: Context, checkpoint: Callable[[], None], *, keep: bool = True
) -> DayResult:
    """Every rule for ``ctx.today``, each rule's work flushed at ``checkpoint``; the actions
    are listed in the result only if ``keep`` (they are always counted)."""
    from hostctl.core import transfers

    day = ctx.today
    result = DayResult(day, keep)
    cal = calendar_for(settings.get(session, "calendar.holidays_country"))
    result.add(end_non_renewing(session, ctx, day))
    checkpoint()
    invoices = generate_renewals(
        session, ctx, day, problems=result.problems, checkpoint=checkpoint, keep=keep
    )
    result.add(
        Actions(
            day,
            "invoice",
            invoices,
            lambda i: (
                i.client_id,
                None,
                f"{i.number} due {i.due_date} {Money(i.total_minor, i.currency)}",
            ),
        )
    )
    del invoices
    result.add(send_reminders(session, ctx, day))
    checkpoint()
    result.add(suspend_overdue(session, ctx, day, keep=keep))
    checkpoint()
    result.add(suspend_debtors(session, ctx, day, cal, keep=keep))
    checkpoint()
    days = int(settings.get(session, "billing.termination_days_after"))
    result.add(terminate_overdue(session, ctx, day, days))
    checkpoint()
    expired = transfers.expire_transfers(session, ctx)
    result.add(Actions.counted(day, "expire", expired, "transfer"))
    return result


# --------------------------------------------------------------------------- the run
def days_to_run(session: Session, until: dt.date) -> list[dt.date]:
    last = session.exec(
        select(func.max(DailyRun.day)).where(col(DailyRun.finished_at).is_not(None))
    ).one()
    if last is None:
        return [until]
    days = []
    day = last + dt.timedelta(days=1)
    while day <= until:
        days.append(day)
        day += dt.timedelta(days=1)
    return days


COUNTS = {
    "invoice": "invoices_created",
    "reminder": "reminders",
    "suspend": "suspended",
    "suspend-client": "suspended",
    "terminate": "terminated",
    "end": "ended",
    "expire": "expired",
}


def run_daily(
    ctx: Context,
    *,
    until: dt.date,
    dry_run: bool = False,
    wait: bool = False,
    url: str | None = None,
    send_alerts: bool = True,
    on_day: Callable[[DayResult], None] | None = None,
    on_start: Callable[[list[dt.date]], None] | None = None,
    keep_actions: bool = True,
) -> dict[str, Any]:
    """Run every day from the one after the last finished run up to ``until``.

    Each day is one transaction (rules flush as they go; the day commits at its end), so a
    crash leaves no day half-done. ``keep_actions=False`` counts actions without keeping
    the list (``daily`` without ``--verbose``/``--dry-run``: memory stays flat)."""
    from hostctl.db import bulk_writes, unit_of_work

    summary: dict[str, Any] = {
        "invoices_created": 0,
        "reminders": 0,
        "suspended": 0,
        "terminated": 0,
        "ended": 0,
        "expired": 0,
        "alerts_sent": 0,
        "days": [],
        "dry_run": dry_run,
        "problems": [],
        "actions": [],
    }
    with (
        daily_lock(url, ctx, wait=wait) as holder,
        unit_of_work(url=url, one_connection=True) as session,
    ):
        bulk_writes(session)
        days = days_to_run(session, until)
        if on_start:
            on_start(days)

        def checkpoint() -> None:
            session.flush()

        def end_of_day() -> None:
            if dry_run:
                session.flush()
            else:
                heartbeat(session, holder)
                session.commit()

        for day in days:
            dctx = ctx.on(day)
            result = run_day(session, dctx, checkpoint, keep=keep_actions)
            counts: dict[str, int] = {}
            for kind, n in result.counts.items():
                key = COUNTS[kind]
                summary[key] += n
                if n:
                    counts[key] = counts.get(key, 0) + n
            summary["days"].append(day.isoformat())
            summary["problems"] += [f"{day}: {p}" for p in result.problems]
            if keep_actions:
                summary["actions"] += [
                    {
                        "day": a.day.isoformat(),
                        "action": a.action,
                        "client_id": a.client_id,
                        "service_id": a.service_id,
                        "detail": a.detail,
                    }
                    for a in result.actions
                ]
            session.add(
                DailyRun(
                    day=day,
                    started_at=real_now_utc(),
                    finished_at=real_now_utc(),
                    summary=json.dumps(counts),
                )
            )
            end_of_day()
            if on_day:
                on_day(result)
        if dry_run:
            session.rollback()
    if send_alerts and not dry_run:
        from hostctl.core import delivery

        # claims are stamped with the real time, even when a past day was replayed
        from hostctl.core.clock import COMPANY_TZ

        real = Context(staff=ctx.staff, today=ctx.today, now=real_now_utc().astimezone(COMPANY_TZ))
        sent = delivery.send_pending(real, url=url)
        summary["alerts_sent"] = int(sent.get("sent", 0))
    return summary
