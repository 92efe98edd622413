"""What a hook prints and what a provider answers (a WhatsApp API body, an SMTP reply) is
cleaned before it is stored: no NUL (PostgreSQL refuses it in text, which used to leave a
hook that worked ``unknown``), no control characters or terminal escapes, a few KB at most.
Against real hooks and loopback servers, on SQLite and PostgreSQL."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlmodel import Session

from hostctl import db
from hostctl.core import delivery
from hostctl.core.channels import STORED_LIMIT, TemporaryError, clip
from hostctl.core.channels import email as email_channel
from hostctl.core.channels import whatsapp as whatsapp_channel
from hostctl.core.clock import real_now_utc
from notify_helpers import add_client, configure, emit, messages, send, use_smtp, use_whatsapp
from servers import TOKEN, Reply, SmtpServer, WhatsAppServer, error_reply

NASTY = "ok\x00 \x1b[2J\x1b]0;pwned\x07 \u202eevil\u202c \x9b31m \ud800 fin"
CLEAN = "ok\\x00 \\x1b[2J\\x1b]0;pwned\\x07 \\u202eevil\\u202c \\x9b31m \\ud800 fin"


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOSTCTL_WHATSAPP_TOKEN", TOKEN)
    monkeypatch.setenv("HOSTCTL_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setattr(whatsapp_channel, "TIMEOUT_SECONDS", 5)
    monkeypatch.setattr(email_channel, "TIMEOUT_SECONDS", 5)


def test_clip_escapes_controls_and_cuts_long_text() -> None:
    assert clip(NASTY) == CLEAN
    assert clip("two\r\nlines\tand\x0btabs\x1c") == "two lines and tabs"
    assert clip(CLEAN) == CLEAN  # cleaning twice changes nothing
    long = clip("é" * 10_000, STORED_LIMIT)
    assert (len(long), long[-2:]) == (STORED_LIMIT, "é…")
    assert clip("x" * STORED_LIMIT, STORED_LIMIT) == "x" * STORED_LIMIT


# --------------------------------------------------------------------------- hooks
def _hook(folder: Path, event: str, script: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o755)
    path = folder / event
    path.write_text(f"#!{sys.executable}\nimport sys\n{script}\n", encoding="utf-8")
    path.chmod(0o755)


def test_what_hooks_print_is_stored_clean(db_url: str, tmp_path: Path) -> None:
    hooks = tmp_path / "hooks"
    raw = NASTY.encode("utf-8", "surrogatepass")
    _hook(hooks, "service.suspended", f"sys.stdout.buffer.write(b'working\\n' + {raw!r})")
    _hook(hooks, "service.reactivated", f"sys.stderr.buffer.write({raw!r})\nsys.exit(3)")
    _hook(hooks, "service.terminated", "print('x' * 100_000)")  # one 100 KB line
    configure(db_url, hooks__dir=str(hooks))
    cid = add_client(db_url, phone=None, email="")
    for event in ("service.suspended", "service.reactivated", "service.terminated"):
        emit(db_url, cid, event, {}, service_id=4)

    counts = send(db_url)
    assert (counts["sent"], counts["retried"], counts["unknown"]) == (2, 1, 0)
    done, refused, long = messages(db_url)
    # the lone surrogate's bytes are not UTF-8: each is a replacement character
    printed = CLEAN.replace("\\ud800", "\ufffd" * 3)
    assert (done.status, done.provider_id, done.last_error) == ("sent", printed, None)
    assert (refused.status, refused.last_error) == (
        "pending",
        f"attempt 1: hook service.reactivated exited 3: {printed}",
    )
    assert (long.status, long.provider_id) == ("sent", "x" * 199 + "…")


# --------------------------------------------------------------------------- providers
@pytest.fixture
def wa(db_url: str) -> Iterator[WhatsAppServer]:
    with WhatsAppServer() as server:
        use_whatsapp(db_url, server)
        yield server


def test_what_the_whatsapp_api_answers_is_stored_clean(db_url: str, wa: WhatsAppServer) -> None:
    cid = add_client(db_url, email="")
    wa.fail_next = [error_reply(400, 131008, NASTY), Reply(200, {"messages": [{"id": NASTY}]})]
    emit(db_url, cid, "client.registered", {})
    emit(db_url, cid, "client.registered", {})
    counts = send(db_url)
    assert (counts["failed"], counts["sent"]) == (1, 1)
    refused, accepted = messages(db_url)
    assert (refused.status, refused.last_error) == (
        "failed",
        f"attempt 1: HTTP 400: WhatsApp error 131008: {CLEAN}",
    )
    assert (accepted.status, accepted.provider_id) == ("sent", CLEAN)


def test_what_an_smtp_server_answers_is_stored_clean(db_url: str) -> None:
    with SmtpServer() as smtp:
        use_smtp(db_url, smtp)
        smtp.fail_next = ["554 5.7.1 spam \x1b[31m\x00 \x1b]8;;http://evil/\x07here"]
        emit(db_url, add_client(db_url, phone=None), "client.registered", {})
        assert send(db_url)["failed"] == 1
    [row] = messages(db_url)
    assert row.last_error == (
        "attempt 1: SMTP 554: 5.7.1 spam \\x1b[31m\\x00 \\x1b]8;;http://evil/\\x07here"
    )


@contextmanager
def claimed(db_url: str) -> Iterator[tuple[Session, delivery.Claimed]]:
    """A session in which sender ``me`` has claimed the oldest pending WhatsApp message."""
    with db.unit_of_work(url=db_url) as session:
        message = delivery.claim_next(session, real_now_utc(), "me", ["whatsapp"])
        assert message is not None
        yield session, message


def test_record_cleans_whatever_a_channel_hands_back(db_url: str) -> None:
    # a channel that forgot to clip (or a new one) can store neither NUL nor megabytes
    emit(db_url, add_client(db_url, email=""), "client.registered", {})
    with claimed(db_url) as (session, message):
        outcome = TemporaryError("busy \x00" + "y" * 9000)
        assert delivery.record(session, real_now_utc(), "me", message, outcome, 8) == "retried"
    [row] = messages(db_url)
    assert row.last_error == "attempt 1: busy \\x00" + "y" * (STORED_LIMIT - 21) + "…"
