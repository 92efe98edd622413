"""HOSTCTL_TODAY / HOSTCTL_NOW through the CLI: a year outside 2000–2100 or two different
days are refused in one sentence before anything is written."""

from __future__ import annotations

from sqlmodel import func, select

from hostctl import db
from hostctl.models import Client, OutboxMessage

ADD = ("client", "add", "--name", "Ana", "--email", "ana@example.com", "--json")


def counts(db_url: str) -> tuple[int, int]:
    with db.unit_of_work(url=db_url, readonly=True) as session:
        return (
            session.exec(select(func.count()).select_from(Client)).one(),
            session.exec(select(func.count()).select_from(OutboxMessage)).one(),
        )


def test_a_three_digit_year_in_hostctl_today_is_refused(cli, db_url):
    result = cli(*ADD, today="0226-12-01")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: The HOSTCTL_TODAY '0226-12-01' is outside the years 2000–2100; "
        "check the year (YYYY-MM-DD).\n"
    )
    assert counts(db_url) == (0, 0)
    listed = cli("notify", "list", "--json")  # what used to crash on the stored 3-digit year
    assert (listed.exit_code, listed.stdout.strip()) == (0, "[]")


def test_hostctl_now_outside_the_bounds_is_refused(cli, db_url):
    result = cli(*ADD, now="2226-05-01T10:00:00-03:00")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: The HOSTCTL_NOW '2226-05-01T10:00:00-03:00' is outside the years 2000–2100; "
        "check the year (YYYY-MM-DD).\n"
    )
    assert counts(db_url) == (0, 0)


def test_today_and_now_on_different_days_are_refused(cli, db_url):
    result = cli(*ADD, today="2026-05-01", now="2026-03-22T10:00:00-03:00")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: HOSTCTL_TODAY (2026-05-01) and HOSTCTL_NOW (2026-03-22 in the company time "
        "zone) are different days; set only one of them, or both to the same day.\n"
    )
    assert counts(db_url) == (0, 0)
    same_day = cli.json(*ADD[:-1], today="2026-05-01", now="2026-05-01T10:00:00-03:00")
    assert same_day["created_on"] == "2026-05-01"
    alerts = cli.json("notify", "list")
    assert {(m["event"], m["created_at"]) for m in alerts} == {
        ("client.registered", "2026-05-01T10:00:00-03:00")
    }
