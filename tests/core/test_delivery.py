"""notify delivery against real servers: aiosmtpd and a loopback WhatsApp Cloud API."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hostctl.core import delivery
from notify_helpers import (
    add_client,
    assert_due_after,
    configure,
    elapse,
    emit,
    messages,
    send,
    timed_send,
    use_smtp,
    use_whatsapp,
)
from servers import (
    NOT_ALLOWED,
    PHONE_NUMBER_ID,
    RATE_LIMITED,
    SERVER_ERROR,
    TOKEN,
    Reply,
    SmtpServer,
    WhatsAppServer,
)

INVOICE = {
    "invoice_number": "2026-000123",
    "total": "1234.56",
    "amount_due": "1234.56",
    "currency": "USD",
    "issue_date": "2026-12-26",
    "due_date": "2027-01-10",
    "items": ["Hosting Pro (anual)"],
}


# --------------------------------------------------------------------------- fixtures
@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
def wa() -> Iterator[WhatsAppServer]:
    with WhatsAppServer() as server:
        yield server


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOSTCTL_WHATSAPP_TOKEN", TOKEN)
    monkeypatch.setenv("HOSTCTL_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("HOSTCTL_SMTP_PASSWORD", raising=False)


# --------------------------------------------------------------------------- email
def test_invoice_email_goes_to_client_and_contacts_with_invoices_right(
    db_url: str, smtp: SmtpServer
) -> None:
    use_smtp(db_url, smtp, company__name="Hostgrande")
    cid = add_client(
        db_url,
        phone=None,
        contacts=[
            ("contador@example.com", "invoices"),
            ("soporte@example.com", "tickets"),
            ("admin@example.com", "account,invoices,services"),
        ],
    )
    emit(db_url, cid, "invoice.created", INVOICE, invoice_id=7)

    assert send(db_url) == {
        "sent": 1, "retried": 0, "failed": 0, "unknown": 0, "requeued": 0, "reclaimed": 0,
        "waiting": 0,
    }  # fmt: skip

    [got] = smtp.received
    assert got.mail_from == "facturacion@hosting.example"
    assert sorted(got.rcpt_tos) == ["admin@example.com", "ana@example.com", "contador@example.com"]
    msg = got.message
    assert msg["To"] == "ana@example.com"
    assert msg["Cc"] == "contador@example.com, admin@example.com"
    assert msg["Subject"] == "Nueva factura 2026-000123 — vence el 10/01/2027"
    body = got.text
    assert body.startswith("Hola Ana Pérez:\n")
    assert (
        "Emitimos la factura 2026-000123 por US$ 1.234,56, con vencimiento el 10/01/2027." in body
    )
    assert "Detalle: Hosting Pro (anual)" in body
    assert "¡Gracias por confiar en Hostgrande!" in body
    [row] = messages(db_url)
    assert (row.status, row.attempts, row.channel) == ("sent", 1, "email")
    assert row.provider_id == msg["Message-ID"] == f"<hostctl.outbox.{row.id}@hosting.example>"
    assert row.sent_at is not None


def test_service_email_does_not_copy_invoice_contacts(db_url: str, smtp: SmtpServer) -> None:
    use_smtp(db_url, smtp)
    cid = add_client(db_url, phone=None, contacts=[("contador@example.com", "invoices")])
    emit(
        db_url, cid, "service.suspended",
        {"service_id": 3, "product": "hosting-pro", "product_name": "Hosting Pro",
         "domain": "ana.com.ar", "reason": "non-payment"},
        service_id=3,
    )  # fmt: skip
    send(db_url)
    [got] = smtp.received
    assert got.rcpt_tos == ["ana@example.com"]
    assert got.message["Subject"] == "Suspendimos tu servicio Hosting Pro (ana.com.ar)"
    assert "Suspendimos tu servicio Hosting Pro (ana.com.ar) por falta de pago." in got.text


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_smtp_login_is_never_sent_in_clear_even_on_loopback(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The login over TLS: tests/core/test_smtp_tls.py."""
    monkeypatch.setenv("HOSTCTL_SMTP_PASSWORD", "s3cret")
    with SmtpServer(users={"mailer": "s3cret"}) as server:  # AUTH offered, no STARTTLS
        use_smtp(db_url, server, smtp__username="mailer")
        emit(db_url, add_client(db_url, phone=None), "client.registered", {"name": "Ana"})
        assert send(db_url)["retried"] == 1
        [row] = messages(db_url)
        assert (row.status, row.last_error) == (
            "pending",
            "attempt 1: 127.0.0.1 does not offer STARTTLS; refusing to send the SMTP password "
            "in clear text",
        )
        assert (server.auth_attempts, server.got) == (0, [])


def test_smtp_username_without_password_keeps_email_off(db_url: str, smtp: SmtpServer) -> None:
    use_smtp(db_url, smtp, smtp__username="mailer")  # HOSTCTL_SMTP_PASSWORD unset (_env)
    emit(db_url, add_client(db_url, phone=None), "client.registered", {"name": "Ana"})
    assert send(db_url)["waiting"] == 1
    assert delivery.channel_status(db_url)["email"] == "HOSTCTL_SMTP_PASSWORD is not set"
    [row] = messages(db_url)
    assert (row.status, row.attempts, smtp.got) == ("pending", 0, [])


def test_smtp_tls_starttls_sends_nothing_to_a_server_without_it(
    db_url: str, smtp: SmtpServer
) -> None:
    use_smtp(db_url, smtp, smtp__tls="starttls")
    emit(db_url, add_client(db_url, phone=None), "client.registered", {"name": "Ana"})
    assert send(db_url)["retried"] == 1
    [row] = messages(db_url)
    assert row.last_error == (
        "attempt 1: 127.0.0.1 does not offer STARTTLS, which smtp.tls requires; nothing was sent"
    )
    assert smtp.got == []


def test_smtp_temporary_error_retried_then_sent(db_url: str, smtp: SmtpServer) -> None:
    use_smtp(db_url, smtp)
    emit(db_url, add_client(db_url, phone=None), "client.registered", {"name": "Ana"})
    smtp.fail_next = ["451 4.3.0 Mailbox busy, try again later"]

    before, counts, after = timed_send(db_url)
    assert counts["retried"] == 1
    [row] = messages(db_url)
    assert row.status == "pending"
    assert row.last_error == "attempt 1: SMTP 451: 4.3.0 Mailbox busy, try again later"
    assert_due_after(row, before, after, minutes=1)

    elapse(db_url, 0.5)
    assert send(db_url)["sent"] == 0  # not due yet
    elapse(db_url, 0.5)
    assert send(db_url)["sent"] == 1
    [row] = messages(db_url)
    assert (row.status, row.attempts) == ("sent", 2)
    assert len(smtp.received) == 1


def test_smtp_permanent_error_fails_with_reason(db_url: str, smtp: SmtpServer) -> None:
    use_smtp(db_url, smtp)
    smtp.refuse.add("ana@example.com")
    emit(db_url, add_client(db_url, phone=None), "client.registered", {"name": "Ana"})
    assert send(db_url)["failed"] == 1
    [row] = messages(db_url)
    assert row.status == "failed"
    assert row.last_error is not None
    assert row.last_error.startswith("attempt 1: SMTP 550: all recipients refused")
    assert "No such user" in row.last_error


def test_smtp_connection_refused_is_retried(db_url: str) -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    configure(db_url, smtp__host="127.0.0.1", smtp__port=str(port), smtp__from="a@b.example")
    emit(db_url, add_client(db_url, phone=None), "client.registered", {"name": "Ana"})
    assert send(db_url)["retried"] == 1
    [row] = messages(db_url)
    assert row.status == "pending"
    assert row.last_error is not None and "cannot deliver via 127.0.0.1" in row.last_error


# --------------------------------------------------------------------------- WhatsApp
def test_whatsapp_cloud_api_request_and_message_id(db_url: str, wa: WhatsAppServer) -> None:
    use_whatsapp(db_url, wa)
    emit(db_url, add_client(db_url, email="ana@example.com"), "invoice.created", INVOICE)

    counts = send(db_url)
    assert (counts["sent"], counts["waiting"]) == (1, 1)  # the email waits: SMTP is off
    [request] = wa.requests
    assert request["path"] == f"/v21.0/{PHONE_NUMBER_ID}/messages"
    assert request["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert request["body"] == {
        "messaging_product": "whatsapp",
        "to": "5491122334455",
        "type": "template",
        "template": {
            "name": "hostctl_factura_nueva",
            "language": {"code": "es"},
            "components": [
                {
                    "type": "body",
                    "parameters": [
                        {"type": "text", "text": "Ana Pérez"},
                        {"type": "text", "text": "2026-000123"},
                        {"type": "text", "text": "US$ 1.234,56"},
                        {"type": "text", "text": "10/01/2027"},
                    ],
                }
            ],
        },
    }
    whatsapp, email = messages(db_url)
    assert (whatsapp.channel, whatsapp.status, whatsapp.provider_id) == (
        "whatsapp", "sent", "wamid.TEST000001",
    )  # fmt: skip
    assert (email.channel, email.status, email.attempts) == ("email", "pending", 0)


def test_whatsapp_4xx_fails_with_the_error_envelope(db_url: str, wa: WhatsAppServer) -> None:
    use_whatsapp(db_url, wa)
    wa.fail_next = [NOT_ALLOWED]
    emit(db_url, add_client(db_url), "client.registered", {"name": "Ana"})
    assert send(db_url)["failed"] == 1
    row = next(m for m in messages(db_url) if m.channel == "whatsapp")
    assert row.status == "failed"
    assert row.attempts == 1
    assert row.last_error == (
        "attempt 1: HTTP 400: WhatsApp error 131030: (#131030) Recipient phone number not in "
        "allowed list (Recipient phone number not in allowed list: Add recipient phone number "
        "to recipient list and try again.)"
    )


def test_whatsapp_429_and_500_retried_with_backoff_then_sent(
    db_url: str, wa: WhatsAppServer
) -> None:
    use_whatsapp(db_url, wa)
    wa.fail_next = [RATE_LIMITED, SERVER_ERROR]
    emit(db_url, add_client(db_url), "client.registered", {"name": "Ana"})

    before, counts, after = timed_send(db_url)
    assert counts["retried"] == 1
    row = messages(db_url)[0]
    assert row.last_error == "attempt 1: HTTP 429: WhatsApp error 130429: (#130429) Rate limit hit"
    assert_due_after(row, before, after, minutes=1)

    elapse(db_url, 1)
    before, counts, after = timed_send(db_url)
    assert counts["retried"] == 1
    row = messages(db_url)[0]
    assert row.last_error is not None and row.last_error.startswith("attempt 2: HTTP 500")
    assert_due_after(row, before, after, minutes=2)  # then 2 minutes

    elapse(db_url, 1)
    assert send(db_url)["sent"] == 0
    elapse(db_url, 1)
    assert send(db_url)["sent"] == 1
    row = messages(db_url)[0]
    assert (row.status, row.attempts, row.provider_id) == ("sent", 3, "wamid.TEST000001")
    assert len(wa.sent) == 1


def test_whatsapp_retry_after_header_is_honoured(db_url: str, wa: WhatsAppServer) -> None:
    use_whatsapp(db_url, wa)
    wa.fail_next = [Reply(429, RATE_LIMITED.body, {"Retry-After": "600"})]
    emit(db_url, add_client(db_url), "client.registered", {"name": "Ana"})
    before, _, after = timed_send(db_url)
    assert_due_after(messages(db_url)[0], before, after, minutes=10)


def test_after_max_attempts_a_message_fails(db_url: str, wa: WhatsAppServer) -> None:
    use_whatsapp(db_url, wa)
    configure(db_url, notify__max_attempts="2")
    wa.fail_next = [SERVER_ERROR, SERVER_ERROR, SERVER_ERROR]
    emit(db_url, add_client(db_url), "client.registered", {"name": "Ana"})
    assert send(db_url)["retried"] == 1
    elapse(db_url, 5)
    assert send(db_url)["failed"] == 1
    row = messages(db_url)[0]
    assert (row.status, row.attempts) == ("failed", 2)
    assert row.last_error is not None and row.last_error.startswith("attempt 2: HTTP 500")

    counts = send(db_url, retry_failed=True)
    assert (counts["requeued"], counts["retried"]) == (1, 1)
    elapse(db_url, 5)
    assert send(db_url)["sent"] == 1


def test_whatsapp_unreachable_is_retried(db_url: str) -> None:
    configure(db_url, whatsapp__api_base="http://127.0.0.1:9/v21.0", whatsapp__phone_number_id="1")
    emit(db_url, add_client(db_url), "client.registered", {"name": "Ana"})
    assert send(db_url)["retried"] == 1
    row = messages(db_url)[0]
    assert row.last_error is not None and "cannot reach the WhatsApp API" in row.last_error


def test_channels_off_leave_messages_pending(
    db_url: str, wa: WhatsAppServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    emit(db_url, add_client(db_url), "client.registered", {"name": "Ana"})
    counts = send(db_url)
    assert (counts["sent"], counts["failed"], counts["waiting"]) == (0, 0, 2)
    assert [(m.status, m.attempts) for m in messages(db_url)] == [("pending", 0)] * 2

    use_whatsapp(db_url, wa)
    monkeypatch.delenv("HOSTCTL_WHATSAPP_TOKEN")  # no token: still off
    assert send(db_url)["waiting"] == 2
    monkeypatch.setenv("HOSTCTL_WHATSAPP_TOKEN", TOKEN)
    counts = send(db_url)
    assert (counts["sent"], counts["waiting"]) == (1, 1)


# --------------------------------------------------------------------------- exactly once
def _many(db_url: str, n: int) -> None:
    for i in range(n):
        cid = add_client(
            db_url, f"Cliente {i}", email=f"c{i}@example.com", phone=f"+54911000{i:05d}"
        )
        emit(db_url, cid, "client.registered", {"name": f"Cliente {i}"})


def test_concurrent_senders_in_threads_send_each_message_once(
    db_url: str, smtp: SmtpServer, wa: WhatsAppServer
) -> None:
    use_smtp(db_url, smtp)
    use_whatsapp(db_url, wa)
    _many(db_url, 15)
    results: list[dict[str, int]] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(send(db_url))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(r["sent"] for r in results) == 30
    assert all(m.status == "sent" and m.attempts == 1 for m in messages(db_url))
    assert Counter(r.message["To"] for r in smtp.received) == {
        f"c{i}@example.com": 1 for i in range(15)
    }
    assert Counter(r["body"]["to"] for r in wa.requests) == {
        f"54911000{i:05d}": 1 for i in range(15)
    }


def test_concurrent_senders_in_processes_send_each_message_once(
    db_url: str, smtp: SmtpServer, wa: WhatsAppServer
) -> None:
    use_smtp(db_url, smtp)
    use_whatsapp(db_url, wa)
    _many(db_url, 12)
    env = dict(
        os.environ,
        HOSTCTL_DATABASE_URL=db_url,
        HOSTCTL_NOW="2026-01-10T09:00:00-03:00",
        HOSTCTL_WHATSAPP_TOKEN=TOKEN,
    )
    code = "from hostctl.cli import main; main()"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, "notify", "send", "--json"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(3)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [e.decode() for _, e in outputs]
    assert sum(json.loads(out)["sent"] for out, _ in outputs) == 24
    assert len(smtp.received) == 12 and len({r.message["To"] for r in smtp.received}) == 12
    assert len(wa.requests) == 12 and len({r["body"]["to"] for r in wa.requests}) == 12
    assert all(m.status == "sent" for m in messages(db_url))


class SimulatedCrash(BaseException):
    """The process dies: nothing after the send runs."""


def test_crash_between_send_and_record_leaves_that_message_unknown_not_resent(
    db_url: str, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_smtp(db_url, smtp)
    for i in range(3):
        cid = add_client(db_url, f"C{i}", email=f"c{i}@example.com", phone=None)
        emit(db_url, cid, "client.registered", {"name": f"C{i}"})
    real_record = delivery.record

    def crash(*args: Any, **kwargs: Any) -> str:
        raise SimulatedCrash

    monkeypatch.setattr(delivery, "record", crash)
    with pytest.raises(SimulatedCrash):
        send(db_url)
    monkeypatch.setattr(delivery, "record", real_record)
    assert [r.message["To"] for r in smtp.received] == ["c0@example.com"]
    assert [m.status for m in messages(db_url)] == ["sending", "pending", "pending"]
    token = messages(db_url)[0].claimed_by

    elapse(db_url, 9)
    counts = send(db_url)  # the claim is fresh: maybe still being sent
    assert (counts["sent"], counts["reclaimed"]) == (2, 0)
    assert [m.status for m in messages(db_url)] == ["sending", "sent", "sent"]

    elapse(db_url, 2)
    counts = send(db_url)  # stale after 10 minutes: it may have gone, so not resent
    assert (counts["sent"], counts["unknown"], counts["reclaimed"]) == (0, 0, 1)
    first = messages(db_url)[0]
    assert first.status == "unknown"
    assert first.claimed_at is not None
    assert first.last_error == (
        f"attempt 1: outcome unknown: sender {token} stopped while sending it "
        f"(claimed {first.claimed_at:%Y-%m-%d %H:%M} UTC)"
    )
    assert send(db_url)["sent"] == 0  # and never by itself
    assert len(smtp.received) == 3

    counts = send(db_url, retry_unknown=True)  # staff resend it on purpose
    assert (counts["requeued"], counts["sent"]) == (1, 1)
    assert [(m.status, m.attempts) for m in messages(db_url)] == [("sent", 1)] * 3
    assert Counter(r.message["To"] for r in smtp.received) == {
        "c0@example.com": 2, "c1@example.com": 1, "c2@example.com": 1,
    }  # fmt: skip
    # The resend has the same Message-ID, so mail clients show it once.
    original, resent = (r for r in smtp.received if r.message["To"] == "c0@example.com")
    assert original.message["Message-ID"] == resent.message["Message-ID"]


def test_limit_sends_at_most_n(db_url: str, smtp: SmtpServer) -> None:
    use_smtp(db_url, smtp)
    for i in range(3):
        emit(db_url, add_client(db_url, f"C{i}", email=f"c{i}@x.example", phone=None),
             "client.registered", {})  # fmt: skip
    assert send(db_url, limit=2)["sent"] == 2
    assert send(db_url)["sent"] == 1


def test_missing_client_name_comes_from_clients_table(db_url: str, smtp: SmtpServer) -> None:
    use_smtp(db_url, smtp)
    emit(db_url, add_client(db_url, "María Gómez", phone=None), "domain.deleted", {})
    send(db_url)
    [got] = smtp.received
    assert got.message["Subject"] == "Eliminamos el dominio"
    assert got.text.startswith("Hola María Gómez:\n")


# --------------------------------------------------------------------------- hooks
def _hook(folder: Path, event: str, script: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o755)  # whatever the umask: a hook's folder is writable by its owner only
    path = folder / event
    path.write_text(f"#!{sys.executable}\n{script}", encoding="utf-8")
    path.chmod(0o755)
    return path


def test_emit_writes_a_hook_row_only_for_events_with_an_executable(
    db_url: str, tmp_path: Path
) -> None:
    hooks = tmp_path / "hooks"
    _hook(hooks, "service.suspended", "")
    (hooks / "service.terminated").write_text("not executable")
    cid = add_client(db_url)
    emit(db_url, cid, "service.suspended", {})
    assert [m.channel for m in messages(db_url)] == ["whatsapp", "email"]  # hooks.dir unset

    configure(db_url, hooks__dir=str(hooks))
    emit(db_url, cid, "service.suspended", {}, service_id=4)
    emit(db_url, cid, "service.terminated", {})
    emit(db_url, cid, "client.registered", {})
    rows = [(m.event, m.channel) for m in messages(db_url)][2:]
    assert rows == [
        ("service.suspended", "whatsapp"),
        ("service.suspended", "email"),
        ("service.suspended", "hook"),
        ("service.terminated", "whatsapp"),
        ("service.terminated", "email"),
        ("client.registered", "whatsapp"),
        ("client.registered", "email"),
    ]


def test_hook_runs_with_the_event_as_json_on_stdin(db_url: str, tmp_path: Path) -> None:
    hooks = tmp_path / "hooks"
    seen = tmp_path / "seen.json"
    _hook(
        hooks,
        "service.suspended",
        f"import sys, pathlib\npathlib.Path({str(seen)!r}).write_text(sys.stdin.read())\n"
        "print('cwp: account ana suspended')\n",
    )
    configure(db_url, hooks__dir=str(hooks))
    cid = add_client(db_url)
    data = {"service_id": 4, "product": "hosting-pro", "product_name": "Hosting Pro",
            "domain": "ana.com.ar", "reason": "non-payment"}  # fmt: skip
    emit(db_url, cid, "service.suspended", data, service_id=4)

    counts = send(db_url)
    assert (counts["sent"], counts["waiting"]) == (1, 2)  # WhatsApp and email are off
    document = json.loads(seen.read_text())
    hook_row = next(m for m in messages(db_url) if m.channel == "hook")
    assert document == {
        "outbox_id": hook_row.id,
        "event": "service.suspended",
        "client_id": cid,
        "invoice_id": None,
        "service_id": 4,
        "stage": None,
        "data": data,
        "created_at": "2026-01-10T12:00:00+00:00",
        "client": {"name": "Ana Pérez", "email": "ana@example.com", "phone": "+5491122334455"},
    }
    assert (hook_row.status, hook_row.provider_id) == ("sent", "cwp: account ana suspended")


def test_failing_hook_is_retried(db_url: str, tmp_path: Path) -> None:
    hooks = tmp_path / "hooks"
    flag = tmp_path / "ran-once"
    _hook(
        hooks,
        "invoice.cancelled",
        f"import sys, pathlib\nflag = pathlib.Path({str(flag)!r})\n"
        "if not flag.exists():\n"
        "    flag.touch()\n"
        "    print('panel unreachable', file=sys.stderr)\n"
        "    sys.exit(3)\n",
    )
    configure(db_url, hooks__dir=str(hooks))
    emit(db_url, add_client(db_url, phone=None), "invoice.cancelled", INVOICE)
    assert send(db_url)["retried"] == 1
    hook_row = next(m for m in messages(db_url) if m.channel == "hook")
    assert hook_row.status == "pending"
    assert hook_row.last_error == "attempt 1: hook invoice.cancelled exited 3: panel unreachable"
    elapse(db_url, 1)
    assert send(db_url)["sent"] == 1
    hook_row = next(m for m in messages(db_url) if m.channel == "hook")
    assert (hook_row.status, hook_row.attempts) == ("sent", 2)


def test_hook_removed_after_emit_fails(db_url: str, tmp_path: Path) -> None:
    hooks = tmp_path / "hooks"
    path = _hook(hooks, "domain.deleted", "")
    configure(db_url, hooks__dir=str(hooks))
    emit(db_url, add_client(db_url, phone=None), "domain.deleted", {"domain": "a.com"})
    path.unlink()
    assert send(db_url)["failed"] == 1
    hook_row = next(m for m in messages(db_url) if m.channel == "hook")
    assert hook_row.last_error == f"attempt 1: no executable hook {hooks / 'domain.deleted'}"


def test_backoff_doubles_and_is_capped() -> None:
    assert [delivery.backoff(n).total_seconds() / 60 for n in range(1, 6)] == [1, 2, 4, 8, 16]
    assert delivery.backoff(30) == dt.timedelta(hours=6)
