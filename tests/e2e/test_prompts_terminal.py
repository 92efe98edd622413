"""Prompts as people meet them: the real ``hostctl`` console script in a pseudo-terminal
(pexpect), answered with arrow keys, Enter and typed text; what was saved is then read back
with ``--json``. Few tests, each a whole conversation; the timeouts are the only limit (no
sleeps), generous for a loaded machine."""

from __future__ import annotations

import io
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
        self.child.logfile_read = io.StringIO()

    def expect(self, text: str) -> None:
        """``text`` on the screen; a space may be drawn as a cursor move (prompt_toolkit
        redraws a line over the old one that way)."""
        words = (re.escape(word) for word in text.split(" "))
        self.child.expect(r"(?: |\x1b\[\d*C)+".join(words))

    def send(self, keys: str) -> None:
        self.child.send(keys)

    @property
    def screen(self) -> str:
        """Everything drawn so far, without escapes."""
        return ANSI.sub("", self.child.logfile_read.getvalue())

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


def test_payment_add_asks_the_method_then_offers_what_is_due_with_it(cli, shop):
    """DSC-3: Zelle takes 10 % of the list price (120.00) off the 96.00 due, so the amount
    offered after choosing it is 84.00."""
    placed = order(cli, 1, "hosting-basic", "annual", TODAY)
    db.dispose_all()
    term = Terminal("payment", "add", "--invoice", placed["invoice"]["number"])
    term.expect("Method:")
    term.expect("zelle — 10 % discount")
    term.send(DOWN + DOWN + ENTER)  # card, paypal, zelle
    term.expect("Amount received in USD (due with the zelle discount: 84.00):")
    term.send(CLEAR_LINE + "12,50" + ENTER)  # refused under the prompt, then corrected
    term.expect("'12,50' is not an amount; write 1234.56 or 1,234.56.")
    term.send(CLEAR_LINE + "84.00" + ENTER)
    code, shown = term.end()
    assert code == 0, shown
    invoice = cli.json("invoice", "show", placed["invoice"]["number"])
    assert [(p["amount"], p["method"]) for p in invoice["payments"]] == [("84.00", "zelle")]
    assert (invoice["status"], invoice["amount_due"], invoice["total"]) == ("paid", "0.00", "84.00")
    assert cli.json("client", "show", "1")["credit_balance"] == "0.00"


def test_an_argentine_client_is_offered_the_argentine_methods_first_in_spanish(cli, shop):
    made = cli("client", "add", "--name", "Juan", "--email", "juan@example.com", "--country", "AR")
    assert made.exit_code == 0, made.stderr
    placed = order(cli, 2, "hosting-basic", "annual", TODAY)  # 108000.00 list, 86400.00 due
    db.dispose_all()
    term = Terminal("payment", "add", "--invoice", placed["invoice"]["number"], HOSTCTL_LANG="es")
    term.expect("Medio de pago:")
    term.expect("mercadopago")
    term.expect("pagofacil")
    term.expect("rapipago")
    term.expect("zelle — 10 % de descuento")
    term.send(DOWN * 7 + ENTER)  # mercadopago, pagofacil, rapipago, pagos360, prex, card, paypal
    term.expect("Importe recibido en ARS (a pagar con el descuento de zelle: 75.600,00):")
    term.send(ENTER)  # the amount offered
    code, shown = term.end()
    assert code == 0, shown
    invoice = cli.json("invoice", "show", placed["invoice"]["number"])
    assert [(p["amount"], p["method"]) for p in invoice["payments"]] == [("75600.00", "zelle")]
    assert invoice["status"] == "paid"


def test_a_client_billed_in_uruguayan_pesos_is_never_offered_paypal(cli, shop):
    made = cli("client", "add", "--name", "Eva", "--email", "eva@example.com", "--country", "UY")
    assert made.exit_code == 0, made.stderr
    placed = order(cli, 2, "hosting-basic", "annual", TODAY)
    db.dispose_all()
    term = Terminal("payment", "add", "--invoice", placed["invoice"]["number"], "--amount", "1")
    term.expect("Method:")
    term.expect("abitab")
    term.send("\x03")  # Ctrl-C: nothing recorded
    code, shown = term.end()
    assert code == 130
    assert shown.strip().endswith("Cancelled; nothing was changed.")
    assert "paypal" not in term.screen
    assert cli.json("invoice", "show", placed["invoice"]["number"])["payments"] == []


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
    term.expect(f"Cancel invoice {first} of client 1 (US$ 96.00)?")
    term.send("n" + ENTER)
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
    term.expect("(s/N)")
    term.send("n" + ENTER)
    code, shown = term.end()
    assert (code, "error: No se confirmó; no se cambió nada." in shown) == (1, True), shown
    assert cli.json("invoice", "show", first)["status"] == "unpaid"

    term = Terminal("service", "order", "--client", "1", HOSTCTL_LANG="es")
    term.expect("Producto:")
    term.expect("(escriba para filtrar, flechas y luego Enter)")
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


@pytest.mark.parametrize("where", ["after the verb", "after the noun"])
def test_no_input_is_taken_anywhere_on_the_line(cli, shop, where):
    args = (
        ("service", "order", "--client", "1", "--no-input")
        if where == "after the verb"
        else ("service", "--no-input", "order", "--client", "1")
    )
    code, shown = Terminal(*args).end()
    assert (code, shown.strip()) == (2, "error: Missing --product; pass it on the command line.")


def test_a_spanish_confirmation_takes_si_and_shows_si(cli, shop):
    first = order(cli, 1, "hosting-basic", "annual", TODAY)["invoice"]["number"]
    db.dispose_all()
    term = Terminal("invoice", "cancel", first, HOSTCTL_LANG="es")
    term.expect("(s/N)")
    term.send("quizás" + ENTER)  # not an answer: asked again, nothing done
    term.expect("Responda (s/N); Enter solo es no.")
    term.send(CLEAR_LINE + "Sí" + ENTER)
    code, shown = term.end()
    assert code == 0, shown
    assert re.search(r"\(s/N\) +Sí", term.screen)  # the answer shown in Spanish
    assert "Yes" not in term.screen
    assert cli.json("invoice", "show", first)["status"] == "cancelled"


@pytest.mark.parametrize(("lang", "word"), [("es", "s"), ("en", "YES")])
def test_a_typed_yes_confirms(cli, shop, lang, word):
    """The other words (si, y, no …) are checked in tests/commands/test_desk_options.py."""
    first = order(cli, 1, "hosting-basic", "annual", TODAY)["invoice"]["number"]
    db.dispose_all()
    term = Terminal("invoice", "cancel", first, HOSTCTL_LANG=lang)
    term.expect("(s/N)" if lang == "es" else "(y/N)")
    term.send(word + ENTER)
    code, shown = term.end()
    assert code == 0, shown
    assert cli.json("invoice", "show", first)["status"] == "cancelled"


def test_an_english_confirmation_refuses_s(cli, shop):
    first = order(cli, 1, "hosting-basic", "annual", TODAY)["invoice"]["number"]
    db.dispose_all()
    term = Terminal("invoice", "cancel", first)
    term.expect("(y/N)")
    term.send("s" + ENTER)
    term.expect("Answer (y/N); Enter alone is no.")
    term.send(CLEAR_LINE + ENTER)  # Enter alone: no
    code, shown = term.end()
    assert (code, "error: Not confirmed; nothing was changed." in shown) == (1, True), shown
    assert re.search(r"\(y/N\) +No", term.screen)
    assert cli.json("invoice", "show", first)["status"] == "unpaid"


def test_the_product_picker_shows_monthly_prices_and_filters_as_you_type(cli, shop):
    term = Terminal("service", "order", "--client", "1")
    term.expect("(type to filter, arrow keys, then Enter)")
    term.expect("hosting-basic — Hosting Básico — US$ 10.00 a month")
    term.expect("radio — Radio Streaming — US$ 8.00 a month")
    term.send("radio")  # the list narrows to radio; j, k and the rest are letters
    term.expect("radio")
    term.send(ENTER)
    term.expect("Billing cycle:")
    term.send(ENTER)  # monthly
    code, shown = term.end()
    assert code == 0, shown
    assert [(s["product"], s["cycle"]) for s in cli.json("service", "list")] == [
        ("radio", "monthly")
    ]


def test_the_product_picker_prices_in_the_clients_currency_in_spanish(cli, shop):
    made = cli("client", "add", "--name", "Juan", "--email", "juan@example.com", "--country", "AR")
    assert made.exit_code == 0, made.stderr
    db.dispose_all()
    term = Terminal("service", "order", "--client", "2", HOSTCTL_LANG="es")
    term.expect("hosting-basic — Hosting Básico — $ 9.000,00 por mes")
    term.expect("radio — Radio Streaming — sin precio en ARS")
    term.send("basic" + ENTER)
    term.expect("Ciclo de facturación:")
    term.send("\x03")  # Ctrl-C
    code, shown = term.end()
    assert code == 130
    assert shown.strip().endswith("Cancelado; no se cambió nada.")
    assert "error" not in shown
    assert cli.json("service", "list") == []


@pytest.mark.parametrize(
    ("lang", "country", "label", "currency"),
    [
        ("en", "UY", "Billing currency:", "UYU"),
        ("es", "AR", "Moneda de facturación:", "ARS"),
        ("en", "ES", "Billing currency:", "USD"),
    ],
)
def test_client_add_asks_the_currency_the_country_is_billed_in(
    cli, shop, lang, country, label, currency
):
    term = Terminal(
        "client",
        "add",
        "--name",
        "Eva",
        "--email",
        "eva@example.com",
        "--country",
        country,
        HOSTCTL_LANG=lang,
    )
    term.expect(label)
    term.expect("UYU")  # the catalogue's currencies: ARS, USD, UYU
    term.send(ENTER)  # the country's, offered first
    code, shown = term.end()
    assert code == 0, shown
    assert cli.json("client", "show", "2")["currency"] == currency
