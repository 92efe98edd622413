"""BIL-2 and BIL-10 with real processes, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import threading
import time

from billing_helpers import add_client, order, pay, setup_catalogue
from hostctl import db
from hostctl.models import Lock

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


def test_a_second_daily_run_while_one_holds_the_lock_exits_75(cli, db_url):
    with db.unit_of_work(url=db_url) as session:
        now = dt.datetime.now(dt.UTC)
        session.add(Lock(name="daily", holder="4242-other", acquired_at=now, heartbeat_at=now))
    result = cli("daily", "--date", "2026-03-01", "--no-send", today="2026-03-01")
    assert result.exit_code == 75
    assert result.stderr.startswith("error: Another daily run (4242-other) has been working")
    assert cli.json("invoice", "list") == []


def test_a_stale_lock_of_a_crashed_run_is_taken_over(cli, db_url):
    with db.unit_of_work(url=db_url) as session:
        old = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
        session.add(Lock(name="daily", holder="crashed", acquired_at=old, heartbeat_at=old))
    result = cli("daily", "--date", "2026-03-01", "--no-send", "--json", today="2026-03-01")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["days"] == ["2026-03-01"]


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
