"""`hostctl daily` killed with SIGKILL and run again (BIL-10 with real processes).

test_daily_lifecycle's crash test makes one day fail inside the process; here the whole
process dies, at seeded random points of a catch-up, on a copy of a small book: every re-run
takes the dead run's lock over at once (never exit 75), and the end state equals a clean run
on an identical database. Invoices are compared by number, services by client, product and
domain, outbox messages and audit entries as counts of what they say: never by row id (a
PostgreSQL sequence value taken by a killed transaction is not given back)."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import select

from billing_helpers import add_client, order, pay, setup_catalogue
from hostctl import db
from hostctl.models import (
    AuditEntry,
    Client,
    CreditEntry,
    DailyRun,
    Invoice,
    InvoiceLine,
    Lock,
    OutboxMessage,
    Service,
)

FIRST = "2026-01-15"  # the first daily of the book: it runs only that day
UNTIL = "2026-03-31"  # the catch-up: 2026-01-16 … 2026-03-31
CATCH_UP = (dt.date.fromisoformat(UNTIL) - dt.date.fromisoformat(FIRST)).days  # 75 days
KILLS = 4
SEED = 20260131


def build_book(cli: Any, tmp_path: Path) -> None:
    """Monthly radio plans (some paid ahead with credit), semiannual hosting, a domain, a
    plan set not to renew and an order never paid: over the catch-up they are renewed,
    reminded, suspended (D+2 and the client as debtor), terminated and ended."""
    setup_catalogue(cli, tmp_path)
    for i in range(8):
        client = add_client(cli, f"radio{i}@example.com", phone=f"+54911234567{i:02d}")
        day = f"2026-01-{2 + i:02d}"
        placed = order(cli, client, "radio", "monthly", day)
        pay(
            cli, placed["invoice"]["id"], "24.00" if i < 2 else "8.00", day, excess=i < 2
        )  # 0, 1: credit
        if i == 7:
            cli.json("service", "no-renew", str(placed["services"][0]["id"]), today=day)
    for i in range(4):
        client = add_client(
            cli,
            f"hosting{i}@example.com",
            currency="ARS" if i == 0 else "USD",
            today="2025-08-01",
        )
        day = f"2025-08-{20 + 3 * i:02d}"
        placed = order(cli, client, "hosting-basic", "semiannual", day, domain=f"h{i}.example.com")
        pay(cli, placed["invoice"]["id"], placed["invoice"]["total"], day)
        if i == 1:  # a debtor: the hosting's renewal unpaid suspends this radio too
            radio = order(cli, client, "radio", "quarterly", "2026-01-05")
            pay(cli, radio["invoice"]["id"], radio["invoice"]["total"], "2026-01-05")
    client = add_client(cli, "domain@example.com", today="2025-02-01")
    placed = order(cli, client, "domain-com", "annual", "2025-02-20", domain="d-example.com")
    pay(cli, placed["invoice"]["id"], placed["invoice"]["total"], "2025-02-20")
    unpaid = add_client(cli, "unpaid@example.com")
    order(cli, unpaid, "hosting-pro", "annual", "2026-01-12")
    result = cli("daily", "--date", FIRST, "--no-send", today=FIRST)
    assert result.exit_code == 0, result.stderr


def clone(url: str, name: str, tmp_path: Path) -> str:
    """An identical copy of the database at ``url``; PostgreSQL: from it as a template."""
    db.dispose_all()
    if url.startswith("sqlite"):
        source = url.split("///", 1)[1]
        raw = sqlite3.connect(source)
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        raw.close()
        target = tmp_path / f"{name}.db"
        shutil.copy(source, target)
        return f"sqlite:///{target}"
    parsed = make_url(url)
    copy = f"{parsed.database}_{name}"
    with _admin(url).connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{copy}"'))
        conn.execute(text(f'CREATE DATABASE "{copy}" TEMPLATE "{parsed.database}"'))
    return parsed.set(database=copy).render_as_string(hide_password=False)


def _admin(url: str) -> Engine:
    return create_engine(
        make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=None
    )


@pytest.fixture
def copies(db_url: str, tmp_path: Path) -> Iterator[Callable[[str], str]]:
    made: list[str] = []

    def make(name: str) -> str:
        made.append(clone(db_url, name, tmp_path))
        return made[-1]

    yield make
    db.dispose_all()
    for url in made:
        if not url.startswith("sqlite"):
            with _admin(url).connect() as conn:
                conn.execute(
                    text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
                )


def spawn_daily(url: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOSTCTL_")}
    env.update(
        HOSTCTL_DATABASE_URL=url,
        HOSTCTL_TODAY=UNTIL,
        HOSTCTL_STAFF="cron",
        HOSTCTL_NO_INPUT="1",
        HOSTCTL_CACHE_DIR=os.environ["HOSTCTL_CACHE_DIR"],
    )
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hostctl.cli",
            "daily",
            "--date",
            UNTIL,
            "--no-send",
            "--json",
            "--yes",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


class Watcher:
    """Reads, from outside, how far the runs on one database have got."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url)

    def days_done(self) -> int:
        with self.engine.connect() as conn:
            query = text("SELECT count(*) FROM daily_runs WHERE day > :first")
            return int(conn.execute(query, {"first": dt.date.fromisoformat(FIRST)}).scalar())

    def lock_holder(self) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(text("SELECT holder FROM locks WHERE name = 'daily'")).scalar()

    def wait_for(self, proc: subprocess.Popen[str], days: int, timeout: float = 90) -> None:
        """Until ``days`` days are done (or the process has ended)."""
        deadline = time.monotonic() + timeout
        while self.days_done() < days and proc.poll() is None:
            assert time.monotonic() < deadline, f"no progress to {days} days"
            time.sleep(0.005)

    def close(self) -> None:
        self.engine.dispose()


def run_to_completion(url: str) -> dict[str, Any]:
    proc = spawn_daily(url)
    out, err = proc.communicate(timeout=180)
    assert (proc.returncode, err) == (0, ""), err
    return json.loads(out)


def snapshot(url: str) -> dict[str, Any]:
    """The state a daily run leaves, keyed by what people see, never by row id."""
    with db.unit_of_work(url=url, readonly=True) as s:
        email = {c.id: c.email for c in s.exec(select(Client))}
        services = s.exec(select(Service)).all()
        svc = {
            sv.id: (email[sv.client_id], sv.product_code, sv.domain, sv.created_on.isoformat())
            for sv in services
        }
        assert len(set(svc.values())) == len(services)
        invoices = s.exec(select(Invoice)).all()
        number = {inv.id: inv.number for inv in invoices}
        lines: dict[str, list[tuple[Any, ...]]] = {}
        for line in s.exec(select(InvoiceLine).order_by(InvoiceLine.position)):
            lines.setdefault(number[line.invoice_id], []).append(
                (
                    line.position,
                    line.kind,
                    line.code,
                    line.description,
                    svc.get(line.service_id),
                    line.period_start,
                    line.period_end,
                    line.amount_minor,
                )
            )
        return {
            "invoices": {
                inv.number: (
                    email[inv.client_id],
                    inv.kind,
                    inv.status,
                    inv.currency,
                    inv.total_minor,
                    inv.paid_minor,
                    inv.issue_date,
                    inv.due_date,
                    inv.reminders_sent,
                    inv.cancelled_on,
                    lines.get(inv.number, []),
                )
                for inv in invoices
            },
            "services": {
                svc[sv.id]: (
                    sv.status,
                    sv.suspension_reason,
                    sv.cycle,
                    sv.next_due_date,
                    sv.suspended_on,
                    sv.ended_on,
                )
                for sv in services
            },
            "outbox": Counter(
                (
                    m.event,
                    m.channel,
                    email.get(m.client_id),
                    number.get(m.invoice_id),
                    svc.get(m.service_id),
                    m.stage,
                    m.effective_date,
                    m.status,
                )
                for m in s.exec(select(OutboxMessage))
            ),
            "audit": Counter(
                (a.action, a.entity_type, a.effective_date) for a in s.exec(select(AuditEntry))
            ),
            "credit": Counter(
                (email[c.client_id], c.amount_minor, c.reason, number.get(c.invoice_id))
                for c in s.exec(select(CreditEntry))
            ),
            "days": sorted(d.isoformat() for d in s.exec(select(DailyRun.day))),
            "locks": [lock.holder for lock in s.exec(select(Lock))],
        }


def kill_at(
    watcher: Watcher, url: str, days: int, within: float, rng: random.Random
) -> tuple[int, int]:
    """Start a daily run on ``url``, let it finish ``days`` days of the catch-up, and kill
    it (SIGKILL) a random moment later, less than ``within`` seconds (about one day's
    work). Returns the days done when it died, and its pid."""
    proc = spawn_daily(url)
    try:
        watcher.wait_for(proc, days)
        time.sleep(rng.uniform(0, within))
    finally:
        proc.send_signal(signal.SIGKILL)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL, (proc.returncode, err)  # not done, not 75
    return watcher.days_done(), proc.pid


def test_daily_killed_at_random_points_ends_as_a_clean_run(cli, tmp_path, db_url, copies):
    build_book(cli, tmp_path)
    killed_url = copies("killed")
    started = time.monotonic()
    summary = cli.json("daily", "--date", UNTIL, "--no-send", "--yes", today=UNTIL)  # the clean run
    a_day = (time.monotonic() - started) / CATCH_UP
    clean = snapshot(db_url)
    assert summary["days"][0] == "2026-01-16"
    assert len(summary["days"]) == CATCH_UP
    # every kind of work is done during the catch-up
    assert {k: v for k, v in summary.items() if k not in ("days", "problems", "dry_run")} == {
        "invoices_created": 17,
        "reminders": 36,
        "suspended": 11,
        "terminated": 10,
        "ended": 1,
        "expired": 0,
        "domains_deleted": 0,
        "quotes_expired": 0,
        "alerts_sent": 0,
    }

    rng = random.Random(SEED)
    watcher = Watcher(killed_url)
    done = 0
    try:
        for target in sorted(rng.sample(range(1, CATCH_UP - 3), KILLS)):
            done, pid = kill_at(watcher, killed_url, max(target, done + 1), a_day, rng)
            holder = watcher.lock_holder() or ""
            assert holder.startswith(f"{socket.gethostname()}:{pid}:")  # its lease stayed
        rest = run_to_completion(killed_url)  # took the last dead run's lease at once
        assert watcher.lock_holder() is None
    finally:
        watcher.close()
    assert 0 < done < CATCH_UP
    assert rest["days"] == summary["days"][done:]
    assert snapshot(killed_url) == clean


def test_a_killed_daily_does_not_block_the_next_one(cli, tmp_path, db_url):
    build_book(cli, tmp_path)
    db.dispose_all()
    watcher = Watcher(db_url)
    try:
        done, pid = kill_at(watcher, db_url, 2, 0.0, random.Random(SEED))
        holder = watcher.lock_holder()
        assert holder is not None and holder.startswith(f"{socket.gethostname()}:{pid}:")
        rest = run_to_completion(db_url)  # exit 0, not 75
        assert watcher.lock_holder() is None
    finally:
        watcher.close()
    first = dt.date.fromisoformat(FIRST) + dt.timedelta(days=done + 1)
    assert rest["days"][0] == first.isoformat()
    assert (len(rest["days"]), rest["days"][-1]) == (CATCH_UP - done, UNTIL)
