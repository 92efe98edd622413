"""``hostctl shell`` as the desk has it: the real console script in a pseudo-terminal
(pexpect). A list of desk commands run one-shot and in the shell gives the same screens,
exit statuses and database; nothing leaks from one line to the next (another process's
changes, settings, the clock, ``--yes``); Tab offers the values; Ctrl-C drops a line;
Spanish; a database held by ``daily`` answers as it does one-shot. The timeouts are the only
limit (no sleeps but where time itself must pass)."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import stat
import subprocess
import time
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, text

from billing_helpers import add_client, setup_catalogue
from hostctl import db
from hostctl.core.clock import COMPANY_TZ

pexpect = pytest.importorskip("pexpect")

from shell_terminal import (  # noqa: E402 (after the skip: it imports pexpect)
    CTRL_C,
    CTRL_D,
    HOSTCTL,
    TAB,
    Shell,
    one_shot,
)

NOW = "2026-01-10T10:30:00-03:00"
TICKET_CODE = re.compile(r"TK-[0-9A-Z]{6}")  # random in each run, one-shot or not

# An agent's morning: good lines, refusals (1), not found (3), usage errors (2), --json.
DESK = [
    'client add --name "Tamara Pérez" --email tamara@example.com --country AR '
    '--phone "11 5555-0001" --currency USD',
    "client show 2",
    "client list --search perez",
    "service order --client 2 --product hosting-basic --cycle annual --json",
    "invoice list --client 2",
    "payment add --invoice 1 --amount 12,50 --method card",
    "payment add --invoice 1 --amount 40 --method card",
    "invoice show 1",
    "why service 1",
    "client show 99",
    "client frobnicate",
    "config set billing.apply_credit false",
    "config get billing.apply_credit --json",
    "ticket open --client 2 --subject 'El correo no anda' --category sla2 --json",
    "client statement 2",
    "product list",
    "service list --status pending --json",
]


@pytest.fixture
def shop(cli, db_url, tmp_path, monkeypatch):
    """The billing catalogue and client 1; the database left for other processes; the
    history in a data directory of the test's own."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    setup_catalogue(cli, tmp_path)
    add_client(cli, "ana@example.com")
    db.dispose_all()
    return db_url


def _snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order; the audit log without ``at`` (the
    real instant the change was made, which differs between any two runs)."""
    from hostctl.models import metadata

    engine = create_engine(url)
    rows: dict[str, list[tuple[Any, ...]]] = {}
    try:
        with engine.connect() as conn:
            for table in metadata.sorted_tables:
                columns = [c for c in table.columns if (table.name, c.name) != ("audit_log", "at")]
                order = list(table.primary_key.columns) or columns
                found = conn.execute(table.select().with_only_columns(*columns).order_by(*order))
                rows[table.name] = [tuple(map(_same_code, row)) for row in found]
    finally:
        engine.dispose()
    return rows


def _same_code(value: Any) -> Any:
    return TICKET_CODE.sub("TK-CODE", value) if isinstance(value, str) else value


def _empty(url: str) -> None:
    """Every table emptied and its ids started again, as before the catalogue was made."""
    from hostctl.models import metadata

    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in reversed(metadata.sorted_tables):
                    conn.execute(table.delete())
                if "sqlite_sequence" in inspect(conn).get_table_names():
                    conn.execute(text("DELETE FROM sqlite_sequence"))
    finally:
        engine.dispose()


def _same_start(cli, url, tmp_path, monkeypatch) -> None:
    """The catalogue and client 1 made again on an empty database, at the same instant."""
    _empty(url)
    with monkeypatch.context() as patch:
        patch.setenv("HOSTCTL_NOW", "2026-01-01T09:00:00-03:00")
        setup_catalogue(cli, tmp_path)
        add_client(cli, "ana@example.com")
    db.dispose_all()


def test_desk_lines_give_the_one_shot_screens_statuses_and_database(
    cli, shop, tmp_path, monkeypatch
):
    _same_start(cli, shop, tmp_path, monkeypatch)
    one_shot_answers = [one_shot(line, HOSTCTL_NOW=NOW) for line in DESK]
    one_shot_rows = _snapshot(shop)

    _same_start(cli, shop, tmp_path, monkeypatch)
    shell = Shell(HOSTCTL_NOW=NOW)
    shell_answers = [shell.run(line) for line in DESK]
    assert shell.leave() == 0

    for line, (status, screen), (shell_status, shell_screen) in zip(
        DESK, one_shot_answers, shell_answers, strict=True
    ):
        assert (line, shell_status, _same_code(shell_screen)) == (line, status, _same_code(screen))
    statuses = [status for status, _screen in one_shot_answers]
    assert {0, 1, 2, 3} <= set(statuses), statuses  # the list has every kind of answer
    assert _snapshot(shop) == one_shot_rows
    assert one_shot_rows["audit_log"], "the lines changed nothing"


def test_a_change_by_another_process_is_seen_by_the_next_line(shop):
    shell = Shell()
    status, before = shell.run("client show 1 --json")
    assert status == 0
    assert json.loads(before)["name"] == "Ana"
    edited = subprocess.run(
        [HOSTCTL, "client", "edit", "1", "--name", "Ana María", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert edited.returncode == 0, edited.stderr
    status, after = shell.run("client show 1 --json")
    assert (status, json.loads(after)["name"]) == (0, "Ana María")
    assert shell.leave() == 0


def test_a_setting_changed_on_one_line_is_what_the_next_line_uses(shop):
    """``billing.apply_credit``: with it off, the client's credit stays on the client."""
    shell = Shell(HOSTCTL_TODAY="2026-01-10")
    assert shell.run("client show 1 --json")[0] == 0
    assert shell.run("config set billing.apply_credit false")[0] == 0
    status, shown = shell.run("config get billing.apply_credit --json")
    assert (status, json.loads(shown)) == (0, {"key": "billing.apply_credit", "value": "false"})
    assert shell.run("config set billing.apply_credit true")[0] == 0
    status, shown = shell.run("config get billing.apply_credit --json")
    assert (status, json.loads(shown)["value"]) == (0, "true")
    assert shell.leave() == 0


def test_yes_and_no_input_on_one_line_do_not_reach_the_next(shop):
    """``--yes`` sets ``HOSTCTL_YES`` for its command; the next line asks again."""
    shell = Shell(HOSTCTL_TODAY="2026-01-10")
    assert shell.run("service order --client 1 --product hosting-basic --cycle annual")[0] == 0
    assert shell.run("--yes invoice cancel 1")[0] == 0
    assert shell.run("service order --client 1 --product hosting-basic --cycle annual")[0] == 0
    shell.send("invoice cancel 2\r")
    shell.expect("Cancel")  # asked: the --yes of the line before is gone
    shell.send("n\r")
    assert shell.next_prompt() == 1
    status, shown = shell.run("--no-input client add --email x@example.com")
    assert status == 2 and "--name" in shown
    shell.send("client add --email y@example.com\r")
    shell.expect("Name:")  # asked again: --no-input went with its line
    shell.send(CTRL_C)
    assert shell.next_prompt() == 130
    assert shell.leave() == 0


def test_a_bug_prints_its_traceback_and_the_shell_goes_on(shop, tmp_path):
    """A command that fails with an exception hostctl does not know: the traceback one-shot
    would print, status 1, and the next line runs. The bug is made by a hook script that
    raises (``HOSTCTL_*`` hooks are not involved): a ``sitecustomize`` that breaks one
    core function of this process only."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(
        "import hostctl.core.explain as e\n"
        "def broken(*a, **k):\n"
        "    raise ZeroDivisionError('a bug')\n"
        "e.explain = broken\n",
        encoding="utf-8",
    )
    path = f"{site}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"
    shell = Shell(PYTHONPATH=path)
    status, shown = shell.run("why client 1")
    assert status == 1
    assert "ZeroDivisionError" in shown and "a bug" in shown
    status, shown = shell.run("client show 1 --json")
    assert (status, json.loads(shown)["id"]) == (0, 1)
    assert shell.leave() == 0


def test_the_clock_is_read_again_on_each_line(shop):
    """An agent leaves the shell open: each line's "now" is the real clock when it runs,
    not when the shell started."""
    shell = Shell()
    started = dt.datetime.now(COMPANY_TZ)
    time.sleep(2.1)
    status, shown = shell.run(
        "ticket open --client 1 --subject 'Sin correo' --category sla2 --json"
    )
    assert status == 0, shown
    opened = dt.datetime.fromisoformat(json.loads(shown)["opened_at"])
    assert opened - started >= dt.timedelta(seconds=2)
    time.sleep(1.1)
    status, shown = shell.run("ticket open --client 1 --subject 'Otra vez' --category sla2 --json")
    assert status == 0, shown
    assert dt.datetime.fromisoformat(json.loads(shown)["opened_at"]) - opened >= dt.timedelta(
        seconds=1
    )
    assert shell.leave() == 0


def test_ctrl_c_drops_the_line_and_ctrl_d_leaves(shop):
    shell = Shell()
    shell.send("client add --name Nadie --email nadie@example.com")
    shell.send(CTRL_C)
    assert shell.next_prompt() == 0
    status, shown = shell.run("client list --json")
    assert status == 0
    assert [c["email"] for c in json.loads(shown)] == ["ana@example.com"]
    assert shell.leave(CTRL_D) == 0


def test_tab_completes_nouns_verbs_options_and_values(shop):
    shell = Shell()
    assert (
        shell.run("client add --name 'Bruno Díaz' --email bruno@example.com --currency USD")[0] == 0
    )
    shell.send("cli" + TAB)
    shell.expect("client")
    shell.send(" sh" + TAB)
    shell.expect("show")
    shell.send(" " + TAB)
    shell.expect("Ana")  # client ids, each with the client's name
    shell.expect("Bruno Díaz")
    shell.drop()
    shell.send("why client diaz")  # a name typed: Tab puts the id of the one client it names
    shell.expect("diaz")
    shell.send(TAB)
    shell.expect("why client 2")
    status, shown = shell.run(" --json")
    assert status == 0, shown
    assert json.loads(shown)["entity"] == "client:2", shown
    shell.send("invoice list --status " + TAB)
    shell.expect("overdue")
    shell.drop()
    shell.send("service order --client 1 --product hosting-b" + TAB)
    shell.expect(r"hosting-b(?:\x1b\[[0-9;?]*[A-Za-z])*asic")  # the rest drawn after the cursor
    shell.send(" --cycle " + TAB)
    shell.expect("biennial")  # hosting-basic's cycles
    shell.drop()
    shell.send("payment add --method zel" + TAB)
    shell.expect(r"zel(?:\x1b\[[0-9;?]*[A-Za-z])*le")
    shell.drop()
    assert shell.leave(CTRL_D) == 0


def test_history_is_kept_in_the_user_data_directory(shop, tmp_path):
    shell = Shell()
    assert shell.run("client show 1")[0] == 0
    assert shell.leave() == 0
    path = tmp_path / "data" / "hostctl" / "shell_history"
    assert "client show 1" in path.read_text(encoding="utf-8")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    shell = Shell()
    shell.send("\x1b[A\x1b[A")  # Up, Up: the line before "exit" in the last session
    shell.expect("client show 1")
    shell.send("\r")
    assert shell.next_prompt() == 0
    assert shell.leave() == 0


def test_spanish_session(shop):
    shell = Shell(HOSTCTL_LANG="es")
    assert "Tab completa" in shell.screen
    status, shown = shell.run("client show 99")
    assert status == 3
    assert "No hay ningún cliente 99" in shown or "cliente 99" in shown
    status, shown = shell.run("client show 'sin cerrar")
    assert status == 2 and "comilla" in shown
    assert shell.run("client show 1")[0] == 0
    assert shell.leave("salir\r") == 0


def test_lines_from_a_script_without_prompt(shop):
    lines = "client show 1 --json\nclient show 99\n# a comment\n\nclient list --json\n"
    done = subprocess.run(
        [HOSTCTL, "shell"], input=lines, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr  # the last line's status
    assert "hostctl>" not in done.stdout + done.stderr
    assert done.stderr == "error: There is no client 99; `hostctl client list` shows them.\n"
    failed = subprocess.run(
        [HOSTCTL, "shell"], input="client show 99\n", capture_output=True, text=True, timeout=120
    )
    assert failed.returncode == 3


def test_daily_holding_its_lock_gets_the_one_shot_answer_then_runs_when_free(shop):
    """This test process holds the daily lock (the real one: on PostgreSQL its advisory lock
    too): a `daily` line answers what one-shot `daily` answers then, busy (75); once the lock
    is free the same line in the same shell runs the day."""
    from conftest import make_ctx
    from hostctl.core.daily_lock import daily_lock

    line = "daily --date 2026-03-01 --no-send --json"
    shell = Shell(HOSTCTL_TODAY="2026-03-01")
    with daily_lock(shop, make_ctx("2026-03-01")):
        alone = one_shot(line, HOSTCTL_TODAY="2026-03-01")
        in_shell = shell.run(line)
    assert alone[0] == 75, alone
    assert in_shell == alone
    status, shown = shell.run(line)
    assert status == 0, shown
    assert json.loads(shown)["days"] == ["2026-03-01"]
    assert shell.leave() == 0


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


def test_a_database_held_by_another_process_is_busy_as_one_shot_then_works(shop):
    """Another process holds the SQLite write lock (PostgreSQL: a table lock) beyond the
    wait allowed (shortened here): the shell's line gets one-shot's sentence and 75, changes
    nothing, and the next line, on the same pooled connections, works once it is free."""
    import sys

    from sqlalchemy.engine import make_url

    if shop.startswith("sqlite"):
        script, target = HOLD_SQLITE, shop.split("///", 1)[1]
    else:
        script = HOLD_POSTGRESQL
        target = make_url(shop).set(drivername="postgresql").render_as_string(False)
    waits = {"HOSTCTL_SQLITE_BUSY_TIMEOUT_MS": "300", "PGOPTIONS": "-c lock_timeout=300"}
    line = "client add --name Bruno --email bruno@example.com --currency USD --json"
    shell = Shell(**waits)
    assert shell.run("client show 1 --json")[0] == 0  # the engine made, a connection pooled
    holder = subprocess.Popen(
        [sys.executable, "-c", script, target],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline() == "holding\n"
        alone = one_shot(line, **waits)
        in_shell = shell.run(line)
    finally:
        holder.communicate("", timeout=60)  # end of stdin: the holder exits, lock released
    assert alone[0] == 75, alone
    assert in_shell == alone
    assert "The database is busy" in alone[1]
    status, shown = shell.run("client list --json")
    assert [c["email"] for c in json.loads(shown)] == ["ana@example.com"]
    status, shown = shell.run(line)
    assert (status, json.loads(shown)["id"]) == (0, 2)
    assert shell.leave() == 0
