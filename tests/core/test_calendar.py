"""Business days and hours (hostctl.core.calendar), on real Argentine dates."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import hostctl
from hostctl.core.calendar import BusinessCalendar, calendar_for
from hostctl.core.clock import COMPANY_TZ
from hostctl.errors import ValidationError

ART = dt.timezone(dt.timedelta(hours=-3))  # Buenos Aires: UTC-3 all year, no DST


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def at(text: str) -> dt.datetime:
    """A company-time instant from ``YYYY-MM-DDTHH:MM[:SS]``."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=COMPANY_TZ)


@pytest.fixture(scope="module")
def ar() -> BusinessCalendar:
    return BusinessCalendar("AR")


@pytest.fixture(scope="module")
def uy() -> BusinessCalendar:
    return BusinessCalendar("UY")


# ---------------------------------------------------------------- construction


def test_defaults(ar: BusinessCalendar) -> None:
    assert ar.country == "AR"
    assert ar.opens == dt.time(10, 0)
    assert ar.closes == dt.time(17, 0)
    assert ar.tz is COMPANY_TZ
    assert BusinessCalendar().country == "AR"


def test_country_code_is_normalized() -> None:
    assert BusinessCalendar(" uy ").country == "UY"


@pytest.mark.parametrize("code", ["XX", "", "ZZZ", "Argentina"])
def test_unknown_country_is_refused(code: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        BusinessCalendar(code)
    assert "Unknown holidays country" in excinfo.value.message
    assert "AR" in excinfo.value.message


def test_opening_must_precede_closing() -> None:
    with pytest.raises(ValueError):
        BusinessCalendar(opens=dt.time(17, 0), closes=dt.time(10, 0))
    with pytest.raises(ValueError):
        BusinessCalendar(opens=dt.time(10, 0), closes=dt.time(10, 0))


def test_calendar_for_caches_per_country() -> None:
    assert calendar_for() is calendar_for("AR")
    assert calendar_for("ar") is calendar_for("AR")
    assert calendar_for("UY") is not calendar_for("AR")
    assert calendar_for("UY").country == "UY"


def test_calendar_for_unknown_country_is_refused() -> None:
    with pytest.raises(ValidationError):
        calendar_for("XX")


def test_import_is_light() -> None:
    """Importing the module pulls in neither holidays nor the CLI libraries."""
    src = str(Path(hostctl.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}
    code = (
        "import sys, hostctl.core.calendar\n"
        "heavy = {'holidays', 'typer', 'rich', 'questionary'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


# ----------------------------------------------------------------------- days


@pytest.mark.parametrize(
    "day",
    [
        "2026-01-01",
        "2026-03-23",  # bridge
        "2026-03-24",
        "2026-04-02",
        "2026-04-03",
        "2026-05-25",
        "2026-11-23",
        "2026-12-07",  # bridge
        "2026-12-08",
        "2026-12-25",
    ],
)
def test_argentine_holidays_2026(ar: BusinessCalendar, day: str) -> None:
    assert ar.is_holiday(d(day))
    assert ar.holiday_name(d(day))
    assert not ar.is_business_day(d(day))


def test_may_25_week(ar: BusinessCalendar) -> None:
    assert ar.is_holiday(d("2026-05-25"))
    assert not ar.is_business_day(d("2026-05-25"))
    assert not ar.is_business_day(d("2026-05-23"))  # Saturday
    assert not ar.is_business_day(d("2026-05-24"))  # Sunday
    assert not ar.is_holiday(d("2026-05-23"))
    assert ar.is_business_day(d("2026-05-22"))  # Friday
    assert ar.is_business_day(d("2026-05-26"))
    assert not ar.is_holiday(d("2026-05-22"))
    assert ar.holiday_name(d("2026-05-22")) is None


def test_holiday_names_in_a_chosen_language() -> None:
    english = BusinessCalendar("AR", language="en_US")
    spanish = BusinessCalendar("AR", language="es")
    assert english.holiday_name(d("2026-05-25")) == "May Revolution Day"
    assert spanish.holiday_name(d("2026-05-25")) == "Día de la Revolución de Mayo"
    # Two holidays on one day are both named.
    assert "Jueves Santo" in (spanish.holiday_name(d("2026-04-02")) or "")
    assert "Malvinas" in (spanish.holiday_name(d("2026-04-02")) or "")


def test_datetime_is_accepted_as_a_day(ar: BusinessCalendar) -> None:
    assert ar.is_holiday(at("2026-05-25T12:00"))
    assert ar.is_business_day(at("2026-05-22T12:00"))


def test_uruguay_differs(uy: BusinessCalendar, ar: BusinessCalendar) -> None:
    assert uy.is_business_day(d("2026-05-25"))
    assert not uy.is_holiday(d("2026-05-25"))
    assert uy.is_holiday(d("2026-07-18"))  # Jura de la Constitución
    assert ar.is_business_day(d("2026-07-20"))
    assert uy.add_business_days(d("2026-05-22"), 1) == d("2026-05-25")
    assert uy.business_days_between(d("2026-05-22"), d("2026-05-29")) == 5


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        ("2026-05-22", 1, "2026-05-26"),  # Fri → Tue: weekend + May 25
        ("2026-05-21", 5, "2026-05-29"),
        ("2026-12-04", 1, "2026-12-09"),  # Dec 7 bridge + Dec 8
        ("2027-01-10", 5, "2027-01-15"),  # from a Sunday
        ("2026-03-20", 1, "2026-03-25"),  # Mar 23 bridge + Mar 24
        ("2026-04-01", 1, "2026-04-06"),  # Apr 2 + Good Friday + weekend
        ("2026-12-24", 1, "2026-12-28"),  # Christmas on Friday
        ("2026-12-31", 1, "2027-01-04"),  # across the year, Jan 1 2027 is a Friday
        ("2026-05-23", 1, "2026-05-26"),  # from a Saturday
        ("2026-05-25", 1, "2026-05-26"),  # from a holiday
        ("2026-06-01", 5, "2026-06-08"),
    ],
)
def test_add_business_days(ar: BusinessCalendar, start: str, n: int, expected: str) -> None:
    assert ar.add_business_days(d(start), n) == d(expected)
    assert ar.business_days_between(d(start), d(expected)) == n


@pytest.mark.parametrize("day", ["2026-05-22", "2026-05-23", "2026-05-25"])
def test_add_zero_business_days_is_identity(ar: BusinessCalendar, day: str) -> None:
    assert ar.add_business_days(d(day), 0) == d(day)


def test_add_negative_business_days_is_refused(ar: BusinessCalendar) -> None:
    with pytest.raises(ValueError):
        ar.add_business_days(d("2026-05-22"), -1)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2026-05-22", "2026-05-26", 1),
        ("2026-05-22", "2026-05-25", 0),
        ("2026-05-21", "2026-05-22", 1),  # end counts
        ("2026-05-21", "2026-05-29", 5),
        ("2026-12-04", "2026-12-09", 1),
        ("2026-12-04", "2026-12-08", 0),
        ("2027-01-10", "2027-01-15", 5),
        ("2026-06-01", "2026-06-30", 20),  # Jun 2–30: 21 weekdays minus Jun 15 (Jun 20 is a Sat)
        ("2026-05-22", "2026-05-22", 0),
        ("2026-05-29", "2026-05-22", 0),
    ],
)
def test_business_days_between(ar: BusinessCalendar, start: str, end: str, expected: int) -> None:
    assert ar.business_days_between(d(start), d(end)) == expected


# ---------------------------------------------------------------------- hours


def test_ticket_friday_afternoon_plus_eight_hours(ar: BusinessCalendar) -> None:
    opened = dt.datetime(2026, 5, 22, 16, 30, tzinfo=ART)
    due = ar.add_business_minutes(opened, 480)
    assert due == dt.datetime(2026, 5, 27, 10, 30, tzinfo=ART)
    assert due.tzinfo is COMPANY_TZ
    assert due.utcoffset() == dt.timedelta(hours=-3)
    assert (due.year, due.month, due.day, due.hour, due.minute) == (2026, 5, 27, 10, 30)


def test_friday_afternoon_plus_two_hours(ar: BusinessCalendar) -> None:
    due = ar.add_business_minutes(at("2026-05-22T16:30"), 120)
    assert due == at("2026-05-26T11:30")


def test_from_saturday_morning(ar: BusinessCalendar) -> None:
    assert ar.add_business_minutes(at("2026-05-23T09:00"), 15) == at("2026-05-26T10:15")


def test_utc_moment_gives_same_result_as_local(ar: BusinessCalendar) -> None:
    utc = dt.datetime(2026, 5, 22, 19, 30, tzinfo=dt.UTC)
    local = at("2026-05-22T16:30")
    assert utc == local
    for minutes in (0, 15, 120, 480):
        result = ar.add_business_minutes(utc, minutes)
        assert result == ar.add_business_minutes(local, minutes)
        assert result.tzinfo is COMPANY_TZ
    assert ar.add_business_minutes(utc, 480) == at("2026-05-27T10:30")


def test_naive_moment_is_company_time(ar: BusinessCalendar) -> None:
    naive = dt.datetime(2026, 5, 22, 16, 30)
    assert ar.add_business_minutes(naive, 120) == at("2026-05-26T11:30")
    assert ar.business_minutes_between(naive, dt.datetime(2026, 5, 27, 10, 30)) == 480


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("2026-05-22T08:00", "2026-05-22T10:00"),  # before opening
        ("2026-05-22T17:00", "2026-05-26T10:00"),  # closing time is outside hours
        ("2026-05-22T20:00", "2026-05-26T10:00"),
        ("2026-05-23T09:00", "2026-05-26T10:00"),  # Saturday
        ("2026-05-25T12:00", "2026-05-26T10:00"),  # holiday
        ("2026-05-22T10:00", "2026-05-22T10:00"),  # opening time is inside hours
        ("2026-05-22T16:59", "2026-05-22T16:59"),
        ("2026-05-22T13:07:42", "2026-05-22T13:07:42"),
    ],
)
def test_zero_minutes(ar: BusinessCalendar, moment: str, expected: str) -> None:
    assert ar.add_business_minutes(at(moment), 0) == at(expected)


def test_landing_on_closing_time_stays_there(ar: BusinessCalendar) -> None:
    assert ar.add_business_minutes(at("2026-05-22T16:30"), 30) == at("2026-05-22T17:00")
    assert ar.add_business_minutes(at("2026-05-22T10:00"), 420) == at("2026-05-22T17:00")
    assert ar.add_business_minutes(at("2026-05-22T07:00"), 420) == at("2026-05-22T17:00")
    assert ar.add_business_minutes(at("2026-05-22T16:30"), 31) == at("2026-05-26T10:01")
    assert ar.add_business_minutes(at("2026-05-22T10:00"), 840) == at("2026-05-26T17:00")


def test_add_business_minutes_across_year_end(ar: BusinessCalendar) -> None:
    # Thu Dec 31 16:00 + 120: one hour on Thursday, then Fri Jan 1 (holiday) and the weekend.
    assert ar.add_business_minutes(at("2026-12-31T16:00"), 120) == at("2027-01-04T11:00")


def test_add_negative_minutes_is_refused(ar: BusinessCalendar) -> None:
    with pytest.raises(ValueError):
        ar.add_business_minutes(at("2026-05-22T12:00"), -1)


def test_custom_hours_and_zone() -> None:
    montevideo = BusinessCalendar(
        "UY", opens=dt.time(9, 0), closes=dt.time(18, 0), tz=dt.timezone(dt.timedelta(hours=-3))
    )
    start = dt.datetime(2026, 5, 22, 17, 30, tzinfo=dt.UTC)  # 14:30 in Montevideo
    due = montevideo.add_business_minutes(start, 240)
    # 210 minutes on Friday, 30 on Monday May 25 (not a holiday in Uruguay).
    assert due == dt.datetime(2026, 5, 25, 9, 30, tzinfo=ART)
    assert montevideo.business_minutes_between(start, due) == 240


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2026-05-22T16:30", "2026-05-27T10:30", 480),
        ("2026-05-22T10:00", "2026-05-22T12:15", 135),
        ("2026-05-22T08:00", "2026-05-22T09:00", 0),
        ("2026-05-22T08:00", "2026-05-22T10:30", 30),
        ("2026-05-22T16:00", "2026-05-22T20:00", 60),
        ("2026-05-22T17:00", "2026-05-26T10:00", 0),
        ("2026-05-23T00:00", "2026-05-26T00:00", 0),  # weekend + holiday
        ("2026-05-22T12:00", "2026-05-22T12:00", 0),
        ("2026-05-27T10:30", "2026-05-22T16:30", 0),  # end before start
        ("2026-06-01T10:00", "2026-06-08T10:00", 5 * 420),
        ("2026-12-31T16:00", "2027-01-04T11:00", 120),
        ("2026-05-22T10:00:00", "2026-05-22T10:00:59", 0),  # whole minutes, floored
        ("2026-05-22T10:00:30", "2026-05-22T10:02:00", 1),
        ("2026-05-22T16:59:30", "2026-05-26T10:00:45", 1),
    ],
)
def test_business_minutes_between(
    ar: BusinessCalendar, start: str, end: str, expected: int
) -> None:
    assert ar.business_minutes_between(at(start), at(end)) == expected


def test_business_minutes_between_mixed_zones(ar: BusinessCalendar) -> None:
    start = dt.datetime(2026, 5, 22, 19, 30, tzinfo=dt.UTC)  # 16:30 local
    end = dt.datetime(2026, 5, 27, 10, 30, tzinfo=ART)
    assert ar.business_minutes_between(start, end) == 480


def test_business_minutes_over_a_year(ar: BusinessCalendar) -> None:
    days = ar.business_days_between(d("2025-12-31"), d("2026-12-31"))
    assert days == 365 - 104 - 19  # 104 weekend days; 19 AR holidays fall on weekdays in 2026
    minutes = ar.business_minutes_between(at("2026-01-01T00:00"), at("2027-01-01T00:00"))
    assert minutes == days * 420


def test_business_minutes_match_minute_by_minute_count(ar: BusinessCalendar) -> None:
    """Cross-check against brute force over Thu May 21 → Wed May 27 2026."""
    start = at("2026-05-21T09:13")
    end = at("2026-05-27T11:41")
    step = dt.timedelta(minutes=1)
    brute = 0
    moment = start
    while moment < end:
        if ar.is_business_day(moment.date()) and ar.opens <= moment.time() < ar.closes:
            brute += 1
        moment += step
    assert brute == 420 + 420 + 420 + 101  # Thu, Fri, (Mon 25 holiday) Tue, Wed to 11:41
    assert ar.business_minutes_between(start, end) == brute


STARTS = [
    "2026-05-22T16:30",
    "2026-05-22T10:00",
    "2026-05-22T16:59:59",
    "2026-05-21T13:17:05",
    "2026-12-04T11:00",
    "2026-12-31T16:45",
    "2026-03-20T09:00",  # before opening, before a long weekend
    "2026-05-23T09:00",  # Saturday
    "2026-05-22T17:00",  # closing time
]
MINUTES = [0, 1, 29, 30, 31, 419, 420, 421, 480, 1000, 2100, 10_000, 60_000]


@pytest.mark.parametrize("start", STARTS)
@pytest.mark.parametrize("minutes", MINUTES)
def test_round_trip(ar: BusinessCalendar, start: str, minutes: int) -> None:
    moment = at(start)
    later = ar.add_business_minutes(moment, minutes)
    assert later >= moment
    assert ar.business_minutes_between(moment, later) == minutes


# --------------------------------------------------------------------------- disk cache
def test_holiday_tables_are_kept_on_disk_and_read_back_without_holidays(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import holidays

    from hostctl.core.calendar import HolidayCache

    monkeypatch.setenv("HOSTCTL_CACHE_DIR", str(tmp_path))
    first = HolidayCache.shared()
    table = first.table("AR", 2026, None)
    assert table[dt.date(2026, 5, 25)]  # Revolución de Mayo
    assert "AR" in first.countries()
    [stored] = list(tmp_path.glob("holidays-*.json"))

    # a new process: the same answers from the file, holidays never asked again
    def not_again(*args, **kwargs):
        raise AssertionError("holidays asked again")

    monkeypatch.setattr(holidays, "country_holidays", not_again)
    monkeypatch.setattr(holidays, "list_supported_countries", not_again)
    second = HolidayCache(tmp_path)
    assert second.path == stored
    assert second.table("AR", 2026, None) == table
    assert "UY" in second.countries()
    with pytest.raises(ValidationError):
        BusinessCalendar("XX")


def test_a_corrupt_holiday_cache_is_rebuilt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hostctl.core.calendar import HolidayCache

    monkeypatch.setenv("HOSTCTL_CACHE_DIR", str(tmp_path))
    path = HolidayCache(tmp_path).path
    assert path is not None
    path.write_text("{not json", encoding="utf-8")
    cache = HolidayCache(tmp_path)
    assert dt.date(2026, 12, 25) in cache.table("AR", 2026, None)
    assert json.loads(path.read_text(encoding="utf-8"))["tables"]["AR:2026:"]["2026-12-25"]


def test_an_unwritable_cache_dir_is_not_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hostctl.core.calendar import HolidayCache

    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    cache = HolidayCache(blocker / "cache")
    assert dt.date(2026, 1, 1) in cache.table("AR", 2026, None)


@pytest.mark.parametrize(
    "entry",
    [
        {"2026-13-45": "Día imposible"},  # a day that is no date
        {"2026-12-25": ["Navidad"]},  # a name that is no text
        {"2026-12-25": None},
        ["2026-12-25"],  # a list where a table goes
    ],
)
def test_a_corrupt_holiday_cache_entry_is_built_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, entry: object
) -> None:
    from hostctl.core.calendar import HolidayCache

    path = HolidayCache(tmp_path).path
    assert path is not None
    path.write_text(
        json.dumps({"countries": ["AR", 7], "tables": {"AR:2026:": entry}}), encoding="utf-8"
    )
    cache = HolidayCache(tmp_path)
    christmas = cache.table("AR", 2026, None)[dt.date(2026, 12, 25)]
    assert christmas and christmas != ["Navidad"]
    assert "UY" in cache.countries()  # a list of countries with a number in it: asked again
    kept = json.loads(path.read_text(encoding="utf-8"))
    assert kept["tables"]["AR:2026:"]["2026-12-25"] == christmas
    assert "2026-13-45" not in kept["tables"]["AR:2026:"]


def test_the_holiday_cache_file_is_its_owners_only_whatever_the_umask(tmp_path: Path) -> None:
    import os
    import stat

    from hostctl.core.calendar import HolidayCache

    old = os.umask(0)
    try:
        cache = HolidayCache(tmp_path / "new")
        cache.table("AR", 2026, None)
    finally:
        os.umask(old)
    assert cache.path is not None
    assert stat.S_IMODE(cache.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(cache.path.parent.stat().st_mode) == 0o700
    assert [p.name for p in cache.path.parent.iterdir()] == [cache.path.name]  # no .tmp left
