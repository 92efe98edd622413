"""Sent, not sent, or unknown (SPEC NOT-2): what each failure stage means, against real
servers that reset the connection, time out or answer an error."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from hostctl import db
from hostctl.core.channels import email as email_channel
from hostctl.core.channels import hooks as hook_channel
from hostctl.core.channels import whatsapp as whatsapp_channel
from hostctl.models import AuditEntry
from notify_helpers import add_client, configure, emit, messages, send, use_smtp, use_whatsapp
from servers import (
    RESET_AFTER,
    RESET_BEFORE,
    SERVER_ERROR,
    TIMEOUT,
    TOKEN,
    Reply,
    SmtpServer,
    WhatsAppServer,
)


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOSTCTL_WHATSAPP_TOKEN", TOKEN)
    monkeypatch.setenv("HOSTCTL_CONFIG_DIR", str(tmp_path / "config"))
    # the servers hold a TIMEOUT answer for 2 s; the senders give up after 0.5 s
    monkeypatch.setattr(whatsapp_channel, "TIMEOUT_SECONDS", 0.5)
    monkeypatch.setattr(email_channel, "TIMEOUT_SECONDS", 0.5)


@pytest.fixture
def smtp(db_url: str) -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        use_smtp(db_url, server)
        yield server


@pytest.fixture
def wa(db_url: str) -> Iterator[WhatsAppServer]:
    with WhatsAppServer() as server:
        use_whatsapp(db_url, server)
        yield server


def one_message(db_url: str, *, phone: str | None = None, email: str = "ana@example.com") -> None:
    emit(db_url, add_client(db_url, phone=phone, email=email), "client.registered", {})


def only(db_url: str, channel: str):  # type: ignore[no-untyped-def]
    return next(m for m in messages(db_url) if m.channel == channel)


# --------------------------------------------------------------------------- WhatsApp
def test_whatsapp_reset_after_the_request_is_unknown_and_not_retried(
    db_url: str, wa: WhatsAppServer
) -> None:
    one_message(db_url, phone="+5491122334455")
    wa.fail_next = [RESET_AFTER]
    counts = send(db_url)
    assert (counts["sent"], counts["retried"], counts["unknown"]) == (0, 0, 1)
    row = only(db_url, "whatsapp")
    assert (row.status, row.attempts, row.sent_at) == ("unknown", 1, None)
    assert row.last_error == (
        "attempt 1: outcome unknown: the WhatsApp API got the request but its answer was "
        "lost: ConnectionResetError: [Errno 104] Connection reset by peer"
    )
    assert [r["to"] for r in wa.got] == ["5491122334455"]  # the API had it

    assert send(db_url)["sent"] == 0  # never by itself
    assert only(db_url, "whatsapp").status == "unknown"
    assert len(wa.requests) == 1


def test_whatsapp_reset_before_reading_is_retried_or_unknown_never_sent(
    db_url: str, wa: WhatsAppServer
) -> None:
    """The server reads the headers and resets. If the body's write failed, it certainly
    did not go (retried); if the body was already handed to the network, the client cannot
    tell this from a reset after reading (unknown). Which one is up to the race."""
    one_message(db_url, phone="+5491122334455")
    wa.fail_next = [RESET_BEFORE]
    counts = send(db_url)
    row = only(db_url, "whatsapp")
    assert (row.status, row.last_error) in [
        ("pending", "attempt 1: cannot reach the WhatsApp API: [Errno 104] Connection reset "
                    "by peer"),
        ("unknown", "attempt 1: outcome unknown: the WhatsApp API got the request but its "
                    "answer was lost: ConnectionResetError: [Errno 104] Connection reset by peer"),
    ]  # fmt: skip
    assert (counts["retried"], counts["unknown"]) == ((1, 0) if row.status == "pending" else (0, 1))
    assert wa.got == []
    assert [r["status"] for r in wa.requests] == [RESET_BEFORE]


def test_whatsapp_timeout_waiting_for_the_answer_is_unknown(
    db_url: str, wa: WhatsAppServer
) -> None:
    one_message(db_url, phone="+5491122334455")
    wa.fail_next = [TIMEOUT]
    assert send(db_url)["unknown"] == 1
    row = only(db_url, "whatsapp")
    assert row.status == "unknown"
    assert row.last_error == (
        "attempt 1: outcome unknown: the WhatsApp API got the request but its answer was "
        "lost: TimeoutError: timed out"
    )
    assert len(wa.got) == 1


def test_whatsapp_gateway_timeout_without_the_api_body_is_unknown(
    db_url: str, wa: WhatsAppServer
) -> None:
    one_message(db_url, phone="+5491122334455")
    wa.fail_next = [Reply(504, {})]
    assert send(db_url)["unknown"] == 1
    assert only(db_url, "whatsapp").last_error == (
        "attempt 1: outcome unknown: HTTP 504: {} (a gateway lost the API's answer)"
    )


def test_whatsapp_500_with_the_api_error_is_not_sent_and_retried(
    db_url: str, wa: WhatsAppServer
) -> None:
    one_message(db_url, phone="+5491122334455")
    wa.fail_next = [SERVER_ERROR]
    assert send(db_url)["retried"] == 1
    row = only(db_url, "whatsapp")
    assert (row.status, row.last_error) == (
        "pending", "attempt 1: HTTP 500: WhatsApp error 131000: (#131000) Something went wrong",
    )  # fmt: skip


def test_whatsapp_connection_refused_is_certainly_not_sent(db_url: str) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    configure(
        db_url,
        whatsapp__api_base=f"http://127.0.0.1:{port}/v21.0",
        whatsapp__phone_number_id="1",
    )
    one_message(db_url, phone="+5491122334455")
    assert send(db_url)["retried"] == 1
    row = only(db_url, "whatsapp")
    assert (row.status, row.last_error) == (
        "pending", "attempt 1: cannot reach the WhatsApp API: [Errno 111] Connection refused",
    )  # fmt: skip


# --------------------------------------------------------------------------- SMTP
def test_smtp_reset_before_the_message_is_not_sent_and_retried(
    db_url: str, smtp: SmtpServer
) -> None:
    one_message(db_url)
    smtp.fail_next = [RESET_BEFORE]  # at MAIL FROM
    assert send(db_url)["retried"] == 1
    [row] = messages(db_url)
    assert row.status == "pending"
    assert row.last_error is not None
    assert row.last_error.startswith("attempt 1: cannot deliver via 127.0.0.1: ")
    assert smtp.got == [] and smtp.resets == 1


def test_smtp_reset_after_the_final_dot_is_unknown(db_url: str, smtp: SmtpServer) -> None:
    one_message(db_url)
    smtp.fail_next = [RESET_AFTER]
    counts = send(db_url)
    assert (counts["sent"], counts["retried"], counts["unknown"]) == (0, 0, 1)
    [row] = messages(db_url)
    assert (row.status, row.sent_at) == ("unknown", None)
    assert row.last_error == (
        "attempt 1: outcome unknown: 127.0.0.1 got the whole message but its answer was lost: "
        "Connection unexpectedly closed: [Errno 104] Connection reset by peer"
    )
    assert [r.message["To"] for r in smtp.got] == ["ana@example.com"]
    assert smtp.received == []
    assert send(db_url)["sent"] == 0
    assert len(smtp.got) == 1


def test_smtp_timeout_after_the_final_dot_is_unknown(db_url: str, smtp: SmtpServer) -> None:
    one_message(db_url)
    smtp.fail_next = [TIMEOUT]
    assert send(db_url)["unknown"] == 1
    [row] = messages(db_url)
    assert row.status == "unknown"
    assert row.last_error == (
        "attempt 1: outcome unknown: 127.0.0.1 got the whole message but its answer was lost: "
        "Connection unexpectedly closed: timed out"
    )


def test_smtp_4xx_and_5xx_answers_to_the_message_are_definite(
    db_url: str, smtp: SmtpServer
) -> None:
    one_message(db_url, email="a@example.com")
    one_message(db_url, email="b@example.com")
    smtp.fail_next = ["451 4.3.0 Try again later", "554 5.6.0 Message rejected"]
    counts = send(db_url)
    assert (counts["retried"], counts["failed"], counts["unknown"]) == (1, 1, 0)
    assert [(m.status, m.last_error) for m in messages(db_url)] == [
        ("pending", "attempt 1: SMTP 451: 4.3.0 Try again later"),
        ("failed", "attempt 1: SMTP 554: 5.6.0 Message rejected"),
    ]
    assert smtp.got == []


def test_smtp_odd_answer_to_quit_after_250_is_still_sent(db_url: str, smtp: SmtpServer) -> None:
    """Once the server said 250, the goodbye cannot turn the send into a failure."""
    one_message(db_url)
    smtp.quit_reply = "500 5.5.1 What?"
    assert send(db_url)["sent"] == 1
    [row] = messages(db_url)
    assert (row.status, row.last_error) == ("sent", None)
    assert send(db_url)["sent"] == 0
    assert len(smtp.received) == 1


# --------------------------------------------------------------------------- hooks
def _hook(folder: Path, event: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o755)  # whatever the umask: a hook's folder is writable by its owner only
    path = folder / event
    path.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    path.chmod(0o755)
    return path


def test_hook_gets_a_clean_environment_without_secrets(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOSTCTL_SMTP_PASSWORD", "smtp-s3cret")
    monkeypatch.setenv("HOSTCTL_WHATSAPP_TOKEN", "EAAG-s3cret")
    monkeypatch.setenv("HOSTCTL_DATABASE_URL", "postgresql://hostctl:db-s3cret@db/hostctl")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "aws-s3cret")
    monkeypatch.setenv("LANG", "es_AR.UTF-8")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    seen = tmp_path / "environ"
    hooks = tmp_path / "hooks"
    # /proc/self/environ of cat: exactly what the hook's process was given
    _hook(hooks, "service.suspended", f"cat /proc/self/environ > {seen}")
    configure(db_url, hooks__dir=str(hooks))
    emit(db_url, add_client(db_url), "service.suspended", {}, service_id=4)

    assert send(db_url)["sent"] == 1
    hook_row = next(m for m in messages(db_url) if m.channel == "hook")
    pairs = [item.split("=", 1) for item in seen.read_text().split("\0") if item]
    environment = {k: v for k, v in pairs if k not in ("PWD", "SHLVL", "_", "OLDPWD")}
    assert environment == {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path / "home"),
        "LANG": "es_AR.UTF-8",
        "HOSTCTL_EVENT": "service.suspended",
        "HOSTCTL_OUTBOX_ID": str(hook_row.id),
    }
    assert "s3cret" not in seen.read_text()


def test_hook_that_times_out_is_unknown_and_not_run_again(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hook_channel, "TIMEOUT_SECONDS", 0.5)
    runs = tmp_path / "runs"
    hooks = tmp_path / "hooks"
    _hook(hooks, "domain.deleted", f"echo run >> {runs}; sleep 5")
    configure(db_url, hooks__dir=str(hooks))
    emit(db_url, add_client(db_url, phone=None), "domain.deleted", {})
    assert send(db_url)["unknown"] == 1
    assert send(db_url)["sent"] == 0
    hook_row = next(m for m in messages(db_url) if m.channel == "hook")
    assert (hook_row.status, hook_row.last_error) == (
        "unknown",
        "attempt 1: outcome unknown: hook domain.deleted timed out after 0.5 s and was "
        "stopped; it may have done its work",
    )
    assert runs.read_text() == "run\n"


def test_hook_killed_by_a_signal_is_unknown(db_url: str, tmp_path: Path) -> None:
    hooks = tmp_path / "hooks"
    _hook(hooks, "domain.deleted", "kill -9 $$")
    configure(db_url, hooks__dir=str(hooks))
    emit(db_url, add_client(db_url, phone=None), "domain.deleted", {})
    assert send(db_url)["unknown"] == 1
    hook_row = next(m for m in messages(db_url) if m.channel == "hook")
    assert hook_row.last_error == (
        "attempt 1: outcome unknown: hook domain.deleted was killed by signal 9; it may have "
        "done its work"
    )


# --------------------------------------------------------------------------- resending
def test_retry_unknown_resends_on_purpose_and_records_it_in_the_audit_log(
    db_url: str, wa: WhatsAppServer
) -> None:
    one_message(db_url, phone="+5491122334455")
    wa.fail_next = [RESET_AFTER]
    send(db_url)
    row = only(db_url, "whatsapp")
    first_error = row.last_error

    counts = send(db_url, retry_failed=True)  # --retry-failed leaves unknown ones alone
    assert (counts["requeued"], counts["sent"]) == (0, 0)

    counts = send(db_url, retry_unknown=True)
    assert (counts["requeued"], counts["sent"], counts["unknown"]) == (1, 1, 0)
    row = only(db_url, "whatsapp")
    assert (row.status, row.attempts, row.provider_id) == ("sent", 1, "wamid.TEST000002")
    assert [r["to"] for r in wa.got] == ["5491122334455"] * 2  # twice, on purpose
    with db.unit_of_work(url=db_url, readonly=True) as s:
        [entry] = s.exec(select(AuditEntry).where(AuditEntry.action == "notify.resend")).all()
    assert (entry.staff, entry.entity_type, entry.entity_id) == ("tester", "outbox", str(row.id))
    assert json.loads(entry.changes) == {"status": ["unknown", "pending"]}
    assert entry.note == (
        "deliberate resend (notify send --retry-unknown) of a message whose delivery was "
        f"unknown: {first_error}"
    )
    assert send(db_url, retry_unknown=True)["requeued"] == 0  # nothing left to resend
