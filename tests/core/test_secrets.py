"""Secrets (the WhatsApp token, the SMTP password): held in a type that never shows them,
checked when they are read (a line break or control character: the channel is off, with one
sentence naming the variable), never quoted in a reason; and an SMTP login in UTF-8, against
real aiosmtpd servers over STARTTLS (a ``trustme`` certificate)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme

from hostctl.core.channels import clip
from hostctl.core.secret import Secret
from notify_helpers import add_client, configure, emit, messages, send, use_whatsapp
from servers import TOKEN, SmtpServer, WhatsAppServer

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

PASSWORD = "contraseña-ñandú"


@pytest.fixture(scope="module")
def ca_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[trustme.CA, str]]:
    ca = trustme.CA()
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    yield ca, str(path)


@pytest.fixture(scope="module")
def smtp_servers(ca_file: tuple[trustme.CA, str]) -> Iterator[dict[str, SmtpServer]]:
    """STARTTLS servers for user ``mailer`` with a UTF-8 password: one offering aiosmtpd's
    PLAIN and LOGIN, one LOGIN only, one CRAM-MD5 only, one no login at all."""
    cert = ca_file[0].issue_cert("localhost")
    users = {"mailer": PASSWORD}
    with (
        SmtpServer(users=users, tls="starttls", cert=cert) as plain,
        SmtpServer(users=users, tls="starttls", cert=cert, mechanisms=["LOGIN"]) as login,
        SmtpServer(users=users, tls="starttls", cert=cert, mechanisms=["CRAM-MD5"]) as cram,
        SmtpServer(users=users, tls="starttls", cert=cert, mechanisms=[]) as none,
    ):
        yield {"plain": plain, "login": login, "cram": cram, "none": none}


@pytest.fixture
def servers(smtp_servers: dict[str, SmtpServer]) -> dict[str, SmtpServer]:
    for server in smtp_servers.values():
        server.received.clear()
        server.got.clear()
        server.logins.clear()
        server.auth_attempts = 0
        server.cram_raw_challenge = None
    return smtp_servers


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOSTCTL_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("HOSTCTL_WHATSAPP_TOKEN", raising=False)
    monkeypatch.delenv("HOSTCTL_SMTP_PASSWORD", raising=False)


def use_smtp(db_url: str, server: SmtpServer, ca_file: str) -> None:
    configure(
        db_url,
        smtp__host="localhost",
        smtp__port=str(server.port),
        smtp__from="Hosting <facturacion@hosting.example>",
        smtp__username="mailer",
        smtp__ca_file=ca_file,
    )
    emit(db_url, add_client(db_url, phone=None), "client.registered", {"name": "Ana"})


# --------------------------------------------------------------------------- the type
def test_a_secret_never_shows_in_repr_str_or_format() -> None:
    token = Secret("EAAG-s3cret")
    shown = [repr(token), str(token), f"{token}", f"{token!r}", repr([token]), repr({"t": token})]
    assert all("s3cret" not in text for text in shown)
    assert shown[0] == "Secret('********')"
    assert token.reveal() == "EAAG-s3cret"
    assert (bool(token), bool(Secret(""))) == (True, False)


def test_hide_finds_the_value_as_it_is_escaped_or_cut() -> None:
    token = Secret("tok\nen-ñ")
    assert token.hide("got 'tok\nen-ñ'") == "got '[hidden]'"
    header = b"Bearer " + token.reveal().encode()
    assert token.hide(f"Invalid header value {header!r}") == (
        "Invalid header value b'Bearer [hidden]'"
    )
    assert token.hide(repr("tok\nen-ñ")) == "'[hidden]'"
    password = Secret("s3cret-Passw0rd")
    reason = clip("x" * 490 + " s3cret-Passw0rd", limit=500)
    assert password.hide(reason, "[password]").endswith(" [password]…")


# --------------------------------------------------------------------------- read and checked
@pytest.mark.parametrize("bad", ["\n", "\r\nX-Injected: 1", "\t", "\x1b", "\x7f", "\x85"])
def test_a_token_with_a_control_character_turns_whatsapp_off_naming_the_variable(
    cli: Any, db_url: str, monkeypatch: pytest.MonkeyPatch, bad: str
) -> None:
    monkeypatch.setenv("HOSTCTL_WHATSAPP_TOKEN", "tok" + bad + "en-77")
    with WhatsAppServer() as server:
        use_whatsapp(db_url, server)
        emit(db_url, add_client(db_url), "client.registered", {"name": "Ana"})
        sent = cli("notify", "send")
        listed = cli("notify", "list", "--json")
    assert sent.exit_code == 0, sent.stderr
    assert sent.stderr.splitlines()[0] == (
        "warning: whatsapp is off (HOSTCTL_WHATSAPP_TOKEN has a line break or control "
        "character; set it again); its messages stay pending."
    )
    [row] = [r for r in messages(db_url) if r.channel == "whatsapp"]
    assert (row.status, row.attempts, row.last_error) == ("pending", 0, None)
    assert server.requests == []
    for text in (sent.stdout, sent.stderr, listed.stdout):
        assert "en-77" not in text


def test_an_smtp_password_with_a_control_character_turns_email_off(
    cli: Any, db_url: str, monkeypatch: pytest.MonkeyPatch, servers: dict[str, SmtpServer],
    ca_file: tuple[trustme.CA, str],
) -> None:  # fmt: skip
    monkeypatch.setenv("HOSTCTL_SMTP_PASSWORD", PASSWORD + "\n")
    use_smtp(db_url, servers["plain"], ca_file[1])
    sent = cli("notify", "send")
    assert sent.exit_code == 0, sent.stderr
    assert "email is off (HOSTCTL_SMTP_PASSWORD has a line break or control character; set " \
        "it again); its messages stay pending." in sent.stderr  # fmt: skip
    [row] = messages(db_url)
    assert (row.status, row.attempts) == ("pending", 0)
    assert servers["plain"].auth_attempts == 0


def test_a_token_an_http_header_cannot_carry_is_never_quoted(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOSTCTL_WHATSAPP_TOKEN", "tok€n-77")  # not Latin-1
    with WhatsAppServer() as server:
        use_whatsapp(db_url, server)
        emit(db_url, add_client(db_url), "client.registered", {"name": "Ana"})
        assert send(db_url)["failed"] == 1
    [row] = [r for r in messages(db_url) if r.channel == "whatsapp"]
    assert row.last_error == (
        "attempt 1: HOSTCTL_WHATSAPP_TOKEN has a character an HTTP header cannot carry; "
        "nothing was sent"
    )
    assert server.requests == []


def test_a_good_token_still_sends(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOSTCTL_WHATSAPP_TOKEN", f"  {TOKEN}\n")  # surrounding blanks go
    with WhatsAppServer() as server:
        use_whatsapp(db_url, server)
        emit(db_url, add_client(db_url), "client.registered", {"name": "Ana"})
        assert send(db_url)["sent"] == 1
    assert server.sent[0]["headers"]["Authorization"] == f"Bearer {TOKEN}"


# --------------------------------------------------------------------------- UTF-8 login
@pytest.mark.parametrize("mechanism", ["plain", "login", "cram"])
def test_a_utf8_password_logs_in_and_the_mail_goes(
    db_url: str, monkeypatch: pytest.MonkeyPatch, servers: dict[str, SmtpServer],
    ca_file: tuple[trustme.CA, str], mechanism: str,
) -> None:  # fmt: skip
    monkeypatch.setenv("HOSTCTL_SMTP_PASSWORD", PASSWORD)
    server = servers[mechanism]
    use_smtp(db_url, server, ca_file[1])
    assert send(db_url)["sent"] == 1
    assert (server.logins, len(server.received)) == (["mailer"], 1)
    [row] = messages(db_url)
    assert (row.status, row.last_error) == ("sent", None)


def test_a_refused_utf8_login_is_a_certain_failure_never_unknown(
    cli: Any, db_url: str, monkeypatch: pytest.MonkeyPatch, servers: dict[str, SmtpServer],
    ca_file: tuple[trustme.CA, str],
) -> None:  # fmt: skip
    monkeypatch.setenv("HOSTCTL_SMTP_PASSWORD", "contraseña-equivocada")
    configure(db_url, notify__max_attempts="1")
    use_smtp(db_url, servers["plain"], ca_file[1])
    assert send(db_url)["failed"] == 1
    [row] = messages(db_url)
    assert (row.status, row.last_error) == (
        "failed", "attempt 1: SMTP 535: 5.7.8 Authentication credentials invalid"
    )  # fmt: skip
    assert servers["plain"].received == [] and servers["plain"].auth_attempts == 1
    listed = cli("notify", "list", "--json")
    assert "equivocada" not in listed.stdout


def test_a_server_that_offers_no_login_is_one_sentence(
    db_url: str, monkeypatch: pytest.MonkeyPatch, servers: dict[str, SmtpServer],
    ca_file: tuple[trustme.CA, str],
) -> None:  # fmt: skip
    monkeypatch.setenv("HOSTCTL_SMTP_PASSWORD", PASSWORD)
    use_smtp(db_url, servers["none"], ca_file[1])
    assert send(db_url)["retried"] == 1
    [row] = messages(db_url)
    assert row.last_error == (
        "attempt 1: localhost offers no login (AUTH), which smtp.username needs; nothing was sent"
    )
    assert servers["none"].received == []


def test_a_garbled_login_exchange_is_a_certain_failure(
    db_url: str, monkeypatch: pytest.MonkeyPatch, servers: dict[str, SmtpServer],
    ca_file: tuple[trustme.CA, str],
) -> None:  # fmt: skip
    monkeypatch.setenv("HOSTCTL_SMTP_PASSWORD", PASSWORD)
    servers["cram"].cram_raw_challenge = b"<not base64!>"
    use_smtp(db_url, servers["cram"], ca_file[1])
    assert send(db_url)["retried"] == 1
    [row] = messages(db_url)
    assert row.last_error == (
        "attempt 1: localhost sent a CRAM-MD5 challenge that is not base64; nothing was sent"
    )
