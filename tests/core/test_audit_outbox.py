"""The audit log and the alert outbox (NOT-2) without the CLI."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from sqlmodel import select
from tests.conftest import make_ctx

from hostctl import db
from hostctl.core import audit, clients, outbox
from hostctl.core.money import Money
from hostctl.errors import BusinessRuleError
from hostctl.models import AuditEntry, Client, OutboxMessage


def test_record_keeps_staff_real_time_effective_date_entity_and_changes(session):
    ctx = make_ctx("2025-12-31", staff="maria")  # replaying a past day
    before = dt.datetime.now(dt.UTC)
    entry = audit.record(
        session,
        ctx,
        "thing.change",
        "service",
        12,
        {"amount": Money.parse("9.5", "USD"), "rate": Decimal("0.20"), "when": dt.date(2026, 1, 1)},
        note="why",
    )
    session.flush()
    after = dt.datetime.now(dt.UTC)
    stored = session.get(AuditEntry, entry.id)
    assert (stored.staff, stored.effective_date, stored.action) == (
        "maria",
        dt.date(2025, 12, 31),
        "thing.change",
    )
    assert (stored.entity_type, stored.entity_id, stored.note) == ("service", "12", "why")
    assert before <= stored.at <= after  # the real time, not the replayed day
    assert json.loads(stored.changes) == {"amount": "9.50", "rate": "0.20", "when": "2026-01-01"}


def test_diff_lists_only_changed_fields():
    assert audit.diff({"a": 1, "b": "x", "c": None}, {"a": 1, "b": "y", "c": 3}) == {
        "b": ["x", "y"],
        "c": [None, 3],
    }
    assert audit.diff({"a": 1}, {"a": 1}) == {}


def test_entries_filter_and_limit_oldest_first(session, ctx):
    for i in range(5):
        audit.record(session, ctx, "x", "client", i % 2, {"i": i})
    audit.record(session, ctx, "x", "service", 1, {"i": 5})
    session.flush()
    assert [json.loads(e.changes)["i"] for e in audit.entries(session)] == [0, 1, 2, 3, 4, 5]
    assert [json.loads(e.changes)["i"] for e in audit.entries(session, limit=2)] == [4, 5]
    picked = audit.entries(session, entity_type="client", entity_id="1")
    assert [json.loads(e.changes)["i"] for e in picked] == [1, 3]
    assert len(audit.entries(session, entity_type="client")) == 5


def _client(session, ctx, phone=None, email="ana@example.com"):
    client = Client(
        name="Ana",
        email=email,
        email_key=email,
        phone=phone,
        created_on=ctx.today,
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    session.add(client)
    session.flush()
    return client


def test_emit_one_pending_row_per_channel(session, ctx):
    with_phone = _client(session, ctx, phone="+5491123456789")
    outbox.emit(session, ctx, "client.registered", with_phone, data={"name": "Ana"})
    rows = session.exec(select(OutboxMessage)).all()
    assert [(m.event, m.channel, m.status, m.attempts) for m in rows] == [
        ("client.registered", "whatsapp", "pending", 0),
        ("client.registered", "email", "pending", 0),
    ]
    assert all(m.client_id == with_phone.id for m in rows)
    assert all(m.effective_date == ctx.today and m.created_at == ctx.now for m in rows)
    assert json.loads(rows[0].payload) == {"name": "Ana"}


def test_emit_many_with_stage_and_listing(session, ctx):
    client = _client(session, ctx)
    written = outbox.emit_many(
        session,
        ctx,
        [
            {"event": "invoice.reminder", "client_id": client.id, "phone": None,
             "email": client.email, "invoice_id": 7, "stage": "first"},
            {"event": "invoice.created", "client_id": client.id, "phone": "+5491123456789",
             "email": client.email, "invoice_id": 8},
        ],
    )  # fmt: skip
    assert written == 3
    listed = outbox.listing(session, event="invoice.reminder")
    assert [(m.channel, m.invoice_id, m.stage) for m in listed] == [("email", 7, "first")]
    assert len(outbox.listing(session, status="pending", client_id=client.id)) == 3
    assert [m.id for m in outbox.listing(session, limit=2)] == [2, 3]


@pytest.mark.parametrize(
    ("alert", "message"),
    [
        ({"event": "client.deleted"}, "unknown event 'client.deleted'"),
        ({"event": "invoice.reminder", "stage": "fourth"}, "invoice.reminder needs a stage"),
    ],
)
def test_emit_refuses_unknown_events(session, ctx, alert, message):
    with pytest.raises(ValueError, match=message):
        outbox.emit_many(session, ctx, [{"client_id": 1, "email": "a@b.c", **alert}])


def test_alert_is_rolled_back_with_its_change(db_url):
    ctx = make_ctx()
    with db.unit_of_work() as session:
        clients.add_client(session, ctx, name="Ana", email="ana@example.com")
    with pytest.raises(BusinessRuleError), db.unit_of_work() as session:
        clients.add_client(session, ctx, name="Beto", email="beto@example.com")
        raise BusinessRuleError("refused half-way")
    with db.unit_of_work(readonly=True) as session:
        assert session.exec(select(Client.email)).all() == ["ana@example.com"]
        assert [m.client_id for m in session.exec(select(OutboxMessage))] == [1]
        assert [a.entity_id for a in session.exec(select(AuditEntry))] == ["1"]
