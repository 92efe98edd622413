"""SQLModel tables.

Money is stored as integer minor units (``*_minor``) beside a currency column, never as
a float or a database decimal. Timestamps are stored in UTC; dates are calendar dates in
the company time zone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite and PostgreSQL alike."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Table(SQLModel):
    """Base of every table: pydantic's schema is built only if a model is ever validated
    (table models never are), which keeps ``import hostctl.models`` cheap at start-up."""

    model_config = {"defer_build": True}  # type: ignore[typeddict-unknown-key]


metadata = SQLModel.metadata
metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _ts(nullable: bool = False, index: bool = False) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)


# --------------------------------------------------------------------------- settings
class Setting(Table, table=True):
    __tablename__ = "settings"
    key: str = Field(primary_key=True, max_length=120)
    value: str
    updated_at: dt.datetime = _ts()
    updated_by: str


# --------------------------------------------------------------------------- clients
class Client(Table, table=True):
    __tablename__ = "clients"
    id: int | None = Field(default=None, primary_key=True)
    name: str
    company: str | None = None
    email: str
    email_key: str = Field(unique=True)
    phone: str | None = Field(default=None, index=True)
    country: str | None = None
    currency: str = "USD"
    document: str | None = None
    document_key: str | None = Field(default=None, unique=True)
    support_plan: str = "standard"
    credit_minor: int = 0
    verified: bool = False
    verified_at: dt.datetime | None = _ts(nullable=True)
    verified_by: str | None = None
    password_hash: str | None = None
    referrer_id: int | None = Field(default=None, foreign_key="clients.id")
    referral_code: str | None = Field(default=None, unique=True)
    status: str = "active"
    created_on: dt.date
    created_at: dt.datetime = _ts()
    updated_at: dt.datetime = _ts()


class Contact(Table, table=True):
    __tablename__ = "contacts"
    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="clients.id", index=True)
    name: str
    email: str
    phone: str | None = None
    rights: str = ""  # comma-separated, sorted: account,invoices,services,tickets
    created_at: dt.datetime = _ts()


# --------------------------------------------------------------------------- catalogue
class Product(Table, table=True):
    __tablename__ = "products"
    code: str = Field(primary_key=True, max_length=60)
    name: str
    category: str = Field(index=True)
    cycles: str  # comma-separated, in cycle order
    activation: str = "instant"  # instant | manual
    activation_days: int = 0
    requirement: str | None = None
    period_discount: bool = True
    refundable: bool = True
    upgrade_to: str = ""  # comma-separated product codes
    active: bool = True
    created_at: dt.datetime = _ts()
    updated_at: dt.datetime = _ts()


class ProductPrice(Table, table=True):
    __tablename__ = "product_prices"
    product_code: str = Field(foreign_key="products.code", primary_key=True, max_length=60)
    currency: str = Field(primary_key=True, max_length=3)
    monthly_minor: int


# --------------------------------------------------------------------------- services & billing
class Service(Table, table=True):
    __tablename__ = "services"
    __table_args__ = (sa.Index("ix_services_status_due", "status", "next_due_date"),)
    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="clients.id", index=True)
    product_code: str = Field(foreign_key="products.code", index=True)
    cycle: str
    status: str = "pending"
    suspension_reason: str | None = None
    next_due_date: dt.date | None = None
    anchor_day: int | None = None  # day of month the due dates keep (BIL-12)
    domain: str | None = None
    cancellation: str | None = None  # immediate | end-of-period
    auto_renew: bool = True
    order_invoice_id: int | None = None
    requirements_met_on: dt.date | None = None
    activation_due: dt.date | None = None
    activated_on: dt.date | None = None
    suspended_on: dt.date | None = None
    ended_on: dt.date | None = None
    created_on: dt.date
    created_at: dt.datetime = _ts()
    updated_at: dt.datetime = _ts()


class Invoice(Table, table=True):
    __tablename__ = "invoices"
    __table_args__ = (
        sa.UniqueConstraint("year", "seq"),
        sa.Index("ix_invoices_status_due", "status", "due_date"),
    )
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(unique=True)
    year: int
    seq: int
    client_id: int = Field(foreign_key="clients.id", index=True)
    kind: str  # order | renewal | fee | upgrade | restoration | quote
    status: str = "unpaid"
    issue_date: dt.date
    due_date: dt.date
    currency: str
    total_minor: int
    paid_minor: int = 0
    reminders_sent: int = 0  # 0 none, 1 first, 2 second, 3 final
    paid_on: dt.date | None = None
    cancelled_on: dt.date | None = None
    note: str | None = None
    created_at: dt.datetime = _ts()


class InvoiceLine(Table, table=True):
    __tablename__ = "invoice_lines"
    __table_args__ = (sa.Index("ix_invoice_lines_service_period", "service_id", "period_start"),)
    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoices.id", index=True)
    position: int
    kind: str  # item | discount | fee | credit
    code: str | None = None  # period | volume | bundle | method | restoration | chargeback …
    description: str
    service_id: int | None = Field(default=None, foreign_key="services.id")
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    amount_minor: int


class InvoiceCounter(Table, table=True):
    __tablename__ = "invoice_counters"
    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    last: int = 0


class Payment(Table, table=True):
    __tablename__ = "payments"
    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoices.id", index=True)
    client_id: int = Field(foreign_key="clients.id", index=True)
    currency: str
    amount_minor: int  # what the client paid
    discount_minor: int = 0  # payment-method discount granted (DSC-3)
    applied_minor: int = 0  # what settled the invoice (amount + discount − credited)
    credited_minor: int = 0  # excess moved to client credit (BIL-5)
    method: str
    reference: str | None = None
    paid_on: dt.date
    status: str = "received"  # received | reversed
    reversed_on: dt.date | None = None
    created_by: str
    created_at: dt.datetime = _ts()


class CreditEntry(Table, table=True):
    __tablename__ = "credit_ledger"
    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="clients.id", index=True)
    currency: str
    amount_minor: int  # + credit added, − credit used
    reason: str
    invoice_id: int | None = Field(default=None, foreign_key="invoices.id")
    payment_id: int | None = Field(default=None, foreign_key="payments.id")
    effective_date: dt.date
    created_at: dt.datetime = _ts()


# --------------------------------------------------------------------------- automation
class DailyRun(Table, table=True):
    __tablename__ = "daily_runs"
    day: dt.date = Field(primary_key=True)
    started_at: dt.datetime = _ts()
    finished_at: dt.datetime | None = _ts(nullable=True)
    summary: str = "{}"


class Lock(Table, table=True):
    __tablename__ = "locks"
    name: str = Field(primary_key=True, max_length=60)
    holder: str
    acquired_at: dt.datetime = _ts()
    heartbeat_at: dt.datetime = _ts()


# --------------------------------------------------------------------------- audit & alerts
class AuditEntry(Table, table=True):
    __tablename__ = "audit_log"
    __table_args__ = (sa.Index("ix_audit_log_entity", "entity_type", "entity_id"),)
    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = _ts()
    effective_date: dt.date
    staff: str
    action: str
    entity_type: str
    entity_id: str
    changes: str = "{}"  # JSON
    note: str | None = None


class OutboxMessage(Table, table=True):
    __tablename__ = "outbox"
    __table_args__ = (sa.Index("ix_outbox_status_next", "status", "next_attempt_at"),)
    id: int | None = Field(default=None, primary_key=True)
    event: str = Field(index=True)
    channel: str  # whatsapp | email | hook
    client_id: int | None = Field(default=None, foreign_key="clients.id", index=True)
    invoice_id: int | None = None
    service_id: int | None = None
    stage: str | None = None
    payload: str = "{}"  # JSON: what the template needs
    status: str = "pending"  # pending | sending | sent | failed
    attempts: int = 0
    last_error: str | None = None
    effective_date: dt.date
    created_at: dt.datetime = _ts()
    next_attempt_at: dt.datetime | None = _ts(nullable=True)
    claimed_at: dt.datetime | None = _ts(nullable=True)
    claimed_by: str | None = None
    sent_at: dt.datetime | None = _ts(nullable=True)
    provider_id: str | None = None


# --------------------------------------------------------------------------- transfers (SPEC §7)
class Transfer(Table, table=True):
    __tablename__ = "transfers"
    __table_args__ = (
        sa.Index(
            "uq_transfers_pending_service",
            "service_id",
            unique=True,
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    service_id: int = Field(foreign_key="services.id", index=True)
    from_client_id: int = Field(foreign_key="clients.id")
    to_client_id: int = Field(foreign_key="clients.id")
    status: str = Field(default="pending", index=True)  # pending | completed | expired
    message: str  # the exact consent text both holders must send back
    from_confirmed_at: dt.datetime | None = _ts(nullable=True)
    to_confirmed_at: dt.datetime | None = _ts(nullable=True)
    from_confirmed_by: str | None = None  # staff who recorded the confirmation
    to_confirmed_by: str | None = None
    requested_by: str
    requested_on: dt.date
    expires_on: dt.date
    completed_at: dt.datetime | None = _ts(nullable=True)
    ended_on: dt.date | None = None
    created_at: dt.datetime = _ts()


# --------------------------------------------------------------------------- tickets (SPEC §8)
class Ticket(Table, table=True):
    __tablename__ = "tickets"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=20)
    client_id: int = Field(foreign_key="clients.id", index=True)
    subject: str
    category: str  # sla1 | sla2 | sla3 | sla4
    priority: str = "p3"  # p1 … p4
    status: str = Field(default="open", index=True)  # open | answered | client-reply | closed
    support_plan: str  # the client's plan when the ticket was opened
    opened_at: dt.datetime = _ts()
    opened_by: str
    first_response_at: dt.datetime | None = _ts(nullable=True)
    first_response_by: str | None = None
    first_response_due: dt.datetime | None = _ts(nullable=True)
    last_reply_at: dt.datetime | None = _ts(nullable=True)
    resolution_due: dt.datetime | None = _ts(nullable=True)
    closed_at: dt.datetime | None = _ts(nullable=True)
    closed_by: str | None = None


class TicketMessage(Table, table=True):
    __tablename__ = "ticket_messages"
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id", index=True)
    author_kind: str  # client | staff
    author: str  # staff name, or the client's name
    body: str
    at: dt.datetime = _ts()
