"""The fast bulk writes of ``daily``: rows straight to the driver must read back exactly as
the ORM would have written them, on SQLite and PostgreSQL; the SQLite tuning of a bulk
writer is undone when its connection is released."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlmodel import select
from tests.conftest import make_ctx

from hostctl import db
from hostctl.core import audit, clients, invoices, outbox, payments
from hostctl.core.bulk import INSERT_CHUNK, db_value, insert_rows
from hostctl.core.money import Money, money_json
from hostctl.models import AuditEntry, Client, OutboxMessage


def _client(session) -> Client:
    client, _ = clients.add_client(
        session, make_ctx("2026-01-01"), name="Ana", email="ana@example.com", phone="+5491122334455"
    )
    return client


def test_alert_rows_read_back_like_orm_rows(session):
    ctx = make_ctx("2026-03-04", at="09:30")
    client = _client(session)
    written = outbox.emit_many(
        session,
        ctx,
        [
            {
                "event": "invoice.reminder",
                "stage": "final",
                "client_id": client.id,
                "phone": client.phone,
                "email": client.email,
                "invoice_id": 7,
                "data": {"total": "10.00", "items": ["Hosting — Anual (ñandú.com)"]},
            }
        ],
    )
    session.flush()
    rows = session.exec(
        select(OutboxMessage)
        .where(OutboxMessage.event == "invoice.reminder")
        .order_by(OutboxMessage.id)
    ).all()
    assert written == 2
    assert [(m.channel, m.status, m.attempts, m.stage, m.invoice_id) for m in rows] == [
        ("whatsapp", "pending", 0, "final", 7),
        ("email", "pending", 0, "final", 7),
    ]
    message = rows[0]
    assert message.effective_date == dt.date(2026, 3, 4)
    assert message.created_at == ctx.now  # aware, UTC, the same instant
    assert message.created_at.tzinfo is not None
    assert message.next_attempt_at is None
    assert json.loads(message.payload)["items"] == ["Hosting — Anual (ñandú.com)"]


def test_audit_rows_take_dicts_or_ready_json(session):
    ctx = make_ctx("2026-03-04", staff="cron")
    audit.record_many(
        session,
        ctx,
        [
            (
                "service.suspend",
                "service",
                3,
                {"total": Money(150, "USD"), "on": dt.date(2026, 3, 4)},
            ),
            ("service.suspend", "service", 4, audit.dumps({"rule": "D+2"})),
        ],
        note="bulk",
    )
    session.flush()
    entries = session.exec(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.entity_id, e.staff, e.note, e.effective_date) for e in entries] == [
        ("3", "cron", "bulk", dt.date(2026, 3, 4)),
        ("4", "cron", "bulk", dt.date(2026, 3, 4)),
    ]
    assert json.loads(entries[0].changes) == {"on": "2026-03-04", "total": "1.50"}
    assert json.loads(entries[1].changes) == {"rule": "D+2"}
    assert entries[0].at.tzinfo is not None


def test_insert_rows_writes_every_chunk_and_keeps_order(session):
    ctx = make_ctx("2026-03-04")
    convert = db_value(session)
    table = AuditEntry.__table__
    count = INSERT_CHUNK + 3
    written = insert_rows(
        session,
        table,
        ("at", "effective_date", "staff", "action", "entity_type", "entity_id", "changes"),
        (
            (convert(ctx.now), convert(ctx.today), "t", "x", "service", str(i), "{}")
            for i in range(count)
        ),
    )
    assert written == count
    ids = [int(e.entity_id) for e in session.exec(select(AuditEntry).order_by(AuditEntry.id))]
    assert ids == list(range(count))


def test_db_value_refuses_naive_datetimes(session):
    convert = db_value(session)
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("PostgreSQL's driver adapts values itself")
    with pytest.raises(ValueError, match="naive"):
        convert(dt.datetime(2026, 1, 1, 12, 0))
    assert convert(True) == 1
    assert convert(dt.date(2026, 1, 2)) == "2026-01-02"


@pytest.mark.parametrize(
    ("minor", "currency", "text"),
    [(123456, "USD", "1234.56"), (-50, "USD", "-0.50"), (0, "ARS", "0.00"), (5, "USD", "0.05")],
)
def test_money_json_matches_decimal_formatting(minor, currency, text):
    assert money_json(minor, currency) == text == f"{Money(minor, currency).amount:.2f}"


def test_new_invoice_records_are_what_was_stored(session):
    ctx = make_ctx("2026-03-04")
    client = _client(session)
    from hostctl.core.pricing import Line

    spec = invoices.InvoiceSpec(
        client=client,
        kind="renewal",
        issue_date=ctx.today,
        due_date=dt.date(2026, 3, 19),
        lines=[
            Line("item", "Hosting", Money(1000, "USD")),
            Line("discount", "-10 %", Money(-100, "USD"), "volume"),
        ],
    )
    [record] = payments.issue_invoices(session, ctx, [spec], load=False)
    stored = invoices.get_invoice(session, record.id)
    assert (record.number, record.total_minor, record.status, record.due_date) == (
        stored.number,
        stored.total_minor,
        stored.status,
        stored.due_date,
    )
    assert (stored.total_minor, stored.status, stored.kind) == (900, "unpaid", "renewal")
    assert [
        (line.position, line.amount_minor) for line in invoices.lines_of(session, record.id)
    ] == [
        (1, 1000),
        (2, -100),
    ]


def test_bulk_writes_tuning_is_undone_when_the_connection_is_released(db_url):
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite only")
    with db.unit_of_work(url=db_url, one_connection=True) as session:
        db.bulk_writes(session)
        raw = session.connection().connection.driver_connection
        assert raw.execute("PRAGMA cache_size").fetchone()[0] == -db.BULK_CACHE_KIB
        assert raw.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == (
            db.BULK_WAL_AUTOCHECKPOINT_PAGES
        )
        session.commit()  # a day's commit keeps the same connection and its tuning
        assert session.connection().connection.driver_connection is raw
        assert raw.execute("PRAGMA cache_size").fetchone()[0] == -db.BULK_CACHE_KIB
    assert raw.execute("PRAGMA cache_size").fetchone()[0] == -db.DEFAULT_CACHE_KIB
    assert raw.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == db.WAL_AUTOCHECKPOINT_PAGES
