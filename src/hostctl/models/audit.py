"""Tables: audit."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field

from hostctl.models.base import Table, _ts


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
