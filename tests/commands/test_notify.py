"""hostctl notify send / templates / list, through the CLI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conftest import make_ctx

from hostctl import db
from hostctl.core import outbox
from hostctl.models import Client
from servers import (
    NOT_ALLOWED,
    PHONE_NUMBER_ID,
    RESET_AFTER,
    TOKEN,
    SmtpServer,
    WhatsAppServer,
)

NOW = "2026-01-10T09:00:00-03:00"


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOSTCTL_WHATSAPP_TOKEN", TOKEN)
    monkeypatch.setenv("HOSTCTL_CONFIG_DIR", str(tmp_path / "cfg"))


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
def wa() -> Iterator[WhatsAppServer]:
    with WhatsAppServer() as server:
        yield server


def queue(db_url: str, event: str = "client.registered", phone: str | None = None) -> None:
    ctx = make_ctx()
    with db.unit_of_work(url=db_url) as s:
        client = Client(
            name="Ana Pérez", email="ana@example.com", email_key="ana@example.com", phone=phone,
            created_on=ctx.today, created_at=ctx.now, updated_at=ctx.now,
        )  # fmt: skip
        s.add(client)
        s.flush()
        outbox.emit(s, ctx, event, client, data={"name": "Ana Pérez"})


def test_send_delivers_and_prints_counts(cli, db_url: str, smtp: SmtpServer) -> None:  # type: ignore[no-untyped-def]
    for key, value in [("smtp.host", "127.0.0.1"), ("smtp.port", str(smtp.port)),
                       ("smtp.from", "hola@hosting.example")]:  # fmt: skip
        assert cli("config", "set", key, value).exit_code == 0
    queue(db_url)
    assert cli.json("notify", "send", now=NOW) == {
        "sent": 1, "retried": 0, "failed": 0, "unknown": 0, "requeued": 0, "reclaimed": 0,
        "waiting": 0,
    }  # fmt: skip
    assert smtp.received[0].message["Subject"] == "¡Bienvenido a Hosting, Ana Pérez!"
    [row] = cli.json("notify", "list", "--status", "sent")
    assert (row["channel"], row["attempts"]) == ("email", 1)

    result = cli("notify", "send", now=NOW)
    assert result.exit_code == 0
    assert result.stdout == "sent 0, retried later 0, failed 0\n"


def test_failed_message_shows_why_and_can_be_retried(cli, db_url: str, wa: WhatsAppServer) -> None:  # type: ignore[no-untyped-def]
    assert cli("config", "set", "whatsapp.api_base", wa.base).exit_code == 0
    assert cli("config", "set", "whatsapp.phone_number_id", PHONE_NUMBER_ID).exit_code == 0
    queue(db_url, phone="+598 94 123 456")
    wa.fail_next = [NOT_ALLOWED]

    result = cli("notify", "send", now=NOW)
    assert result.exit_code == 0
    assert result.stdout == "sent 0, retried later 0, failed 1, waiting 1\n"
    assert "warning: email is off (smtp.host is not set); its messages stay pending." in (
        result.stderr
    )
    assert "See why: hostctl notify list --status failed" in result.stderr

    [row] = cli.json("notify", "list", "--status", "failed")
    assert row["channel"] == "whatsapp"
    assert "WhatsApp error 131030" in row["last_error"]
    table = cli("notify", "list", "--status", "failed")
    assert "Recipient phone number not in allowed list" in table.stdout

    counts = cli.json("notify", "send", "--retry-failed", now=NOW)
    assert (counts["requeued"], counts["sent"]) == (1, 1)
    assert wa.sent[0]["body"]["to"] == "59894123456"


def test_unknown_is_listed_and_resent_on_purpose(cli, db_url: str, wa: WhatsAppServer) -> None:  # type: ignore[no-untyped-def]
    assert cli("config", "set", "whatsapp.api_base", wa.base).exit_code == 0
    assert cli("config", "set", "whatsapp.phone_number_id", PHONE_NUMBER_ID).exit_code == 0
    queue(db_url, phone="+598 94 123 456")
    wa.fail_next = [RESET_AFTER]

    result = cli("notify", "send", now=NOW)
    assert result.exit_code == 0
    assert result.stdout == "sent 0, retried later 0, failed 0, unknown 1, waiting 1\n"
    assert (
        "warning: 1 message may have been delivered (the answer was lost); hostctl will not "
        "resend it by itself: check with hostctl notify list --status unknown, then resend "
        "with hostctl notify send --retry-unknown.\n"
    ) in result.stderr
    assert cli("notify", "send", now=NOW).stdout == "sent 0, retried later 0, failed 0, waiting 1\n"

    [row] = cli.json("notify", "list", "--status", "unknown")
    assert (row["channel"], row["status"], row["attempts"]) == ("whatsapp", "unknown", 1)
    assert row["last_error"] == (
        "attempt 1: outcome unknown: the WhatsApp API got the request but its answer was "
        "lost: ConnectionResetError: [Errno 104] Connection reset by peer"
    )
    assert "unknown" in cli("notify", "list", "--status", "unknown").stdout

    counts = cli.json("notify", "send", "--retry-unknown", now=NOW, staff="maria")
    assert (counts["requeued"], counts["sent"], counts["unknown"]) == (1, 1, 0)
    assert [r["to"] for r in wa.got] == ["59894123456"] * 2
    assert cli.json("notify", "list", "--status", "unknown") == []
    [entry] = cli.json("log", "--entity", f"outbox:{row['id']}")
    assert (entry["action"], entry["staff"], entry["changes"]) == (
        "notify.resend", "maria", {"status": ["unknown", "pending"]},
    )  # fmt: skip
    assert entry["note"].startswith("deliberate resend (notify send --retry-unknown)")


def test_list_refuses_an_unknown_status_word(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("notify", "list", "--status", "lost")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: Unknown message status 'lost'; use one of pending, sending, sent, failed, "
        "unknown.\n"
    )


def test_send_with_nothing_configured_leaves_messages_pending(cli, db_url: str) -> None:  # type: ignore[no-untyped-def]
    queue(db_url, phone="+5491122334455")
    result = cli("notify", "send", "--json", now=NOW)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["waiting"] == 2
    assert "whatsapp is off (whatsapp.phone_number_id is not set)" in result.stderr
    assert [m["status"] for m in cli.json("notify", "list")] == ["pending", "pending"]


def test_templates_lists_shipped_and_overrides(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rows = cli.json("notify", "templates")
    assert len(rows) == 34
    assert {r["source"] for r in rows} == {"shipped"}
    first = rows[0]
    assert set(first) >= {"key", "channel", "source", "path"}

    folder = tmp_path / "cfg" / "templates"
    folder.mkdir(parents=True)
    (folder / "quote.available.whatsapp.txt").write_text("Template: x\n\n{nombre}\n")
    rows = {(r["key"], r["channel"]): r for r in cli.json("notify", "templates")}
    assert rows[("quote.available", "whatsapp")]["source"] == "override"
    assert rows[("quote.available", "whatsapp")]["path"] == str(
        folder / "quote.available.whatsapp.txt"
    )
    result = cli("notify", "templates")
    assert result.exit_code == 0
    assert "quote.available" in result.stdout
    assert f"Overrides go in {folder}" in result.stderr


@pytest.mark.parametrize("command", ["send", "templates"])
def test_help_has_an_example(cli, command: str) -> None:  # type: ignore[no-untyped-def]
    result = cli("notify", command, "--help")
    assert result.exit_code == 0
    assert f"Example: hostctl notify {command}" in result.stdout
