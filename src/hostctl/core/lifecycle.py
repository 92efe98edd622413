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
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, exists, func, select as sa_select
from sqlmodel import Session, col, select

from hostctl.core import audit, billing, catalogue, outbox, settings
from hostctl.core.calendar import BusinessCalendar, calendar_for
from hostctl.core.clock import real_now_utc
from hostctl.core.context import Context
from hostctl.core.money import Money
from hostctl.core.pricing import Item, price_items
from hostctl.errors import BusinessRuleError, BusyError
from hostctl.models import Client, DailyRun, Invoice, InvoiceLine, Lock, Product, Service

REMINDERS = (("first", 10, 1), ("second", 5, 2), ("final", 1, 3))
SUSPEND_AFTER_DAYS = 2
CLIENT_SUSPEND_BUSINESS_DAYS = 5
LOCK_NAME = "daily"
LOCK_STALE = dt.timedelta(minutes=15)
BATCH = 500


@dataclass
class Action:
    day: dt.date
    action: str  # invoice | reminder | suspend | suspend-client | terminate | end | expire
    client_id: int | None
    service_id: int | None = None
    detail: str = ""


@dataclass
class DayResult:
    day: dt.date
    actions: list[Action] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _renewing() -> Any:
    return and_(col(Service.auto_renew).is_(True), col(Service.cancellation).is_(None))


# --------------------------------------------------------------------------- D−15
def generate_renewals(session: Session, ctx: Context, day: dt.date, *,
                      client_id: int | None = None, problems: list[str] | None = None,
                      checkpoint: Callable[[], None] | None = None) -> list[Invoice]:
    """Renewal invoices for every period that starts within the notice window of ``day``."""
    horizon = day + dt.timedelta(days=int(settings.get(session, "billing.renewal_days_before")))
    invoiced = exists().where(
        InvoiceLine.service_id == Service.id, InvoiceLine.period_start == Service.next_due_date,
        InvoiceLine.kind == "item", InvoiceLine.invoice_id == Invoice.id,
        Invoice.status != "cancelled")
    stmt = select(Service).where(
        col(Service.status).in_(("active", "suspended")), _renewing(),
        col(Service.next_due_date).is_not(None), col(Service.next_due_date) <= horizon,
        ~invoiced)
    if client_id:
        stmt = stmt.where(Service.client_id == client_id)
    services = list(session.exec(stmt.order_by(col(Service.client_id),
                                                col(Service.next_due_date),
                                                col(Service.id))).all())
    if not services:
        return []
    groups: dict[tuple[int, dt.date], list[Service]] = {}
    for service in services:
        groups.setdefault((service.client_id, service.next_due_date), []).append(service)  # type: ignore[arg-type]
    created: list[Invoice] = []
    keys = list(groups)
    for start in range(0, len(keys), BATCH):
        chunk = keys[start : start + BATCH]
        created.extend(_renewal_batch(session, ctx, {k: groups[k] for k in chunk},
                                      problems if problems is not None else []))
        if checkpoint:
            checkpoint()
    return created


def _renewal_batch(session: Session, ctx: Context,
                   groups: dict[tuple[int, dt.date], list[Service]],
                   problems: list[str]) -> list[Invoice]:
    client_ids = sorted({cid for cid, _ in groups})
    clients = {c.id: c for c in session.exec(select(Client).where(col(Client.id).in_(client_ids)))}
    active = dict(session.exec(
        select(Service.client_id, func.count()).where(
            col(Service.client_id).in_(client_ids), Service.status == "active")
        .group_by(col(Service.client_id))).all())
    blocked = set(session.exec(
        select(Service.client_id).where(
            col(Service.client_id).in_(client_ids), Service.status == "suspended",
            Service.suspension_reason == "non-payment").distinct()).all())
    products: dict[str, Product] = {}
    specs = []
    for (cid, due), services in groups.items():
        client = clients[cid]
        try:
            items = []
            for service in services:
                product = products.get(service.product_code)
                if product is None:
                    product = catalogue.get_product(session, service.product_code)
                    products[product.code] = product
                items.append(Item(
                    service_id=service.id, product_code=product.code, product_name=product.name,
                    cycle=service.cycle,
                    monthly_price=_price(session, product, client.currency),
                    period_discount=product.period_discount, period_start=due,
                    anchor_day=service.anchor_day, domain=service.domain))
        except BusinessRuleError as exc:
            problems.append(f"client {cid}, due {due}: {exc.message}")
            continue
        priced = price_items(items, client.currency, active_services=active.get(cid, 0),
                             discounts_blocked=cid in blocked, bundle=False)
        specs.append(billing.InvoiceSpec(client=client, kind="renewal", issue_date=ctx.today,
                                         due_date=due, lines=priced.lines))
    return billing.create_invoices(session, ctx, specs)


def _price(session: Session, product: Product, currency: str) -> Money:
    return catalogue.monthly_price(session, product, currency)


# --------------------------------------------------------------------------- reminders
def send_reminders(session: Session, ctx: Context, day: dt.date) -> list[Action]:
    actions = []
    for stage, days_before, level in REMINDERS:
        due = day + dt.timedelta(days=days_before)
        rows = session.exec(
            select(Invoice, Client).join(Client, col(Client.id) == Invoice.client_id).where(
                Invoice.status == "unpaid", Invoice.kind == "renewal", Invoice.due_date == due,
                Invoice.reminders_sent < level)).all()
        if not rows:
            continue
        ids = [inv.id for inv, _ in rows]
        session.execute(
            Invoice.__table__.update().where(Invoice.__table__.c.id.in_(ids))  # type: ignore[attr-defined]
            .values(reminders_sent=level))
        outbox.emit_many(session, ctx, [
            {"event": "invoice.reminder", "stage": stage, "client_id": c.id, "phone": c.phone,
             "email": c.email, "invoice_id": inv.id,
             "data": billing.invoice_payload(inv, [])}
            for inv, c in rows])
        audit.record_many(session, ctx, [
            ("invoice.reminder", "invoice", inv.id, {"stage": stage}) for inv, _ in rows])
        actions.extend(Action(day, "reminder", c.id, None, f"{inv.number} {stage}")
                       for inv, c in rows)
    return actions


# --------------------------------------------------------------------------- D+2, 5th bd
def suspend_overdue(session: Session, ctx: Context, day: dt.date) -> list[Action]:
    cutoff = day - dt.timedelta(days=SUSPEND_AFTER_DAYS)
    rows = session.exec(select(Service).where(
        Service.status == "active", _renewing(), col(Service.next_due_date) <= cutoff)).all()
    return _suspend_all(session, ctx, day, list(rows), "suspend")


def debtor_cutoff(cal: BusinessCalendar, day: dt.date) -> dt.date:
    """The latest due date D whose 5th business day after is on or before ``day``."""
    candidate = day
    while cal.add_business_days(candidate, CLIENT_SUSPEND_BUSINESS_DAYS) > day:
        candidate -= dt.timedelta(days=1)
    return candidate


def suspend_debtors(session: Session, ctx: Context, day: dt.date,
                    cal: BusinessCalendar) -> list[Action]:
    """"El deudor es el cliente": every service of a client 5 business days overdue."""
    cutoff = debtor_cutoff(cal, day)
    debtors = sa_select(Service.client_id).where(
        col(Service.status).in_(("active", "suspended")), _renewing(),
        col(Service.next_due_date) <= cutoff)
    rows = session.exec(select(Service).where(
        Service.status == "active", col(Service.client_id).in_(debtors))).all()
    return _suspend_all(session, ctx, day, list(rows), "suspend-client")


def _suspend_all(session: Session, ctx: Context, day: dt.date, services: list[Service],
                 action: str) -> list[Action]:
    if not services:
        return []
    ids = [s.id for s in services]
    table = Service.__table__  # type: ignore[attr-defined]
    session.execute(table.update().where(table.c.id.in_(ids)).values(
        status="suspended", suspension_reason="non-payment", suspended_on=day,
        updated_at=ctx.now))
    clients = _clients(session, {s.client_id for s in services})
    names = _product_names(session)
    outbox.emit_many(session, ctx, [
        {"event": "service.suspended", "client_id": s.client_id,
         "phone": clients[s.client_id].phone, "email": clients[s.client_id].email,
         "service_id": s.id,
         "data": _service_data(s, names, "non-payment")} for s in services])
    audit.record_many(session, ctx, [
        ("service.suspend", "service", s.id,
         {"status": ["active", "suspended"], "suspension_reason": "non-payment",
          "rule": "D+2" if action == "suspend" else "5th business day"})
        for s in services])
    return [Action(day, action, s.client_id, s.id, f"due {s.next_due_date}") for s in services]


# --------------------------------------------------------------------------- D+25
def terminate_overdue(session: Session, ctx: Context, day: dt.date,
                      cal_days: int) -> list[Action]:
    cutoff = day - dt.timedelta(days=cal_days)
    services = list(session.exec(select(Service).where(
        col(Service.status).in_(("active", "suspended")), _renewing(),
        col(Service.next_due_date) <= cutoff)).all())
    if not services:
        return []
    clients = _clients(session, {s.client_id for s in services})
    names = _product_names(session)
    actions = []
    for service in services:
        service.status = "terminated"
        service.ended_on = day
        service.updated_at = ctx.now
        session.add(service)
        actions.append(Action(day, "terminate", service.client_id, service.id,
                              f"due {service.next_due_date}"))
    session.flush()
    outbox.emit_many(session, ctx, [
        {"event": "service.terminated", "client_id": s.client_id,
         "phone": clients[s.client_id].phone, "email": clients[s.client_id].email,
         "service_id": s.id, "data": _service_data(s, names, "non-payment")}
        for s in services])
    audit.record_many(session, ctx, [
        ("service.terminate", "service", s.id, {"status": "terminated", "rule": "D+25"})
        for s in services])
    invoices = session.exec(select(Invoice).where(
        Invoice.status == "unpaid", col(Invoice.id).in_(
            sa_select(InvoiceLine.invoice_id).where(
                col(InvoiceLine.service_id).in_([s.id for s in services]),
                InvoiceLine.kind == "item")))).all()
    for invoice in invoices:
        if invoice.kind in ("renewal", "restoration"):
            billing.cancel_invoice(session, ctx, invoice, "service terminated for non-payment")
    session.flush()
    for client in clients.values():
        billing.reactivate_if_clear(session, ctx, client, lengthen=False)
    return actions


# --------------------------------------------------------------------------- not renewing
def end_non_renewing(session: Session, ctx: Context, day: dt.date) -> list[Action]:
    services = list(session.exec(select(Service).where(
        col(Service.status).in_(("active", "suspended")),
        col(Service.next_due_date) <= day,
        (col(Service.auto_renew).is_(False)) | (Service.cancellation == "end-of-period"))).all())
    if not services:
        return []
    clients = _clients(session, {s.client_id for s in services})
    categories = dict(session.exec(select(Product.code, Product.category)).all())
    names = _product_names(session)
    actions = []
    for service in services:
        expired = categories.get(service.product_code) == "domain" and not service.cancellation
        service.status = "expired" if expired else "cancelled"
        service.ended_on = day
        session.add(service)
        actions.append(Action(day, "end", service.client_id, service.id, service.status))
    session.flush()
    outbox.emit_many(session, ctx, [
        {"event": "service.terminated", "client_id": s.client_id,
         "phone": clients[s.client_id].phone, "email": clients[s.client_id].email,
         "service_id": s.id, "data": _service_data(s, names, s.status)} for s in services])
    audit.record_many(session, ctx, [
        ("service.end", "service", s.id, {"status": s.status, "rule": "not renewed"})
        for s in services])
    return actions


def _clients(session: Session, ids: set[int]) -> dict[int, Client]:
    result: dict[int, Client] = {}
    id_list = sorted(ids)
    for start in range(0, len(id_list), 900):
        chunk = id_list[start : start + 900]
        result.update({c.id: c for c in session.exec(  # type: ignore[misc]
            select(Client).where(col(Client.id).in_(chunk)))})
    return result


def _product_names(session: Session) -> dict[str, str]:
    return dict(session.exec(select(Product.code, Product.name)).all())


def _service_data(service: Service, names: dict[str, str], reason: str) -> dict[str, Any]:
    return {"service_id": service.id, "product": service.product_code,
            "product_name": names.get(service.product_code, service.product_code),
            "domain": service.domain, "reason": reason}


# --------------------------------------------------------------------------- one day
def run_day(session: Session, ctx: Context, checkpoint: Callable[[], None]) -> DayResult:
    """Every rule for ``ctx.today``, each rule's work committed at ``checkpoint``."""
    from hostctl.core import transfers

    day = ctx.today
    result = DayResult(day)
    cal = calendar_for(settings.get(session, "calendar.holidays_country"))
    result.actions += end_non_renewing(session, ctx, day)
    checkpoint()
    invoices = generate_renewals(session, ctx, day, problems=result.problems,
                                 checkpoint=checkpoint)
    result.actions += [Action(day, "invoice", i.client_id, None,
                              f"{i.number} due {i.due_date} "
                              f"{Money(i.total_minor, i.currency)}") for i in invoices]
    result.actions += send_reminders(session, ctx, day)
    checkpoint()
    result.actions += suspend_overdue(session, ctx, day)
    checkpoint()
    result.actions += suspend_debtors(session, ctx, day, cal)
    checkpoint()
    days = int(settings.get(session, "billing.termination_days_after"))
    result.actions += terminate_overdue(session, ctx, day, days)
    checkpoint()
    expired = transfers.expire_transfers(session, ctx)
    result.actions += [Action(day, "expire", None, None, "transfer")] * expired
    return result


# --------------------------------------------------------------------------- the lock
@contextmanager
def daily_lock(url: str | None, ctx: Context, *, wait: bool = False) -> Iterator[str]:
    """A lease row in ``locks``; a fresh lease of another holder means "busy" (exit 75)."""
    import time

    from sqlalchemy.exc import IntegrityError

    from hostctl.db import unit_of_work

    holder = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
    while True:
        try:
            with unit_of_work(url=url) as session:
                now = real_now_utc()
                lock = session.get(Lock, LOCK_NAME, with_for_update=True)
                if lock is None:
                    session.add(Lock(name=LOCK_NAME, holder=holder, acquired_at=now,
                                     heartbeat_at=now))
                elif now - lock.heartbeat_at > LOCK_STALE:
                    lock.holder, lock.acquired_at, lock.heartbeat_at = holder, now, now
                    session.add(lock)
                else:
                    raise BusyError(
                        f"Another daily run ({lock.holder}) has been working since "
                        f"{lock.acquired_at:%Y-%m-%d %H:%M} UTC; try again later.")
            break
        except BusyError:
            if not wait:
                raise
            time.sleep(1)
        except IntegrityError:  # another run inserted the lease at the same moment
            if not wait:
                raise BusyError(
                    "Another daily run is working right now; try again later."
                ) from None
            time.sleep(1)
    try:
        yield holder
    finally:
        with unit_of_work(url=url) as session:
            lock = session.get(Lock, LOCK_NAME)
            if lock is not None and lock.holder == holder:
                session.delete(lock)


def heartbeat(session: Session, holder: str) -> None:
    lock = session.get(Lock, LOCK_NAME)
    if lock is not None and lock.holder == holder:
        lock.heartbeat_at = real_now_utc()
        session.add(lock)


# --------------------------------------------------------------------------- the run
def days_to_run(session: Session, until: dt.date) -> list[dt.date]:
    last = session.exec(select(func.max(DailyRun.day)).where(
        col(DailyRun.finished_at).is_not(None))).one()
    if last is None:
        return [until]
    days = []
    day = last + dt.timedelta(days=1)
    while day <= until:
        days.append(day)
        day += dt.timedelta(days=1)
    return days


COUNTS = {"invoice": "invoices_created", "reminder": "reminders", "suspend": "suspended",
          "suspend-client": "suspended", "terminate": "terminated", "end": "ended",
          "expire": "expired"}


def run_daily(
    ctx: Context, *, until: dt.date, dry_run: bool = False, wait: bool = False,
    url: str | None = None, send_alerts: bool = True,
    on_day: Callable[[DayResult], None] | None = None,
    on_start: Callable[[list[dt.date]], None] | None = None,
) -> dict[str, Any]:
    """Run every day from the one after the last finished run up to ``until``."""
    from hostctl.db import unit_of_work

    summary: dict[str, Any] = {"invoices_created": 0, "reminders": 0, "suspended": 0,
                               "terminated": 0, "ended": 0, "expired": 0, "alerts_sent": 0,
                               "days": [], "dry_run": dry_run, "problems": [], "actions": []}
    with daily_lock(url, ctx, wait=wait) as holder, unit_of_work(url=url) as session:
        days = days_to_run(session, until)
        if on_start:
            on_start(days)

        def checkpoint() -> None:
            if dry_run:
                session.flush()
            else:
                heartbeat(session, holder)
                session.commit()

        for day in days:
            dctx = ctx.on(day)
            result = run_day(session, dctx, checkpoint)
            counts = {}
            for action in result.actions:
                key = COUNTS[action.action]
                summary[key] += 1
                counts[key] = counts.get(key, 0) + 1
            summary["days"].append(day.isoformat())
            summary["problems"] += [f"{day}: {p}" for p in result.problems]
            summary["actions"] += [
                {"day": a.day.isoformat(), "action": a.action, "client_id": a.client_id,
                 "service_id": a.service_id, "detail": a.detail} for a in result.actions]
            session.add(DailyRun(day=day, started_at=real_now_utc(), finished_at=real_now_utc(),
                                 summary=json.dumps(counts)))
            checkpoint()
            if on_day:
                on_day(result)
        if dry_run:
            session.rollback()
    if send_alerts and not dry_run:
        from hostctl.core import delivery

        # claims are stamped with the real time, even when a past day was replayed
        from hostctl.core.clock import COMPANY_TZ

        real = Context(staff=ctx.staff, today=ctx.today,
                       now=real_now_utc().astimezone(COMPANY_TZ))
        sent = delivery.send_pending(real, url=url)
        summary["alerts_sent"] = int(sent.get("sent", 0))
    return summary
