"""Business days and business hours.

Business hours are ``opens``–``closes`` (10:00–17:00 by default) Monday to Friday in
the company time zone, except on the national holidays of one country as known to the
``holidays`` package. Business time is the half-open interval ``[opens, closes)`` of
every business day: 17:00 itself is already outside hours.

Nothing here reads the clock; every date and instant is passed in. ``holidays`` is
imported lazily (it is slow to import) and its tables are cached per year, in memory and
on disk (``HolidayCache``): building Argentina's table costs ``holidays`` ~50 ms and 8 MB
of memory, which every ``daily`` run would otherwise pay.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hostctl.core.clock import COMPANY_TZ
from hostctl.errors import ValidationError
from hostctl.i18n import _

__all__ = ["BusinessCalendar", "calendar_for"]

_ONE_DAY = dt.timedelta(days=1)
_SATURDAY = 5  # date.weekday(): Monday == 0 … Sunday == 6


def _normalize_country(country: str) -> str:
    return country.strip().upper()


class BusinessCalendar:
    """Business days and hours of one country's holiday calendar."""

    country: str
    opens: dt.time
    closes: dt.time
    tz: dt.tzinfo
    language: str | None

    def __init__(
        self,
        country: str = "AR",
        *,
        opens: dt.time = dt.time(10, 0),
        closes: dt.time = dt.time(17, 0),
        tz: dt.tzinfo = COMPANY_TZ,
        language: str | None = None,
    ) -> None:
        code = _normalize_country(country)
        if not code or code not in HolidayCache.shared().countries():
            raise ValidationError(
                _(
                    "Unknown holidays country {country!r}; use an ISO 3166 code such as AR, UY, CL."
                ).format(country=country)
            )
        if opens.tzinfo is not None or closes.tzinfo is not None:
            raise ValueError("opens and closes must be naive times (wall clock in tz)")
        if not opens < closes:
            raise ValueError(f"opening time {opens} must be before closing time {closes}")
        self.country = code
        self.opens = opens
        self.closes = closes
        self.tz = tz
        self.language = language
        self._holidays_by_year: dict[int, dict[dt.date, str]] = {}

    def __repr__(self) -> str:
        return (
            f"BusinessCalendar({self.country!r}, opens={self.opens.isoformat()}, "
            f"closes={self.closes.isoformat()}, tz={self.tz!s})"
        )

    # ------------------------------------------------------------------ days

    def _holidays_of(self, year: int) -> dict[dt.date, str]:
        table = self._holidays_by_year.get(year)
        if table is None:
            table = HolidayCache.shared().table(self.country, year, self.language)
            self._holidays_by_year[year] = table
        return table

    @staticmethod
    def _as_date(day: dt.date) -> dt.date:
        # A datetime is a date too, but never equal to one as a dict key.
        return day.date() if isinstance(day, dt.datetime) else day

    def holiday_name(self, day: dt.date) -> str | None:
        """The holiday's name (several joined by "; "), or None on an ordinary day."""
        day = self._as_date(day)
        return self._holidays_of(day.year).get(day)

    def is_holiday(self, day: dt.date) -> bool:
        return self.holiday_name(day) is not None

    def is_business_day(self, day: dt.date) -> bool:
        """Monday to Friday and not a holiday."""
        day = self._as_date(day)
        return day.weekday() < _SATURDAY and not self.is_holiday(day)

    def _business_days_after(self, day: dt.date) -> Iterator[dt.date]:
        """The business days strictly after ``day``, in order, forever."""
        current = self._as_date(day)
        while True:
            current += _ONE_DAY
            if self.is_business_day(current):
                yield current

    def add_business_days(self, day: dt.date, n: int) -> dt.date:
        """The ``n``-th business day after ``day`` (``day`` itself never counts).

        ``n == 0`` returns ``day`` unchanged; a negative ``n`` is a ValueError.
        """
        if n < 0:
            raise ValueError(f"n must be >= 0, not {n}")
        if n == 0:
            return day
        for count, current in enumerate(self._business_days_after(day), start=1):
            if count == n:
                return current
        raise AssertionError("unreachable")  # pragma: no cover

    def business_days_between(self, start: dt.date, end: dt.date) -> int:
        """How many business days ``d`` satisfy ``start < d <= end`` (0 if end <= start)."""
        start, end = self._as_date(start), self._as_date(end)
        count = 0
        current = start + _ONE_DAY
        while current <= end:
            if self.is_business_day(current):
                count += 1
            current += _ONE_DAY
        return count

    # ----------------------------------------------------------------- hours

    def _local(self, moment: dt.datetime) -> dt.datetime:
        """``moment`` in the calendar's time zone; a naive one is taken as already there."""
        if moment.tzinfo is None:
            return moment.replace(tzinfo=self.tz)
        return moment.astimezone(self.tz)

    def _opening(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, self.opens, tzinfo=self.tz)

    def _closing(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, self.closes, tzinfo=self.tz)

    def _start_of_counting(self, local: dt.datetime) -> dt.datetime:
        """``local`` if it is inside business hours, else the next opening."""
        day = local.date()
        if self.is_business_day(day):
            if local < self._opening(day):
                return self._opening(day)
            if local < self._closing(day):
                return local
        return self._opening(next(self._business_days_after(day)))

    def add_business_minutes(self, moment: dt.datetime, minutes: int) -> dt.datetime:
        """The instant ``minutes`` business minutes after ``moment``, in the calendar's tz.

        Counting starts at ``moment`` if it is inside business hours, else at the next
        opening (so ``minutes == 0`` from outside hours gives the next opening). A result
        that falls exactly on closing time stays there rather than moving to the next
        morning.
        """
        if minutes < 0:
            raise ValueError(f"minutes must be >= 0, not {minutes}")
        cursor = self._start_of_counting(self._local(moment))
        remaining = dt.timedelta(minutes=minutes)
        while True:
            day = cursor.date()
            available = self._closing(day) - cursor
            if remaining <= available:
                return cursor + remaining
            remaining -= available
            cursor = self._opening(next(self._business_days_after(day)))

    def business_minutes_between(self, start: dt.datetime, end: dt.datetime) -> int:
        """Whole business minutes (floored) in ``[start, end)``; 0 if ``end <= start``."""
        start_local, end_local = self._local(start), self._local(end)
        if end_local <= start_local:
            return 0
        total = dt.timedelta()
        day = start_local.date()
        last = end_local.date()
        while day <= last:
            if self.is_business_day(day):
                lo = max(start_local, self._opening(day))
                hi = min(end_local, self._closing(day))
                if hi > lo:
                    total += hi - lo
            day += _ONE_DAY
        return total // dt.timedelta(minutes=1)


@functools.lru_cache(maxsize=64)
def _cached_calendar(country: str) -> BusinessCalendar:
    return BusinessCalendar(country)


def calendar_for(country: str = "AR") -> BusinessCalendar:
    """The shared default-hours calendar of ``country`` (one instance per country)."""
    return _cached_calendar(_normalize_country(country))


class HolidayCache:
    """The ``holidays`` package's answers kept in one JSON file in the user cache directory
    (``HOSTCTL_CACHE_DIR``, or the platform's user cache dir for hostctl): the supported
    countries, and each (country, year, language) table asked for. The file is named after
    the installed ``holidays`` release (its modification time), so an upgrade starts a new
    one. A cache that cannot be read or written is simply not used, and an entry that is
    not what it should be (a day that is no date, a name that is no text) is built anew.
    The file is written whole (a new file renamed over it), readable by its owner only
    (``CACHE_MODE``) whatever the umask."""

    _shared: HolidayCache | None = None
    _shared_from: str | None = None
    CACHE_MODE = 0o600

    def __init__(self, folder: Path | None) -> None:
        self.path: Path | None = None
        self.data: dict[str, Any] = {"countries": None, "tables": {}}
        stamp = _holidays_stamp()
        if folder is None or stamp is None:
            return
        self.path = folder / f"holidays-{stamp}.json"
        try:
            loaded = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(loaded, dict) and isinstance(loaded.get("tables"), dict):
                self.data = loaded
        except (OSError, ValueError):
            pass

    @classmethod
    def shared(cls) -> HolidayCache:
        """The cache of this process (a new one if ``HOSTCTL_CACHE_DIR`` changed)."""
        raw = os.environ.get("HOSTCTL_CACHE_DIR") or None
        if cls._shared is None or cls._shared_from != raw:
            if raw:
                folder = Path(raw)
            else:
                from platformdirs import user_cache_dir

                folder = Path(user_cache_dir("hostctl", appauthor=False))
            cls._shared, cls._shared_from = cls(folder), raw
        return cls._shared

    def countries(self) -> frozenset[str]:
        known = self.data.get("countries")
        if not isinstance(known, list) or not all(isinstance(code, str) for code in known):
            import holidays  # lazy: CLI start-up time matters

            known = sorted(holidays.list_supported_countries())
            self.data["countries"] = known
            self._save()
        return frozenset(known)

    def table(self, country: str, year: int, language: str | None) -> dict[dt.date, str]:
        key = f"{country}:{year}:{language or ''}"
        table = _table(self.data["tables"].get(key))
        if table is None:  # not cached, or not readable as a table: built again
            import holidays  # lazy: CLI start-up time matters

            source = holidays.country_holidays(country, years=year, language=language)
            stored = {
                day.isoformat(): str(name) for day, name in source.items() if day.year == year
            }
            self.data["tables"][key] = stored
            self._save()
            return {dt.date.fromisoformat(day): name for day, name in stored.items()}
        return table

    def _save(self) -> None:
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            partial = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
            flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC
            fd = os.open(partial, flags, self.CACHE_MODE)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                os.fchmod(fd, self.CACHE_MODE)  # the mode whatever the umask or an old file
                handle.write(json.dumps(self.data, ensure_ascii=False))
            os.replace(partial, self.path)  # readers see the old file or the new, whole
        except OSError:
            pass


def _table(stored: Any) -> dict[dt.date, str] | None:
    """A cached table as {day: name}, or None when it is missing or not such a table (a
    day that is not a date, ``2026-13-45``; a name that is not text)."""
    if not isinstance(stored, dict):
        return None
    try:
        table = {dt.date.fromisoformat(day): name for day, name in stored.items()}
    except (TypeError, ValueError):
        return None
    if not all(isinstance(name, str) for name in table.values()):
        return None
    return table


def _holidays_stamp() -> str | None:
    """The installed ``holidays`` release as its ``__init__`` file's mtime (no import)."""
    from importlib.util import find_spec

    try:
        spec = find_spec("holidays")
        origin = spec.origin if spec else None
        return str(os.stat(origin).st_mtime_ns) if origin else None
    except (OSError, ValueError):
        return None
