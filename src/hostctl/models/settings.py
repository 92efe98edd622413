"""Tables: settings."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field

from hostctl.models.base import Table, _ts


# --------------------------------------------------------------------------- settings
class Setting(Table, table=True):
    __tablename__ = "settings"
    key: str = Field(primary_key=True, max_length=120)
    value: str
    updated_at: dt.datetime = _ts()
    updated_by: str
