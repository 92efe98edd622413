"""Tables: statement lines (rules §14)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field

from hostctl.models import (
    clients,  # noqa: F401  (tables its foreign keys name)
    services,  # noqa: F401  (tables its foreign keys name)
)
from hostctl.models.base import Table, _ts, money_checks, money_field


class StatementLine(Table, table=True):
    """A line of a statement, recorded once per source and transaction id (PAY-2): by the
    unique key, not by a look-up first."""

    __tablename__ = "statement_lines"
    __table_args__ = (
        sa.UniqueConstraint("source", "transaction_id"),
        *money_checks("amount_minor", nullable=("fee_minor",)),
    )
    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=120)  # mercadopago | paypal | camt053:<account> | …
    transaction_id: str = Field(max_length=200)
    format: str
    file_name: str
    line_date: dt.date
    amount_minor: int = money_field()  # gross: + money in, − money out
    fee_minor: int | None = money_field(nullable=True)
    currency: str
    method: str
    payer: str | None = None
    payer_email: str | None = None
    payer_document: str | None = None
    reference: str | None = None
    description: str | None = None
    status: str = Field(default="review", index=True)  # review | applied | ignored
    why: str | None = None
    matched_by: str | None = None  # invoice-number | payer-amount | staff
    client_id: int | None = Field(default=None, foreign_key="clients.id")
    invoice_id: int | None = Field(default=None, foreign_key="invoices.id")
    imported_by: str
    imported_at: dt.datetime = _ts()
    decided_by: str | None = None
    decided_at: dt.datetime | None = _ts(nullable=True)
