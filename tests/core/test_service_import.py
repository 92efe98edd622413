"""``service import``: the services go straight to the driver once every row is checked; they
read back through the ORM as the ORM would have written them, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlmodel import select
from tests.conftest import make_ctx

from hostctl.core import clients, services
from hostctl.errors import ImportFileError
from hostctl.models import AuditEntry, OutboxMessage, Product, Service

HEADER = "client_email,product,cycle,status,next_due_date,domain\n"


@pytest.fixture
def base(session):
    """Two clients and two products (the import reads no prices)."""
    ctx = make_ctx("2026-12-01")
    for name, email in (("Ana", "ana@example.com"), ("Beto", "Beto@Example.com")):
        clients.add_client(session, ctx, name=name, email=email)
    for code, category, cycles in (
        ("hosting-basic", "hosting", "monthly,annual"),
        ("domain-com", "domain", "annual"),
    ):
        session.add(
            Product(
                code=code,
                name=code,
                category=category,
                cycles=cycles,
                created_at=ctx.now,
                updated_at=ctx.now,
            )
        )
    session.flush()
    return session


def _csv(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "services.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_imported_services_read_back_like_orm_rows(base, tmp_path):
    session = base
    ctx = make_ctx("2027-01-10", staff="importer", at="08:30")
    ana, beto = (clients.find_by_email(session, e) for e in ("ana@example.com", "beto@example.com"))
    outbox_before = len(session.exec(select(OutboxMessage)).all())
    path = _csv(
        tmp_path,
        "ana@example.com,hosting-basic,annual,active,2027-03-31,\n"
        "ANA@example.com,HOSTING-BASIC,Monthly,Suspended,2027-03-31,Site.COM\n"  # date again
        "beto@example.com,domain-com,annual,pending,,beto.com\n"
        "beto@example.com,domain-com,annual,pending,2027-05-01,Beto.net\n",
    )
    assert services.import_services(session, ctx, path) == 4
    rows = session.exec(select(Service).order_by(Service.id)).all()
    assert [
        (
            s.client_id,
            s.product_code,
            s.cycle,
            s.status,
            s.suspension_reason,
            s.next_due_date,
            s.anchor_day,
            s.domain,
            s.suspended_on,
        )
        for s in rows
    ] == [
        (ana.id, "hosting-basic", "annual", "active", None, dt.date(2027, 3, 31), 31, None, None),
        (
            ana.id,
            "hosting-basic",
            "monthly",
            "suspended",
            "non-payment",
            dt.date(2027, 3, 31),
            31,
            "site.com",
            dt.date(2027, 1, 10),
        ),
        (beto.id, "domain-com", "annual", "pending", None, None, None, "beto.com", None),
        (
            beto.id,
            "domain-com",
            "annual",
            "pending",
            None,
            dt.date(2027, 5, 1),
            1,
            "beto.net",
            None,
        ),
    ]
    first = rows[0]
    assert first.auto_renew is True
    assert (first.cancellation, first.order_invoice_id, first.activated_on) == (None, None, None)
    assert first.created_on == dt.date(2027, 1, 10)
    assert first.created_at == first.updated_at == ctx.now  # aware, the same instant
    assert first.created_at.tzinfo is not None
    entry = session.exec(select(AuditEntry).order_by(AuditEntry.id.desc())).first()  # type: ignore[union-attr]
    assert (entry.action, entry.entity_type, entry.entity_id, entry.staff) == (
        "service.import",
        "service",
        "*",
        "importer",
    )
    assert json.loads(entry.changes) == {"file": "services.csv", "count": 4}
    assert len(session.exec(select(OutboxMessage)).all()) == outbox_before  # no alerts


def test_every_bad_row_is_reported_even_with_a_date_seen_before(base, tmp_path):
    session = base
    path = _csv(
        tmp_path,
        "ana@example.com,hosting-basic,annual,active,2027-02-30,\n"
        "ana@example.com,hosting-basic,annual,active,2027-02-30,\n"
        "ana@example.com,hosting-basic,annual,active,2027-03-01,\n"  # fine
        "ana@example.com,hosting-basic,weekly,active,2027-03-01,\n"
        "ana@example.com,domain-com,annual,active,2027-03-01,\n"
        "ana@example.com,hosting-basic,annual,active,,\n"
        "nobody@example.com,hosting-basic,annual,active,2027-03-01,\n"
        "ana@example.com,hosting-pro,annual,active,2027-03-01,\n"
        "ana@example.com,hosting-basic,annual,frozen,2027-03-01,\n"
        "ana@example.com,hosting-basic,annual,active,2027-3-01,\n",
    )
    with pytest.raises(ImportFileError) as err:
        services.import_services(session, make_ctx("2027-01-10"), path)
    assert err.value.message == "services.csv was not imported: 9 bad row(s)."
    assert err.value.details == [
        "line 2, column next_due_date: '2027-02-30' is not a date (YYYY-MM-DD).",
        "line 3, column next_due_date: '2027-02-30' is not a date (YYYY-MM-DD).",
        "line 5, column cycle: hosting-basic cannot be billed 'weekly' (monthly,annual).",
        "line 6, column domain: a domain service needs its domain name.",
        "line 7, column next_due_date: an active service needs its next due date.",
        "line 8, column client_email: no client has the email 'nobody@example.com'.",
        "line 9, column product: there is no product 'hosting-pro'.",
        "line 10, column status: 'frozen' is not one of active, suspended, pending.",
        "line 11, column next_due_date: '2027-3-01' is not a date (YYYY-MM-DD).",
    ]
    assert session.exec(select(Service)).all() == []
