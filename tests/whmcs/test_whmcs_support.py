"""Tickets and affiliates brought over from WHMCS (MIG-7), read through the real reader from a
real MariaDB holding the WHMCS 8.4 schema, written into hostctl's database (SQLite, or
PostgreSQL with HOSTCTL_TEST_DATABASE_URL).

January 2026 in Buenos Aires (UTC-3, no holidays after the 1st): Monday 5 … Friday 9,
Monday 12 …; business hours 10:00–17:00.

The hostctl clients 1, 2, 3, 5 and 6 stand for the imported ones (client 4 was not
imported); client 6 was already referred by client 3.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from sqlmodel import col, select

from conftest import make_ctx
from hostctl import db
from hostctl.adapters.whmcs import open_whmcs
from hostctl.core import affiliates, whmcs_support
from hostctl.models import AuditEntry, Client, Commission, OutboxMessage, Ticket, TicketMessage

IMPORTED = {1, 2, 3, 5, 6}
TODAY = "2026-01-20"
ZERO = "0000-00-00 00:00:00"
# hostctl clients: id → (name, email, currency, support plan)
CLIENTS = {
    1: ("Ana Pérez", "ana@example.com", "USD", "standard"),
    2: ("Bruno Díaz", "bruno@example.com", "ARS", "professional"),
    3: ("Carla Ruiz", "carla@example.com", "USD", "full"),
    5: ("Eva Sosa", "eva@example.com", "ARS", "standard"),
    6: ("Fede Gil", "fede@example.com", "USD", "standard"),
}


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


class Skipped:
    def __init__(self) -> None:
        self.rows: list[tuple[str, int | str, str]] = []

    def add(self, table: str, id: int | str, why: str) -> None:
        self.rows.append((table, id, why))


@pytest.fixture(scope="module")
def whmcs(whmcs_db):
    whmcs_db.insert(
        "tblclients",
        *(
            {"id": i, "firstname": first, "lastname": last, "email": f"c{i}@example.com"}
            for i, first, last in (
                (1, "Ana", "P&eacute;rez"),
                (2, "Bruno", "D&iacute;az"),
                (3, "Carla", "Ruiz"),
                (4, "Dario", "Paz"),
                (5, "Eva", "Sosa"),
                (6, "Fede", "Gil"),
            )
        ),
    )

    def ticket(id, tid, userid, date, status, urgency, title, message, lastreply):
        return {
            "id": id,
            "tid": tid,
            "did": 1,
            "userid": userid,
            "date": date,
            "title": title,
            "message": message,
            "status": status,
            "urgency": urgency,
            "lastreply": lastreply,
        }

    whmcs_db.insert(
        "tbltickets",
        ticket(
            10,
            "482913",
            1,
            "2026-01-05 09:30:00",
            "Open",
            "Medium",
            "No puedo enviar correos &amp; m&aacute;s",
            "Desde ayer no salen los correos.",
            "2026-01-05 09:30:00",
        ),
        ticket(
            11,
            "abc-123456",
            2,
            "2026-01-06 16:00:00",
            "Answered",
            "High",
            "Web ca&iacute;da",
            "La web no carga.",
            "2026-01-07 11:15:00",
        ),
        ticket(
            12,
            "TK-WHMCS-ID-THAT-IS-TOO-LONG",
            3,
            "2026-01-08 22:00:00",
            "Customer-Reply",
            "Low",
            "Certificado SSL",
            "El certificado vence.",
            "2026-01-09 08:00:00",
        ),
        ticket(
            13,
            "482913",  # the same tid as ticket 10: a new code
            5,
            "2026-01-09 11:00:00",
            "On Hold",
            "Critical",  # not a WHMCS urgency: p3
            "Cambio de plan",
            "Quiero pasar al plan Pro.",
            ZERO,  # no last reply: the opening
        ),
        ticket(14, "771100", 1, "2026-01-02 10:00:00", "Closed", "Low", "Viejo", "x", ZERO),
        ticket(15, "771101", 0, "2026-01-05 12:00:00", "Open", "Low", "Invitado", "x", ZERO),
        ticket(16, "771102", 4, "2026-01-05 12:00:00", "Open", "Low", "Dario", "x", ZERO),
    )
    whmcs_db.insert(
        "tblticketreplies",
        {"id": 100, "tid": 11, "date": "2026-01-06 16:45:00", "message": "Estamos revisando.",
         "admin": "Marta Gómez"},
        {"id": 101, "tid": 11, "userid": 2, "date": "2026-01-07 10:00:00",
         "message": "Sigue ca&iacute;da.", "admin": ""},
        {"id": 102, "tid": 11, "date": "2026-01-07 11:15:00", "message": "Ya funciona.",
         "admin": "Marta Gómez"},
        {"id": 103, "tid": 12, "userid": 3, "date": "2026-01-09 08:00:00",
         "message": "¿Novedades?", "admin": ""},
        {"id": 104, "tid": 14, "date": "2026-01-02 11:00:00", "message": "Cerrado.",
         "admin": "Marta Gómez"},
        {"id": 105, "tid": 999, "date": "2026-01-02 11:00:00", "message": "Huérfana.",
         "admin": "Marta Gómez"},
    )  # fmt: skip
    whmcs_db.insert(
        "tblhosting",
        *(
            {"id": i, "userid": u, "packageid": 1, "regdate": "2025-06-01", "domain": f"s{i}.ar"}
            for i, u in ((201, 5), (202, 1), (203, 3), (204, 4), (205, 5), (206, 6))
        ),
    )
    whmcs_db.insert(
        "tblaffiliates",
        {"id": 1, "date": "2025-01-01", "clientid": 1, "paytype": "percentage", "balance": "25.50"},
        {"id": 2, "date": "2025-01-01", "clientid": 2, "paytype": "percentage", "balance": "0.00"},
        {"id": 3, "date": "2025-01-01", "clientid": 4, "paytype": "percentage", "balance": "10"},
    )
    whmcs_db.insert(
        "tblaffiliatesaccounts",
        *(
            {"id": i, "affiliateid": a, "relid": r}
            for i, a, r in (
                (1, 1, 201),  # Eva → Ana
                (2, 1, 202),  # Ana's own service
                (3, 2, 203),  # Carla → Bruno
                (4, 2, 205),  # Eva again, by another affiliate
                (5, 1, 205),  # Eva again, by Ana: nothing new
                (6, 3, 203),  # an affiliate not imported
                (7, 1, 204),  # a service not imported
                (8, 1, 206),  # Fede was already referred by Carla in hostctl
            )
        ),
    )
    return whmcs_db


def _add_clients(db_url: str) -> None:
    ctx = make_ctx("2026-01-01")
    with db.unit_of_work(url=db_url) as s:
        for cid, (name, email, currency, plan) in CLIENTS.items():
            s.add(
                Client(
                    id=cid,
                    name=name,
                    email=email,
                    email_key=email,
                    currency=currency,
                    support_plan=plan,
                    whmcs_id=cid,
                    created_on=ctx.today,
                    created_at=ctx.now,
                    updated_at=ctx.now,
                )
            )
        s.flush()
        s.get(Client, 6).referrer_id = 3  # type: ignore[union-attr]


def _run(db_url: str, url: str, session: Any) -> tuple[int, int, Skipped]:
    ctx = make_ctx(TODAY, staff="maria", at="08:00")
    skipped = Skipped()
    with open_whmcs(url) as reader:
        service_clients = {
            r["id"]: r["userid"] for r in reader.rows("tblhosting") if r["userid"] in IMPORTED
        }
        n_tickets = whmcs_support.import_tickets(session, ctx, reader, IMPORTED, skipped)
        n_affiliates = whmcs_support.import_affiliates(
            session, ctx, reader, IMPORTED, service_clients, skipped
        )
    return n_tickets, n_affiliates, skipped


@pytest.fixture
def imported(db_url, whmcs):
    _add_clients(db_url)
    with db.unit_of_work(url=db_url) as session:
        result = _run(db_url, whmcs.url, session)
    with db.unit_of_work(url=db_url) as session:
        yield session, result


def _tickets(session) -> dict[int, Ticket]:
    """The imported tickets by client id (one each)."""
    found = session.exec(select(Ticket).order_by(col(Ticket.id))).all()
    return {t.client_id: t for t in found}


def test_open_tickets_keep_subject_code_status_and_times(imported):
    session, (n_tickets, _n, _skipped) = imported
    assert n_tickets == 4
    by_client = _tickets(session)
    assert sorted(by_client) == [1, 2, 3, 5]
    got = {
        cid: (t.code, t.subject, t.status, t.category, t.priority, t.support_plan, t.opened_by)
        for cid, t in by_client.items()
    }
    code_3, code_5 = by_client[3].code, by_client[5].code
    assert got == {
        1: ("482913", "No puedo enviar correos & más", "open", "sla3", "p3", "standard", "whmcs"),
        2: ("ABC-123456", "Web caída", "answered", "sla3", "p2", "professional", "whmcs"),
        3: (code_3, "Certificado SSL", "client-reply", "sla3", "p4", "full", "whmcs"),
        5: (code_5, "Cambio de plan", "open", "sla3", "p3", "standard", "whmcs"),
    }
    # A tid longer than 20, or taken by an earlier ticket: a new code as hostctl makes them.
    for code in (code_3, code_5):
        assert re.fullmatch(r"TK-[23456789A-HJ-NP-Z]{6}", code)
    assert code_3 != code_5
    # WHMCS local times (UTC-3) stored as UTC.
    times = {
        cid: (t.opened_at, t.last_reply_at, t.first_response_at, t.first_response_by)
        for cid, t in by_client.items()
    }
    assert times == {
        1: (utc("2026-01-05 12:30"), utc("2026-01-05 12:30"), None, None),
        2: (
            utc("2026-01-06 19:00"),
            utc("2026-01-07 14:15"),
            utc("2026-01-06 19:45"),
            "Marta Gómez",
        ),
        3: (utc("2026-01-09 01:00"), utc("2026-01-09 11:00"), None, None),
        5: (utc("2026-01-09 14:00"), utc("2026-01-09 14:00"), None, None),
    }
    assert all(t.closed_at is None for t in by_client.values())


def test_sla_clocks_run_from_the_opening_and_the_last_reply(imported):
    session, _result = imported
    due = {cid: (t.first_response_due, t.resolution_due) for cid, t in _tickets(session).items()}
    assert due == {
        # standard, 8 business hours from Mon 09:30 (counting from 10:00): Tue 11:00;
        # 48 business hours (7 a day): Tue 13 16:00
        1: (utc("2026-01-06 14:00"), utc("2026-01-13 19:00")),
        # professional, 2 business hours from Tue 16:00: Wed 11:00; 48 from Wed 11:15:
        # Fri 16 10:15
        2: (utc("2026-01-07 14:00"), utc("2026-01-16 13:15")),
        # full plan (P4, not around the clock), opened Thu 22:00: Fri 10:15; 48 business
        # hours from Fri 08:00: Mon 19 16:00
        3: (utc("2026-01-09 13:15"), utc("2026-01-19 19:00")),
        # standard from Fri 11:00: Mon 12 12:00; 48 from Fri 11:00: Mon 19 at closing time
        5: (utc("2026-01-12 15:00"), utc("2026-01-19 20:00")),
    }


def test_messages_in_order_with_their_authors_and_times(imported):
    session, _result = imported
    by_client = _tickets(session)

    def said(cid: int) -> list[tuple[str, str, str, dt.datetime]]:
        stmt = (
            select(TicketMessage)
            .where(TicketMessage.ticket_id == by_client[cid].id)
            .order_by(col(TicketMessage.at), col(TicketMessage.id))
        )
        return [(m.author_kind, m.author, m.body, m.at) for m in session.exec(stmt).all()]

    assert said(1) == [
        ("client", "Ana Pérez", "Desde ayer no salen los correos.", utc("2026-01-05 12:30"))
    ]
    assert said(2) == [
        ("client", "Bruno Díaz", "La web no carga.", utc("2026-01-06 19:00")),
        ("staff", "Marta Gómez", "Estamos revisando.", utc("2026-01-06 19:45")),
        ("client", "Bruno Díaz", "Sigue caída.", utc("2026-01-07 13:00")),
        ("staff", "Marta Gómez", "Ya funciona.", utc("2026-01-07 14:15")),
    ]
    assert said(3) == [
        ("client", "Carla Ruiz", "El certificado vence.", utc("2026-01-09 01:00")),
        ("client", "Carla Ruiz", "¿Novedades?", utc("2026-01-09 11:00")),
    ]
    assert said(5) == [("client", "Eva Sosa", "Quiero pasar al plan Pro.", utc("2026-01-09 14:00"))]
    total = session.exec(select(TicketMessage)).all()
    assert len(total) == 8  # nothing of the closed ticket, the guest's, or the orphan reply


def test_rows_left_out_say_why(imported):
    _session, (_t, _a, skipped) = imported
    assert skipped.rows == [
        ("tbltickets", 14, "the ticket is closed"),
        ("tbltickets", 15, "the ticket is from a guest, not a client"),
        ("tbltickets", 16, "its client was not imported"),
        ("tblticketreplies", 105, "its ticket does not exist"),
        ("tblaffiliates", 3, "its client was not imported"),
        ("tblaffiliatesaccounts", 2, "the service belongs to the affiliate itself"),
        ("tblaffiliatesaccounts", 4, "its client was already referred by client 1"),
        ("tblaffiliatesaccounts", 6, "its affiliate was not imported"),
        ("tblaffiliatesaccounts", 7, "its service was not imported"),
        ("tblaffiliatesaccounts", 8, "its client was already referred by client 3"),
    ]


def test_affiliates_keep_their_balance_and_referred_clients(imported):
    session, (_t, n_affiliates, _skipped) = imported
    assert n_affiliates == 2
    clients = {c.id: c for c in session.exec(select(Client)).all()}
    codes = {cid: c.referral_code for cid, c in clients.items()}
    assert sorted(cid for cid, code in codes.items() if code) == [1, 2]
    for cid in (1, 2):
        assert re.fullmatch(f"[{affiliates.CODE_ALPHABET}]{{6}}", codes[cid] or "")
    assert codes[1] != codes[2]
    assert {cid: c.referrer_id for cid, c in clients.items()} == {
        1: None,
        2: None,
        3: 2,
        5: 1,
        6: 3,  # set before the import: kept
    }
    commissions = session.exec(select(Commission)).all()
    assert [
        (
            c.affiliate_id,
            c.invoice_id,
            c.referred_id,
            c.percent,
            c.base_minor,
            c.base_currency,
            c.amount_minor,
            c.currency,
            c.status,
            c.earned_on,
        )
        for c in commissions
    ] == [(1, None, None, "", 2550, "USD", 2550, "USD", "earned", dt.date(2026, 1, 20))]
    # The ledger shows it: Ana's balance, Bruno's zero balance (no commission written).
    ana = affiliates.ledger(session, clients[1])
    assert (ana["balance"], ana["earned"], ana["referred"]) == ("25.50", "25.50", [5])
    assert ana["commissions"] == [
        {"invoice_id": None, "amount": "25.50", "status": "earned", "date": "2026-01-20"}
    ]
    bruno = affiliates.ledger(session, clients[2])
    assert (bruno["balance"], bruno["currency"], bruno["referred"]) == ("0.00", "ARS", [3])
    # No alert, no audit entry: the engine writes the one audit row of the import.
    assert session.exec(select(OutboxMessage)).all() == []
    assert session.exec(select(AuditEntry)).all() == []


def test_affiliate_show_tells_the_balance_brought_over(imported, cli):
    _session, _result = imported
    shown = cli.json("affiliate", "show", "1", today=TODAY)
    assert (shown["balance"], shown["referred"], shown["commissions"]) == (
        "25.50",
        [5],
        [{"invoice_id": None, "amount": "25.50", "status": "earned", "date": "2026-01-20"}],
    )
    text = cli("affiliate", "show", "1", today=TODAY)
    assert text.exit_code == 0, text.stderr
    assert "balance brought over from WHMCS on 2026-01-20" in text.stdout
    ticket = cli.json("ticket", "show", "abc-123456")
    assert (ticket["status"], ticket["first_response_by"]) == ("answered", "Marta Gómez")


def test_nothing_is_kept_when_the_caller_rolls_back(db_url, whmcs):
    _add_clients(db_url)
    with db.unit_of_work(url=db_url) as session:
        n_tickets, n_affiliates, _skipped = _run(db_url, whmcs.url, session)
        assert (n_tickets, n_affiliates) == (4, 2)
        session.rollback()
    with db.unit_of_work(url=db_url, readonly=True) as session:
        assert session.exec(select(Ticket)).all() == []
        assert session.exec(select(TicketMessage)).all() == []
        assert session.exec(select(Commission)).all() == []
        referred = session.exec(select(Client).where(col(Client.referral_code).is_not(None)))
        assert referred.all() == []
