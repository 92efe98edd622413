"""The state changes of a service, one definition each, for one row or many (rules §4, BIL-6,
BIL-7, BIL-9): activating, suspending, reactivating, terminating, cancelling a pending one.

Each function takes service ids: ``daily`` passes thousands, a payment or a staff command
passes one. The rows are read under a row lock (``FOR UPDATE`` on PostgreSQL; SQLite
writers are serialised), changed with one ``UPDATE`` per chunk, then audited and alerted,
so two writers at the same moment never both change, audit or alert the same service.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import and_, bindparam, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from hostctl.core import audit, outbox, settings
from hostctl.core.bulk import chunks, update_ids
from hostctl.core.context import Context
from hostctl.core.cycles import lengthened, next_due
from hostctl.core.invoices import overdue_debt
from hostctl.core.rows import (
    CHUNK,
    INVOICES,
    SERVICE_COLS,
    SERVICES,
    by_ids,
    contacts,
    expire,
    no_index,
    product_names,
)
from hostctl.models import Client, Payment, Product, Service

LIVE = ("active", "suspended", "pending")
RUNNING = ("active", "suspended")  # what a suspension applies to: a pending one has not started
STATE_COLS = (*SERVICE_COLS, SERVICES.c.status, SERVICES.c.suspension_reason, SERVICES.c.cycle)
_P = Payment.__table__  # type: ignore[attr-defined]


def renewing() -> Any:
    """The SQL condition "this service renews": auto-renew on and no cancellation."""
    return and_(SERVICES.c.auto_renew.is_(True), SERVICES.c.cancellation.is_(None))


# --------------------------------------------------------------------------- alerts
def service_data(service: Any, names: dict[str, str], reason: str | None) -> dict[str, Any]:
    """The alert data of a service (an ORM ``Service`` or a row with its columns)."""
    return {
        "service_id": service.id,
        "product": service.product_code,
        "product_name": names.get(service.product_code, service.product_code),
        "domain": service.domain,
        "reason": reason,
    }


def emit_service_events(
    session: Session,
    ctx: Context,
    event: str,
    services: Sequence[Any],
    reason: str | Callable[[Any], str] | None,
    *,
    clients: dict[int, Any] | None = None,
    names: dict[str, str] | None = None,
) -> None:
    """Queue ``event`` for each service's holder (one ``emit_many`` for all of them)."""
    if not services:
        return
    if clients is None or not all(s.client_id in clients for s in services):
        clients = contacts(session, {s.client_id for s in services})
    names = product_names(session) if names is None else names
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
                "data": service_data(s, names, reason(s) if callable(reason) else reason),
            }
            for s in services
        ],
    )


def locked_rows(session: Session, ids: Sequence[int]) -> list[Any]:
    """The rows of these services under a row lock, in the order of ``ids``."""
    position = {service_id: i for i, service_id in enumerate(ids)}
    statement = by_ids(STATE_COLS, SERVICES, lock=True)
    rows: list[Any] = []
    for chunk in chunks(list(ids), CHUNK):
        rows += session.execute(statement, {"ids": chunk}).all()
    rows.sort(key=lambda row: position[row.id])
    return rows


# --------------------------------------------------------------------------- activation
def activate(session: Session, ctx: Context, service: Service, *, reason: str) -> None:
    """First period starts today; the due date keeps today's day of month (BIL-12)."""
    service.status = "active"
    service.activated_on = ctx.today
    service.anchor_day = ctx.today.day
    service.next_due_date = next_due(ctx.today, service.cycle, service.anchor_day)
    service.updated_at = ctx.now
    session.add(service)
    audit.record(
        session,
        ctx,
        "service.activate",
        "service",
        service.id,
        {"status": ["pending", "active"], "next_due_date": service.next_due_date.isoformat()},
        note=reason,
    )


# --------------------------------------------------------------------------- suspension
def suspend(
    session: Session,
    ctx: Context,
    ids: Sequence[int],
    reason: str,
    *,
    rule: str | None = None,
    clients: dict[int, Any] | None = None,
    names: dict[str, str] | None = None,
) -> list[Any]:
    """Suspend these services for ``reason`` (``non-payment``, ``abuse``, ``chargeback``):
    those active or suspended for another reason. A pending service is left pending: it has
    not started, and lifting the suspension would make it active with no period (its order
    invoice, unpaid again after a chargeback, keeps it from starting). Returns the rows
    suspended (as they were before), a chunk of ids at a time so memory stays flat on a
    first day with tens of thousands of them."""
    done: list[Any] = []
    changes: dict[str, str] = {}
    for id_chunk in chunks(list(ids), CHUNK):
        rows = [
            r
            for r in locked_rows(session, id_chunk)
            if r.status in RUNNING
            and not (r.status == "suspended" and r.suspension_reason == reason)
        ]
        if not rows:
            continue
        update_ids(
            session,
            SERVICES,
            [r.id for r in rows],
            status="suspended",
            suspension_reason=reason,
            suspended_on=ctx.today,
            updated_at=ctx.now,
        )
        for r in rows:
            if r.status not in changes:
                change: dict[str, Any] = {
                    "status": [r.status, "suspended"],
                    "suspension_reason": reason,
                }
                if rule:
                    change["rule"] = rule
                changes[r.status] = audit.dumps(change)
        emit_service_events(
            session, ctx, "service.suspended", rows, reason, clients=clients, names=names
        )
        audit.record_many(
            session, ctx, [("service.suspend", "service", r.id, changes[r.status]) for r in rows]
        )
        done += rows
    expire(session, Service, [r.id for r in done])
    return done


# --------------------------------------------------------------------------- reactivation
def reactivate(
    session: Session,
    ctx: Context,
    rows: Sequence[Any],
    reason: str,
    *,
    action: str = "service.reactivate",
    cycles: dict[int, str] | None = None,
    cause: dict[str, Any] | None = None,
    causes: dict[int, dict[str, Any]] | None = None,
    clients: dict[int, Any] | None = None,
    names: dict[str, str] | None = None,
) -> None:
    """Bring these suspended services (rows read under lock) back to ``active``; ``cycles``
    gives a new cycle for some of them (BIL-7), each recorded as its own audit entry
    ``service.lengthen_cycle`` (with ``cause``: the invoice whose payment did it)."""
    if not rows:
        return
    cycles = cycles or {}
    for cycle in sorted({cycles.get(r.id) for r in rows}, key=lambda c: c or ""):
        new_cycle: dict[str, Any] = {"cycle": cycle} if cycle else {}
        update_ids(
            session,
            SERVICES,
            [r.id for r in rows if cycles.get(r.id) == cycle],
            status="active",
            suspension_reason=None,
            suspended_on=None,
            updated_at=ctx.now,
            **new_cycle,
        )
    plain = audit.dumps({"status": ["suspended", "active"]})
    audit.record_many(
        session,
        ctx,
        [
            (
                action,
                "service",
                r.id,
                audit.dumps({"status": ["suspended", "active"], "cycle": [r.cycle, cycles[r.id]]})
                if r.id in cycles
                else plain,
            )
            for r in rows
        ],
    )
    audit.record_many(
        session,
        ctx,
        [
            (
                "service.lengthen_cycle",
                "service",
                r.id,
                {
                    "cycle": [r.cycle, cycles[r.id]],
                    "rule": "BIL-7",
                    **((causes or {}).get(r.client_id) or cause or {}),
                },
            )
            for r in rows
            if r.id in cycles
        ],
    )
    emit_service_events(
        session, ctx, "service.reactivated", rows, reason, clients=clients, names=names
    )
    expire(session, Service, [r.id for r in rows])


def _suspended_of(
    session: Session, client_ids: Iterable[int], statement: Any, today: dt.date
) -> list[Any]:
    """The rows ``statement`` (``_suspended_statement``) finds for these clients, under a
    row lock, one query per chunk of clients."""
    found: list[Any] = []
    for chunk in chunks(sorted(set(client_ids)), CHUNK):
        found += session.execute(statement, {"ids": chunk, "today": today}).all()
    return found


def _suspended_statement(reason: str, *conditions: Any) -> Any:
    """The services of the clients ``:ids`` suspended for ``reason`` that meet
    ``conditions`` (which may use ``:today``), under a row lock, read through the client
    indexes (``no_index``: not the status index). Built once per rule: ``daily`` asks it
    every day."""
    return (
        sa_select(*STATE_COLS)
        .where(
            SERVICES.c.client_id.in_(bindparam("ids", expanding=True)),
            no_index(SERVICES.c.status) == "suspended",
            SERVICES.c.suspension_reason == reason,
            *conditions,
        )
        .with_for_update()
    )


# BIL-6: suspended for non-payment, its own period paid (due today or later, or no due
# date), and the client has no overdue debt left.
_SUSPENDED_PAID_UP = _suspended_statement(
    "non-payment",
    SERVICES.c.next_due_date.is_(None) | (SERVICES.c.next_due_date >= bindparam("today")),
    ~overdue_debt(SERVICES.c.client_id, bindparam("today")),
)
# BIL-9 undone: suspended for a chargeback, nothing it reopened unpaid — no unpaid ``fee``
# invoice and no unpaid invoice with a reversed payment — and no overdue debt.
_REOPENED = (
    sa_select(INVOICES.c.id)
    .where(
        INVOICES.c.client_id == SERVICES.c.client_id,
        no_index(INVOICES.c.status) == "unpaid",
        or_(
            INVOICES.c.kind == "fee",
            INVOICES.c.id.in_(sa_select(_P.c.invoice_id).where(_P.c.status == "reversed")),
        ),
    )
    .exists()
)
_SUSPENDED_CHARGEBACK_PAID = _suspended_statement(
    "chargeback", ~_REOPENED, ~overdue_debt(SERVICES.c.client_id, bindparam("today"))
)


def reactivate_clear(
    session: Session,
    ctx: Context,
    client_ids: Iterable[int],
    *,
    lengthen: bool | None = None,
    cause: dict[str, Any] | None = None,
    causes: dict[int, dict[str, Any]] | None = None,
    clients: dict[int, Any] | None = None,
    names: dict[str, str] | None = None,
) -> list[Any]:
    """BIL-6: the clients' services suspended for non-payment whose own period is paid
    come back when the client has no overdue debt left (``invoices.overdue_debt``);
    ``lengthen`` (default: the BIL-7 setting) steps each one's cycle up one, recorded with
    ``cause`` (or the client's own in ``causes``: the invoice paid). One query per
    chunk of clients, read through the client indexes (``no_index``: not the status
    index). Returns the rows reactivated."""
    found = _suspended_of(session, client_ids, _SUSPENDED_PAID_UP, ctx.today)
    if not found:
        return []
    found.sort(key=lambda s: (s.client_id, s.next_due_date is not None, s.next_due_date, s.id))
    if lengthen is None:
        lengthen = bool(settings.get(session, "billing.lengthen_cycle_after_suspension"))
    cycles: dict[int, str] = {}
    if lengthen:
        allowed = dict(session.execute(sa_select(col(Product.code), col(Product.cycles))).all())
        for s in found:
            longer = lengthened(s.cycle, (allowed.get(s.product_code) or "").split(","))
            if longer != s.cycle:
                cycles[s.id] = longer
    reactivate(
        session,
        ctx,
        found,
        "payment",
        cycles=cycles,
        cause=cause,
        causes=causes,
        clients=clients,
        names=names,
    )
    return found


def lift_chargeback(session: Session, ctx: Context, client_ids: Iterable[int]) -> list[Any]:
    """BIL-9 undone: the clients' services suspended for a chargeback come back once what
    the chargeback reopened is paid — no unpaid ``fee`` invoice and no unpaid invoice with
    a reversed payment — and no overdue debt remains."""
    found = _suspended_of(session, client_ids, _SUSPENDED_CHARGEBACK_PAID, ctx.today)
    found.sort(key=lambda s: (s.client_id, s.id))
    reactivate(session, ctx, found, "payment")
    return found


# --------------------------------------------------------------------------- the end
def terminate(
    session: Session,
    ctx: Context,
    ids: Sequence[int],
    reason: str,
    *,
    rule: str | None = None,
    note: str | None = None,
    clients: dict[int, Any] | None = None,
    names: dict[str, str] | None = None,
) -> list[Any]:
    """Terminate these services (those still live): removed from the servers, alerted
    ``service.terminated``. Returns the rows terminated (as they were before)."""
    done: list[Any] = []
    change: dict[str, Any] = {"status": "terminated"}
    if rule:
        change["rule"] = rule
    changes = audit.dumps(change)
    for id_chunk in chunks(list(ids), CHUNK):
        rows = [r for r in locked_rows(session, id_chunk) if r.status in LIVE]
        if not rows:
            continue
        update_ids(
            session,
            SERVICES,
            [r.id for r in rows],
            status="terminated",
            ended_on=ctx.today,
            updated_at=ctx.now,
        )
        emit_service_events(
            session, ctx, "service.terminated", rows, reason, clients=clients, names=names
        )
        audit.record_many(
            session, ctx, [("service.terminate", "service", r.id, changes) for r in rows], note=note
        )
        done += rows
    expire(session, Service, [r.id for r in done])
    return done


def close_account(session: Session, ctx: Context, client: Client, *, reason: str) -> None:
    """Terminate every live service of the client (BIL-9 "close the account")."""
    ids = list(
        session.execute(
            sa_select(SERVICES.c.id)
            .where(SERVICES.c.client_id == client.id, SERVICES.c.status.in_(LIVE))
            .order_by(SERVICES.c.id)
        ).scalars()
    )
    terminate(session, ctx, ids, reason, note=reason)
    client.status = "closed"
    session.add(client)
    audit.record(
        session, ctx, "client.close", "client", client.id, {"status": "closed"}, note=reason
    )


def cancel_pending(
    session: Session, ctx: Context, ids: Sequence[int], *, note: str | None = None
) -> int:
    """Pending services whose order was cancelled end as ``cancelled``. With ``note`` (why
    the order went: an invoice cancelled by staff) each is recorded in the audit log as
    ``service.order_cancelled``; a cancellation asked for the service itself is recorded by
    its caller as ``service.cancel``."""
    pending = [r.id for r in locked_rows(session, list(ids)) if r.status == "pending"]
    changed = update_ids(
        session,
        SERVICES,
        pending,
        when={"status": ("pending",)},
        status="cancelled",
        ended_on=ctx.today,
    )
    if note is not None and pending:
        change = audit.dumps({"status": ["pending", "cancelled"]})
        audit.record_many(
            session,
            ctx,
            [("service.order_cancelled", "service", i, change) for i in pending],
            note=note,
        )
    expire(session, Service, ids)
    return changed


def ending_on(day: dt.date | Any) -> Any:
    """The SQL condition "this service ends on ``day`` instead of renewing" (set not to
    renew, or cancelled at the end of its period). ``day``: a date, or a bind parameter."""
    return and_(
        # the condition of the partial index ix_services_ending, then the rule's own
        SERVICES.c.auto_renew.is_(False) | SERVICES.c.cancellation.is_not(None),
        no_index(SERVICES.c.status).in_(("active", "suspended")),
        SERVICES.c.next_due_date <= day,
        SERVICES.c.auto_renew.is_(False) | (SERVICES.c.cancellation == "end-of-period"),
    )
