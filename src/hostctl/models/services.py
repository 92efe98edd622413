"""Tables: services, invoices, payments and credit."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field

from hostctl.models import (
    catalogue,  # noqa: F401  (tables its foreign keys name)
    clients,  # noqa: F401  (tables its foreign keys name)
)
from hostctl.models.base import Table, _ts, money_checks, money_field


# --------------------------------------------------------------------------- services & billing
class Service(Table, table=True):
    __tablename__ = "services"
    __table_args__ = (
        sa.Index("ix_services_status_due", "status", "next_due_date"),
        # the services that end instead of renewing, by due date (the daily rule that ends
        # them repeats this condition: SQLite uses a partial index only then)
        sa.Index(
            "ix_services_ending",
            "next_due_date",
            sqlite_where=sa.text("auto_renew IS 0 OR cancellation IS NOT NULL"),
            postgresql_where=sa.text("auto_renew IS false OR cancellation IS NOT NULL"),
        ),
    )
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
    deleted_on: dt.date | None = None  # an expired domain removed from the registry (CAN-4)
    server: str | None = None  # the server it runs on (UPT-1)
    panel_username: str | None = None  # the account's username on that server's panel (SRV-2)
    # brought over from WHMCS: tblhosting.id, or tbldomains.id for a domain
    whmcs_id: int | None = None
    created_on: dt.date
    created_at: dt.datetime = _ts()
    updated_at: dt.datetime = _ts()


class Invoice(Table, table=True):
    __tablename__ = "invoices"
    __table_args__ = (
        *money_checks("total_minor", "paid_minor"),
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
    total_minor: int = money_field()
    paid_minor: int = money_field(0)
    reminders_sent: int = 0  # 0 none, 1 first, 2 second, 3 final
    paid_on: dt.date | None = None
    cancelled_on: dt.date | None = None
    note: str | None = None
    whmcs_id: int | None = None  # tblinvoices.id of an invoice brought over from WHMCS
    created_at: dt.datetime = _ts()


class InvoiceLine(Table, table=True):
    __tablename__ = "invoice_lines"
    __table_args__ = (
        *money_checks("amount_minor"),
        sa.Index("ix_invoice_lines_service_period", "service_id", "period_start"),
    )
    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoices.id", index=True)
    position: int
    kind: str  # item | discount | fee | credit
    code: str | None = None  # period | volume | bundle | method | restoration | chargeback …
    description: str
    service_id: int | None = Field(default=None, foreign_key="services.id")
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    amount_minor: int = money_field()


class InvoiceCounter(Table, table=True):
    __tablename__ = "invoice_counters"
    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    last: int = 0


class Payment(Table, table=True):
    __tablename__ = "payments"
    __table_args__ = (
        # a method and reference are recorded once (``core.payments.reference_key``), but for
        # the payments recorded as deliberate duplicates (--duplicate-ok): a unique key, so
        # two agents recording one reference at the same moment cannot both get it in
        sa.Index(
            "uq_payments_method_reference_key",
            "method",
            "reference_key",
            unique=True,
            sqlite_where=sa.text("NOT duplicate_ok"),
            postgresql_where=sa.text("NOT duplicate_ok"),
        ),
        # the look-up of any payment with a reference, deliberate duplicates included
        sa.Index("ix_payments_method_reference_key", "method", "reference_key"),
        *money_checks("amount_minor", "discount_minor", "applied_minor", "credited_minor"),
    )
    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoices.id", index=True)
    client_id: int = Field(foreign_key="clients.id", index=True)
    currency: str
    amount_minor: int = money_field()  # what the client paid
    discount_minor: int = money_field(0)  # payment-method discount granted (DSC-3)
    applied_minor: int = money_field(0)  # what settled the invoice (amount + discount − credited)
    credited_minor: int = money_field(0)  # excess moved to client credit (BIL-5)
    method: str
    reference: str | None = None
    reference_key: str | None = None  # the reference as compared: spaces and case aside
    duplicate_ok: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    paid_on: dt.date
    status: str = "received"  # received | reversed
    reversed_on: dt.date | None = None
    # the statement line it was recorded from (rules §14); no foreign key: statement_lines
    # is written after payments in a flush
    statement_line_id: int | None = Field(default=None, index=True)
    created_by: str
    created_at: dt.datetime = _ts()


class CreditEntry(Table, table=True):
    __tablename__ = "credit_ledger"
    __table_args__ = money_checks("amount_minor")
    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="clients.id", index=True)
    currency: str
    amount_minor: int = money_field()  # + credit added, − credit used
    reason: str
    invoice_id: int | None = Field(default=None, foreign_key="invoices.id")
    payment_id: int | None = Field(default=None, foreign_key="payments.id")
    effective_date: dt.date
    created_at: dt.datetime = _ts()


class Upgrade(Table, table=True):
    """A plan change asked for a service (UPG-1…4): applied when its invoice is paid."""

    __tablename__ = "upgrades"
    __table_args__ = money_checks("amount_minor")
    id: int | None = Field(default=None, primary_key=True)
    service_id: int = Field(foreign_key="services.id", index=True)
    invoice_id: int | None = Field(default=None, foreign_key="invoices.id", index=True)
    from_product: str
    to_product: str
    policy: str  # difference | prorated
    amount_minor: int = money_field()  # invoiced (positive) or credited (negative)
    currency: str
    status: str = "pending"  # pending | applied | cancelled
    forced: bool = False
    reason: str | None = None
    requested_on: dt.date
    applied_on: dt.date | None = None
    created_by: str
    created_at: dt.datetime = _ts()


class Refund(Table, table=True):
    """Money returned on a cancellation within the guarantee (CAN-3, CAN-6): its own
    document, by the method of the payment it returns."""

    __tablename__ = "refunds"
    __table_args__ = money_checks("amount_minor")
    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoices.id", index=True)
    payment_id: int = Field(foreign_key="payments.id", index=True)
    client_id: int = Field(foreign_key="clients.id", index=True)
    service_id: int = Field(foreign_key="services.id")
    currency: str
    amount_minor: int = money_field()
    method: str
    refunded_on: dt.date
    reason: str | None = None
    created_by: str
    created_at: dt.datetime = _ts()
