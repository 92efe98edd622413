"""Services at the desk: orders, activation of manual products, staff suspensions,
restoration, not renewing, cycle changes, and the import of the existing base. The state
changes themselves are ``service_state``'s."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from hostctl.core import (
    audit,
    catalogue,
    invoices,
    payments,
    reading,
    renewals,
    service_state,
    settings,
    validate,
)
from hostctl.core.bulk import chunks, db_value, insert_rows, read_csv
from hostctl.core.calendar import calendar_for
from hostctl.core.clients import get_client
from hostctl.core.context import Context
from hostctl.core.pricing import Line, price_items
from hostctl.errors import BusinessRuleError, ImportFileError, NotFoundError, ValidationError
from hostctl.i18n import N_, _
from hostctl.models import Client, Invoice, InvoiceLine, Product, Service
from hostctl.words import say

MAX_QUANTITY = 100
IMPORT_COLUMNS = (
    "client_email",
    "product",
    "cycle",
    "status",
    "next_due_date",
    "domain",
    "server",  # optional: the server the service runs on (rules §11)
)
IMPORT_STATUSES = ("active", "suspended", "pending")
SERVICE_STATUSES = ("pending", "active", "suspended", "cancelled", "terminated", "expired")
CHANGE_CYCLE_NOTICE_DAYS = 5  # BIL-11


def get_service(session: Session, service_id: int) -> Service:
    service = session.get(Service, service_id)
    if service is None:
        raise NotFoundError(
            _("There is no service {service_id}; `hostctl service list` shows them.").format(
                service_id=service_id
            )
        )
    return service


def list_services(
    session: Session,
    *,
    client_id: int | None = None,
    status: str | None = None,
    pending: bool = False,
    limit: int | None = None,
) -> list[Service]:
    if status is not None:
        status = validate.one_of(status, SERVICE_STATUSES, N_("service status"))
    stmt = select(Service)
    if client_id:
        stmt = stmt.where(Service.client_id == client_id)
    if pending:
        stmt = stmt.where(Service.status == "pending")
    elif status:
        stmt = stmt.where(Service.status == status)
    stmt = stmt.order_by(col(Service.id))
    if limit:
        stmt = stmt.limit(limit)
    return list(session.exec(stmt).all())


def item_for(
    session: Session,
    service: Service,
    product: Product,
    currency: str,
    period_start: dt.date | None,
) -> Any:
    price = catalogue.monthly_price(session, product, currency)
    return renewals.item_for(service, product, price, period_start)


# --------------------------------------------------------------------------- order
@dataclass
class OrderLine:
    """One product of an order: ``quantity`` identical services."""

    product_code: str
    cycle: str
    quantity: int = 1
    domain: str | None = None


def _checked(session: Session, client: Client, line: OrderLine) -> tuple[Product, OrderLine]:
    product = catalogue.get_product(session, line.product_code)
    cycle = catalogue.check_cycle(line.cycle)
    allowed = catalogue.product_cycles(product)
    if cycle not in allowed:
        raise BusinessRuleError(
            _("{product_code} cannot be billed {cycle}; its cycles are {allowed}.").format(
                product_code=product.code, cycle=cycle, allowed=", ".join(allowed)
            )
        )
    if not 1 <= line.quantity <= MAX_QUANTITY:
        raise ValidationError(
            _("The quantity must be from 1 to {max_quantity}.").format(max_quantity=MAX_QUANTITY)
        )
    if product.category == "domain" and not (line.domain or "").strip():
        raise ValidationError(_("A domain order needs --domain NAME."))
    if line.domain and line.quantity > 1:
        raise ValidationError(_("--domain names one service; order several domains one by one."))
    catalogue.monthly_price(session, product, client.currency)  # refuses a missing price
    domain = validate.domain(line.domain) if line.domain else None
    return product, OrderLine(product.code, cycle, line.quantity, domain)


def orderable_client(session: Session, client_id: int) -> Client:
    client = get_client(session, client_id)
    if client.status != "active":
        raise BusinessRuleError(
            _("Client {client_id} is {client_status}; it cannot order.").format(
                client_id=client.id, client_status=say("client", client.status)
            )
        )
    return client


def price_order(
    session: Session,
    ctx: Context,
    client: Client,
    lines: list[OrderLine],
    services: list[Service] | None = None,
) -> list[Line]:
    """The lines of an order of ``lines`` for ``client`` today: period, volume (the client's
    active services now), 5-for-4 bundle and DSC-8, as ``pricing.price_items`` makes them.
    With ``services`` (one per unit, in order) the lines carry their ids."""
    checked = [_checked(session, client, line) for line in lines]
    active, blocked = invoices.discount_facts(session, [client.id or 0]).get(
        client.id or 0, (0, False)
    )
    units = iter(services or [])
    items = []
    for product, line in checked:
        price = catalogue.monthly_price(session, product, client.currency)
        for _unit in range(line.quantity):
            unit = next(units, None) or Service(
                client_id=client.id or 0,
                product_code=product.code,
                cycle=line.cycle,
                domain=line.domain,
                created_on=ctx.today,
            )
            items.append(renewals.item_for(unit, product, price, ctx.today))
    return price_items(
        items, client.currency, active_services=active, discounts_blocked=blocked, bundle=True
    ).lines


def place_order(
    session: Session,
    ctx: Context,
    client_id: int,
    lines: list[OrderLine],
    *,
    extra: list[Line] | None = None,
    note: str | None = None,
    kind: str = "order",
) -> tuple[list[Service], Invoice]:
    """Pending services and their first invoice, due the day it is issued (BIL-13); ``extra``
    lines (a quote's free-text items) go on the same invoice."""
    client = orderable_client(session, client_id)
    checked = [_checked(session, client, line) for line in lines]
    services = []
    for _number, line in checked:
        for _unit in range(line.quantity):
            service = Service(
                client_id=client.id or 0,
                product_code=line.product_code,
                cycle=line.cycle,
                status="pending",
                domain=line.domain,
                created_on=ctx.today,
                created_at=ctx.now,
                updated_at=ctx.now,
            )
            session.add(service)
            services.append(service)
    session.flush()
    priced = price_order(session, ctx, client, [line for _, line in checked], services)
    invoice = payments.issue_invoice(
        session,
        ctx,
        invoices.InvoiceSpec(
            client=client,
            kind=kind,
            issue_date=ctx.today,
            due_date=ctx.today,
            lines=[*priced, *(extra or [])],
            note=note,
        ),
    )
    for service in services:
        service.order_invoice_id = invoice.id
        session.add(service)
        audit.record(
            session,
            ctx,
            "service.order",
            "service",
            service.id,
            {
                "client_id": client.id,
                "product": service.product_code,
                "cycle": service.cycle,
                "invoice": invoice.number,
            },
        )
    session.flush()
    return services, invoice


def order(
    session: Session,
    ctx: Context,
    *,
    client_id: int,
    product_code: str,
    cycle: str,
    quantity: int = 1,
    domain: str | None = None,
) -> tuple[list[Service], Invoice]:
    """Pending service(s) of one product and their first invoice (``place_order``)."""
    return place_order(session, ctx, client_id, [OrderLine(product_code, cycle, quantity, domain)])


# --------------------------------------------------------------------------- activation
def _order_paid(session: Session, service: Service) -> bool:
    if service.order_invoice_id is None:
        return True  # imported as pending: nothing to pay through hostctl
    invoice = session.get(Invoice, service.order_invoice_id)
    return invoice is not None and invoice.status == "paid"


def requirements_met(session: Session, ctx: Context, service_id: int) -> Service:
    """CAT-3: the lead time of a manual product starts now, in business days."""
    service = get_service(session, service_id)
    product = catalogue.get_product(session, service.product_code)
    if service.status != "pending":
        raise BusinessRuleError(
            _("Service {service_id} is {service_status}, not pending.").format(
                service_id=service.id, service_status=say("service", service.status)
            )
        )
    if product.activation != "manual":
        raise BusinessRuleError(
            _("{product_code} activates instantly when its invoice is paid.").format(
                product_code=product.code
            )
        )
    if not _order_paid(session, service):
        raise BusinessRuleError(
            _(
                "Service {service_id}'s first invoice is unpaid; requirements count once it "
                "is paid."
            ).format(service_id=service.id)
        )
    cal = calendar_for(settings.get(session, "calendar.holidays_country"))
    service.requirements_met_on = ctx.today
    service.activation_due = cal.add_business_days(ctx.today, product.activation_days)
    service.updated_at = ctx.now
    session.add(service)
    audit.record(
        session,
        ctx,
        "service.requirements_met",
        "service",
        service.id,
        {"activation_due": service.activation_due.isoformat()},
    )
    return service


def activate(session: Session, ctx: Context, service_id: int) -> Service:
    service = get_service(session, service_id)
    if service.status != "pending":
        raise BusinessRuleError(
            _("Service {service_id} is {service_status}, not pending.").format(
                service_id=service.id, service_status=say("service", service.status)
            )
        )
    if not _order_paid(session, service):
        raise BusinessRuleError(
            _("Service {service_id}'s first invoice is unpaid; it activates once paid.").format(
                service_id=service.id
            )
        )
    product = catalogue.get_product(session, service.product_code)
    if product.activation == "manual" and service.requirements_met_on is None:
        if product.requirement and product.requirement.rstrip(": "):
            raise BusinessRuleError(
                _(
                    "Mark the requirements of service {service_id} first (`hostctl service "
                    "requirements-met {service_id}`): {requirement}"
                ).format(service_id=service.id, requirement=product.requirement.rstrip(": "))
            )
        raise BusinessRuleError(
            _(
                "Mark the requirements of service {service_id} first (`hostctl service "
                "requirements-met {service_id}`)"
            ).format(service_id=service.id)
        )
    service_state.activate(session, ctx, service, reason="activated by staff")
    return service


def pending_queue(session: Session, today: dt.date) -> list[dict[str, Any]]:
    """Pending services with their state in the activation queue (CAT-3)."""
    rows = []
    cal = calendar_for(settings.get(session, "calendar.holidays_country"))
    for service in list_services(session, pending=True):
        product = session.get(Product, service.product_code)
        paid = _order_paid(session, service)
        state = "awaiting payment"
        days_left = None
        if paid and product is not None and product.activation == "manual":
            if service.activation_due is None:
                state = "awaiting requirements"
            elif service.activation_due < today:
                state = "overdue"
                days_left = -cal.business_days_between(service.activation_due, today)
            else:
                state = "in progress"
                days_left = cal.business_days_between(today, service.activation_due)
        elif paid:
            state = "ready"
        rows.append(
            {
                "service": service,
                "product": product,
                "queue_state": state,
                "business_days_left": days_left,
                "requirement": product.requirement if product else None,
            }
        )
    return rows


# --------------------------------------------------------------------------- suspension
def suspend_for_abuse(session: Session, ctx: Context, service_id: int, reason: str) -> Service:
    if reason != "abuse":
        raise ValidationError(_("Staff suspend services only for abuse: --reason abuse."))
    service = get_service(session, service_id)
    if service.status != "active":
        raise BusinessRuleError(
            _(
                "Service {service_id} is {service_status}; only active services can be suspended."
            ).format(service_id=service.id, service_status=say("service", service.status))
        )
    service_state.suspend(session, ctx, [service.id or 0], "abuse")
    session.refresh(service)
    return service


def unsuspend(session: Session, ctx: Context, service_id: int) -> Service:
    """Lift an abuse suspension (non-payment ones lift on payment, BIL-6)."""
    service = get_service(session, service_id)
    rows = service_state.locked_rows(session, [service.id or 0])
    if rows[0].status != "suspended" or rows[0].suspension_reason != "abuse":
        raise BusinessRuleError(
            _(
                "Service {service_id} is not suspended for abuse; non-payment and chargeback "
                "suspensions are lifted by paying."
            ).format(service_id=service.id)
        )
    service_state.reactivate(session, ctx, rows, "abuse", action="service.unsuspend")
    session.refresh(service)
    return service


# --------------------------------------------------------------------------- restoration
def restore(session: Session, ctx: Context, service_id: int) -> tuple[Service, Invoice, list[str]]:
    """BIL-8: a terminated service comes back with a restoration fee plus its unpaid period.
    Without a fee set for the client's currency the period alone is invoiced, with a
    warning naming the setting (staff are not blocked by a missing setting)."""
    service = get_service(session, service_id)
    if service.status != "terminated":
        raise BusinessRuleError(
            _(
                "Service {service_id} is {service_status}; only terminated services are restored."
            ).format(service_id=service.id, service_status=say("service", service.status))
        )
    if service.next_due_date is None:
        raise BusinessRuleError(
            _("Service {service_id} was never active; order it again.").format(
                service_id=service.id
            )
        )
    client = get_client(session, service.client_id)
    fee = settings.fee(session, "restoration_fee", client.currency)
    warnings = []
    if fee is None:
        warnings.append(
            _(
                "No restoration fee is set for {client_currency}, so none was invoiced; set "
                "it with `hostctl config set billing.restoration_fee.{client_currency} "
                "AMOUNT`."
            ).format(client_currency=client.currency)
        )
    existing = session.exec(
        select(Invoice)
        .join(InvoiceLine)
        .where(
            InvoiceLine.service_id == service.id,
            Invoice.kind == "restoration",
            Invoice.status == "unpaid",
        )
    ).first()
    if existing is not None:
        raise BusinessRuleError(
            _(
                "Service {service_id} already has restoration invoice {existing_number} "
                "waiting for payment."
            ).format(service_id=service.id, existing_number=existing.number)
        )
    product = catalogue.get_product(session, service.product_code)
    item = item_for(session, service, product, client.currency, service.next_due_date)
    priced = price_items(
        [item],
        client.currency,
        active_services=0,
        discounts_blocked=invoices.discounts_blocked(session, client.id or 0),
        bundle=False,
    )
    lines = [
        *(
            [Line("fee", "Cargo por restauración del servicio", fee, "restoration", service.id)]
            if fee is not None
            else []
        ),
        *priced.lines,
    ]
    invoice = payments.issue_invoice(
        session,
        ctx,
        invoices.InvoiceSpec(
            client=client, kind="restoration", issue_date=ctx.today, due_date=ctx.today, lines=lines
        ),
    )
    audit.record(
        session,
        ctx,
        "service.restore_requested",
        "service",
        service.id,
        {"invoice": invoice.number},
    )
    return service, invoice, warnings


def no_renew(session: Session, ctx: Context, service_id: int) -> Service:
    service = get_service(session, service_id)
    if service.status not in ("active", "suspended"):
        raise BusinessRuleError(
            _("Service {service_id} is {service_status}; nothing to renew.").format(
                service_id=service.id, service_status=say("service", service.status)
            )
        )
    if not service.auto_renew:
        raise BusinessRuleError(
            _("Service {service_id} is already set not to renew.").format(service_id=service.id)
        )
    service.auto_renew = False
    session.add(service)
    audit.record(
        session, ctx, "service.no_renew", "service", service.id, {"auto_renew": [True, False]}
    )
    return service


# --------------------------------------------------------------------------- cycle change
def cycle_choices(session: Session, service_id: int) -> list[str]:
    """The cycles a service can change to: its product's, less the one it has."""
    service = get_service(session, service_id)
    product = catalogue.get_product(session, service.product_code)
    return [c for c in catalogue.product_cycles(product) if c != service.cycle]


def change_cycle(
    session: Session, ctx: Context, service_id: int, cycle: str
) -> tuple[Service, Invoice | None]:
    """BIL-11: at least 5 days before the renewal; an unpaid, not yet due renewal invoice is
    replaced by one for the new cycle."""
    service = get_service(session, service_id)
    product = catalogue.get_product(session, service.product_code)
    cycle = catalogue.check_cycle(cycle)
    if cycle == service.cycle:
        raise BusinessRuleError(
            _("Service {service_id} is already billed {cycle}.").format(
                service_id=service.id, cycle=cycle
            )
        )
    if cycle not in catalogue.product_cycles(product):
        raise BusinessRuleError(
            _("{product_code} cannot be billed {cycle}; its cycles are {cycles}.").format(
                product_code=product.code, cycle=cycle, cycles=product.cycles.replace(",", ", ")
            )
        )
    if service.status not in ("active", "pending"):
        raise BusinessRuleError(
            _(
                "Service {service_id} is {service_status}; pay or restore it before changing "
                "its cycle."
            ).format(service_id=service.id, service_status=say("service", service.status))
        )
    due = service.next_due_date
    if due is not None and (due - ctx.today).days < CHANGE_CYCLE_NOTICE_DAYS:
        raise BusinessRuleError(
            _(
                "A cycle change must be asked at least {change_cycle_notice_days} days "
                "before the renewal on {due}; it can apply from the following period."
            ).format(change_cycle_notice_days=CHANGE_CYCLE_NOTICE_DAYS, due=due.isoformat())
        )
    old = service.cycle
    service.cycle = cycle
    session.add(service)
    audit.record(
        session, ctx, "service.change_cycle", "service", service.id, {"cycle": [old, cycle]}
    )
    replaced = None
    if due is not None:
        found = invoices.unpaid_renewals(session, service.id or 0, due)
        pending = found[0] if found else None
        if pending is not None and pending.due_date >= ctx.today:
            payments.cancel_invoice(session, ctx, pending, f"cycle change of service {service.id}")
            session.flush()
            made = renewals.generate_renewals(
                session, ctx, ctx.today, client_id=service.client_id, settle=payments.settle_ids
            )
            replaced = made[0] if made else None
    return service, replaced


# --------------------------------------------------------------------------- import
IN_CHUNK = 500  # values per IN list of the client lookup
_SERVICE_COLUMNS = (
    "client_id",
    "product_code",
    "cycle",
    "status",
    "suspension_reason",
    "next_due_date",
    "anchor_day",
    "domain",
    "auto_renew",
    "suspended_on",
    "created_on",
    "created_at",
    "updated_at",
    "server",
)


def import_services(session: Session, ctx: Context, path: Path) -> int:
    """Bring the existing base over with due dates and states, all or nothing.

    The file is read a batch of rows at a time (``bulk.IMPORT_BATCH``): each batch is
    checked, its clients looked up by email, then written straight to the driver
    (``insert_rows``) in the one transaction of the import. After the first bad row
    nothing more is written, the rest of the file is only checked, and the refusal rolls
    back what was written."""
    from hostctl.core import bulk

    bad = bulk.BadRows(reading.shown_name(path))
    rows = read_csv(path, IMPORT_COLUMNS, ("client_email", "product", "cycle", "status"), bad)
    conn = session.connection()
    table = Client.__table__  # type: ignore[attr-defined]
    written = Service.__table__  # type: ignore[attr-defined]
    products = {p.code: p for p in session.exec(select(Product)).all()}
    cycles = {code: frozenset(catalogue.product_cycles(p)) for code, p in products.items()}
    convert = db_value(session)
    today, now, yes = convert(ctx.today), convert(ctx.now), convert(True)
    dates: dict[str, tuple[Any, int]] = {}  # next_due_date as written → (stored, its day)
    imported = 0
    for batch in bulk.batched(rows, bulk.IMPORT_BATCH):
        clients: dict[str, int] = {}  # the clients of this batch, by email key
        for chunk in chunks(
            sorted({r.get("client_email", "").lower() for _line, r in batch}), IN_CHUNK
        ):
            for key, cid in conn.execute(
                select(table.c.email_key, table.c.id).where(table.c.email_key.in_(chunk))
            ):
                clients[key] = cid or 0
        payload: list[tuple[Any, ...]] = []
        for line, row in batch:
            problem = _import_row_problem(row, clients, products, cycles, dates, convert)
            if problem:
                bad.add(line, *problem)
            if bad:  # once a row is bad, the rest of the file is only checked
                continue
            status = row["status"]
            raw_due = row.get("next_due_date", "")
            due = dates[raw_due] if raw_due else None
            suspended = status == "suspended"
            payload.append(
                (
                    clients[row["client_email"].lower()],
                    row["product"].lower(),
                    row["cycle"].lower(),
                    status,
                    "non-payment" if suspended else None,
                    due[0] if due else None,
                    due[1] if due else None,
                    row.get("domain") or None,
                    yes,
                    today if suspended else None,
                    today,
                    now,
                    now,
                    row.get("server") or None,
                )
            )
        if not bad:
            imported += insert_rows(session, written, _SERVICE_COLUMNS, payload)
    bad.check()
    if not imported:
        raise ImportFileError(
            _("{file} has no rows to import.").format(file=reading.shown_name(path))
        )
    audit.record(
        session, ctx, "service.import", "service", "*", {"file": path.name, "count": imported}
    )
    return imported


def _import_row_problem(
    row: dict[str, str],
    clients: dict[str, int],
    products: dict[str, Product],
    cycles: dict[str, frozenset[str]],
    dates: dict[str, tuple[Any, int]],
    convert: Callable[[Any], Any],
) -> tuple[str, str] | None:
    """What is wrong with one import row, as (column, why), or None. Looked up in what
    the import read once: the clients by email, the products and their cycles, and the due
    dates already seen (a new valid one is added to ``dates`` as (stored value, its day))."""
    email = row.get("client_email", "").lower()
    if email not in clients:
        return "client_email", _("no client has the email {email!r}.").format(
            email=row.get("client_email")
        )
    product = products.get(row.get("product", "").lower())
    if product is None:
        return "product", _("there is no product {product!r}.").format(product=row.get("product"))
    cycle = row.get("cycle", "").lower()
    if cycle not in cycles[product.code]:
        return "cycle", _("{product_code} cannot be billed {cycle!r} ({cycles}).").format(
            product_code=product.code, cycle=cycle, cycles=product.cycles
        )
    status = row.get("status", "").lower()
    if status not in IMPORT_STATUSES:
        return "status", _("{status!r} is not one of {statuses}.").format(
            status=row.get("status"), statuses=", ".join(IMPORT_STATUSES)
        )
    row["status"] = status
    raw_due = row.get("next_due_date", "")
    if status != "pending" and not raw_due:
        return "next_due_date", _("an {status} service needs its next due date.").format(
            status=status
        )
    if raw_due and raw_due not in dates:
        try:
            if len(raw_due) != 10:
                raise ValueError
            day = dt.date.fromisoformat(raw_due)
        except ValueError:
            return "next_due_date", _("{raw_due!r} is not a date (YYYY-MM-DD).").format(
                raw_due=raw_due
            )
        dates[raw_due] = (convert(day), day.day)
    if product.category == "domain" and not row.get("domain"):
        return "domain", _("a domain service needs its domain name.")
    if row.get("domain"):
        try:
            row["domain"] = validate.domain(row["domain"])
        except ValidationError as exc:
            return "domain", exc.message
    if row.get("server"):
        from hostctl.core.servers import check_server

        try:
            row["server"] = check_server(row["server"])
        except ValidationError as exc:
            return "server", exc.message[:1].lower() + exc.message[1:]
    return None
