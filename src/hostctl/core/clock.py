"""The only reader of the clock.

``HOSTCTL_TODAY=YYYY-MM-DD`` and ``HOSTCTL_NOW=<ISO 8601>`` replace the clock for one
command. Everything else in hostctl receives ``today``/``now`` as arguments.

Every date hostctl reads (the two variables, ``--date``-like options) lies in the years
2000–2100: a typo like ``0226-12-01`` would otherwise be stored as a 3-digit year that SQLite
cannot read back. Both variables given must name the same day.
"""

from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo

from hostctl.errors import ValidationError
from hostctl.i18n import N_, _, localize

COMPANY_TZ_NAME = "America/Argentina/Buenos_Aires"
COMPANY_TZ = ZoneInfo(COMPANY_TZ_NAME)
FIRST_YEAR, LAST_YEAR = 2000, 2100


def _in_bounds(year: int, what: str, text: str) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationError(
            _(
                "The {what} {text!r} is outside the years {first_year}–{last_year}; check "
                "the year (YYYY-MM-DD)."
            ).format(what=localize(what), text=text, first_year=FIRST_YEAR, last_year=LAST_YEAR)
        )


def parse_date(text: str, *, what: str = N_("date")) -> dt.date:
    """Parse ``YYYY-MM-DD``; anything else is refused with a clear message."""
    try:
        if len(text.strip()) != 10:
            raise ValueError
        value = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(
            _("The {what} {text!r} is not a date; write it as YYYY-MM-DD.").format(
                what=localize(what), text=text
            )
        ) from None
    _in_bounds(value.year, what, text)
    return value


def parse_datetime(text: str, *, what: str = N_("time")) -> dt.datetime:
    """Parse an ISO 8601 datetime; a naive one is taken in the company time zone."""
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(
            _(
                "The {what} {text!r} is not an ISO 8601 datetime (e.g. 2026-05-22T16:30:00-03:00)."
            ).format(what=localize(what), text=text)
        ) from None
    _in_bounds(value.year, what, text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=COMPANY_TZ)
    return value


def _from_env() -> tuple[dt.date | None, dt.datetime | None]:
    """``HOSTCTL_TODAY`` and ``HOSTCTL_NOW`` parsed; both given must be the same day."""
    today_raw, now_raw = os.environ.get("HOSTCTL_TODAY"), os.environ.get("HOSTCTL_NOW")
    day = parse_date(today_raw, what="HOSTCTL_TODAY") if today_raw else None
    moment = parse_datetime(now_raw, what="HOSTCTL_NOW").astimezone(COMPANY_TZ) if now_raw else None
    if day and moment and moment.date() != day:
        raise ValidationError(
            _(
                "HOSTCTL_TODAY ({day}) and HOSTCTL_NOW ({now_day} in the company time zone) "
                "are different days; set only one of them, or both to the same day."
            ).format(day=day, now_day=moment.date())
        )
    return day, moment


def now() -> dt.datetime:
    """The current instant, aware, in the company time zone."""
    day, moment = _from_env()
    if moment:
        return moment
    real = dt.datetime.now(COMPANY_TZ)
    if day:
        return dt.datetime.combine(day, real.timetz())
    return real


def today() -> dt.date:
    """Today's date in the company time zone (``HOSTCTL_TODAY``, else ``HOSTCTL_NOW``'s day)."""
    day, moment = _from_env()
    if day:
        return day
    return moment.date() if moment else dt.datetime.now(COMPANY_TZ).date()


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
