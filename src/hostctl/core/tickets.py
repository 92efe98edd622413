"""Support tickets and their service levels (rules §8, SLA-1 … SLA-6).

Deadlines are stored on the ticket when it opens (first response) and on every reply
(resolution), in business time of ``core/calendar.py`` with the holidays country of the
settings. ``now`` always comes from the ``Context``; nothing here reads the clock.
"""

from __future__ import annotations

import datetime as dt
import secrets
import statistics
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import and_, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from hostctl.core import audit, settings, validate
from hostctl.core.calendar import BusinessCalendar, calendar_for
from hostctl.core.clients import get_client
from hostctl.core.clock import COMPANY_TZ, to_local
from hostctl.core.context import Context
from hostctl.errors import BusinessRuleError, NotFoundError, ValidationError
from hostctl.i18n import N_, _, localize
from hostctl.models import Ticket, TicketMessage

CATEGORIES = ("sla1", "sla2", "sla3", "sla4")
RECLASSIFY_FROM = ("sla3", "sla4")  # staff decide what an error report / SLA4 query is
RECLASSIFY_TO = ("sla1", "sla2")
PRIORITIES = ("p1", "p2", "p3", "p4")
STATUSES = ("open", "answered", "client-reply", "closed")
AUTHORS = ("staff", "client")
REPORT_GROUPS = ("plan", "category", "agent")

# SLA-4: first-response target by support plan, in business minutes.
FIRST_RESPONSE_MINUTES = {"standard": 8 * 60, "professional": 2 * 60, "full": 15}
FULL_P1_WALL_MINUTES = 30  # SLA-4: full plan, P1, around the clock
SLA4_MINUTES = 2 * 60  # SLA-2: SLA4 answered within 2 business hours
RESOLUTION_MINUTES = 48 * 60  # SLA-5: 48 business hours after the last reply
NEAR_MINUTES = 60  # `list --breaching`: due within one business hour

CODE_PREFIX = "TK-"
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud on the phone
CODE_LENGTH = 6
CODE_ATTEMPTS = 20


# --------------------------------------------------------------------------- deadlines
def business_calendar(session: Session) -> BusinessCalendar:
    return calendar_for(str(settings.get(session, "calendar.holidays_country")))


def runs_around_the_clock(plan: str, category: str, priority: str) -> bool:
    """SLA-4: a full-plan client's P1 ticket runs on the clock, not business hours — never
    an SLA4 one ("NO brindamos respuestas a SLA4 fuera del horario comercial")."""
    return plan == "full" and priority == "p1" and category != "sla4"


def first_response_due(
    cal: BusinessCalendar, opened_at: dt.datetime, *, plan: str, category: str, priority: str
) -> dt.datetime:
    """The earliest of the targets that apply (SLA-2, SLA-4)."""
    candidates = [cal.add_business_minutes(opened_at, FIRST_RESPONSE_MINUTES[plan])]
    if category == "sla4":
        candidates.append(cal.add_business_minutes(opened_at, SLA4_MINUTES))
    elif runs_around_the_clock(plan, category, priority):
        wall = opened_at.astimezone(COMPANY_TZ) + dt.timedelta(minutes=FULL_P1_WALL_MINUTES)
        candidates.append(wall)
    return min(candidates)


def resolution_due(cal: BusinessCalendar, last_reply_at: dt.datetime) -> dt.datetime:
    return cal.add_business_minutes(last_reply_at, RESOLUTION_MINUTES)


def _iso(value: dt.datetime | None) -> str | None:
    """For the audit log: a stored (UTC) or computed instant as company-time ISO 8601."""
    return to_local(value).isoformat() if value is not None else None


# --------------------------------------------------------------------------- lookups
def new_code() -> str:
    return CODE_PREFIX + "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def get_ticket(session: Session, code: str) -> Ticket:
    ticket = session.exec(select(Ticket).where(Ticket.code == code.strip().upper())).first()
    if ticket is None:
        raise NotFoundError(
            _("There is no ticket {code}; `hostctl ticket list` shows them.").format(code=code)
        )
    return ticket


def messages(session: Session, ticket_id: int) -> list[TicketMessage]:
    stmt = (
        select(TicketMessage)
        .where(TicketMessage.ticket_id == ticket_id)
        .order_by(col(TicketMessage.at), col(TicketMessage.id))
    )
    return list(session.exec(stmt).all())


def _choice(value: str, options: Iterable[str], what: str) -> str:
    clean = value.strip().lower()
    options = tuple(options)
    if clean not in options:
        raise ValidationError(
            _("Unknown {what} {value!r}; use {options}.").format(
                what=localize(what), value=value, options=", ".join(options)
            )
        )
    return clean


def _open_ticket(ticket: Ticket) -> None:
    if ticket.status == "closed":
        raise BusinessRuleError(
            _(
                "Ticket {ticket_code} is closed; open a new ticket with `hostctl ticket open`."
            ).format(ticket_code=ticket.code)
        )


# --------------------------------------------------------------------------- changes
def open_ticket(
    session: Session,
    ctx: Context,
    *,
    client_id: int,
    subject: str,
    category: str,
    priority: str = "p3",
    message: str | None = None,
    code_factory: Callable[[], str] = new_code,
) -> Ticket:
    category = _choice(category, CATEGORIES, N_("category"))
    priority = _choice(priority, PRIORITIES, N_("priority"))
    subject = " ".join(subject.split())
    if not subject:
        raise ValidationError(
            _("The subject is empty; say in a few words what the ticket is about.")
        )
    validate.text(subject, N_("subject"), validate.SUBJECT_MAX)
    client = get_client(session, client_id)
    cal = business_calendar(session)
    fields: dict[str, Any] = {
        "client_id": client.id,
        "subject": subject,
        "category": category,
        "priority": priority,
        "status": "open",
        "support_plan": client.support_plan,
        "opened_at": ctx.now,
        "opened_by": ctx.staff,
        "first_response_due": first_response_due(
            cal, ctx.now, plan=client.support_plan, category=category, priority=priority
        ),
        "last_reply_at": ctx.now,
        "resolution_due": resolution_due(cal, ctx.now),
    }
    ticket = _insert_with_unique_code(session, fields, code_factory)
    if message and message.strip():
        session.add(
            TicketMessage(
                ticket_id=ticket.id or 0,
                author_kind="client",
                author=client.name,
                body=message.strip(),
                at=ctx.now,
            )
        )
    audit.record(
        session,
        ctx,
        "ticket.open",
        "ticket",
        ticket.code,
        {
            "client_id": ticket.client_id,
            "category": category,
            "priority": priority,
            "support_plan": ticket.support_plan,
            "first_response_due": _iso(ticket.first_response_due),
        },
    )
    return ticket


def _insert_with_unique_code(
    session: Session, fields: dict[str, Any], code_factory: Callable[[], str]
) -> Ticket:
    """SLA-1: a random code; on a collision (checked, or caught at the unique index) retry."""
    for _attempt in range(CODE_ATTEMPTS):
        code = code_factory()
        if session.exec(select(Ticket.id).where(Ticket.code == code)).first() is not None:
            continue
        ticket = Ticket(code=code, **fields)
        try:
            with session.begin_nested():
                session.add(ticket)
        except IntegrityError:
            continue
        return ticket
    raise RuntimeError(f"no free ticket code after {CODE_ATTEMPTS} attempts")  # pragma: no cover


def reply(session: Session, ctx: Context, code: str, *, by: str, message: str) -> Ticket:
    """A message from staff or the client; restarts the 48-business-hour clock (SLA-5)."""
    by = _choice(by, AUTHORS, N_("author"))
    body = message.strip()
    if not body:
        raise ValidationError(_("The message is empty; write the reply with --message."))
    ticket = get_ticket(session, code)
    _open_ticket(ticket)
    if by == "staff":
        author = ctx.staff
        if ticket.first_response_at is None:
            ticket.first_response_at = ctx.now
            ticket.first_response_by = ctx.staff
        ticket.status = "answered"
    else:
        author = get_client(session, ticket.client_id).name
        ticket.status = "client-reply"
    before_due = ticket.resolution_due
    ticket.last_reply_at = ctx.now
    ticket.resolution_due = resolution_due(business_calendar(session), ctx.now)
    session.add(
        TicketMessage(
            ticket_id=ticket.id or 0, author_kind=by, author=author, body=body, at=ctx.now
        )
    )
    session.add(ticket)
    audit.record(
        session,
        ctx,
        "ticket.reply",
        "ticket",
        ticket.code,
        {"by": by, "resolution_due": [_iso(before_due), _iso(ticket.resolution_due)]},
    )
    return ticket


def close_ticket(session: Session, ctx: Context, code: str) -> Ticket:
    ticket = get_ticket(session, code)
    _open_ticket(ticket)
    before = ticket.status
    ticket.status = "closed"
    ticket.closed_at = ctx.now
    ticket.closed_by = ctx.staff
    session.add(ticket)
    audit.record(
        session, ctx, "ticket.close", "ticket", ticket.code, {"status": [before, "closed"]}
    )
    return ticket


def reclassify(session: Session, ctx: Context, code: str, category: str) -> Ticket:
    """SLA-2: staff decide whether an error report (or SLA4 query) is SLA1 or SLA2."""
    category = _choice(category, RECLASSIFY_TO, N_("category for a reclassification"))
    ticket = get_ticket(session, code)
    _open_ticket(ticket)
    if ticket.category not in RECLASSIFY_FROM:
        raise BusinessRuleError(
            _(
                "Ticket {ticket_code} is {ticket_category}; only SLA3 error reports and SLA4 "
                "queries are reclassified."
            ).format(ticket_code=ticket.code, ticket_category=ticket.category.upper())
        )
    before = {"category": ticket.category, "first_response_due": _iso(ticket.first_response_due)}
    ticket.category = category
    if ticket.first_response_at is None:
        ticket.first_response_due = first_response_due(
            business_calendar(session),
            ticket.opened_at,
            plan=ticket.support_plan,
            category=category,
            priority=ticket.priority,
        )
    session.add(ticket)
    after = {"category": ticket.category, "first_response_due": _iso(ticket.first_response_due)}
    audit.record(
        session, ctx, "ticket.reclassify", "ticket", ticket.code, audit.diff(before, after)
    )
    return ticket


# --------------------------------------------------------------------------- listing
def list_tickets(
    session: Session,
    ctx: Context,
    *,
    status: str | None = None,
    client_id: int | None = None,
    breaching: bool = False,
) -> list[Ticket]:
    """Tickets, oldest first; ``breaching``: open ones past or within one business hour
    of a deadline still running."""
    stmt = select(Ticket)
    if status:
        stmt = stmt.where(Ticket.status == _choice(status, STATUSES, N_("status")))
    if client_id:
        stmt = stmt.where(Ticket.client_id == client_id)
    if breaching:
        near = business_calendar(session).add_business_minutes(ctx.now, NEAR_MINUTES)
        stmt = stmt.where(
            Ticket.status != "closed",
            or_(
                and_(
                    col(Ticket.first_response_at).is_(None),
                    col(Ticket.first_response_due) <= near,
                ),
                col(Ticket.resolution_due) <= near,
            ),
        )
    return list(session.exec(stmt.order_by(col(Ticket.opened_at), col(Ticket.id))).all())


def _as_utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def around_the_clock(ticket: Ticket) -> bool:
    return runs_around_the_clock(ticket.support_plan, ticket.category, ticket.priority)


def first_response_minutes(ticket: Ticket, cal: BusinessCalendar, answered: dt.datetime) -> int:
    """Minutes to the first response: clock minutes for a ticket that runs around the clock,
    business minutes otherwise (SLA-6)."""
    opened = _as_utc(ticket.opened_at)
    done = _as_utc(answered)
    assert opened is not None and done is not None
    if around_the_clock(ticket):
        return max(int((done - opened).total_seconds() // 60), 0)
    return cal.business_minutes_between(ticket.opened_at, answered)


def first_response_state(ticket: Ticket, now: dt.datetime) -> str:
    """met, breached or pending. A ticket closed without a staff reply was answered by
    its closing."""
    due = _as_utc(ticket.first_response_due)
    answered = _as_utc(ticket.first_response_at or ticket.closed_at)
    assert due is not None
    if answered is not None:
        return "met" if answered <= due else "breached"
    return "breached" if now > due else "pending"


def resolution_state(ticket: Ticket, now: dt.datetime) -> str:
    due = _as_utc(ticket.resolution_due)
    closed = _as_utc(ticket.closed_at)
    assert due is not None
    if closed is not None:
        return "met" if closed <= due else "breached"
    return "breached" if now > due else "pending"


# --------------------------------------------------------------------------- SLA-6 report
def _summary(tickets: list[Ticket], cal: BusinessCalendar, now: dt.datetime) -> dict[str, Any]:
    first = {"met": 0, "breached": 0, "pending": 0}
    resolution = {"met": 0, "breached": 0, "pending": 0}
    minutes = []
    for ticket in tickets:
        first[first_response_state(ticket, now)] += 1
        resolution[resolution_state(ticket, now)] += 1
        answered = ticket.first_response_at or ticket.closed_at
        if answered is not None:
            minutes.append(first_response_minutes(ticket, cal, answered))
    median: float | int | None = None
    if minutes:
        value = statistics.median(minutes)
        median = int(value) if float(value).is_integer() else float(value)
    return {
        "tickets": len(tickets),
        "first_response": {**first, "median_minutes": median},
        "resolution": resolution,
    }


def _group_key(ticket: Ticket, by: str) -> str:
    if by == "plan":
        return ticket.support_plan
    if by == "category":
        return ticket.category
    return ticket.first_response_by or "(none)"


def sla_report(
    session: Session,
    ctx: Context,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    by: str | None = None,
) -> dict[str, Any]:
    """Tickets opened from ``start`` to ``end`` (inclusive, company dates; default: this
    month up to today), with targets met, breached and still pending at ``ctx.now``."""
    end = end or ctx.today
    start = start or end.replace(day=1)
    if end < start:
        raise ValidationError(
            _("The period ends ({end}) before it starts ({start}).").format(
                end=end.isoformat(), start=start.isoformat()
            )
        )
    if by is not None:
        by = _choice(by, REPORT_GROUPS, N_("grouping"))
    lo = dt.datetime.combine(start, dt.time(0), tzinfo=COMPANY_TZ)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0), tzinfo=COMPANY_TZ)
    stmt = (
        select(Ticket)
        .where(col(Ticket.opened_at) >= lo, col(Ticket.opened_at) < hi)
        .order_by(col(Ticket.opened_at), col(Ticket.id))
    )
    tickets = list(session.exec(stmt).all())
    cal = business_calendar(session)
    report: dict[str, Any] = {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "by": by,
        **_summary(tickets, cal, ctx.now),
        "groups": [],
    }
    if by:
        grouped: dict[str, list[Ticket]] = {}
        for ticket in tickets:
            grouped.setdefault(_group_key(ticket, by), []).append(ticket)
        report["groups"] = [
            {"key": key, **_summary(grouped[key], cal, ctx.now)} for key in sorted(grouped)
        ]
    return report
