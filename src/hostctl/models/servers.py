"""Tables: servers and their panels (rules §15)."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field

from hostctl.models.base import Table, _ts


class Server(Table, table=True):
    """A server whose panel hostctl drives (SRV-1). Its API token is never stored: it comes
    from ``HOSTCTL_PANEL_TOKEN_<NAME>`` or the ``panel.tokens_file`` (core/servers.py)."""

    __tablename__ = "servers"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80, unique=True)
    panel: str | None = None  # whm | cwp | None (a name only, as outages use)
    url: str | None = None
    api_user: str | None = None  # WHM's user (root, or a reseller)
    ca_file: str | None = None  # PEM of the CAs to trust for a self-signed certificate
    panel_since: dt.date | None = None  # the day it was given a panel (SRV-3)
    created_at: dt.datetime = _ts()
