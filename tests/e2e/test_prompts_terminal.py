"""Prompts as people meet them: the real ``hostctl`` console script in a pseudo-terminal
(pexpect), answered with arrow keys, Enter and typed text; what was saved is then read back
with ``--json``. Few tests, each a whole conversation; the timeouts are the only limit (no
sleeps), generous for a loaded machine."""

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


class Terminal:
    """``hostctl ARGS`` in a pseudo-terminal: stdin and stdout are a TTY, so prompts are on."""

    def __init__(self, *args: str, **extra: str) -> None:
        env = {k: v for k, v in os.environ.items() if k not in ("HOSTCTL_NO_INPUT", "HOSTCTL_YES")}
        env.update(extra)
        # no cursor-position request (nobody would answer it), no colour codes to read past
        env.update(HOSTCTL_TODAY=TODAY, PROMPT_TOOLKIT_NO_CPR="1", TERM="xterm", NO_COLOR="1")
        self.child = pexpect.spawn(
            HOSTCTL,
            list(args),
            env=env,
            encoding="utf-8",
            timeout=60,
            dimensions=(50, 200),
        )

    def expect(self, text: str) -> None:
        """``text`` on the screen; a space may be drawn as a cursor move (prompt_toolkit
        redraws a line over the old one that way)."""
        words = (re.escape(word) for word in text.split(" "))
        self.child.expect(r"(?: |\x1b\[\d*C)+".join(words))

    def send(self, keys: str) -> None:
        self.child.send(keys)

    def end(self) -> tuple[int, str]:
        """Wait for the exit; the exit code and the rest of the screen, without escapes."""
        self.child.expect(pexpect.EOF, timeout=120)
        self.child.close()
        return self.child.exitstatus, ANSI.sub("", self.child.before)


@pytest.fixture
def shop(cli, db_url, tmp_path):
    """The billing catalogue (choices: domain-com, hosting-basic, hosting-pro, reseller,
    radio) and client 1, billed in USD; the database is left for another process."""
    setup_catalogue(cli, tmp_path)
    add_client(cli, "ana@example.com")
    db.dispose_all()
    return 1


def test_service_order_with_only_the_client_asks_product_and_cycle(cli, shop):
    term = Terminal("service", "order", "--client", "1")
    term.expect("Product:")
    term.expect("hosting-basic — Hosting Básico")
    term.send(DOWN + ENTER)  # domain-com → hosting-basic
    term.expect("Billing cycle:")
    term.expect("biennial")  # hosting-basic's cycles: semiannual, annual, biennial
    term.send(DOWN + ENTER)
    code, shown = term.end()
    assert code == 0, shown
    service = cli.json("service", "show", "1")
    assert (service["client_id"], service["product"], service["cycle"], service["status"]) == (
        1,
        "hosting-basic",
        "annual",
        "pending",
    )
    assert [i["total"] for i in cli.json("invoice", "list", "--client", "1")] == ["96.00"]


def test_payment_add_with_only_the_invoice_asks_amount_and_method(cli, shop):
    placed = order(cli, 1, "hosting-basic", "annual", TODAY)
    db.dispose_all()
    term = Terminal("payment", "add", "--invoice", placed["invoice"]["number"])
    term.expect("Amount received in USD:")
    term.expect("96.00")  # the amount due is offered
    term.send(CLEAR_LINE + "12,50" + ENTER)  # refused under the prompt, then corrected
    term.expect("'12,50' is not an amount; write 1234.56 or 1,234.56.")
    term.send(CLEAR_LINE + "40.00" + ENTER)
    term.expect("Method:")
    term.expect("mercadopago")
    term.send(DOWN + DOWN + ENTER)  # card, paypal, mercadopago
    code, shown = term.end()
    assert code == 0, shown
    invoice = cli.json("invoice", "show", placed["invoice"]["number"])
    assert [(p["amount"], p["method"]) for p in invoice["payments"]] == [("40.00", "mercadopago")]
    assert (invoice["status"], invoice["amount_due"]) == ("unpaid", "56.00")


def test_ticket_open_with_only_the_client_asks_subject_and_category(cli, shop):
    term = Terminal("ticket", "open", "--client", "1", "--json")
    term.expect("Subject:")
    term.send("La web no carga" + ENTER)
    term.expect("Category:")
    term.expect("sla4 — web design or software")
    term.send(DOWN + DOWN + ENTER)  # sla1, sla2, sla3
    code, shown = term.end()
    assert code == 0, shown
    [ticket] = cli.json("ticket", "list", "--client", "1")
    assert (ticket["subject"], ticket["category"], ticket["priority"]) == (
        "La web no carga",
        "sla3",
        "p3",
    )


def test_an_empty_answer_ends_the_command_and_changes_nothing(cli, shop):
    term = Terminal("ticket", "open")
    term.expect("Client id:")
    term.send("siete" + ENTER)  # refused as the option would be, then an unknown id
    term.expect("--client takes a whole number such as 7, not 'siete'.")
    term.send(CLEAR_LINE + "99" + ENTER)
    term.expect("There is no client 99;")
    term.send(CLEAR_LINE + "1" + ENTER)
    term.expect("Subject:")
    term.send(ENTER)
    code, shown = term.end()
    assert code == 2
    assert "error: No --subject given; nothing was changed." in shown
    assert "TTY" not in shown
    assert cli.json("ticket", "list") == []


def test_a_declined_confirmation_changes_nothing_and_yes_skips_it(cli, shop):
    first = order(cli, 1, "hosting-basic", "annual", TODAY)["invoice"]["number"]
    second = order(cli, 1, "radio", "monthly", TODAY)["invoice"]["number"]
    db.dispose_all()

    term = Terminal("invoice", "cancel", first)
    term.expect(f"Cancel invoice {first} of client 1 (US$ 96,00)?")
    term.send("n")
    code, shown = term.end()
    assert (code, "error: Not confirmed; nothing was changed." in shown) == (1, True), shown
    assert cli.json("invoice", "show", first)["status"] == "unpaid"

    for args in (("--yes", "invoice", "cancel", first), ("invoice", "cancel", second, "-y")):
        code, shown = Terminal(*args).end()
        assert code == 0, shown
        assert "Cancel invoice" not in shown
    assert [cli.json("invoice", "show", n)["status"] for n in (first, second)] == [
        "cancelled",
        "cancelled",
    ]


def test_a_spanish_session_asks_and_confirms_in_spanish(cli, shop):
    first = order(cli, 1, "hosting-basic", "annual", TODAY)["invoice"]["number"]
    db.dispose_all()
    term = Terminal("invoice", "cancel", first, HOSTCTL_LANG="es")
    term.expect(f"¿Anular la factura {first} del cliente 1 (US$ 96,00)?")
    term.expect("(y = sí / N = no)")
    term.send("n")
    code, shown = term.end()
    assert (code, "error: No se confirmó; no se cambió nada." in shown) == (1, True), shown
    assert cli.json("invoice", "show", first)["status"] == "unpaid"

    term = Terminal("service", "order", "--client", "1", HOSTCTL_LANG="es")
    term.expect("Producto:")
    term.expect("(flechas y luego Enter)")
    term.send(DOWN + ENTER)  # domain-com → hosting-basic
    term.expect("Ciclo de facturación:")
    term.send(ENTER)  # semiannual, the first of hosting-basic's cycles
    code, shown = term.end()
    assert code == 0, shown
    assert [(s["product"], s["cycle"]) for s in cli.json("service", "list")] == [
        ("hosting-basic", "annual"),
        ("hosting-basic", "semiannual"),
    ]


def test_no_input_on_a_terminal_names_the_missing_option(cli, shop):
    code, shown = Terminal("--no-input", "service", "order", "--client", "1").end()
    assert code == 2
    assert shown.strip() == "error: Missing --product; pass it on the command line."
    assert cli.json("service", "list") == []
