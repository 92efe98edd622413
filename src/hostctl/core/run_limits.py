"""How far the automation may run on one command: never ahead of today, and a long catch-up
only when confirmed. A refusal here comes before any day is run, so nothing changes."""

from __future__ import annotations

import datetime as dt

from hostctl.errors import BusinessRuleError

MAX_CATCH_UP_DAYS = 62  # two months of missed runs; more is most likely a mistyped --date


def check_daily_date(until: dt.date, today: dt.date, *, dry_run: bool) -> None:
    """``daily --date`` after today would act on days that have not come (only a dry run may)."""
    if until > today and not dry_run:
        raise BusinessRuleError(
            f"The --date {until} is after today ({today}): daily does not run days that have "
            "not come; add --dry-run to preview them without saving anything."
        )


def check_cycle_date(day: dt.date, today: dt.date) -> None:
    """``invoice run-cycle --date`` after today would issue invoices out of date order."""
    if day > today:
        raise BusinessRuleError(
            f"The --date {day} is after today ({today}): renewal invoices are not issued ahead "
            f"of their day; preview them with hostctl daily --date {day} --dry-run."
        )


def check_catch_up(days: list[dt.date], *, confirmed: bool) -> None:
    """More than ``MAX_CATCH_UP_DAYS`` days at once must be confirmed (``--yes``)."""
    if len(days) > MAX_CATCH_UP_DAYS and not confirmed:
        raise BusinessRuleError(
            f"This run would catch up {len(days)} days ({days[0]} … {days[-1]}), more than "
            f"{MAX_CATCH_UP_DAYS} at once; pass --yes to run them all."
        )
