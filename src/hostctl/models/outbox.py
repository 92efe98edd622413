"""Tables: outbox."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field

from hostctl.models import clients  # noqa: F401  (tables its foreign keys name)
from hostctl.models.base import Table, _ts


class OutboxMessage(Table, table=True):
    __tablename__ = "outbox"
    __table_args__ = (sa.Index("ix_outbox_status_next", "status", "next_attempt_at"),)
    id: int | None = Field(default=None, primary_key=True)
    event: str  # no index: every alert row of `daily` would pay for it
    channel: str  # whatsapp | email | hook
    client_id: int | None = Field(default=None, foreign_key="clients.id", index=True)
    invoice_id: int | None = None
    service_id: int | None = None
    stage: str | None = None
    payload: str = "{}"  # JSON: what the template needs
    status: str = "pending"  # pending | sending | sent | failed | unknown (core/delivery.py)
    attempts: int = 0
    last_error: str | None = None
    effective_date: dt.date
    created_at: dt.datetime = _ts()
    next_attempt_at: dt.datetime | None = _ts(nullable=True)
    claimed_at: dt.datetime | None = _ts(nullable=True)
    claimed_by: str | None = None
    sent_at: dt.datetime | None = _ts(nullable=True)
    provider_id: str | None = None
