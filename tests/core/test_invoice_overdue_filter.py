"""``list_invoices(status="overdue")`` is the SQL form of ``invoices.is_overdue``: for every
status and due date around ``today`` (the day itself is not yet overdue), the filter picks
exactly the invoices the rule calls overdue, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from hostctl.core import clients, invoices
from hostctl.errors import ValidationError
from hostctl.models import Invoice

DUE_DAYS = ("2026-03-09", "2026-03-10", "2026-03-11")


@pytest.fixture
def book(session, ctx):
    client, _ = clients.add_client(session, ctx, name="Ana", email="ana@example.com")
    other, _ = clients.add_client(session, ctx, name="Beto", email="beto@example.com")
    for seq, (status, due, owner) in enumerate(
        itertools.product(invoices.STATUSES, DUE_DAYS, (client, other)), start=1
    ):
        session.add(
            Invoice(
                number=f"2026-{seq:06d}",
                year=2026,
                seq=seq,
                client_id=owner.id,
                kind="renewal",
                status=status,
                issue_date=dt.date(2026, 2, 1),
                due_date=dt.date.fromisoformat(due),
                currency="USD",
                total_minor=1000,
                created_at=ctx.now,
            )
        )
    session.flush()
    return session, client.id


@pytest.mark.parametrize("today", ["2026-03-09", "2026-03-10", "2026-03-11", "2026-03-12"])
def test_the_filter_is_the_rule(book, today):
    session, _client_id = book
    day = dt.date.fromisoformat(today)
    everything = invoices.list_invoices(session)
    assert len(everything) == 24
    by_rule = [i.number for i in everything if invoices.is_overdue(i, day)]
    listed = [i.number for i in invoices.list_invoices(session, status="overdue", today=day)]
    assert listed == by_rule
    # unpaid, due before the day: two clients x the due days before it
    assert len(listed) == 2 * sum(due < today for due in DUE_DAYS)


def test_overdue_of_one_client_and_any_case(book):
    session, client_id = book
    day = dt.date(2026, 3, 11)
    found = invoices.list_invoices(session, status=" Overdue ", client_id=client_id, today=day)
    assert [(i.client_id, i.status, i.due_date.isoformat()) for i in found] == [
        (client_id, "unpaid", "2026-03-09"),
        (client_id, "unpaid", "2026-03-10"),
    ]


def test_an_unknown_status_names_overdue_too(book):
    session, _ = book
    with pytest.raises(ValidationError) as refused:
        invoices.list_invoices(session, status="late", today=dt.date(2026, 3, 11))
    assert "overdue" in refused.value.message
