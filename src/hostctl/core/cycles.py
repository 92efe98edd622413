"""Billing-cycle date arithmetic (BIL-12).

A service's due dates keep the day of month of its first day (the *anchor*), clamped to
shorter months: Jan 31 → Feb 28 → Mar 31. They are computed from the anchor, never by
adding a month to an already-clamped date, so they never drift.
"""

from __future__ import annotations

import calendar
import datetime as dt

CYCLE_MONTHS = {"monthly": 1, "quarterly": 3, "semiannual": 6, "annual": 12, "biennial": 24}
# BIL-7: after a reactivation from a non-payment suspension the next cycle is one step longer.
LONGER_CYCLE = {"monthly": "quarterly", "quarterly": "semiannual"}
CYCLE_NAMES_ES = {
    "monthly": "mensual",
    "quarterly": "trimestral",
    "semiannual": "semestral",
    "annual": "anual",
    "biennial": "bienal",
}


def add_months(day: dt.date, months: int, anchor_day: int | None = None) -> dt.date:
    """``day`` plus ``months``, landing on ``anchor_day`` (default: day's own) clamped."""
    anchor = anchor_day or day.day
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(anchor, last))


def next_due(due: dt.date, cycle: str, anchor_day: int | None = None) -> dt.date:
    """The due date one ``cycle`` after ``due``."""
    return add_months(due, CYCLE_MONTHS[cycle], anchor_day)


def period_end(start: dt.date, cycle: str, anchor_day: int | None = None) -> dt.date:
    """The last day covered by a period that starts on ``start`` (inclusive)."""
    return next_due(start, cycle, anchor_day) - dt.timedelta(days=1)


def lengthened(cycle: str, allowed: list[str]) -> str:
    """The next longer cycle allowed by the product (BIL-7), or ``cycle`` itself."""
    longer = LONGER_CYCLE.get(cycle)
    return longer if longer and longer in allowed else cycle
