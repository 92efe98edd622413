"""core/clock.py: dates within 2000–2100, HOSTCTL_TODAY and HOSTCTL_NOW on one day."""

from __future__ import annotations

import datetime as dt

import pytest

from hostctl.core import clock
from hostctl.core.clock import COMPANY_TZ
from hostctl.errors import ValidationError

OUT = "is outside the years 2000–2100; check the year (YYYY-MM-DD)."


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for var in ("HOSTCTL_TODAY", "HOSTCTL_NOW"):
        monkeypatch.delenv(var, raising=False)
    return monkeypatch


@pytest.mark.parametrize("text", ["0226-12-01", "1999-12-31", "2101-01-01", "9999-12-31"])
def test_dates_outside_the_bounds_are_refused(text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        clock.parse_date(text, what="--date")
    assert caught.value.message == f"The --date {text!r} {OUT}"
    assert clock.parse_date("2000-01-01") == dt.date(2000, 1, 1)
    assert clock.parse_date("2100-12-31") == dt.date(2100, 12, 31)


@pytest.mark.parametrize("text", ["0226-12-01T10:00:00", "2101-01-01T00:00:00+00:00"])
def test_datetimes_outside_the_bounds_are_refused(text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        clock.parse_datetime(text, what="--from")
    assert caught.value.message == f"The --from {text!r} {OUT}"
    assert clock.parse_datetime("2100-12-31T23:59:00") == dt.datetime(
        2100, 12, 31, 23, 59, tzinfo=COMPANY_TZ
    )


def test_hostctl_today_with_a_three_digit_year_is_refused(env: pytest.MonkeyPatch) -> None:
    env.setenv("HOSTCTL_TODAY", "0226-12-01")
    for read in (clock.today, clock.now):
        with pytest.raises(ValidationError) as caught:
            read()
        assert caught.value.message == f"The HOSTCTL_TODAY '0226-12-01' {OUT}"


def test_hostctl_now_outside_the_bounds_is_refused(env: pytest.MonkeyPatch) -> None:
    env.setenv("HOSTCTL_NOW", "2226-05-01T10:00:00-03:00")
    for read in (clock.today, clock.now):
        with pytest.raises(ValidationError) as caught:
            read()
        assert caught.value.message == f"The HOSTCTL_NOW '2226-05-01T10:00:00-03:00' {OUT}"


def test_today_and_now_on_different_days_are_refused(env: pytest.MonkeyPatch) -> None:
    env.setenv("HOSTCTL_TODAY", "2026-05-01")
    env.setenv("HOSTCTL_NOW", "2026-03-22T10:00:00-03:00")
    for read in (clock.today, clock.now):
        with pytest.raises(ValidationError) as caught:
            read()
        assert caught.value.message == (
            "HOSTCTL_TODAY (2026-05-01) and HOSTCTL_NOW (2026-03-22 in the company time zone) "
            "are different days; set only one of them, or both to the same day."
        )
    env.setenv("HOSTCTL_NOW", "2026-05-01T16:30:00-03:00")  # the same day: used together
    assert clock.today() == dt.date(2026, 5, 1)
    assert clock.now() == dt.datetime(2026, 5, 1, 16, 30, tzinfo=COMPANY_TZ)


def test_the_day_of_hostctl_now_is_the_companys(env: pytest.MonkeyPatch) -> None:
    """01:00 UTC on 05-02 is still 05-01 in Buenos Aires: the same day as TODAY=05-01."""
    env.setenv("HOSTCTL_TODAY", "2026-05-01")
    env.setenv("HOSTCTL_NOW", "2026-05-02T01:00:00+00:00")
    assert clock.today() == dt.date(2026, 5, 1)
    assert clock.now() == dt.datetime(2026, 5, 1, 22, 0, tzinfo=COMPANY_TZ)
    env.setenv("HOSTCTL_TODAY", "2026-05-02")
    with pytest.raises(ValidationError, match=r"^HOSTCTL_TODAY \(2026-05-02\) and HOSTCTL_NOW "):
        clock.today()
