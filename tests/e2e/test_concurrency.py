"""BIL-2 and BIL-10 with real processes, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlmodel import select
from tests.conftest import make_ctx

from billing_helpers import add_client, order, pay, setup_catalogue
from hostctl import db
from hostctl.core import lifecycle
from hostctl.core.clock import to_local
from hostctl.core.daily_lock import daily_lock
from hostctl.errors import BusyError
from hostctl.models import DailyRun, Lock

SCRIPT = """
import sys
from hostctl.core.context import Context
from hostctl.db import unit_of_work
from hostctl.core import services
import datetime as dt
client_id, count = int(sys.argv[1]), int(sys.argv[2])
for _ in range(count):
    with unit_of_work() as session:
        ctx = Context.from_env()
        services.order(session, ctx, client_id=client_id, product_code="hosting-basic",
                       cycle="annual")
"""


def _env(db_url: str, today: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(HOSTCTL_DATABASE_URL=db_url, HOSTCTL_TODAY=today, HOSTCTL_STAFF="proc")
    return env


def test_invoice_numbers_have_no_gaps_with_processes_ordering_at_once(cli, db_url, tmp_path):
    setup_catalogue(cli, tmp_path)
    clients = [add_client(cli, f"c{i}@example.com") for i in range(4)]
    db.dispose_all()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", SCRIPT, str(cid), "12"],
            env=_env(db_url, "2026-03-01"),
            stderr=subprocess.PIPE,
            text=True,
        )
        for cid in clients
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err
    numbers = sorted(i["number"] for i in cli.json("invoice", "list"))
    assert numbers == [f"2026-{n:06d}" for n in range(1, 49)]


def _add_lock(db_url: str, holder: str, age: dt.timedelta = dt.timedelta(0)) -> dt.datetime:
    at = dt.datetime.now(dt.UTC) - age
    with db.unit_of_work(url=db_url) as session:
        session.add(Lock(name="daily", holder=holder, acquired_at=at, heartbeat_at=at))
    return at


def _lock_holder(db_url: str) -> str | None:
    with db.unit_of_work(url=db_url, readonly=True) as session:
        lock = session.get(Lock, "daily")
        return lock.holder if lock else None


def _days_run(db_url: str) -> list[str]:
    with db.unit_of_work(url=db_url, readonly=True) as session:
        return sorted(d.isoformat() for d in session.exec(select(DailyRun.day)))


def test_a_second_daily_run_while_one_holds_the_lock_exits_75(cli, db_url):
    # a lease of an older hostctl (holder without host and pid), fresh by the real clock;
    # a month ahead by HOSTCTL_NOW, it would look stale if the lease read that clock
    at = _add_lock(db_url, "4242-other")
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat()
    result = cli("daily", "--date", "2026-03-01", "--no-send", now=later)
    assert result.exit_code == 75
    assert result.stderr == (
        f"error: Another daily run (4242-other) has been working since "
        f"{to_local(at):%Y-%m-%d %H:%M} (company time); try again later.\n"
    )
    assert cli.json("invoice", "list") == []
    assert _days_run(db_url) == []


def test_a_stale_lock_of_a_crashed_run_is_taken_over(cli, db_url):
    # two hours old by the real clock; a month back by HOSTCTL_NOW it would look fresh
    _add_lock(db_url, "crashed", age=dt.timedelta(hours=2))
    earlier = (dt.datetime.now(dt.UTC) - dt.timedelta(days=30)).isoformat()
    result = cli("daily", "--date", "2026-03-01", "--no-send", "--json", now=earlier)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["days"] == ["2026-03-01"]
    assert _lock_holder(db_url) is None


def test_the_fresh_lease_of_a_dead_process_on_this_host_is_taken_over_at_once(cli, db_url):
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    _add_lock(db_url, f"{socket.gethostname()}:{int(gone.stdout)}:0badf00d")
    result = cli("daily", "--date", "2026-03-01", "--no-send", "--json", today="2026-03-01")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["days"] == ["2026-03-01"]
    assert _lock_holder(db_url) is None


def test_the_lease_of_a_killed_process_not_yet_reaped_is_taken_over_at_once(cli, db_url):
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    child.kill()
    try:
        deadline = time.monotonic() + 30
        while not Path(f"/proc/{child.pid}/stat").read_text().rpartition(")")[2].startswith(" Z"):
            assert time.monotonic() < deadline
            time.sleep(0.01)
        _add_lock(db_url, f"{socket.gethostname()}:{child.pid}:2omb1e00")
        result = cli("daily", "--date", "2026-03-01", "--no-send", "--json", today="2026-03-01")
    finally:
        child.wait()
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["days"] == ["2026-03-01"]
    assert _lock_holder(db_url) is None


def test_a_fresh_lease_of_another_host_is_busy_unless_its_postgresql_session_ended(cli, db_url):
    """SQLite cannot see another host's processes: its fresh lease means busy. On
    PostgreSQL every run holds an advisory lock for its session; nobody holds it here, so
    that run is gone and its lease is taken over at once."""
    at = _add_lock(db_url, "build-02:4242:cafe0001")
    result = cli("daily", "--date", "2026-03-01", "--no-send", "--json", today="2026-03-01")
    if db_url.startswith("sqlite"):
        assert result.exit_code == 75
        assert result.stderr == (
            f"error: Another daily run (build-02:4242:cafe0001) has been working since "
            f"{to_local(at):%Y-%m-%d %H:%M} (company time); try again later.\n"
        )
        assert _days_run(db_url) == []
    else:
        assert result.exit_code == 0, result.stderr
        assert json.loads(result.stdout)["days"] == ["2026-03-01"]
        assert _lock_holder(db_url) is None


def test_a_live_holder_in_another_process_means_busy(cli, db_url):
    """This test process holds the lock (the real one: on PostgreSQL its advisory lock
    too); a `hostctl daily` process meanwhile exits 75 naming it, and runs once it is free."""
    cmd = [sys.executable, "-m", "hostctl.cli", "daily", "--date", "2026-03-01", "--no-send"]
    with daily_lock(db_url, make_ctx("2026-03-01")) as holder:
        assert holder.startswith(f"{socket.gethostname()}:{os.getpid()}:")
        busy = subprocess.run(
            cmd, env=_env(db_url, "2026-03-01"), capture_output=True, text=True, timeout=120
        )
        with db.unit_of_work(url=db_url, readonly=True) as session:
            since = session.get(Lock, "daily").acquired_at
    assert busy.returncode == 75, busy.stderr
    assert busy.stderr == (
        f"error: Another daily run ({holder}) has been working since "
        f"{to_local(since):%Y-%m-%d %H:%M} (company time); try again later.\n"
    )
    assert _lock_holder(db_url) is None  # released at the end of the block
    assert _days_run(db_url) == []
    free = subprocess.run(
        cmd, env=_env(db_url, "2026-03-01"), capture_output=True, text=True, timeout=120
    )
    assert (free.returncode, free.stderr) == (0, "")
    assert _days_run(db_url) == ["2026-03-01"]


def test_a_run_whose_lease_was_taken_over_stops_before_its_next_day(cli, db_url):
    """If another run takes the lease over (wrongly judging this one gone), this run's next
    heartbeat, in that day's own transaction, stops it: that day is rolled back."""
    cli("daily", "--date", "2026-03-01", "--no-send", today="2026-03-01")

    def take_over(_result: object) -> None:
        with db.unit_of_work(url=db_url) as session:
            lock = session.get(Lock, "daily")
            lock.holder = "build-02:4242:thief"
            session.add(lock)

    with pytest.raises(BusyError) as raised:
        lifecycle.run_daily(
            make_ctx("2026-03-05"),
            until=dt.date(2026, 3, 5),
            url=db_url,
            send_alerts=False,
            on_day=take_over,
        )
    assert raised.value.message == (
        "This daily run's lock was taken over by build-02:4242:thief; it stopped and left "
        "the days not yet done to that run."
    )
    assert _days_run(db_url) == ["2026-03-01", "2026-03-02"]
    assert _lock_holder(db_url) == "build-02:4242:thief"


def test_wait_takes_the_lock_when_the_other_run_releases_it(cli, db_url):
    with db.unit_of_work(url=db_url) as session:
        now = dt.datetime.now(dt.UTC)
        session.add(Lock(name="daily", holder="other", acquired_at=now, heartbeat_at=now))

    def release() -> None:
        time.sleep(1.5)
        with db.unit_of_work(url=db_url) as session:
            session.delete(session.get(Lock, "daily"))

    thread = threading.Thread(target=release)
    thread.start()
    result = cli(
        "daily", "--date", "2026-03-01", "--no-send", "--wait", "--json", today="2026-03-01"
    )
    thread.join()
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["days"] == ["2026-03-01"]


def test_two_daily_processes_at_once_never_both_act(cli, db_url, tmp_path):
    setup_catalogue(cli, tmp_path)
    for i in range(6):
        cid = add_client(cli, f"d{i}@example.com")
        placed = order(cli, cid, "radio", "monthly", "2026-01-05")
        pay(cli, placed["invoice"]["id"], "8.00", "2026-01-05")
    cli("daily", "--date", "2026-01-06", "--no-send", today="2026-01-06")
    db.dispose_all()
    cmd = [
        sys.executable,
        "-m",
        "hostctl.cli",
        "daily",
        "--date",
        "2026-06-30",
        "--yes",  # 175 days to catch up: more than 62
        "--no-send",
        "--json",
    ]
    procs = [
        subprocess.Popen(
            cmd,
            env=_env(db_url, "2026-06-30"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [(*p.communicate(timeout=240), p.returncode) for p in procs]
    codes = sorted(r[2] for r in results)
    assert codes in ([0, 0], [0, 75]), results
    ran = [json.loads(out)["days"] for out, _, code in results if code == 0]
    all_days = [d for days in ran for d in days]
    assert len(all_days) == len(set(all_days)) == 175  # 2026-01-07 … 2026-06-30, once each
    # every invoice generated once per service and period
    lines = {
        (line["service_id"], line["period_start"])
        for inv in cli.json("invoice", "list")
        for line in inv["lines"]
        if line["kind"] == "item" and inv["kind"] == "renewal"
    }
    renewals = [inv for inv in cli.json("invoice", "list") if inv["kind"] == "renewal"]
    assert len(renewals) == len(lines) == 6  # Feb 5 renewal, unpaid; terminated on Mar 2


HOLD_SQLITE = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("holding", flush=True)
sys.stdin.read()
"""
HOLD_POSTGRESQL = """
import psycopg, sys
conn = psycopg.connect(sys.argv[1])
conn.execute("LOCK TABLE clients IN EXCLUSIVE MODE")
print("holding", flush=True)
sys.stdin.read()
"""


def test_a_database_held_by_another_process_longer_than_the_timeout_is_busy(cli, db_url):
    """Another process holds the SQLite write lock (PostgreSQL: a table lock) beyond the
    wait allowed (here shortened: HOSTCTL_SQLITE_BUSY_TIMEOUT_MS, PostgreSQL's own
    lock_timeout): one sentence, exit 75, nothing changed; once free the command works."""
    from sqlalchemy.engine import make_url

    if db_url.startswith("sqlite"):
        script, target = HOLD_SQLITE, db_url.split("///", 1)[1]
        expected = (
            "error: The database is busy: another process has held its write lock for "
            "more than 0.3 s; try again.\n"
        )
    else:
        script = HOLD_POSTGRESQL
        target = make_url(db_url).set(drivername="postgresql").render_as_string(False)
        expected = (
            "error: The database is busy: another process holds a lock this command needs "
            "(a lock timeout); try again.\n"
        )
    env = _env(db_url, "2026-03-01")
    env.update(HOSTCTL_SQLITE_BUSY_TIMEOUT_MS="300", PGOPTIONS="-c lock_timeout=300")
    cmd = [sys.executable, "-m", "hostctl.cli", "client", "add", "--name", "Ana"]
    cmd += ["--email", "ana@example.com"]
    holder = subprocess.Popen(
        [sys.executable, "-c", script, target],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline() == "holding\n"
        busy = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    finally:
        holder.communicate("", timeout=60)  # end of stdin: the holder exits, lock released
    assert (busy.returncode, busy.stderr, busy.stdout) == (75, expected, "")
    assert cli.json("client", "list") == []
    free = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert (free.returncode, free.stderr) == (0, "")
    assert [c["email"] for c in cli.json("client", "list")] == ["ana@example.com"]


def test_a_busy_timeout_that_is_not_a_number_is_one_sentence(cli, db_url, monkeypatch):
    if not db_url.startswith("sqlite"):
        pytest.skip("an SQLite setting")
    db.dispose_all()
    monkeypatch.setenv("HOSTCTL_SQLITE_BUSY_TIMEOUT_MS", "soon")
    result = cli("client", "list")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        "error: HOSTCTL_SQLITE_BUSY_TIMEOUT_MS is 'soon'; set it to a whole number of "
        "milliseconds, e.g. 60000.\n"
    )
