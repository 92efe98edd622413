"""hostctl daily / invoice run-cycle and the dates they may run: never after today, and a
catch-up of more than 62 days only with --yes. A refusal changes nothing."""

from __future__ import annotations

import datetime as dt
import json
import os
import pty
import select as io_select
import subprocess
import sys
import time
from typing import Any

import pytest
from sqlmodel import func, select

from billing_helpers import add_client, daily, order, pay, setup_catalogue
from hostctl import db
from hostctl.core.clock import COMPANY_TZ
from hostctl.models import DailyRun, Invoice, Lock, OutboxMessage


def state(db_url: str) -> dict[str, Any]:
    """What a refused run must leave as it was."""
    with db.unit_of_work(url=db_url, readonly=True) as session:
        return {
            "invoices": session.exec(select(func.count()).select_from(Invoice)).one(),
            "outbox": session.exec(select(func.count()).select_from(OutboxMessage)).one(),
            "days": [d.isoformat() for d in session.exec(select(DailyRun.day).order_by("day"))],
            "locks": session.exec(select(func.count()).select_from(Lock)).one(),
        }


REFUSED_63 = (
    "error: This run would catch up 63 days (2026-11-02 … 2027-01-03), more than 62 at once; "
    "pass --yes to run them all."
)


@pytest.fixture
def annual_client(cli, tmp_path):
    """An annual plan paid on 2026-01-10: its renewal invoice is made on 2026-12-26 (D−15)
    and the first reminder sent on 2026-12-31 (D−10)."""
    setup_catalogue(cli, tmp_path)
    client_id = add_client(cli, "ana@example.com", phone="+5491123456789")
    placed = order(cli, client_id, "hosting-basic", "annual", "2026-01-10")
    pay(cli, placed["invoice"]["id"], "96.00", "2026-01-10")
    return client_id


def test_a_date_after_today_is_refused_and_changes_nothing(cli, db_url, annual_client):
    daily(cli, "2026-12-20")
    before = state(db_url)
    result = cli("daily", "--date", "2027-01-12", "--no-send", today="2026-12-20")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error: The --date 2027-01-12 is after today (2026-12-20): daily does not run days "
        "that have not come; add --dry-run to preview them without saving anything."
    )
    assert state(db_url) == before
    assert (before["invoices"], before["days"], before["locks"]) == (1, ["2026-12-20"], 0)

    # a dry run may look ahead: it saves nothing
    result = cli("daily", "--date", "2027-01-12", "--dry-run", "--json", today="2026-12-20")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["dry_run"] is True
    assert (summary["days"][0], summary["days"][-1]) == ("2026-12-21", "2027-01-12")
    assert (summary["invoices_created"], summary["reminders"], summary["suspended"]) == (1, 3, 1)
    assert state(db_url) == before

    # the days it refused are still run when they come
    assert daily(cli, "2026-12-26")["invoices_created"] == 1


def test_the_issues_2047_run_is_refused_against_the_real_clock(cli, db_url, annual_client):
    before = state(db_url)
    result = cli("daily", "--date", "2047-01-01")
    real_today = dt.datetime.now(COMPANY_TZ).date()
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"error: The --date 2047-01-01 is after today ({real_today}): daily does not run days "
        "that have not come; add --dry-run to preview them without saving anything."
    )
    assert state(db_url) == before
    assert before["days"] == []


def test_a_63_day_catch_up_is_refused_and_a_62_day_one_runs(cli, db_url, annual_client):
    daily(cli, "2026-11-01")
    before = state(db_url)
    result = cli("daily", "--date", "2027-01-03", "--no-send", today="2027-01-03")
    assert result.exit_code == 1
    assert result.stderr.strip() == REFUSED_63
    assert state(db_url) == before
    assert before["days"] == ["2026-11-01"] and before["invoices"] == 1
    assert before["locks"] == 0  # the lease was given back

    # a dry run runs the same days, so it is bound the same way (issue #20: a dry run to
    # 2099 walked 26 000 days for 101 s)
    result = cli("daily", "--date", "2027-01-03", "--dry-run", "--json", today="2027-01-03")
    assert (result.exit_code, result.stderr.strip()) == (1, REFUSED_63)
    far = cli("daily", "--date", "2099-01-01", "--dry-run", today="2027-01-03")
    assert (far.exit_code, far.stderr) == (
        1,
        "error: This run would catch up 26359 days (2026-11-02 … 2099-01-01), more than 62 at "
        "once; pass --yes to run them all.\n",
    )
    result = cli(
        "daily", "--date", "2027-01-03", "--dry-run", "--yes", "--json", today="2027-01-03"
    )
    assert result.exit_code == 0, result.stderr
    assert len(json.loads(result.stdout)["days"]) == 63
    assert state(db_url) == before

    caught = daily(cli, "2027-01-02")  # 2026-11-02 … 2027-01-02: 62 days, no question
    assert len(caught["days"]) == 62
    assert (caught["days"][0], caught["days"][-1]) == ("2026-11-02", "2027-01-02")
    assert (caught["invoices_created"], caught["reminders"]) == (1, 1)
    assert daily(cli, "2027-01-03")["days"] == ["2027-01-03"]


def test_a_63_day_catch_up_runs_with_yes(cli, db_url, annual_client):
    daily(cli, "2026-11-01")
    before = state(db_url)
    result = cli(
        "daily", "--date", "2027-01-03", "--yes", "--no-send", "--json", today="2027-01-03"
    )
    assert result.exit_code == 0, result.stderr
    caught = json.loads(result.stdout)
    assert (len(caught["days"]), caught["days"][0], caught["days"][-1]) == (
        63,
        "2026-11-02",
        "2027-01-03",
    )
    assert (caught["invoices_created"], caught["reminders"]) == (1, 1)
    after = state(db_url)
    assert (after["invoices"], len(after["days"]), after["days"][-1]) == (2, 64, "2027-01-03")
    assert after["outbox"] == before["outbox"] + 4  # invoice.created, reminder: whatsapp, email


def test_the_global_yes_confirms_a_long_catch_up_too(cli, db_url, annual_client):
    daily(cli, "2026-11-01")
    result = cli(
        "--yes", "daily", "--date", "2027-01-03", "--no-send", "--json", today="2027-01-03"
    )
    assert result.exit_code == 0, result.stderr
    assert len(json.loads(result.stdout)["days"]) == 63


def test_hostctl_today_years_ahead_needs_yes(cli, db_url, annual_client):
    """HOSTCTL_TODAY=2047-01-01 with no --date: not "after today", but 20 years to catch up."""
    daily(cli, "2026-11-01")
    before = state(db_url)
    result = cli("daily", "--no-send", today="2047-01-01")
    days = (dt.date(2047, 1, 1) - dt.date(2026, 11, 1)).days
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"error: This run would catch up {days} days (2026-11-02 … 2047-01-01), more than 62 "
        "at once; pass --yes to run them all."
    )
    assert state(db_url) == before


def test_run_cycle_refuses_a_date_after_today(cli, db_url, annual_client):
    before = state(db_url)
    result = cli("invoice", "run-cycle", "--date", "2026-12-26", today="2026-12-20")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error: The --date 2026-12-26 is after today (2026-12-20): renewal invoices are not "
        "issued ahead of their day; preview them with hostctl daily --date 2026-12-26 --dry-run."
    )
    assert state(db_url) == before
    # on or after the day it is allowed
    made = cli.json("invoice", "run-cycle", "--date", "2026-12-26", today="2026-12-30")
    assert [(i["number"], i["issue_date"]) for i in made] == [("2026-000002", "2026-12-26")]


OUTSIDE = "is outside the years 2000–2100; check the year (YYYY-MM-DD)."


@pytest.mark.parametrize(
    ("command", "date", "why"),
    [
        (("daily", "--dry-run"), "0226-12-01", OUTSIDE),
        (("daily", "--dry-run"), "2101-01-01", OUTSIDE),
        (("invoice", "run-cycle"), "0226-12-01", OUTSIDE),
        (("invoice", "run-cycle"), "2026-13-01", "is not a date; write it as YYYY-MM-DD."),
    ],
)
def test_a_date_outside_the_calendar_is_refused(cli, db_url, annual_client, command, date, why):
    before = state(db_url)
    result = cli(*command, "--date", date)
    assert result.exit_code == 1
    assert result.stderr.strip() == f"error: The --date '{date}' {why}"
    assert state(db_url) == before


def _on_a_terminal(*args: str, answer: bytes | None, today: str) -> tuple[int, str]:
    """Run hostctl in a pseudo-terminal (a TTY, so prompts are allowed); type ``answer`` when
    the confirmation appears. Returns the exit code and everything the terminal showed."""
    env = {k: v for k, v in os.environ.items() if k != "HOSTCTL_NO_INPUT"}
    env.update(HOSTCTL_TODAY=today, TERM="xterm")
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "hostctl.cli", *args],
        env=env,
        stdin=slave,
        stdout=slave,
        stderr=slave,
    )
    os.close(slave)
    shown, deadline = b"", time.monotonic() + 120
    while time.monotonic() < deadline:
        if io_select.select([master], [], [], 0.2)[0]:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the child closed the terminal
                break
            shown += chunk
            if answer and b"Catch up" in shown:
                time.sleep(0.2)
                os.write(master, answer)
                answer = None
        elif proc.poll() is not None:
            break
    code = proc.wait(timeout=30)
    os.close(master)
    return code, shown.decode(errors="replace")


def test_on_a_terminal_a_long_catch_up_is_asked_first(cli, db_url, annual_client):
    daily(cli, "2026-11-01")
    db.dispose_all()
    before = state(db_url)
    code, shown = _on_a_terminal("daily", "--no-send", answer=b"n\r", today="2027-01-03")
    assert (code, "Catch up 63 days (2026-11-02 … 2027-01-03)?" in shown) == (1, True)
    assert REFUSED_63 in shown
    assert state(db_url) == before

    code, shown = _on_a_terminal(
        "--no-input", "daily", "--no-send", answer=None, today="2027-01-03"
    )
    assert (code, "Catch up" in shown, REFUSED_63 in shown) == (1, False, True)
    assert state(db_url) == before

    code, shown = _on_a_terminal("daily", "--no-send", answer=b"y\r", today="2027-01-03")
    assert code == 0, shown
    assert "days: 2026-11-02 … 2027-01-03; invoices created 1, reminders 1" in shown
    after = state(db_url)
    assert (after["invoices"], len(after["days"]), after["days"][-1]) == (2, 64, "2027-01-03")
