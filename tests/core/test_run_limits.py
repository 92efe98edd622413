"""core/run_limits.py: no run after today, a catch-up over 62 days only when confirmed —
checked in run_daily's on_start, so a refusal rolls back before any day is run."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select
from tests.conftest import make_ctx

from hostctl import db
from hostctl.core import lifecycle, run_limits
from hostctl.errors import BusinessRuleError
from hostctl.models import DailyRun, Lock

D = dt.date.fromisoformat


def test_daily_may_not_run_after_today_unless_dry() -> None:
    with pytest.raises(BusinessRuleError) as caught:
        run_limits.check_daily_date(D("2026-06-01"), D("2026-05-31"), dry_run=False)
    assert caught.value.message == (
        "The --date 2026-06-01 is after today (2026-05-31): daily does not run days that have "
        "not come; add --dry-run to preview them without saving anything."
    )
    run_limits.check_daily_date(D("2026-06-01"), D("2026-05-31"), dry_run=True)
    run_limits.check_daily_date(D("2026-05-31"), D("2026-05-31"), dry_run=False)
    run_limits.check_daily_date(D("2026-01-01"), D("2026-05-31"), dry_run=False)


def test_run_cycle_may_not_run_after_today() -> None:
    with pytest.raises(BusinessRuleError) as caught:
        run_limits.check_cycle_date(D("2026-06-01"), D("2026-05-31"))
    assert caught.value.message == (
        "The --date 2026-06-01 is after today (2026-05-31): renewal invoices are not issued "
        "ahead of their day; preview them with hostctl daily --date 2026-06-01 --dry-run."
    )
    run_limits.check_cycle_date(D("2026-05-31"), D("2026-05-31"))


def _days(url: str) -> list[dt.date]:
    with db.unit_of_work(url=url, readonly=True) as session:
        return list(session.exec(select(DailyRun.day).order_by("day")))


def _run(url: str, until: str, *, confirmed: bool) -> dict:
    return lifecycle.run_daily(
        make_ctx(until),
        until=D(until),
        url=url,
        send_alerts=False,
        keep_actions=False,
        on_start=lambda days: run_limits.check_catch_up(days, confirmed=confirmed),
    )


def test_a_long_catch_up_is_refused_inside_run_daily_and_rolls_back(db_url: str) -> None:
    _run(db_url, "2026-01-01", confirmed=False)  # the first run ever: one day
    assert _days(db_url) == [D("2026-01-01")]
    with pytest.raises(BusinessRuleError) as caught:
        _run(db_url, "2026-03-05", confirmed=False)
    assert caught.value.message == (
        "This run would catch up 63 days (2026-01-02 … 2026-03-05), more than 62 at once; "
        "pass --yes to run them all."
    )
    assert _days(db_url) == [D("2026-01-01")]
    with db.unit_of_work(url=db_url, readonly=True) as session:
        assert session.get(Lock, "daily") is None

    assert len(_run(db_url, "2026-03-04", confirmed=False)["days"]) == 62
    assert _days(db_url)[-1] == D("2026-03-04")


def test_a_confirmed_long_catch_up_runs(db_url: str) -> None:
    _run(db_url, "2026-01-01", confirmed=False)
    summary = _run(db_url, "2026-03-05", confirmed=True)
    assert (summary["days"][0], summary["days"][-1], len(summary["days"])) == (
        "2026-01-02",
        "2026-03-05",
        63,
    )
    assert len(_days(db_url)) == 64
