"""``HOSTCTL_DEBUG=1`` shows a bug's traceback with every frame's locals: the delivery
settings are among them, and neither the WhatsApp token, the SMTP password nor the
database's password may show.

A real ``hostctl notify send`` process, with a fault injected where a bug could strike: when
the outcome is recorded, and inside each channel with the channels' safety net (an
unexpected error becomes the message's outcome) taken away, so the traceback runs through
every frame that holds the settings. The whole output is searched for the secrets; so it
is for a client's password (``client set-password``) and the database URL's password.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from tests.conftest import PG_URL

from notify_helpers import add_client, configure, emit

TOKEN = "wa-T0ken-4f9q"
PASSWORD = "smtp-Pa55-ñandú"
DB_PASSWORD = "db-Pa55-7xk2"

DRIVER = """
import os, smtplib, sys, urllib.request

from hostctl.core import delivery


def boom(*args, **kwargs):
    raise RuntimeError("injected fault")


fault = os.environ["FAULT"]
if fault == "record":
    delivery.record = boom
elif fault in ("whatsapp", "email"):

    def attempt(config, message):  # only the channels' own errors are outcomes
        try:
            return delivery.deliver(config, message)
        except delivery.DeliveryError as exc:
            return exc

    delivery._attempt = attempt
    delivery._hand_over = lambda send, *args: send(*args)
    if fault == "whatsapp":
        urllib.request.urlopen = boom
    else:
        from hostctl.core.channels import email

        smtplib.SMTP.connect = boom
        email._failure = boom  # what turns any error into the outcome
elif fault == "client":
    import hostctl.core.clients

    hostctl.core.clients.get_client = boom
elif fault == "engine":
    import hostctl.migrate

    hostctl.migrate.ensure_current = boom
from hostctl.cli import main

sys.argv[0] = "hostctl"
main()
"""


def run(tmp_path: Path, fault: str, database_url: str, *args: str, stdin: str | None = None) -> str:
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER)
    env = os.environ | {
        "FAULT": fault,
        "HOSTCTL_DEBUG": "1",
        "HOSTCTL_DATABASE_URL": database_url,
        "HOSTCTL_WHATSAPP_TOKEN": TOKEN,
        "HOSTCTL_SMTP_PASSWORD": PASSWORD,
        "TERMINAL_WIDTH": "400",  # no value is wrapped over two lines
        "PYTHONIOENCODING": "utf-8",
    }
    done = subprocess.run(
        [sys.executable, str(driver), *(args or ("notify", "send"))],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "RuntimeError: injected fault" in output
    assert "locals" in output  # the frames' variables are shown
    return output


@pytest.fixture
def settings(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("HOSTCTL_CONFIG_DIR", str(tmp_path / "config"))
    configure(
        db_url,
        whatsapp__api_base="http://127.0.0.1:9/v21.0",  # refused: an ordinary failure
        whatsapp__phone_number_id="1098765432",
        smtp__host="127.0.0.1",
        smtp__port="9",
        smtp__from="Hosting <facturacion@hosting.example>",
        smtp__username="mailer",
    )
    return db_url


@pytest.mark.parametrize("fault", ["record", "whatsapp", "email"])
def test_a_traceback_with_locals_shows_no_secret(settings: str, tmp_path: Path, fault: str) -> None:
    emit(settings, add_client(settings), "client.registered", {"name": "Ana"})
    output = run(tmp_path, fault, settings)
    assert "Secret('********')" in output  # the settings were shown, without their secrets
    for secret in (TOKEN, PASSWORD, "Pa55"):
        assert secret not in output


def test_a_client_password_does_not_show(settings: str, tmp_path: Path) -> None:
    client_id = add_client(settings)
    args = ("client", "set-password", str(client_id), "--password-stdin")
    output = run(tmp_path, "client", settings, *args, stdin="cl1ent-Pa55-word\n")
    assert "Secret('********')" in output
    assert "cl1ent-Pa55" not in output


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL: set HOSTCTL_TEST_DATABASE_URL")
def test_the_database_password_does_not_show_either(settings: str, tmp_path: Path) -> None:
    # the test server trusts local connections: a password in the URL is accepted and unused
    url = make_url(settings).set(password=DB_PASSWORD).render_as_string(hide_password=False)
    output = run(tmp_path, "engine", url)
    assert "***" in output  # the URL was shown, without its password
    assert DB_PASSWORD not in output
