"""Tables: promotions, affiliates and quotes (rules DSC-6, DSC-7, §10, §11)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field

from hostctl.models import services  # noqa: F401  (tables its foreign keys name)
from hostctl.models.base import Table, _ts, money_checks, money_field


class ReferralReward(Table, table=True):
    """DSC-6: a free month given to the referrer for one referred client (once each)."""

    __tablename__ = "referral_rewards"
    id: int | None = Field(default=None, primary_key=True)
    referrer_id: int = Field(foreign_key="clients.id", index=True)
    referred_id: int = Field(foreign_key="clients.id", unique=True)
    service_id: int = Field(foreign_key="services.id")
    old_due: dt.date
    new_due: dt.date
    given_on: dt.date
    created_by: str
    created_at: dt.datetime = _ts()


class Pairing(Table, table=True):
    """DSC-7: B's free first invoice, settled when A's is paid."""

    __tablename__ = "pairings"
    id: int | None = Field(default=None, primary_key=True)
    paying_invoice_id: int = Field(foreign_key="invoices.id", unique=True)
    free_invoice_id: int = Field(foreign_key="invoices.id", unique=True)
    created_at: dt.datetime = _ts()


class Commission(Table, table=True):
    """AFF-2/AFF-4: an affiliate's share of a paid invoice of a referred client."""

    __tablename__ = "commissions"
    __table_args__ = money_checks("base_minor", nullable=("amount_minor",))
    id: int | None = Field(default=None, primary_key=True)
    affiliate_id: int = Field(foreign_key="clients.id", index=True)
    # None for an opening balance brought over from WHMCS (no invoice, no referred client)
    invoice_id: int | None = Field(default=None, foreign_key="invoices.id", unique=True)
    referred_id: int | None = Field(default=None, foreign_key="clients.id")
    percent: str
    base_minor: int = money_field()  # what the invoice charged, in its own currency
    base_currency: str
    # in the affiliate's currency; None while waiting
    amount_minor: int | None = money_field(nullable=True)
    currency: str  # the affiliate's
    status: str = "earned"  # earned | waiting | reversed
    earned_on: dt.date
    reversed_on: dt.date | None = None
    created_at: dt.datetime = _ts()


class Withdrawal(Table, table=True):
    """AFF-3: commissions taken out, as client credit or to a bank account."""

    __tablename__ = "withdrawals"
    __table_args__ = money_checks("amount_minor")
    id: int | None = Field(default=None, primary_key=True)
    affiliate_id: int = Field(foreign_key="clients.id", index=True)
    amount_minor: int = money_field()
    currency: str
    to: str  # credit | bank
    bank_account: str | None = None
    requested_on: dt.date
    created_by: str
    created_at: dt.datetime = _ts()


class Quote(Table, table=True):
    """QUO-1/QUO-2: an offer to a client, accepted into an invoice."""

    __tablename__ = "quotes"
    __table_args__ = money_checks("total_minor")
    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="clients.id", index=True)
    status: str = Field(default="pending", index=True)  # pending|accepted|declined|expired
    currency: str
    total_minor: int = money_field()
    valid_until: dt.date
    invoice_id: int | None = Field(default=None, foreign_key="invoices.id")
    created_on: dt.date
    decided_on: dt.date | None = None
    created_by: str
    created_at: dt.datetime = _ts()


class QuoteLine(Table, table=True):
    __tablename__ = "quote_lines"
    __table_args__ = money_checks("amount_minor")
    id: int | None = Field(default=None, primary_key=True)
    quote_id: int = Field(foreign_key="quotes.id", index=True)
    position: int
    kind: str  # item | discount
    code: str | None = None
    description: str
    product_code: str | None = None
    cycle: str | None = None
    quantity: int | None = None
    amount_minor: int = money_field()


class Outage(Table, table=True):
    """UPT-1: a server down from ``starts_at`` to ``ends_at`` (UTC)."""

    __tablename__ = "outages"
    id: int | None = Field(default=None, primary_key=True)
    server: str = Field(index=True)
    starts_at: dt.datetime = _ts()
    ends_at: dt.datetime = _ts()
    reason: str | None = None
    created_by: str
    created_at: dt.datetime = _ts()


class UptimeCredit(Table, table=True):
    """UPT-2: the credit given for a service's month below the uptime target (once)."""

    __tablename__ = "uptime_credits"
    __table_args__ = (*money_checks("amount_minor"), sa.UniqueConstraint("service_id", "month"))
    id: int | None = Field(default=None, primary_key=True)
    service_id: int = Field(foreign_key="services.id", index=True)
    client_id: int = Field(foreign_key="clients.id")
    month: str  # YYYY-MM
    downtime_minutes: int
    amount_minor: int = money_field()
    currency: str
    given_on: dt.date
    created_by: str
    created_at: dt.datetime = _ts()
