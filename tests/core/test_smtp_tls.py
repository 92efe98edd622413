"""Email over TLS against real aiosmtpd servers with a ``trustme`` certificate for
``localhost``: STARTTLS and implicit TLS (SMTPS, the port-465 way, here on a loopback port),
verification on (CA and host name), the login only inside TLS, the password never shown.

Two servers for the whole module (one per TLS mode), both requiring a login.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme

from notify_helpers import add_client, configure, emit, messages, send
from servers import SmtpServer

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

PASSWORD = "s3cret-Pa55"
UNTRUSTED = (
    "attempt 1: the TLS certificate of localhost was not accepted (unable to get local issuer "
    "certificate); set smtp.ca_file to the CA certificates (PEM) that issued it"
)


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def ca_files(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The CA that issued the servers' certificate, and another one."""
    folder = tmp_path_factory.mktemp("ca")
    ca.cert_pem.write_to_path(str(folder / "ca.pem"))
    trustme.CA().cert_pem.write_to_path(str(folder / "other-ca.pem"))
    return {"right": str(folder / "ca.pem"), "wrong": str(folder / "other-ca.pem")}


@pytest.fixture(scope="module")
def tls_servers(ca: trustme.CA) -> Iterator[dict[str, SmtpServer]]:
    cert = ca.issue_cert("localhost")  # not 127.0.0.1: the host name check has a case
    users = {"mailer": PASSWORD}
    with (
        SmtpServer(users=users, tls="starttls", cert=cert) as starttls,
        SmtpServer(users=users, tls="implicit", cert=cert) as implicit,
    ):
        yield {"starttls": starttls, "implicit": implicit}


@pytest.fixture
def servers(tls_servers: dict[str, SmtpServer]) -> dict[str, SmtpServer]:
    for server in tls_servers.values():  # shared by the module: each test starts empty
        server.received.clear()
        server.got.clear()
        server.logins.clear()
        server.auth_attempts = 0
        server.auth_failure_reply = None
    return tls_servers


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOSTCTL_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("HOSTCTL_SMTP_PASSWORD", PASSWORD)


def use(db_url: str, server: SmtpServer, ca_file: str, **more: str) -> None:
    values = {
        "smtp__host": "localhost",
        "smtp__port": str(server.port),
        "smtp__from": "Hosting <facturacion@hosting.example>",
        "smtp__username": "mailer",
        "smtp__ca_file": ca_file,
    }
    configure(db_url, **(values | more))
    emit(db_url, add_client(db_url, phone=None), "client.registered", {"name": "Ana"})


@pytest.mark.parametrize(
    ("mode", "tls"), [("starttls", "auto"), ("starttls", "starttls"), ("implicit", "implicit")]
)
def test_mail_goes_over_verified_tls_with_the_login_inside(
    db_url: str, servers: dict[str, SmtpServer], ca_files: dict[str, str], mode: str, tls: str
) -> None:
    server = servers[mode]
    use(db_url, server, ca_files["right"], smtp__tls=tls)
    assert send(db_url)["sent"] == 1
    [got] = server.received
    assert (got.tls, got.rcpt_tos, server.logins) == (True, ["ana@example.com"], ["mailer"])
    assert got.message["Subject"]
    [row] = messages(db_url)
    assert (row.status, row.last_error) == ("sent", None)


@pytest.mark.parametrize(("mode", "tls"), [("starttls", "auto"), ("implicit", "implicit")])
def test_a_certificate_from_another_ca_is_one_sentence_and_nothing_is_sent(
    db_url: str, servers: dict[str, SmtpServer], ca_files: dict[str, str], mode: str, tls: str
) -> None:
    server = servers[mode]
    use(db_url, server, ca_files["wrong"], smtp__tls=tls)
    assert send(db_url)["retried"] == 1
    [row] = messages(db_url)
    assert (row.status, row.last_error) == ("pending", UNTRUSTED)
    assert (server.got, server.auth_attempts) == ([], 0)


def test_the_host_name_is_checked(
    db_url: str, servers: dict[str, SmtpServer], ca_files: dict[str, str]
) -> None:
    use(db_url, servers["starttls"], ca_files["right"], smtp__host="127.0.0.1")
    assert send(db_url)["retried"] == 1
    [row] = messages(db_url)
    assert row.last_error == (
        "attempt 1: the TLS certificate of 127.0.0.1 was not accepted (IP address mismatch, "
        "certificate is not valid for '127.0.0.1'); set smtp.host to a name the certificate "
        "is for"
    )
    assert servers["starttls"].auth_attempts == 0


def test_implicit_tls_to_a_starttls_port_says_so(
    db_url: str, servers: dict[str, SmtpServer], ca_files: dict[str, str]
) -> None:
    use(db_url, servers["starttls"], ca_files["right"], smtp__tls="implicit")
    assert send(db_url)["retried"] == 1
    [row] = messages(db_url)
    assert row.last_error is not None
    assert row.last_error.startswith("attempt 1: TLS with localhost failed (")
    assert row.last_error.endswith("); check smtp.port and smtp.tls")


def test_a_ca_file_removed_after_it_was_set_fails_each_email_with_the_reason(
    db_url: str, servers: dict[str, SmtpServer], ca_files: dict[str, str], tmp_path: Path
) -> None:
    copy = tmp_path / "ca.pem"
    shutil.copy(ca_files["right"], copy)
    use(db_url, servers["starttls"], str(copy))
    copy.unlink()
    assert send(db_url)["retried"] == 1
    [row] = messages(db_url)
    assert row.last_error == (
        f"attempt 1: cannot use smtp.ca_file {copy} (No such file or directory)"
    )


def test_the_password_never_shows_even_when_the_server_echoes_it(
    cli: Any, db_url: str, servers: dict[str, SmtpServer], ca_files: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("HOSTCTL_SMTP_PASSWORD", "wrong-Pa55")
    server = servers["implicit"]
    server.auth_failure_reply = "535 5.7.8 Bad password {password} for mailer"
    use(db_url, server, ca_files["right"], smtp__tls="implicit")

    sent = cli("notify", "send")
    listed = cli("notify", "list", "--json")
    assert (sent.exit_code, listed.exit_code) == (0, 0)
    [row] = messages(db_url)
    assert (row.status, row.last_error) == (
        "pending", "attempt 1: SMTP 535: 5.7.8 Bad password [password] for mailer"
    )  # fmt: skip
    assert server.auth_attempts and (server.logins, server.received) == ([], [])
    for text in (sent.stdout, sent.stderr, listed.stdout, listed.stderr):
        assert "wrong-Pa55" not in text and "Traceback" not in text
    assert "[password]" in listed.stdout
    assert sent.stdout == "sent 0, retried later 1, failed 0\n"
    assert sent.stderr == "Why they wait: hostctl notify list --status pending\n"


def test_a_password_cut_by_the_length_limit_is_hidden_too() -> None:
    from hostctl.core.channels import clip
    from hostctl.core.secret import Secret

    password = "s3cret-Passw0rd"
    reason = clip("x" * 490 + " " + password, limit=500)
    assert password not in reason and reason.endswith("…")
    hidden = Secret(password).hide(reason, "[password]")
    assert hidden.endswith("[password]…")
    assert password[:4] not in hidden
