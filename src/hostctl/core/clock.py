"""The only reader of the clock.

``HOSTCTL_TODAY=YYYY-MM-DD`` and ``HOSTCTL_NOW=<ISO 8601>`` replace the clock for one
command. Everything else in hostctl receives ``today``/``now`` as arguments.
"""

from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo

from hostctl.errors import ValidationError

COMPANY_TZ_NAME = "America/Argentina/Buenos_Aires"
COMPANY_TZ = ZoneInfo(COMPANY_TZ_NAME)


def parse_date(text: str, *, what: str = "date") -> dt.date:
    """Parse ``YYYY-MM-DD``; anything else is refused with a clear message."""
    try:
        if len(text.strip()) != 10:
            raise ValueError
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(
            f"The {what} {text!r} is not a date; write it as YYYY-MM-DD."
        ) from None


def parse_datetime(text: str, *, what: str = "time") -> dt.datetime:
    """Parse an ISO 8601 datetime; a naive one is taken in the company time zone."""
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(
            f"The {what} {text!r} is not an ISO 8601 datetime (e.g. 2026-05-22T16:30:00-03:00)."
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=COMPANY_TZ)
    return value


def now() -> dt.datetime:
    """The current instant, aware, in the company time zone."""
    raw = os.environ.get("HOSTCTL_NOW")
    if raw:
        return parse_datetime(raw, what="HOSTCTL_NOW").astimezone(COMPANY_TZ)
    today_raw = os.environ.get("HOSTCTL_TODAY")
    if today_raw:
        day = parse_date(today_raw, what="HOSTCTL_TODAY")
        real = dt.datetime.now(COMPANY_TZ)
        return dt.datetime.combine(day, real.timetz())
    return dt.datetime.now(COMPANY_TZ)


def today() -> dt.date:
    """Today's date in the company time zone (``HOSTCTL_TODAY`` wins, then ``HOSTCTL_NOW``)."""
    raw = os.environ.get("HOSTCTL_TODAY")
    if raw:
        return parse_date(raw, what="HOSTCTL_TODAY")
    return now().date()


def real_now_utc() -> dt.datetime:
    """The real wall-clock instant in UTC, for the audit log's "when it was done"."""
    return dt.datetime.now(dt.UTC)


def to_utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC)


def to_local(value: dt.datetime) -> dt.datetime:
    """A stored timestamp (UTC, possibly naive from SQLite) in the company time zone."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(COMPANY_TZ)
