"""Fault suite for the outbox (SPEC NOT-2): a few hundred alerts sent with `hostctl notify
send` to a loopback WhatsApp Cloud API and an aiosmtpd server that, seeded, reset the
connection before reading a request, reset it after reading it, time out, and answer
errors (WhatsApp 500 and 429; SMTP 451, 421 and 554).

Then, per message, how many times the server may have got it (answered 200/250, or read it
in full before the reset or the timeout): never twice, and none lost (each message ends
sent and got once, failed and never got, or unknown); the unknown ones are reported, and
`notify send --retry-unknown` delivers them. ``HOSTCTL_FAULT_SEED`` replays another seed.
"""

from __future__ import annotations

import os
import re
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select
from tests.conftest import make_ctx

from hostctl import db
from hostctl.core import outbox
from hostctl.core.channels import email as email_channel
from hostctl.core.channels import whatsapp as whatsapp_channel
from hostctl.models import AuditEntry, Client
from notify_helpers import elapse, messages, use_smtp, use_whatsapp
from servers import (
    RATE_LIMITED,
    RESET_AFTER,
    RESET_BEFORE,
    SERVER_ERROR,
    TIMEOUT,
    TOKEN,
    Faults,
    SmtpServer,
    WhatsAppServer,
)

SEED = int(os.environ.get("HOSTCTL_FAULT_SEED", "20260110"))
CLIENTS = 120  # a WhatsApp message and an email each: 240 messages
FAULT_RATE = 0.3
WHATSAPP_FAULTS = [RESET_BEFORE, RESET_AFTER, TIMEOUT, SERVER_ERROR, RATE_LIMITED]
SMTP_FAULTS = [
    RESET_BEFORE,
    RESET_AFTER,
    TIMEOUT,
    "451 4.3.0 Local error in processing",
    "421 4.7.0 Too many messages, slow down",
    "554 5.7.1 Message rejected as spam",
]


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOSTCTL_WHATSAPP_TOKEN", TOKEN)
    monkeypatch.setenv("HOSTCTL_CONFIG_DIR", str(tmp_path / "config"))
    # the servers hold a TIMEOUT answer for 1.5 s; the senders give up after 0.5 s
    monkeypatch.setattr(whatsapp_channel, "TIMEOUT_SECONDS", 0.5)
    monkeypatch.setattr(email_channel, "TIMEOUT_SECONDS", 0.5)


@pytest.fixture
def servers(db_url: str) -> Iterator[tuple[WhatsAppServer, SmtpServer]]:
    with WhatsAppServer() as wa, SmtpServer() as smtp:
        use_whatsapp(db_url, wa)
        use_smtp(db_url, smtp)
        wa.hold_seconds = smtp.hold_seconds = 1.5
        yield wa, smtp


def queue_alerts(db_url: str) -> None:
    ctx = make_ctx()
    with db.unit_of_work(url=db_url) as s:
        clients = [
            Client(
                name=f"Cliente {i}",
                email=f"c{i}@example.com",
                email_key=f"c{i}@example.com",
                phone=f"+54911{i:08d}",
                created_on=ctx.today,
                created_at=ctx.now,
                updated_at=ctx.now,
            )
            for i in range(CLIENTS)
        ]
        s.add_all(clients)
        s.flush()
        outbox.emit_many(
            s,
            ctx,
            [
                {"event": "client.registered", "client_id": c.id, "phone": c.phone,
                 "email": c.email, "data": {"name": c.name}}
                for c in clients
            ],
        )  # fmt: skip


def got_per_message(
    db_url: str, wa: WhatsAppServer, smtp: SmtpServer
) -> Counter[tuple[str, int | None]]:
    """(channel, client id) → how many times the server may have got that message."""
    with db.unit_of_work(url=db_url, readonly=True) as s:
        clients = s.exec(select(Client)).all()
    by_phone = {(c.phone or "").lstrip("+"): c.id for c in clients}
    by_email = {c.email: c.id for c in clients}
    got: Counter[tuple[str, int | None]] = Counter()
    for body in wa.got:
        got["whatsapp", by_phone[body["to"]]] += 1
    for mail in smtp.got:
        got["email", by_email[mail.message["To"]]] += 1
    return got


def key(row: Any) -> tuple[str, int | None]:
    return row.channel, row.client_id


def test_faults_never_send_twice_nor_lose_and_unknown_ones_are_resent_on_purpose(
    cli: Any,
    db_url: str,
    servers: tuple[WhatsAppServer, SmtpServer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    wa, smtp = servers
    queue_alerts(db_url)
    wa.faults = Faults(SEED, FAULT_RATE, WHATSAPP_FAULTS)
    smtp.faults = Faults(SEED + 1, FAULT_RATE, SMTP_FAULTS)
    started = time.monotonic()

    runs = 0
    while runs < 12:  # notify.max_attempts is 8: every message is settled well before
        runs += 1
        counts = cli.json("notify", "send")
        assert counts["waiting"] == 0
        if not [m for m in messages(db_url) if m.status == "pending"]:
            break
        elapse(db_url, 6 * 60)  # the longest backoff has passed

    rows = messages(db_url)
    assert len(rows) == 2 * CLIENTS
    statuses = Counter(m.status for m in rows)
    assert set(statuses) <= {"sent", "failed", "unknown"}, statuses  # nothing stuck
    got = got_per_message(db_url, wa, smtp)
    twice = sorted(k for k, n in got.items() if n > 1)
    lost = sorted(key(m) for m in rows if m.status == "sent" and got[key(m)] != 1)
    wrongly_failed = sorted(key(m) for m in rows if m.status == "failed" and got[key(m)] != 0)
    assert (twice, lost, wrongly_failed) == ([], [], [])
    unknown = [m for m in rows if m.status == "unknown"]
    unknown_got = sum(got[key(m)] for m in unknown)
    drawn = wa.faults.drawn + smtp.faults.drawn
    print(
        f"\nfault suite (seed {SEED}): {len(rows)} messages, {runs} runs in "
        f"{time.monotonic() - started:.1f} s; faults {dict(sorted(drawn.items()))}; "
        f"{dict(sorted(statuses.items()))}; sent twice 0, lost 0; unknown {len(unknown)} "
        f"(WhatsApp {sum(m.channel == 'whatsapp' for m in unknown)}, email "
        f"{sum(m.channel == 'email' for m in unknown)}), of which the servers had got "
        f"{unknown_got}"
    )
    assert set(wa.faults.drawn) == {RESET_BEFORE, RESET_AFTER, TIMEOUT, "500", "429"}
    assert len(smtp.faults.drawn) == len(SMTP_FAULTS)
    assert unknown and statuses["failed"]  # the suite went through both paths

    listed = cli.json("notify", "list", "--status", "unknown", "--limit", "1000")
    assert sorted(m["id"] for m in listed) == sorted(m.id for m in unknown)

    wa.faults = smtp.faults = None
    # no answer is held any more: the senders' usual patience, so that a loaded machine
    # (two test suites at once) does not turn a slow but good answer into a retry
    monkeypatch.setattr(whatsapp_channel, "TIMEOUT_SECONDS", 10.0)
    monkeypatch.setattr(email_channel, "TIMEOUT_SECONDS", 10.0)
    counts = cli.json("notify", "send", "--retry-unknown", staff="maria")
    assert (counts["requeued"], counts["sent"], counts["unknown"]) == (len(unknown),) * 2 + (0,)
    after = {m.id: m for m in messages(db_url)}
    regot = got_per_message(db_url, wa, smtp)
    for m in rows:
        if m.status == "unknown":
            assert after[m.id].status == "sent"
            assert regot[key(m)] == got[key(m)] + 1  # resent once, on purpose
        else:
            assert (after[m.id].status, regot[key(m)]) == (m.status, got[key(m)])
    with db.unit_of_work(url=db_url, readonly=True) as s:
        resends = s.exec(select(AuditEntry).where(AuditEntry.action == "notify.resend")).all()
    assert sorted(int(e.entity_id) for e in resends) == sorted(m.id for m in unknown)
    assert {e.staff for e in resends} == {"maria"}


def test_hooks_that_leave_children_and_print_control_bytes_are_sent_and_listed_clean(
    cli: Any, db_url: str, tmp_path: Path
) -> None:
    """`notify send` from cron: a hook that leaves a background child holding its output
    and prints NUL and terminal escapes is done when it exits, the run ends with its JSON
    summary, and `notify list` shows the escapes as text (the hook's timeout is the real
    one, two minutes)."""
    hooks = tmp_path / "hooks"
    hooks.mkdir(mode=0o755)
    pid = tmp_path / "child.pid"
    for event, body in {
        "service.suspended": f"sleep 150 &\necho $! > {pid}\nprintf 'suspended\\000\\033[2J\\n'",
        "service.reactivated": "printf 'panel down \\033]0;pwned\\007\\000' >&2\nexit 3",
    }.items():
        (hooks / event).write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
        (hooks / event).chmod(0o755)
    assert cli("config", "set", "hooks.dir", str(hooks)).exit_code == 0
    with db.unit_of_work(url=db_url) as s:
        client = Client(name="Ana", email="", email_key="", phone=None,
                        created_on=make_ctx().today, created_at=make_ctx().now,
                        updated_at=make_ctx().now)  # fmt: skip
        s.add(client)
        s.flush()
        for event in hooks.iterdir():
            outbox.emit(s, make_ctx(), event.name, client, service_id=4)

    started = time.monotonic()
    try:
        counts = cli.json("notify", "send")
    finally:
        os.kill(int(pid.read_text()), 15)
    assert time.monotonic() - started < 60
    assert (counts["sent"], counts["retried"], counts["unknown"]) == (1, 1, 0)
    rows = {m.event: m for m in messages(db_url)}
    assert rows["service.suspended"].provider_id == "suspended\\x00\\x1b[2J"
    assert rows["service.reactivated"].last_error == (
        "attempt 1: hook service.reactivated exited 3: panel down \\x1b]0;pwned\\x07\\x00"
    )
    listed = cli("notify", "list")
    assert listed.exit_code == 0
    assert not re.search(r"[\x00-\x08\x0e-\x1f\x7f]", listed.stdout)
    assert "panel down \\x1b]0;pwned\\x07\\x00" in listed.stdout
