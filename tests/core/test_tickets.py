"""Tickets and SLA deadlines (SPEC §8) on real Argentine dates, without the CLI.

May 2026: Friday 1 and Monday 25 are holidays; 23–24 and 30–31 are weekends.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from sqlmodel import Session, select

from conftest import make_ctx
from hostctl.core import clients, settings, tickets
from hostctl.core.clock import COMPANY_TZ
from hostctl.errors import BusinessRuleError, NotFoundError, ValidationError
from hostctl.models import AuditEntry, Client, Ticket, TicketMessage


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=COMPANY_TZ)


def ctx_at(text: str, staff: str = "tester") -> Any:
    day, time = text.split("T")
    return make_ctx(day, at=time, staff=staff)


def add_client(session: Session, plan: str, email: str | None = None) -> Client:
    client, _ = clients.add_client(
        session,
        make_ctx("2026-01-05"),
        name=f"Cliente {plan}",
        email=email or f"{plan}@example.com",
        support_plan=plan,
    )
    return client


def open_at(
    session: Session,
    when: str,
    client: Client,
    *,
    category: str = "sla1",
    priority: str = "p3",
    staff: str = "tester",
) -> Ticket:
    return tickets.open_ticket(
        session,
        ctx_at(when, staff),
        client_id=client.id,
        subject="No puedo enviar correos",
        category=category,
        priority=priority,
        message="Hola, desde ayer no salen los correos.",
    )


@pytest.fixture
def plans(session: Session) -> dict[str, Client]:
    return {p: add_client(session, p) for p in ("standard", "professional", "full")}


# --------------------------------------------------------------------------- deadlines
@pytest.mark.parametrize(
    ("plan", "category", "priority", "opened", "due"),
    [
        # Friday 16:30: 30 min on Friday, Monday 25 is a holiday, 7 h on Tuesday, 30 min Wed.
        ("standard", "sla1", "p3", "2026-05-22T16:30", "2026-05-27T10:30"),
        ("professional", "sla1", "p3", "2026-05-22T16:30", "2026-05-26T11:30"),
        ("full", "sla1", "p3", "2026-05-22T16:30", "2026-05-22T16:45"),
        ("full", "sla2", "p3", "2026-05-22T16:50", "2026-05-26T10:05"),
        # Full + P1: 30 minutes around the clock, unless business time is stricter.
        ("full", "sla3", "p1", "2026-05-26T23:00", "2026-05-26T23:30"),
        ("full", "sla3", "p1", "2026-05-23T03:10", "2026-05-23T03:40"),  # Saturday night
        ("full", "sla3", "p1", "2026-05-22T16:50", "2026-05-22T17:20"),
        ("full", "sla1", "p1", "2026-05-27T11:00", "2026-05-27T11:15"),
        ("professional", "sla3", "p1", "2026-05-26T23:00", "2026-05-27T12:00"),  # P1 only full
        # SLA4: 2 business hours, or the plan's target if stricter; never around the clock.
        ("standard", "sla4", "p3", "2026-05-22T16:30", "2026-05-26T11:30"),
        ("professional", "sla4", "p2", "2026-05-27T09:00", "2026-05-27T12:00"),
        ("full", "sla4", "p3", "2026-05-27T11:00", "2026-05-27T11:15"),
        ("full", "sla4", "p1", "2026-05-26T23:00", "2026-05-27T10:15"),
    ],
)
def test_first_response_due(
    session: Session,
    plans: dict[str, Client],
    plan: str,
    category: str,
    priority: str,
    opened: str,
    due: str,
) -> None:
    ticket = open_at(session, opened, plans[plan], category=category, priority=priority)
    assert ticket.first_response_due == at(due)
    assert ticket.support_plan == plan


def test_opening(session: Session, plans: dict[str, Client]) -> None:
    ticket = open_at(session, "2026-05-22T16:30", plans["standard"], staff="maria")
    assert re.fullmatch(r"TK-[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{6}", ticket.code)
    assert ticket.status == "open"
    assert ticket.opened_at == at("2026-05-22T16:30")
    assert ticket.opened_by == "maria"
    assert ticket.last_reply_at == at("2026-05-22T16:30")
    # 48 business hours: 0.5 Fri, 7 each Tue 26 … Tue 2 June (42.5), 5.5 on Wed 3 June.
    assert ticket.resolution_due == at("2026-06-03T15:30")
    [message] = tickets.messages(session, ticket.id)
    assert (message.author_kind, message.author) == ("client", "Cliente standard")
    assert message.at == at("2026-05-22T16:30")
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "ticket.open")).one()
    assert entry.entity_id == ticket.code
    assert json.loads(entry.changes)["first_response_due"] == "2026-05-27T10:30:00-03:00"


def test_the_plan_is_kept_from_the_opening(session: Session, plans: dict[str, Client]) -> None:
    ticket = open_at(session, "2026-05-22T16:30", plans["standard"], category="sla3")
    clients.edit_client(session, make_ctx("2026-05-22"), plans["standard"].id, support_plan="full")
    tickets.reclassify(session, ctx_at("2026-05-26T10:00"), ticket.code, "sla2")
    assert ticket.support_plan == "standard"
    assert ticket.first_response_due == at("2026-05-27T10:30")


def test_holidays_country_comes_from_the_settings(
    session: Session, plans: dict[str, Client]
) -> None:
    settings.set_value(session, make_ctx("2026-05-01"), "calendar.holidays_country", "UY")
    ticket = open_at(session, "2026-05-22T16:30", plans["standard"])
    # In Uruguay 25 May is a working day: 0.5 h Friday, 7 h Monday, 0.5 h Tuesday.
    assert ticket.first_response_due == at("2026-05-26T10:30")


def test_codes_are_unique_and_retried_on_collision(
    session: Session, plans: dict[str, Client]
) -> None:
    first = open_at(session, "2026-05-22T11:00", plans["full"])
    codes = iter([first.code, first.code, "TK-ABC234"])
    second = tickets.open_ticket(
        session,
        ctx_at("2026-05-22T11:05"),
        client_id=plans["full"].id,
        subject="Otro",
        category="sla1",
        code_factory=lambda: next(codes),
    )
    assert second.code == "TK-ABC234"
    assert len({tickets.new_code() for _ in range(200)}) == 200


def test_codes_are_found_in_any_case(session: Session, plans: dict[str, Client]) -> None:
    ticket = open_at(session, "2026-05-22T11:00", plans["full"])
    assert tickets.get_ticket(session, f" {ticket.code.lower()} ").id == ticket.id
    with pytest.raises(NotFoundError) as err:
        tickets.get_ticket(session, "TK-NOPE22")
    assert err.value.message == "There is no ticket TK-NOPE22; `hostctl ticket list` shows them."


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("category", "sla5", "Unknown category 'sla5'; use sla1, sla2, sla3, sla4."),
        ("priority", "urgent", "Unknown priority 'urgent'; use p1, p2, p3, p4."),
        ("subject", "   ", "The subject is empty; say in a few words what the ticket is about."),
    ],
)
def test_bad_input_is_refused(
    session: Session, plans: dict[str, Client], field: str, value: str, message: str
) -> None:
    kwargs = {"subject": "Correo", "category": "sla1", "priority": "p3", field: value}
    with pytest.raises(ValidationError) as err:
        tickets.open_ticket(session, make_ctx(), client_id=plans["full"].id, **kwargs)
    assert err.value.message == message


# --------------------------------------------------------------------------- replies
def test_replies_restart_the_resolution_clock(session: Session, plans: dict[str, Client]) -> None:
    ticket = open_at(session, "2026-05-22T16:30", plans["standard"])
    tickets.reply(
        session, ctx_at("2026-05-26T12:00", "maria"), ticket.code, by="staff", message="Probá así"
    )
    assert ticket.status == "answered"
    assert ticket.first_response_at == at("2026-05-26T12:00")
    assert ticket.first_response_by == "maria"
    # 48 business hours from Tue 26 12:00: 5 h Tue, 7 h × 6 (Wed 27 … Wed 3), 1 h Thu 4.
    assert ticket.resolution_due == at("2026-06-04T11:00")
    assert ticket.first_response_due == at("2026-05-27T10:30")  # unchanged

    tickets.reply(
        session, ctx_at("2026-05-29T16:40"), ticket.code, by="client", message="Sigue igual"
    )
    assert ticket.status == "client-reply"
    # 20 min Fri 29, 7 h × 6 (Mon 1 … Mon 8 June), 5 h 40 min Tue 9 June.
    assert ticket.resolution_due == at("2026-06-09T15:40")
    assert ticket.last_reply_at == at("2026-05-29T16:40")

    tickets.reply(
        session, ctx_at("2026-06-01T10:00", "luis"), ticket.code, by="staff", message="Listo"
    )
    assert ticket.first_response_by == "maria"  # the first response stays the first
    assert ticket.first_response_at == at("2026-05-26T12:00")
    # 7 h × 6 (Mon 1 … Mon 8 June), 6 h on Tue 9 June.
    assert ticket.resolution_due == at("2026-06-09T16:00")

    bodies = [(m.author_kind, m.author, m.body) for m in tickets.messages(session, ticket.id)]
    assert bodies == [
        ("client", "Cliente standard", "Hola, desde ayer no salen los correos."),
        ("staff", "maria", "Probá así"),
        ("client", "Cliente standard", "Sigue igual"),
        ("staff", "luis", "Listo"),
    ]
    entries = session.exec(select(AuditEntry).where(AuditEntry.action == "ticket.reply")).all()
    assert [json.loads(e.changes)["by"] for e in entries] == ["staff", "client", "staff"]


def test_reply_input_is_checked(session: Session, plans: dict[str, Client]) -> None:
    ticket = open_at(session, "2026-05-22T16:30", plans["standard"])
    with pytest.raises(ValidationError) as err:
        tickets.reply(session, make_ctx(), ticket.code, by="robot", message="hola")
    assert err.value.message == "Unknown author 'robot'; use staff, client."
    with pytest.raises(ValidationError) as err:
        tickets.reply(session, make_ctx(), ticket.code, by="staff", message=" \n ")
    assert err.value.message == "The message is empty; write the reply with --message."


def test_a_closed_ticket_takes_no_replies(session: Session, plans: dict[str, Client]) -> None:
    ticket = open_at(session, "2026-05-22T16:30", plans["standard"])
    tickets.close_ticket(session, ctx_at("2026-05-26T10:30", "maria"), ticket.code)
    assert (ticket.status, ticket.closed_by) == ("closed", "maria")
    assert ticket.closed_at == at("2026-05-26T10:30")
    for action in (
        lambda: tickets.reply(session, make_ctx(), ticket.code, by="client", message="hola"),
        lambda: tickets.close_ticket(session, make_ctx(), ticket.code),
        lambda: tickets.reclassify(session, make_ctx(), ticket.code, "sla1"),
    ):
        with pytest.raises(BusinessRuleError) as err:
            action()
        assert err.value.message == (
            f"Ticket {ticket.code} is closed; open a new ticket with `hostctl ticket open`."
        )
    assert len(session.exec(select(TicketMessage)).all()) == 1


# --------------------------------------------------------------------------- reclassify
def test_error_reports_are_reclassified(session: Session, plans: dict[str, Client]) -> None:
    ticket = open_at(session, "2026-05-22T16:30", plans["professional"], category="sla3")
    tickets.reclassify(session, ctx_at("2026-05-22T16:40"), ticket.code, "SLA2")
    assert ticket.category == "sla2"
    assert ticket.first_response_due == at("2026-05-26T11:30")

    sla4 = open_at(session, "2026-05-27T09:00", plans["standard"], category="sla4")
    assert sla4.first_response_due == at("2026-05-27T12:00")
    tickets.reclassify(session, ctx_at("2026-05-27T10:00"), sla4.code, "sla1")
    assert sla4.first_response_due == at("2026-05-28T11:00")  # the plan's 8 business hours
    entry = session.exec(
        select(AuditEntry).where(
            AuditEntry.action == "ticket.reclassify", AuditEntry.entity_id == sla4.code
        )
    ).one()
    assert json.loads(entry.changes)["category"] == ["sla4", "sla1"]


def test_reclassify_refusals(session: Session, plans: dict[str, Client]) -> None:
    ticket = open_at(session, "2026-05-22T16:30", plans["standard"], category="sla1")
    with pytest.raises(BusinessRuleError) as err:
        tickets.reclassify(session, make_ctx(), ticket.code, "sla2")
    assert err.value.message == (
        f"Ticket {ticket.code} is SLA1; only SLA3 error reports and SLA4 queries are reclassified."
    )
    with pytest.raises(ValidationError) as verr:
        tickets.reclassify(session, make_ctx(), ticket.code, "sla4")
    assert verr.value.message == ("Unknown category for a reclassification 'sla4'; use sla1, sla2.")


def test_reclassify_after_the_first_response_keeps_its_deadline(
    session: Session, plans: dict[str, Client]
) -> None:
    ticket = open_at(session, "2026-05-22T16:30", plans["standard"], category="sla4")
    tickets.reply(session, ctx_at("2026-05-26T10:15"), ticket.code, by="staff", message="Veo")
    tickets.reclassify(session, ctx_at("2026-05-26T10:20"), ticket.code, "sla1")
    assert ticket.first_response_due == at("2026-05-26T11:30")


# --------------------------------------------------------------------------- breaching
def test_breaching_lists_open_tickets_past_or_near_a_deadline(
    session: Session, plans: dict[str, Client]
) -> None:
    late = open_at(session, "2026-05-26T10:00", plans["professional"])  # due 12:00
    near = open_at(session, "2026-05-26T12:30", plans["professional"])  # due 14:30
    far = open_at(session, "2026-05-26T14:00", plans["professional"])  # due 16:00
    answered = open_at(session, "2026-05-26T10:00", plans["full"])  # due 10:15
    tickets.reply(session, ctx_at("2026-05-26T10:05"), answered.code, by="staff", message="Ok")
    closed = open_at(session, "2026-05-26T10:00", plans["full"])
    tickets.close_ticket(session, ctx_at("2026-05-26T10:10"), closed.code)

    now = ctx_at("2026-05-26T13:30")
    found = tickets.list_tickets(session, now, breaching=True)
    assert [t.code for t in found] == [late.code, near.code]
    assert tickets.first_response_state(late, now.now) == "breached"
    assert tickets.first_response_state(near, now.now) == "pending"
    assert far.code in [t.code for t in tickets.list_tickets(session, now)]

    # Near the end of the day, "within one business hour" reaches into the next morning.
    evening = ctx_at("2026-05-26T16:30")
    assert [t.code for t in tickets.list_tickets(session, evening, breaching=True)] == [
        late.code,
        near.code,
        far.code,
    ]


def test_breaching_includes_a_resolution_deadline(
    session: Session, plans: dict[str, Client]
) -> None:
    ticket = open_at(session, "2026-05-04T10:00", plans["full"])
    tickets.reply(session, ctx_at("2026-05-04T10:05"), ticket.code, by="staff", message="Ok")
    assert ticket.resolution_due == at("2026-05-12T16:05")
    assert tickets.list_tickets(session, ctx_at("2026-05-12T14:59"), breaching=True) == []
    found = tickets.list_tickets(session, ctx_at("2026-05-12T15:05"), breaching=True)
    assert [t.code for t in found] == [ticket.code]
    assert tickets.resolution_state(ticket, at("2026-05-12T16:06")) == "breached"


def test_list_filters(session: Session, plans: dict[str, Client]) -> None:
    a = open_at(session, "2026-05-26T10:00", plans["standard"])
    b = open_at(session, "2026-05-26T11:00", plans["full"])
    tickets.close_ticket(session, make_ctx("2026-05-26"), b.code)
    ctx = make_ctx("2026-05-26")
    assert [t.code for t in tickets.list_tickets(session, ctx, status="closed")] == [b.code]
    assert [t.code for t in tickets.list_tickets(session, ctx, client_id=a.client_id)] == [a.code]
    with pytest.raises(ValidationError):
        tickets.list_tickets(session, ctx, status="solved")


# --------------------------------------------------------------------------- SLA-6 report
@pytest.fixture
def month(session: Session, plans: dict[str, Client]) -> dict[str, Ticket]:
    s, p, f = plans["standard"], plans["professional"], plans["full"]
    t: dict[str, Ticket] = {}
    t["before"] = open_at(session, "2026-04-30T23:59", s)  # outside the period
    # F: SLA4 due 12:00 on 4 May, never answered, never closed.
    t["F"] = open_at(session, "2026-05-04T10:00", s, category="sla4")
    # A: answered after 120 business minutes (due Wed 11:00), closed the next morning.
    t["A"] = open_at(session, "2026-05-26T10:00", s)
    tickets.reply(
        session, ctx_at("2026-05-26T12:00", "maria"), t["A"].code, by="staff", message="a"
    )
    tickets.close_ticket(session, ctx_at("2026-05-27T10:00", "maria"), t["A"].code)
    # B: answered after 180 business minutes, its target was 120.
    t["B"] = open_at(session, "2026-05-26T10:00", p, category="sla2")
    tickets.reply(session, ctx_at("2026-05-26T13:00", "luis"), t["B"].code, by="staff", message="b")
    # C: full plan, due 10:15 on Wed 27, never answered.
    t["C"] = open_at(session, "2026-05-27T10:00", f, category="sla3")
    # D: opened today, still within its target.
    t["D"] = open_at(session, "2026-05-29T11:00", s)
    t["after"] = open_at(session, "2026-06-01T10:00", s)  # outside the period
    return t


def test_sla_report_counts_and_medians(session: Session, month: dict[str, Ticket]) -> None:
    ctx = ctx_at("2026-05-29T12:00")
    report = tickets.sla_report(
        session, ctx, start=dt.date(2026, 5, 1), end=dt.date(2026, 5, 31), by="agent"
    )
    assert report == {
        "from": "2026-05-01",
        "to": "2026-05-31",
        "by": "agent",
        "tickets": 5,
        "first_response": {"met": 1, "breached": 3, "pending": 1, "median_minutes": 150},
        "resolution": {"met": 1, "breached": 1, "pending": 3},
        "groups": [
            {
                "key": "(none)",
                "tickets": 3,
                "first_response": {"met": 0, "breached": 2, "pending": 1, "median_minutes": None},
                "resolution": {"met": 0, "breached": 1, "pending": 2},
            },
            {
                "key": "luis",
                "tickets": 1,
                "first_response": {"met": 0, "breached": 1, "pending": 0, "median_minutes": 180},
                "resolution": {"met": 0, "breached": 0, "pending": 1},
            },
            {
                "key": "maria",
                "tickets": 1,
                "first_response": {"met": 1, "breached": 0, "pending": 0, "median_minutes": 120},
                "resolution": {"met": 1, "breached": 0, "pending": 0},
            },
        ],
    }


def test_sla_report_by_plan_and_category(session: Session, month: dict[str, Ticket]) -> None:
    ctx = ctx_at("2026-05-29T12:00")
    by_plan = tickets.sla_report(session, ctx, start=dt.date(2026, 5, 1), by="plan")
    assert by_plan["to"] == "2026-05-29"
    assert [(g["key"], g["tickets"]) for g in by_plan["groups"]] == [
        ("full", 1),
        ("professional", 1),
        ("standard", 3),
    ]
    standard = by_plan["groups"][2]
    assert standard["first_response"] == {
        "met": 1,
        "breached": 1,
        "pending": 1,
        "median_minutes": 120,
    }
    by_category = tickets.sla_report(session, ctx, start=dt.date(2026, 5, 1), by="category")
    assert [(g["key"], g["tickets"]) for g in by_category["groups"]] == [
        ("sla1", 2),
        ("sla2", 1),
        ("sla3", 1),
        ("sla4", 1),
    ]
    plain = tickets.sla_report(session, ctx, start=dt.date(2026, 5, 1))
    assert plain["groups"] == [] and plain["tickets"] == 5


def test_sla_report_defaults_to_this_month(session: Session, month: dict[str, Ticket]) -> None:
    report = tickets.sla_report(session, ctx_at("2026-06-01T12:00"))
    assert (report["from"], report["to"], report["tickets"]) == ("2026-06-01", "2026-06-01", 1)


def test_sla_report_median_of_an_even_count_and_closing_without_reply(
    session: Session, plans: dict[str, Client]
) -> None:
    s = plans["standard"]
    one = open_at(session, "2026-05-26T10:00", s)
    tickets.reply(session, ctx_at("2026-05-26T10:45", "ana"), one.code, by="staff", message="x")
    two = open_at(session, "2026-05-26T10:00", s)
    tickets.reply(session, ctx_at("2026-05-26T11:00", "ana"), two.code, by="staff", message="x")
    # Closed by staff without a written reply: the closing is the (timely) response.
    three = open_at(session, "2026-05-26T16:50", s)
    tickets.close_ticket(session, ctx_at("2026-05-27T10:20"), three.code)
    report = tickets.sla_report(session, ctx_at("2026-05-27T12:00"), start=dt.date(2026, 5, 26))
    assert report["first_response"] == {
        "met": 3,
        "breached": 0,
        "pending": 0,
        "median_minutes": 45,
    }
    four = open_at(session, "2026-05-27T10:00", s)
    tickets.reply(session, ctx_at("2026-05-27T10:30", "ana"), four.code, by="staff", message="x")
    report = tickets.sla_report(session, ctx_at("2026-05-27T12:00"), start=dt.date(2026, 5, 26))
    assert report["first_response"]["median_minutes"] == 37.5  # 30, 30, 45, 60


def test_sla_report_refuses_a_reversed_period(session: Session) -> None:
    with pytest.raises(ValidationError) as err:
        tickets.sla_report(session, make_ctx(), start=dt.date(2026, 5, 31), end=dt.date(2026, 5, 1))
    assert err.value.message == "The period ends (2026-05-01) before it starts (2026-05-31)."
