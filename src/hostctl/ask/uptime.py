"""Questions of `outage …` and `uptime …`."""

from __future__ import annotations

from hostctl.ask import known as known
from hostctl.ask import text
from hostctl.ask.service import server as server
from hostctl.i18n import _


def outage_time(value: str | None, option: str, label: str) -> str:
    from hostctl.core.clock import parse_datetime

    return text(value, option, label, lambda raw: parse_datetime(raw, what=option))


def outage_start(value: str | None) -> str:
    return outage_time(value, "--from", _("Down from (YYYY-MM-DDTHH:MM, company time):"))


def outage_end(value: str | None) -> str:
    return outage_time(value, "--to", _("Back at (YYYY-MM-DDTHH:MM):"))


def month(value: str | None) -> str:
    from hostctl.core import uptime

    return text(value, "--month", _("Month (YYYY-MM):"), uptime.parse_month)
