"""The daily automation of rules §4, rule by rule, each rule one set-based selection.

For a service whose current period ends on its due date D:
D−15 renewal invoice (one per client and due date, BIL-1; ``renewals``) · D−10, D−5, D−1
reminders · D+2 suspension · 5th business day after D every service of the client · D+25
termination with its unpaid invoice cancelled. Services set not to renew end on D instead.

The state changes themselves are ``service_state``'s and ``invoices``' (the same functions a
payment or a staff command calls with one id); this module decides which rows, on which day.

BIL-10: every rule selects by state ("active and overdue", "no invoice yet for this period",
"reminder stage not yet sent"), so a rerun of a day does nothing twice; the runner walks
every missed day in order, and a lease in the ``locks`` table keeps two runs apart.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from hostctl.core import (
    audit,
    cancellations,
    invoices,
    outbox,
    payments,
    quotes,
    service_state,
    settings,
    transfers,
)
from hostctl.core.bulk import update_ids
from hostctl.core.calendar import BusinessCalendar, calendar_for
from hostctl.core.clock import real_now_utc
from hostctl.core.context import Context
from hostctl.core.daily_lock import daily_lock, heartbeat
from hostctl.core.money import Money
from hostctl.core.renewals import CatalogueCache, generate_renewals
from hostctl.core.rows import (
    CLIENTS,
    INVOICES,
    SERVICE_COLS,
    SERVICES,
    Action,
    Actions,
    contacts,
    no_index,
    product_names,
)
from hostctl.i18n import N_
from hostctl.models import DailyRun, Product
from hostctl.words import word

REMINDERS = (("first", 10, 1), ("second", 5, 2), ("final", 1, 3))
SUSPEND_AFTER_DAYS = 2
CLIENT_SUSPEND_BUSINESS_DAYS = 5
DAILY_STAFF = "daily"  # who the audit log names for what the automation did (WHY-1)
__all__ = ["Action", "Actions", "DayResult", "generate_renewals", "run_daily", "run_day"]


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


# --------------------------------------------------------------------------- reminders
# The unpaid renewal invoices due on :due not yet reminded at :level, with their holder's
# contacts: built once (three stages a day, every day of a catch-up).
_REMINDER_DUE = (
    sa_select(
        INVOICES.c.id,
        INVOICES.c.number,
        INVOICES.c.total_minor,
        INVOICES.c.paid_minor,
        INVOICES.c.currency,
        INVOICES.c.issue_date,
        INVOICES.c.due_date,
        CLIENTS.c.id.label("client_id"),
        CLIENTS.c.phone,
        CLIENTS.c.email,
    )
    .select_from(INVOICES.join(CLIENTS, CLIENTS.c.id == INVOICES.c.client_id))
    .where(
        INVOICES.c.status == "unpaid",
        INVOICES.c.kind == "renewal",
        INVOICES.c.due_date == bindparam("due"),
        INVOICES.c.reminders_sent < bindparam("level"),
    )
)


def send_reminders(session: Session, ctx: Context, day: dt.date) -> Actions:
    sent: list[tuple[Any, str]] = []
    for stage, days_before, level in REMINDERS:
        due = day + dt.timedelta(days=days_before)
        rows = session.execute(_REMINDER_DUE, {"due": due, "level": level}).all()
        if not rows:
            continue
        update_ids(session, INVOICES, [inv.id for inv in rows], reminders_sent=level)
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
                    "data": invoices.invoice_payload(inv, []),
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
        lambda row: (
            row[0].client_id,
            None,
            N_("{number} {stage}", number=row[0].number, stage=word("stage", row[1])),
        ),
    )


# --------------------------------------------------------------------------- the days
# Each rule's day for a due date D, and the cutoff the rule selects by on a given day: the
# one pair of definitions that `daily` acts on and `why` predicts from.
def reminder_days(due: dt.date) -> list[tuple[str, dt.date]]:
    return [(stage, due - dt.timedelta(days=days)) for stage, days, _ in REMINDERS]


def suspension_day(due: dt.date) -> dt.date:
    """D+2: the day a service unpaid since ``due`` is suspended."""
    return due + dt.timedelta(days=SUSPEND_AFTER_DAYS)


def suspension_cutoff(day: dt.date) -> dt.date:
    """The latest due date whose service is suspended on ``day`` (D+2)."""
    return day - dt.timedelta(days=SUSPEND_AFTER_DAYS)


def client_suspension_day(cal: BusinessCalendar, due: dt.date) -> dt.date:
    """The 5th business day after ``due``: every service of the debtor is suspended."""
    return cal.add_business_days(due, CLIENT_SUSPEND_BUSINESS_DAYS)


def termination_days(session: Session) -> int:
    return int(settings.get(session, "billing.termination_days_after"))


def termination_day(session: Session, due: dt.date) -> dt.date:
    """D+25: the day a service unpaid since ``due`` is terminated."""
    return due + dt.timedelta(days=termination_days(session))


# --------------------------------------------------------------------------- D+2, 5th bd


# The rules' selections, built once with the day's cutoff as a parameter (every day of a
# catch-up runs each of them).
_OVERDUE_ACTIVE = (
    sa_select(SERVICES.c.id)
    .where(
        SERVICES.c.status == "active",
        service_state.renewing(),
        SERVICES.c.next_due_date <= bindparam("cutoff"),
    )
    .order_by(SERVICES.c.next_due_date, SERVICES.c.id)
)
# The active services of the clients with a renewing service (active or already suspended)
# due on or before the cutoff.
_DEBTORS_ACTIVE = sa_select(SERVICES.c.id, SERVICES.c.next_due_date).where(
    SERVICES.c.client_id.in_(
        sa_select(SERVICES.c.client_id).where(
            SERVICES.c.status.in_(("active", "suspended")),
            service_state.renewing(),
            SERVICES.c.next_due_date <= bindparam("cutoff"),
        )
    ),
    no_index(SERVICES.c.status) == "active",
)
_TERMINABLE = sa_select(SERVICES.c.id).where(
    SERVICES.c.status.in_(("active", "suspended")),
    service_state.renewing(),
    SERVICES.c.next_due_date <= bindparam("cutoff"),
)
_ENDING = sa_select(*SERVICE_COLS, SERVICES.c.cancellation).where(
    service_state.ending_on(bindparam("day"))
)


def suspend_overdue(session: Session, ctx: Context, day: dt.date, *, keep: bool = True) -> Actions:
    ids = session.execute(_OVERDUE_ACTIVE, {"cutoff": suspension_cutoff(day)}).scalars()
    return _suspend(session, ctx, day, list(ids), "suspend", "D+2", keep)


def debtor_cutoff(cal: BusinessCalendar, day: dt.date) -> dt.date:
    """The latest due date D whose 5th business day after is on or before ``day``."""
    candidate = day
    while client_suspension_day(cal, candidate) > day:
        candidate -= dt.timedelta(days=1)
    return candidate


def suspend_debtors(
    session: Session, ctx: Context, day: dt.date, cal: BusinessCalendar, *, keep: bool = True
) -> Actions:
    """ "El deudor es el cliente": every service of a client 5 business days overdue.

    One query: the active services of the clients that have a renewing service (active or
    already suspended) due on or before the cutoff. Read through the client index, so a day
    costs the debtors' few services, not a pass over every active one."""
    found = sorted(
        session.execute(_DEBTORS_ACTIVE, {"cutoff": debtor_cutoff(cal, day)}).all(),
        key=lambda s: (s.next_due_date is not None, s.next_due_date, s.id),
    )
    return _suspend(
        session, ctx, day, [s.id for s in found], "suspend-client", "5th business day", keep
    )


def _suspend(
    session: Session,
    ctx: Context,
    day: dt.date,
    ids: list[int],
    action: str,
    rule: str,
    keep: bool,
) -> Actions:
    """``service_state.suspend`` for non-payment; the rows are kept for the actions'
    descriptions only if ``keep``."""
    names = product_names(session) if ids else {}
    done = service_state.suspend(session, ctx, ids, "non-payment", rule=rule, names=names)
    if keep:
        return Actions(day, action, done, _describe_service)
    return Actions.counted(day, action, len(done))


def _describe_service(service: Any) -> tuple[int | None, int | None, str]:
    return service.client_id, service.id, N_("due {due_date}", due_date=service.next_due_date)


# --------------------------------------------------------------------------- D+25
def terminate_overdue(session: Session, ctx: Context, day: dt.date, cal_days: int) -> Actions:
    """Terminate, cancel the unpaid renewal/restoration invoices of the terminated services
    (what was paid on them, and credit used, goes back to credit), then reactivate the other
    suspended services of each client left with no overdue debt."""
    cutoff = day - dt.timedelta(days=cal_days)
    ids = list(session.execute(_TERMINABLE, {"cutoff": cutoff}).scalars())
    if not ids:
        return Actions(day, "terminate", [], _describe_service)
    names = product_names(session)
    services = service_state.terminate(session, ctx, ids, "non-payment", rule="D+25", names=names)
    clients = contacts(session, {s.client_id for s in services})
    invoice_ids = invoices.invoices_with_items_of(session, [s.id for s in services])
    invoices.cancel_invoices(
        session,
        ctx,
        invoice_ids,
        "service terminated for non-payment",
        kinds=("renewal", "restoration"),
        client_contacts=clients,
    )
    service_state.reactivate_clear(
        session, ctx, sorted(clients), lengthen=False, clients=clients, names=names
    )
    return Actions(day, "terminate", services, _describe_service)


# --------------------------------------------------------------------------- not renewing
def end_non_renewing(session: Session, ctx: Context, day: dt.date) -> Actions:
    services = session.execute(_ENDING, {"day": day}).all()
    if not services:
        return Actions.counted(day, "end", 0)
    categories = dict(session.execute(sa_select(col(Product.code), col(Product.category))).all())
    status = {
        s.id: "expired"
        if categories.get(s.product_code) == "domain" and not s.cancellation
        else "cancelled"
        for s in services
    }
    for value in ("expired", "cancelled"):
        update_ids(
            session,
            SERVICES,
            [s.id for s in services if status[s.id] == value],
            status=value,
            ended_on=day,
        )
    service_state.emit_service_events(
        session, ctx, "service.terminated", services, lambda s: status[s.id]
    )
    audit.record_many(
        session,
        ctx,
        [
            ("service.end", "service", s.id, {"status": status[s.id], "rule": "not renewed"})
            for s in services
        ],
    )
    return Actions(
        day, "end", services, lambda s: (s.client_id, s.id, word("service", status[s.id]))
    )


# --------------------------------------------------------------------------- one day
def run_day(
    session: Session,
    ctx: Context,
    checkpoint: Callable[[], None],
    *,
    keep: bool = True,
    catalogue_cache: CatalogueCache | None = None,
) -> DayResult:
    """Every rule for ``ctx.today``, each rule's work flushed at ``checkpoint``; the actions
    are listed in the result only if ``keep`` (they are always counted). ``catalogue_cache``:
    the products and prices of a run of several days, read once."""
    day = ctx.today
    result = DayResult(day, keep)
    cal = calendar_for(settings.get(session, "calendar.holidays_country"))
    result.add(end_non_renewing(session, ctx, day))
    checkpoint()
    invoices = generate_renewals(
        session,
        ctx,
        day,
        settle=payments.settle_ids,
        problems=result.problems,
        checkpoint=checkpoint,
        keep=keep,
        catalogue_cache=catalogue_cache,
    )
    result.add(
        Actions(
            day,
            "invoice",
            invoices,
            lambda i: (
                i.client_id,
                None,
                N_(
                    "{number} due {due_date} {total}",
                    number=i.number,
                    due_date=i.due_date,
                    total=Money(i.total_minor, i.currency),
                ),
            ),
        )
    )
    del invoices
    result.add(send_reminders(session, ctx, day))
    checkpoint()
    # D+25 before D+2 and the 5th business day: a debt that ends today (its service
    # terminated, its invoice cancelled) suspends nothing first, so no client is told of a
    # suspension and its reactivation on one morning (after a WHMCS import, or a day that
    # holds both rules for one client)
    result.add(terminate_overdue(session, ctx, day, termination_days(session)))
    checkpoint()
    result.add(suspend_overdue(session, ctx, day, keep=keep))
    checkpoint()
    result.add(suspend_debtors(session, ctx, day, cal, keep=keep))
    checkpoint()
    deleted = cancellations.delete_expired_domains(session, ctx, day)
    result.add(Actions(day, "delete-domain", deleted, lambda s: (s.client_id, s.id, s.domain)))
    result.add(Actions.counted(day, "expire-quote", quotes.expire(session, ctx, day)))
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
    "delete-domain": "domains_deleted",
    "expire-quote": "quotes_expired",
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
    panels: Callable[[Any], Any] | None = None,
) -> dict[str, Any]:
    """Run every day from the one after the last finished run up to ``until``.

    Each day is one transaction (rules flush as they go; the day commits at its end), so a
    crash leaves no day half-done. ``keep_actions=False`` counts actions without keeping
    the list (``daily`` without ``--verbose``/``--dry-run``: memory stays flat).

    ``dry_run``: the very same run, on a throw-away copy of the database (``db.scratch_copy``)
    and without the daily lock; nothing of it reaches the database. ``panels`` makes the
    panel drivers for the sending that follows the days (``delivery.send_pending``): the
    days are committed first, so the books never wait for a panel."""
    from hostctl.db import bulk_writes, scratch_copy, unit_of_work

    summary: dict[str, Any] = {
        "invoices_created": 0,
        "reminders": 0,
        "suspended": 0,
        "terminated": 0,
        "ended": 0,
        "expired": 0,
        "domains_deleted": 0,
        "quotes_expired": 0,
        "alerts_sent": 0,
        "days": [],
        "dry_run": dry_run,
        "problems": [],
        "actions": [],
    }
    with ExitStack() as stack:
        # A dry run is the same run on a throw-away copy of the database: it takes no lock,
        # so a real daily started meanwhile neither waits for it nor gives up.
        holder: str | None = None
        work_url: str | None
        if dry_run:
            work_url = stack.enter_context(scratch_copy(url))
        else:
            work_url = url
            holder = stack.enter_context(daily_lock(url, ctx, wait=wait))
        session = stack.enter_context(unit_of_work(url=work_url, one_connection=True))
        bulk_writes(session)
        catalogue = CatalogueCache(session)  # the products and prices, once for all the days
        days = days_to_run(session, until)
        if on_start:
            on_start(days)

        def checkpoint() -> None:
            session.flush()

        def end_of_day() -> None:
            if holder is not None:
                heartbeat(session, holder)
            session.commit()

        for day in days:
            try:
                dctx = ctx.on(day, staff=DAILY_STAFF)
                result = run_day(
                    session, dctx, checkpoint, keep=keep_actions, catalogue_cache=catalogue
                )

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
            except Exception as exc:
                from hostctl.db_url import storage_full

                full = storage_full(exc, day.isoformat(), url)
                if full is None:
                    raise
                session.rollback()  # the day is undone, and said in words
                raise full from None
    if send_alerts and not dry_run:
        from hostctl.core import delivery

        # claims are stamped with the real time, even when a past day was replayed
        from hostctl.core.clock import COMPANY_TZ

        real = Context(staff=ctx.staff, today=ctx.today, now=real_now_utc().astimezone(COMPANY_TZ))
        sent = delivery.send_pending(real, url=url, panels=panels)
        summary["alerts_sent"] = int(sent.get("sent", 0))
    return summary
