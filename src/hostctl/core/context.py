"""Who acts and when: passed into every core function (nothing in core reads the clock)."""

from __future__ import annotations

import datetime as dt
import getpass
import os
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Context:
    staff: str
    today: dt.date
    now: dt.datetime  # aware, company time zone

    @classmethod
    def from_env(cls) -> Context:
        from hostctl.core import clock

        staff = os.environ.get("HOSTCTL_STAFF") or _login_name()
        now = clock.now()
        return cls(staff=staff, today=clock.today(), now=now)

    def on(self, day: dt.date, *, staff: str | None = None) -> Context:
        """The same actor (or ``staff``) acting on another effective date (``daily``)."""
        from hostctl.core.clock import COMPANY_TZ

        moment = dt.datetime.combine(day, dt.time(0, 5), tzinfo=COMPANY_TZ)
        return Context(staff=staff or self.staff, today=day, now=moment)


def _login_name() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (containers without a passwd entry)
        return "unknown"
