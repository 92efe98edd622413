"""Tables: clients."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field

from hostctl.models.base import Table, _ts, money_checks, money_field


# --------------------------------------------------------------------------- clients
class Client(Table, table=True):
    __tablename__ = "clients"
    __table_args__ = money_checks("credit_minor")
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
    credit_minor: int = money_field(0)
    verified: bool = False
    verified_at: dt.datetime | None = _ts(nullable=True)
    verified_by: str | None = None
    password_hash: str | None = None
    referrer_id: int | None = Field(default=None, foreign_key="clients.id")
    referral_code: str | None = Field(default=None, unique=True)
    status: str = "active"
    # What `client list --search` matches (``core.clients.search_key``): name, company and
    # email without case or accents, then the digits of the phone and the document number.
    search_key: str = Field(default="", sa_column_kwargs={"server_default": ""})
    whmcs_id: int | None = None  # tblclients.id of a client brought over from WHMCS
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
