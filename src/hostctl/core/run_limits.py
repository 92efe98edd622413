"""How far the automation may run on one command: never ahead of today, and a long catch-up
only when confirmed. A refusal here comes before any day is run, so nothing changes."""

from __future__ import annotations

import datetime as dt

from hostctl.errors import BusinessRuleError
from hostctl.i18n import _

MAX_CATCH_UP_DAYS = 62  # two months of missed runs; more is most likely a mistyped --date


def check_daily_date(until: dt.date, today: dt.date, *, dry_run: bool) -> None:
    """``daily --date`` after today would act on days that have not come (only a dry run may)."""
    if until > today and not dry_run:
        raise BusinessRuleError(
            _(
                "The --date {until} is after today ({today}): daily does not run days that "
                "have not come; add --dry-run to preview them without saving anything."
            ).format(until=until, today=today)
        )


def check_cycle_date(day: dt.date, today: dt.date) -> None:
    """``invoice run-cycle --date`` after today would issue invoices out of date order."""
    if day > today:
        raise BusinessRuleError(
            _(
                "The --date {day} is after today ({today}): renewal invoices are not issued "
                "ahead of their day; preview them with hostctl daily --date {day} --dry-run."
            ).format(day=day, today=today)
        )


def check_catch_up(days: list[dt.date], *, confirmed: bool) -> None:
    """More than ``MAX_CATCH_UP_DAYS`` days at once must be confirmed (``--yes``)."""
    if len(days) > MAX_CATCH_UP_DAYS and not confirmed:
        raise BusinessRuleError(
            _(
                "This run would catch up {count} days ({first} … {last}), more than "
                "{max_catch_up_days} at once; pass --yes to run them all."
            ).format(
                count=len(days), first=days[0], last=days[-1], max_catch_up_days=MAX_CATCH_UP_DAYS
            )
        )
