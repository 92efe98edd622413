"""Amounts at the prompt of ``payment add`` as an agent meets it in an 80-column terminal
(pexpect): the session's own format is taken (``10.000,00``, what the screen shows in
Spanish), a refusal fits on its line, and a payment of more than twice the amount due is a
question (default no) that shows the credit it would create."""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

import pytest

from billing_helpers import add_client, order, setup_catalogue
from hostctl import db

pexpect = pytest.importorskip("pexpect")

_BESIDE = Path(sys.executable).with_name("hostctl")
HOSTCTL = str(_BESIDE) if _BESIDE.exists() else (shutil.which("hostctl") or "hostctl")
TODAY = "2026-01-10"
DOWN, ENTER, CLEAR_LINE = "\x1b[B", "\r", "\x15"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\r")
COLUMNS = 80


class Terminal:
    """``hostctl ARGS`` in an 80-column pseudo-terminal, in Spanish unless told."""

    def __init__(self, *args: str, **extra: str) -> None:
        env = {k: v for k, v in os.environ.items() if k not in ("HOSTCTL_NO_INPUT", "HOSTCTL_YES")}
        env.update(HOSTCTL_LANG="es", HOSTCTL_TODAY=TODAY, PROMPT_TOOLKIT_NO_CPR="1")
        env.update(TERM="xterm", NO_COLOR="1", **extra)
        self.child = pexpect.spawn(
            HOSTCTL, list(args), env=env, encoding="utf-8", timeout=60, dimensions=(40, COLUMNS)
        )

    def expect(self, text: str) -> None:
        words = (re.escape(word) for word in text.split(" "))
        self.child.expect(r"(?: |\x1b\[\d*C)+".join(words))

    def send(self, keys: str) -> None:
        self.child.send(keys)

    def end(self) -> tuple[int, str]:
        self.child.expect(pexpect.EOF, timeout=120)
        self.child.close()
        return self.child.exitstatus, ANSI.sub("", self.child.before)


@pytest.fixture
def shop(cli, db_url, tmp_path):
    """Client 1 billed in ARS with its order invoice 2026-000001 (ARS 86.400,00), client 2 in
    USD with 2026-000002 (USD 96.00); the database is left for another process."""
    setup_catalogue(cli, tmp_path)
    add_client(cli, "ana@example.com", currency="ARS")
    add_client(cli, "bob@example.com")
    order(cli, 1, "hosting-basic", "annual", TODAY)
    order(cli, 2, "hosting-basic", "annual", TODAY)
    db.dispose_all()
    return cli


def test_the_amount_prompt_takes_the_screens_format_and_its_refusal_fits(shop):
    refusal = "'10.000,00x' no es un importe; escriba 1234.56, 1234,56 o 1.234,56."
    assert len(refusal) < COLUMNS
    term = Terminal("payment", "add", "--invoice", "2026-000001", "--method", "cash")
    term.expect("Importe recibido en ARS:")
    term.send(CLEAR_LINE + "10.000,00x" + ENTER)
    term.expect(refusal)
    term.send(CLEAR_LINE + "10.000,00" + ENTER)
    code, shown = term.end()
    assert code == 0, shown
    invoice = shop.json("invoice", "show", "2026-000001")
    assert [p["amount"] for p in invoice["payments"]] == ["10000.00"]
    assert invoice["amount_due"] == "76400.00"


@pytest.mark.parametrize(("answer", "code"), [("n", 1), ("y", 0)])
def test_more_than_twice_the_amount_due_is_asked_showing_the_credit(shop, answer, code):
    term = Terminal("payment", "add", "--invoice", "2026-000002", "--method", "cash")
    term.expect("Importe recibido en USD:")
    term.send(CLEAR_LINE + "9600" + ENTER)  # 96.00 without its decimal point
    term.expect("Más del doble de lo adeudado: US$ 9.504,00 quedaría como crédito.")
    term.send(answer + ENTER)
    status, shown = term.end()
    assert status == code, shown
    invoice = shop.json("invoice", "show", "2026-000002")
    credit = shop.json("client", "show", "2")["credit_balance"]
    if answer == "n":
        assert "error: No se confirmó; no se cambió nada." in shown
        assert (invoice["payments"], invoice["status"], credit) == ([], "unpaid", "0.00")
    else:
        assert [p["amount"] for p in invoice["payments"]] == ["9600.00"]
        assert (invoice["status"], credit) == ("paid", "9504.00")


def test_an_english_session_shows_amounts_in_its_own_format_and_takes_them_back(shop):
    """The credit the question shows is ``US$ 9,504.00`` in English (the number format its
    prompt takes, ``1,234.56``); the Spanish screen's ``10.000,00`` is refused there."""
    term = Terminal(
        "payment", "add", "--invoice", "2026-000001", "--method", "cash", HOSTCTL_LANG="en"
    )
    term.expect("Amount received in ARS:")
    term.send(CLEAR_LINE + "10.000,00" + ENTER)
    term.expect("'10.000,00' is not an amount; write 1234.56 or 1,234.56.")
    term.send(CLEAR_LINE + "10,000.00" + ENTER)
    code, shown = term.end()
    assert code == 0, shown
    assert shop.json("invoice", "show", "2026-000001")["amount_due"] == "76400.00"
    term = Terminal(
        "payment", "add", "--invoice", "2026-000002", "--method", "cash", HOSTCTL_LANG="en"
    )
    term.expect("Amount received in USD:")
    term.send(CLEAR_LINE + "9,600.00" + ENTER)
    term.expect("More than twice the amount due: US$ 9,504.00 would become credit.")
    term.send("y" + ENTER)
    code, shown = term.end()
    assert code == 0, shown
    assert shop.json("client", "show", "2")["credit_balance"] == "9504.00"


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("en", "error: Client 1 has $ 86,400.00 of credit; give --exchange-rate"),
        ("es", "error: El cliente 1 tiene $ 86.400,00 de saldo a favor; indique --exchange-rate"),
    ],
)
def test_an_amount_in_a_refusal_from_core_is_in_the_sessions_format(shop, monkeypatch, lang, said):
    """Core puts the amount in its message as a field; the CLI formats it for the session,
    on stderr even when stdout is a pipe."""
    paid = shop.json(
        "payment", "add", "--invoice", "2026-000001", "--amount", "172800", "--method", "cash"
    )
    assert paid["invoice"]["status"] == "paid"
    monkeypatch.setenv("HOSTCTL_LANG", lang)
    refused = shop("client", "edit", "1", "--currency", "USD")
    assert refused.exit_code == 1
    assert refused.stderr.startswith(said), refused.stderr
