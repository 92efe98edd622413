"""Tickets and affiliates brought over from WHMCS (MIG-7), inside the import's transaction.

The engine (``core/whmcs_import.py``) calls these after it has written the clients,
services and invoices, with the ids it imported (a hostctl client id is its
``tblclients.id``, a service id its ``tblhosting.id``):

* ``import_tickets``: the open tickets (WHMCS status other than ``Closed``) of imported
  clients, with their subject, their messages (the ticket's own message, then its replies)
  and times; the SLA deadlines are hostctl's own (``core/tickets.py``), counted from when the
  ticket was opened and from its last reply, as if hostctl had seen the ticket from the start.
* ``import_affiliates``: each affiliate client gets a referral code (``core/affiliates.py``'s
  generator) and its WHMCS balance as one commission of no invoice; the clients of the
  services it referred get it as their referrer.

WHMCS keeps datetimes as naive local times of the company: they are read in
``COMPANY_TZ`` and stored as UTC, as hostctl stores every instant. Rows that cannot be brought
go to ``skipped`` with their table, id and why (MIG-2). Nothing here commits, sends an alert or
writes the audit log (the engine writes one entry for the whole import).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import bindparam, update
from sqlmodel import Session, col, select

from hostctl.core import affiliates, tickets
from hostctl.core.bulk import chunks, db_value, insert_rows, update_ids
from hostctl.core.clock import COMPANY_TZ
from hostctl.core.context import Context
from hostctl.core.money import Money
from hostctl.core.validate import SUBJECT_MAX
from hostctl.i18n import _
from hostctl.models import Client, Commission, Ticket, TicketMessage

IMPORTED_BY = "whmcs"  # who opened an imported ticket (as payments: created_by "whmcs")
IN_CHUNK = 500  # values per IN list of the lookups

# WHMCS has no SLA category: an imported ticket is an unclassified report (SLA3), which staff
# may reclassify to SLA1 or SLA2 like any other; its first-response target is the same.
CATEGORY = "sla3"
# WHMCS urgency (Low, Medium, High) → hostctl priority; P1 (critical, around the clock for
# a full-plan client) is a decision of hostctl's staff, never inherited.
PRIORITY_OF_URGENCY = {"low": "p4", "medium": "p3", "high": "p2"}
DEFAULT_PRIORITY = "p3"
# WHMCS status → hostctl status; "Closed" is not imported, the rest (In Progress, On Hold,
# custom statuses) are open.
STATUS_OF = {"open": "open", "answered": "answered", "customer-reply": "client-reply"}
CLOSED = "closed"
# A WHMCS ticket id (``tid``, e.g. ``482913`` or ``ABC-482913``) that hostctl can keep: letters
# and digits, groups joined by single dashes, as hostctl's own ``TK-7Q2M9X``.
CODE_SHAPE = re.compile(r"[A-Z0-9]+(?:-[A-Z0-9]+)*")
CODE_MAX = 20  # tickets.code


class RowSource(Protocol):
    """What is read of WHMCS: the cleaned rows of one table of ``adapters.whmcs.TABLES``."""

    def rows(self, table: str) -> Iterator[dict[str, Any]]: ...


class SkipList(Protocol):
    """Where the rows left out go, with why (a short sentence)."""

    def add(self, table: str, id: int | str, why: str) -> None: ...


def whmcs_time(value: Any) -> dt.datetime | None:
    """A WHMCS datetime (naive, the company's local time) as an aware UTC instant."""
    if value is None:
        return None
    moment: dt.datetime
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):  # a DATE column
        moment = dt.datetime.combine(value, dt.time(0))
    else:
        moment = dt.datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=COMPANY_TZ)
    return moment.astimezone(dt.UTC)


def _text(value: Any) -> str:
    """WHMCS text as hostctl keeps it: no NUL (PostgreSQL refuses it), no outer blanks."""
    return str(value or "").replace("\x00", "").strip()


# --------------------------------------------------------------------------- tickets
@dataclass
class _Message:
    kind: str  # client | staff
    author: str
    body: str
    at: dt.datetime


@dataclass
class _Ticket:
    whmcs_id: int
    tid: str
    client_id: int
    subject: str
    priority: str
    status: str
    opened_at: dt.datetime
    last_reply_at: dt.datetime | None
    body: str
    replies: list[dict[str, Any]] = field(default_factory=list)
    code: str = ""


def _ticket_skip(row: dict[str, Any], clients: set[int]) -> str | None:
    if _text(row["status"]).lower() == CLOSED:
        return _("the ticket is closed")
    if not row["userid"]:
        return _("the ticket is from a guest, not a client")
    if row["userid"] not in clients:
        return _("its client was not imported")
    if whmcs_time(row["date"]) is None:
        return _("the ticket has no opening date")
    return None


def _subject(row: dict[str, Any]) -> str:
    subject = " ".join(_text(row["title"]).split())[:SUBJECT_MAX].strip()
    return subject or f"WHMCS {_text(row['tid']) or row['id']}"


def import_tickets(
    session: Session, ctx: Context, source: RowSource, clients: set[int], skipped: SkipList
) -> int:
    """The open tickets of the imported ``clients``, with their messages; returns how many."""
    wanted: dict[int, _Ticket] = {}
    seen: set[int] = set()  # every WHMCS ticket id, imported or not
    for row in source.rows("tbltickets"):
        seen.add(row["id"])
        why = _ticket_skip(row, clients)
        if why is not None:
            skipped.add("tbltickets", row["id"], why)
            continue
        opened_at = whmcs_time(row["date"])
        assert opened_at is not None
        wanted[row["id"]] = _Ticket(
            whmcs_id=row["id"],
            tid=_text(row["tid"]),
            client_id=row["userid"],
            subject=_subject(row),
            priority=PRIORITY_OF_URGENCY.get(_text(row["urgency"]).lower(), DEFAULT_PRIORITY),
            status=STATUS_OF.get(_text(row["status"]).lower(), "open"),
            opened_at=opened_at,
            last_reply_at=whmcs_time(row["lastreply"]),
            body=_text(row["message"]),
        )
    for row in source.rows("tblticketreplies"):  # in id order: the order they were written
        ticket = wanted.get(row["tid"])
        if ticket is not None:
            ticket.replies.append(
                {k: row[k] for k in ("date", "message", "admin")}  # not the rest of the row
            )
        elif row["tid"] not in seen:
            skipped.add("tblticketreplies", row["id"], _("its ticket does not exist"))
    if not wanted:
        return 0
    found = list(wanted.values())
    _give_codes(session, found)
    _write_tickets(session, found)
    return len(found)


def _give_codes(session: Session, found: list[_Ticket]) -> None:
    """SLA-1: WHMCS's ``tid`` where it is a hostctl code (upper case, letters, digits and
    dashes, at most 20, not taken), else a new code as hostctl makes them."""
    taken = set(session.exec(select(Ticket.code)).all())
    for ticket in found:
        code = ticket.tid.upper()
        if len(code) <= CODE_MAX and CODE_SHAPE.fullmatch(code) and code not in taken:
            ticket.code = code
            taken.add(code)
    for ticket in found:
        while not ticket.code:
            code = tickets.new_code()
            if code not in taken:
                ticket.code = code
                taken.add(code)


def _client_facts(session: Session, ids: Iterable[int], *columns: Any) -> dict[int, Any]:
    """id → (columns…) of the hostctl clients ``ids``."""
    facts: dict[int, Any] = {}
    for chunk in chunks(sorted(set(ids)), IN_CHUNK):
        stmt = select(Client.id, *columns).where(col(Client.id).in_(chunk))
        for row in session.exec(stmt).all():
            facts[row[0]] = row[1:]
    return facts


def _messages(ticket: _Ticket, client_name: str) -> list[_Message]:
    """The ticket's own message (the client's, when it was opened), then each reply: by the
    staff member named in ``admin``, else by the client."""
    found = [_Message("client", client_name, ticket.body, ticket.opened_at)]
    for reply in ticket.replies:
        admin = _text(reply["admin"])
        at = whmcs_time(reply["date"]) or found[-1].at
        found.append(
            _Message(
                "staff" if admin else "client",
                admin or client_name,
                _text(reply["message"]),
                at,
            )
        )
    return found


TICKET_COLUMNS = (
    "code",
    "client_id",
    "subject",
    "category",
    "priority",
    "status",
    "support_plan",
    "opened_at",
    "opened_by",
    "first_response_at",
    "first_response_by",
    "first_response_due",
    "last_reply_at",
    "resolution_due",
)
MESSAGE_COLUMNS = ("ticket_id", "author_kind", "author", "body", "at")


def _write_tickets(session: Session, found: list[_Ticket]) -> None:
    facts = _client_facts(session, (t.client_id for t in found), Client.name, Client.support_plan)
    cal = tickets.business_calendar(session)
    convert = db_value(session)
    rows = []
    messages: dict[str, list[_Message]] = {}
    for ticket in found:
        name, plan = facts[ticket.client_id]
        said = _messages(ticket, name)
        messages[ticket.code] = said
        first = next((m for m in said if m.kind == "staff"), None)
        last_reply_at = ticket.last_reply_at or max(m.at for m in said)
        rows.append(
            (
                ticket.code,
                ticket.client_id,
                ticket.subject,
                CATEGORY,
                ticket.priority,
                ticket.status,
                plan,
                convert(ticket.opened_at),
                IMPORTED_BY,
                convert(first.at) if first else None,
                first.author if first else None,
                convert(
                    tickets.first_response_due(
                        cal,
                        ticket.opened_at,
                        plan=plan,
                        category=CATEGORY,
                        priority=ticket.priority,
                    )
                ),
                convert(last_reply_at),
                convert(tickets.resolution_due(cal, last_reply_at)),
            )
        )
    table = Ticket.__table__  # type: ignore[attr-defined]
    insert_rows(session, table, TICKET_COLUMNS, rows)
    id_of: dict[str, int] = {}
    for chunk in chunks(list(messages), IN_CHUNK):
        stmt = select(Ticket.code, Ticket.id).where(col(Ticket.code).in_(chunk))
        id_of.update((code, ticket_id) for code, ticket_id in session.exec(stmt).all() if ticket_id)
    insert_rows(
        session,
        TicketMessage.__table__,  # type: ignore[attr-defined]
        MESSAGE_COLUMNS,
        (
            (id_of[code], m.kind, m.author, m.body, convert(m.at))
            for code, said in messages.items()
            for m in said
        ),
    )


# --------------------------------------------------------------------------- affiliates
COMMISSION_COLUMNS = (
    "affiliate_id",
    "invoice_id",
    "referred_id",
    "percent",
    "base_minor",
    "base_currency",
    "amount_minor",
    "currency",
    "status",
    "earned_on",
    "reversed_on",
    "created_at",
)


def import_affiliates(
    session: Session,
    ctx: Context,
    source: RowSource,
    clients: set[int],
    service_clients: dict[int, int],
    skipped: SkipList,
) -> int:
    """Each affiliate of an imported client: a referral code, its balance as a commission of
    no invoice, and the clients of the services it referred. Returns how many affiliates."""
    client_of: dict[int, int] = {}  # tblaffiliates.id → client id
    balances: dict[int, Decimal] = {}  # affiliate client id → WHMCS balance
    for row in source.rows("tblaffiliates"):
        if row["clientid"] not in clients:
            skipped.add("tblaffiliates", row["id"], _("its client was not imported"))
            continue
        client_of[row["id"]] = row["clientid"]
        balance = Decimal(row["balance"] or 0)
        if balance < 0:
            skipped.add("tblaffiliates", row["id"], _("its balance is negative"))
            balance = Decimal(0)
        # Two WHMCS affiliate accounts of one client (WHMCS does not make them) add up.
        balances[row["clientid"]] = balances.get(row["clientid"], Decimal(0)) + balance
    accounts = [
        (row["id"], row["affiliateid"], row["relid"])
        for row in source.rows("tblaffiliatesaccounts")
    ]
    if not balances:
        for account_id, _affiliate, _relid in accounts:
            skipped.add("tblaffiliatesaccounts", account_id, _("its affiliate was not imported"))
        return 0
    service_clients = {s: c for s, c in service_clients.items() if c in clients}
    referred = {service_clients[relid] for _id, _aff, relid in accounts if relid in service_clients}
    facts = _client_facts(
        session,
        {*balances, *referred},
        Client.currency,
        Client.referral_code,
        Client.referrer_id,
    )
    _enroll(session, ctx, {cid: facts[cid][1] for cid in balances})
    _opening_balances(session, ctx, {cid: (b, facts[cid][0]) for cid, b in balances.items()})
    referrer_of = {cid: facts[cid][2] for cid in referred}
    _refer(session, accounts, client_of, service_clients, referrer_of, skipped)
    return len(balances)


def _enroll(session: Session, ctx: Context, codes: dict[int, str | None]) -> None:
    """AFF-1: a referral code for each affiliate that has none, unique."""
    taken = set(
        session.exec(select(Client.referral_code).where(col(Client.referral_code).is_not(None)))
    )
    given = []
    for client_id, code in codes.items():
        if code:
            continue
        while (code := affiliates.new_code()) in taken:
            pass  # pragma: no cover - 31^6 codes
        taken.add(code)
        given.append({"b_id": client_id, "b_code": code})
    if not given:
        return
    table = Client.__table__  # type: ignore[attr-defined]
    session.flush()
    session.connection().execute(
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values(referral_code=bindparam("b_code"), updated_at=ctx.now),
        given,
    )


def _opening_balances(
    session: Session, ctx: Context, balances: dict[int, tuple[Decimal, str]]
) -> None:
    """The WHMCS balance, in the affiliate's currency, as one earned commission of no invoice
    and no referred client; a zero balance writes none."""
    convert = db_value(session)
    today, now = convert(ctx.today), convert(ctx.now)
    rows = []
    for client_id, (balance, currency) in balances.items():
        amount = Money.of(balance, currency)
        if amount.minor == 0:
            continue
        rows.append(
            (
                client_id,
                None,
                None,
                "",
                amount.minor,
                currency,
                amount.minor,
                currency,
                "earned",
                today,
                None,
                now,
            )
        )
    insert_rows(session, Commission.__table__, COMMISSION_COLUMNS, rows)  # type: ignore[attr-defined]


def _refer(
    session: Session,
    accounts: list[tuple[int, int, int]],
    client_of: dict[int, int],
    service_clients: dict[int, int],
    referrer_of: dict[int, int | None],
    skipped: SkipList,
) -> None:
    """Each referred service (in WHMCS's order) makes its client's referrer the affiliate,
    unless the client is the affiliate itself or was already referred by another."""
    given: dict[int, list[int]] = {}  # affiliate → clients it now refers
    for account_id, affiliate_id, relid in accounts:
        affiliate = client_of.get(affiliate_id)
        if affiliate is None:
            skipped.add("tblaffiliatesaccounts", account_id, _("its affiliate was not imported"))
            continue
        client_id = service_clients.get(relid)
        if client_id is None:
            skipped.add("tblaffiliatesaccounts", account_id, _("its service was not imported"))
            continue
        if client_id == affiliate:
            skipped.add(
                "tblaffiliatesaccounts",
                account_id,
                _("the service belongs to the affiliate itself"),
            )
            continue
        current = referrer_of[client_id]
        if current is None:
            referrer_of[client_id] = affiliate
            given.setdefault(affiliate, []).append(client_id)
        elif current != affiliate:
            skipped.add(
                "tblaffiliatesaccounts",
                account_id,
                _("its client was already referred by client {referrer_id}").format(
                    referrer_id=current
                ),
            )
    table = Client.__table__  # type: ignore[attr-defined]
    for affiliate, referred in given.items():
        update_ids(session, table, referred, referrer_id=affiliate)
