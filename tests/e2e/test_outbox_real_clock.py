"""Claims, stale claims and retry times use the real clock, whatever HOSTCTL_TODAY and
HOSTCTL_NOW say (SPEC NOT-2): `hostctl notify send` with shifted clocks — in a process of
its own where it must run alongside another or be killed, else in-process — against a
loopback WhatsApp server that can hold its answer."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from hostctl import db
from hostctl.core.clock import real_now_utc
from hostctl.models import OutboxMessage
from notify_helpers import add_client, elapse, emit, messages, use_whatsapp
from servers import SERVER_ERROR, TOKEN, WhatsAppServer

CODE = "from hostctl.cli import main; main()"


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOSTCTL_WHATSAPP_TOKEN", TOKEN)
    monkeypatch.setenv("HOSTCTL_CONFIG_DIR", str(tmp_path / "config"))


@pytest.fixture
def wa(db_url: str) -> Iterator[WhatsAppServer]:
    with WhatsAppServer() as server:
        use_whatsapp(db_url, server)
        yield server


def sender(**clock: str) -> subprocess.Popen[bytes]:
    """``hostctl notify send --json`` in its own process, its clock set by ``clock``
    (``HOSTCTL_TODAY=…``, ``HOSTCTL_NOW=…``)."""
    env = {k: v for k, v in os.environ.items() if k not in ("HOSTCTL_TODAY", "HOSTCTL_NOW")}
    return subprocess.Popen(
        [sys.executable, "-c", CODE, "notify", "send", "--json"],
        env=dict(env, **clock),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def finish(proc: subprocess.Popen[bytes]) -> dict[str, Any]:
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err.decode()
    return json.loads(out)  # type: ignore[no-any-return]


def run_sender(cli: Any, *, today: str | None = None, now: str | None = None) -> dict[str, Any]:
    return cli.json("notify", "send", today=today, now=now)  # type: ignore[no-any-return]


def hour_ahead() -> str:
    return (real_now_utc() + dt.timedelta(hours=1)).isoformat()


def hold_first_request(wa: WhatsAppServer) -> threading.Event:
    """The first request waits for the returned event; later ones are answered at once."""
    gate = threading.Event()
    wa.gate = gate
    return gate


def wait_for_first_request(wa: WhatsAppServer) -> None:
    assert wa.arrived.wait(60), "the sender never reached the WhatsApp server"
    wa.gate = None


def test_a_sender_with_the_clock_an_hour_ahead_does_not_take_over_a_live_claim(
    cli: Any, db_url: str, wa: WhatsAppServer
) -> None:
    emit(db_url, add_client(db_url, email=""), "client.registered", {})
    gate = hold_first_request(wa)
    before = real_now_utc()
    first = sender()  # the real clock
    try:
        wait_for_first_request(wa)
        [row] = messages(db_url)
        assert row.status == "sending"
        assert row.claimed_at is not None and before <= row.claimed_at <= real_now_utc()

        counts = run_sender(cli, now=hour_ahead())
        assert (counts["sent"], counts["reclaimed"]) == (0, 0)
        assert messages(db_url)[0].status == "sending"
    finally:
        gate.set()
    assert finish(first)["sent"] == 1
    [row] = messages(db_url)
    assert (row.status, row.attempts) == ("sent", 1)
    assert len(wa.requests) == 1


def test_a_killed_sender_with_a_replayed_day_leaves_a_real_time_claim_that_becomes_unknown(
    cli: Any, db_url: str, wa: WhatsAppServer
) -> None:
    emit(db_url, add_client(db_url, email=""), "client.registered", {})
    gate = hold_first_request(wa)
    before = real_now_utc()
    killed = sender(HOSTCTL_TODAY="2030-06-01")
    try:
        wait_for_first_request(wa)
        killed.kill()
        killed.communicate(timeout=60)
    finally:
        gate.set()
    [row] = messages(db_url)
    assert row.status == "sending"
    assert row.claimed_at is not None and before <= row.claimed_at <= real_now_utc()

    counts = run_sender(cli, today="2030-06-01")  # 2030 does not make it stale
    assert (counts["sent"], counts["reclaimed"]) == (0, 0)
    elapse(db_url, 9)
    assert run_sender(cli, now=hour_ahead())["reclaimed"] == 0  # nor does an hour ahead
    elapse(db_url, 2)  # ten minutes of real time have passed since the claim
    counts = run_sender(cli, today="2020-01-01")
    assert (counts["sent"], counts["reclaimed"]) == (0, 1)
    [row] = messages(db_url)
    assert row.status == "unknown"
    assert row.last_error is not None
    assert row.last_error.startswith("attempt 1: outcome unknown: sender ")
    assert len(wa.requests) == 1  # it may have gone out: never resent by itself
    assert run_sender(cli)["sent"] == 0


def test_a_slow_sender_coming_back_after_its_claim_went_stale_records_what_happened(
    cli: Any, db_url: str, wa: WhatsAppServer
) -> None:
    emit(db_url, add_client(db_url, email=""), "client.registered", {})
    gate = hold_first_request(wa)
    slow = sender()
    try:
        wait_for_first_request(wa)
        elapse(db_url, 11)  # it has held the claim for eleven minutes
        assert run_sender(cli)["reclaimed"] == 1
        assert messages(db_url)[0].status == "unknown"
    finally:
        gate.set()
    assert finish(slow)["sent"] == 1
    [row] = messages(db_url)
    assert (row.status, row.provider_id, row.last_error) == ("sent", "wamid.TEST000001", None)
    assert len(wa.requests) == 1


def test_retry_times_and_sent_at_follow_the_real_clock(
    cli: Any, db_url: str, wa: WhatsAppServer
) -> None:
    emit(db_url, add_client(db_url, email=""), "client.registered", {})
    wa.fail_next = [SERVER_ERROR]
    before = real_now_utc()
    assert run_sender(cli, now="2030-06-01T09:00:00-03:00")["retried"] == 1
    after = real_now_utc()
    [row] = messages(db_url)
    assert row.status == "pending" and row.next_attempt_at is not None
    minute = dt.timedelta(minutes=1)
    assert before + minute <= row.next_attempt_at <= after + minute

    assert run_sender(cli, now=hour_ahead())["sent"] == 0  # not due for the real clock
    elapse(db_url, 1)
    before = real_now_utc()
    assert run_sender(cli, now="2020-01-01T09:00:00-03:00")["sent"] == 1  # due: it is
    [row] = messages(db_url)
    assert row.status == "sent" and row.sent_at is not None
    assert before <= row.sent_at <= real_now_utc()
    assert [r["status"] for r in wa.requests] == [500, 200]


def test_rows_stamped_by_a_replayed_clock_before_the_fix_are_not_stuck(
    cli: Any, db_url: str, wa: WhatsAppServer
) -> None:
    """Earlier versions stamped claims and retries with HOSTCTL_TODAY/NOW: a claim in 2030
    is stale, and a retry scheduled for 2030 is due."""
    client_id = add_client(db_url, email="")
    emit(db_url, client_id, "client.registered", {})
    emit(db_url, client_id, "client.updated", {})
    in_2030 = dt.datetime(2030, 6, 1, 12, tzinfo=dt.UTC)
    claimed, waiting = (m.id for m in messages(db_url))
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    with db.unit_of_work(url=db_url) as s:
        s.execute(
            sa.update(table)
            .where(table.c.id == claimed)
            .values(status="sending", attempts=1, claimed_at=in_2030, claimed_by="old:1:abc")
        )
        s.execute(
            sa.update(table)
            .where(table.c.id == waiting)
            .values(attempts=1, next_attempt_at=in_2030, last_error="attempt 1: HTTP 500")
        )

    counts = run_sender(cli)
    assert (counts["sent"], counts["reclaimed"]) == (1, 1)
    rows = {m.id: m for m in messages(db_url)}
    assert (rows[claimed].status, rows[claimed].last_error) == (
        "unknown",
        "attempt 1: outcome unknown: sender old:1:abc stopped while sending it "
        "(claimed 2030-06-01 12:00 UTC)",
    )
    assert (rows[waiting].status, rows[waiting].attempts) == ("sent", 2)
    assert len(wa.requests) == 1
