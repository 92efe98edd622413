"""Tables: support."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field

from hostctl.models import (
    clients,  # noqa: F401  (tables its foreign keys name)
    services,  # noqa: F401  (tables its foreign keys name)
)
from hostctl.models.base import Table, _ts


# --------------------------------------------------------------------------- transfers (rules §7)
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


# --------------------------------------------------------------------------- tickets (rules §8)
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
