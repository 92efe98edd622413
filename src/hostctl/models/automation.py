"""Tables: automation."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field

from hostctl.models.base import Table, _ts


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
