"""`daily --dry-run` holds no lock (issue #20): a real `daily` started while a dry run is
under way runs at once and exits 0, on SQLite and PostgreSQL alike, and the dry run still
reports the days it previewed and changes nothing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from billing_helpers import add_client, daily, order, pay, setup_catalogue
from hostctl import db

_BESIDE = Path(sys.executable).with_name("hostctl")
HOSTCTL = str(_BESIDE) if _BESIDE.exists() else (shutil.which("hostctl") or "hostctl")

# A dry run that stops, after running 2026-12-26 (the renewal invoice's day) and before
# that day's end, until the test lets it go: the real code with a pause, in its own process.
PAUSED_DRY_RUN = """
import sys, time
from pathlib import Path
from hostctl.core import lifecycle
from hostctl.cli import main

ready, go = Path(sys.argv[1]), Path(sys.argv[2])
run_day = lifecycle.run_day

def paused(session, ctx, checkpoint, **kw):
    result = run_day(session, ctx, checkpoint, **kw)
    if str(ctx.today) == "2026-12-26":
        ready.touch()
        deadline = time.monotonic() + 120
        while not go.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    return result

lifecycle.run_day = paused
sys.argv = ["hostctl", *sys.argv[3:]]
main()
"""


DRY_RUN = ["daily", "--dry-run", "--date", "2027-01-12", "--json"]


def _env(db_url: str, today: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        HOSTCTL_DATABASE_URL=db_url,
        HOSTCTL_TODAY=today,
        HOSTCTL_STAFF="proc",
        # on the old code the real run waited for the dry run's locks: fail fast
        HOSTCTL_SQLITE_BUSY_TIMEOUT_MS="5000",
        PGOPTIONS="-c lock_timeout=5000",
    )
    return env


def test_a_real_daily_runs_while_a_dry_run_is_under_way(cli, db_url, tmp_path: Path):
    setup_catalogue(cli, tmp_path)
    client_id = add_client(cli, "ana@example.com", phone="+5491123456789")
    placed = order(cli, client_id, "hosting-basic", "annual", "2026-01-10")
    pay(cli, placed["invoice"]["id"], "96.00", "2026-01-10")
    daily(cli, "2026-12-20")
    db.dispose_all()

    ready, go = tmp_path / "ready", tmp_path / "go"
    dry = subprocess.Popen(
        [sys.executable, "-c", PAUSED_DRY_RUN, str(ready), str(go), *DRY_RUN],
        env=_env(db_url, "2026-12-28"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not ready.exists() and dry.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ready.exists(), dry.communicate()
        real = subprocess.run(
            [sys.executable, "-m", "hostctl.cli", "daily", "--no-send", "--json"],
            env=_env(db_url, "2026-12-28"),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert dry.poll() is None  # the dry run was still under way all along
    finally:
        go.touch()
        out, err = dry.communicate(timeout=120)

    # it waited for nothing: the dry run was paused all along, and a wait for its locks
    # would have ended in exit 75 after 5 s
    assert (real.returncode, real.stderr) == (0, "")
    summary = json.loads(real.stdout)
    assert (summary["days"][0], summary["days"][-1]) == ("2026-12-21", "2026-12-28")
    assert summary["invoices_created"] == 1

    assert (dry.returncode, err) == (0, "")
    preview = json.loads(out)
    assert preview["dry_run"] is True
    assert (preview["days"][0], preview["days"][-1]) == ("2026-12-21", "2027-01-12")
    assert (preview["invoices_created"], preview["reminders"], preview["suspended"]) == (1, 3, 1)

    # the dry run changed nothing: the real run's days are the last ones, one renewal invoice
    again = cli("daily", "--no-send", "--json", today="2026-12-28")
    assert (again.exit_code, json.loads(again.stdout)["days"]) == (0, [])
    listed = cli.json("invoice", "list", "--client", str(client_id))
    assert len(listed) == 2


def test_a_long_dry_run_on_a_terminal_is_asked_about_and_shows_its_progress(cli, tmp_path):
    """The same bound as the real run (more than 62 days is asked about), and the same
    progress bar on stderr while the days run."""
    pexpect = pytest.importorskip("pexpect")
    setup_catalogue(cli, tmp_path)
    client_id = add_client(cli, "ana@example.com", phone="+5491123456789")
    placed = order(cli, client_id, "hosting-basic", "annual", "2026-01-10")
    pay(cli, placed["invoice"]["id"], "96.00", "2026-01-10")
    daily(cli, "2026-11-01")
    db.dispose_all()
    env = {k: v for k, v in os.environ.items() if k not in ("HOSTCTL_NO_INPUT", "HOSTCTL_YES")}
    env.update(HOSTCTL_TODAY="2027-01-03", PROMPT_TOOLKIT_NO_CPR="1", TERM="xterm")
    env["NO_COLOR"] = "1"
    child = pexpect.spawn(
        HOSTCTL,
        ["daily", "--dry-run", "--date", "2027-01-03"],
        env=env,
        encoding="utf-8",
        timeout=60,
        dimensions=(50, 200),
    )
    child.expect(r"Catch up 63 days \(2026-11-02 … 2027-01-03\)\?")
    child.send("y\r")
    child.expect(r"daily 20\d\d-\d\d-\d\d")  # the progress bar (stderr), as the days run
    child.expect("dry run, nothing changed — days: 2026-11-02 … 2027-01-03")
    child.expect(pexpect.EOF, timeout=120)
    child.close()
    assert child.exitstatus == 0
    again = cli("daily", "--no-send", "--json", today="2026-11-01")
    assert json.loads(again.stdout)["days"] == []  # nothing was saved
