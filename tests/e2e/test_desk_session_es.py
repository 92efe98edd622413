"""A whole desk session in Spanish, as an agent in Buenos Aires has it (issue #20, "At the
desk"): the real ``hostctl`` in a pseudo-terminal answers a new client's questions, orders
the client's hosting by typing in the product picker, records a MercadoPago payment typed
the Argentine way (``1.234,56``), then asks why the service is still pending and reads the
statement. What was stored is read back with ``--json``. One conversation; the timeouts are
the only limit (no sleeps), generous for a loaded machine."""

from __future__ import annotations

import re

import pytest
from test_prompts_terminal import CLEAR_LINE, DOWN, ENTER, TODAY, Terminal

from billing_helpers import setup_catalogue
from hostctl import db

pexpect = pytest.importorskip("pexpect")

# Whatever prompt_toolkit draws between two words: spaces, cursor moves, style resets.
_GAP = r"(?: |\x1b\[[0-9;?]*[A-Za-z])+"
# Words of the data and the screen that a Spanish session must not show in English.
ENGLISH = re.compile(
    r"\b(active|pending|unpaid|paid|suspended|cancelled|terminated|expired|overdue|"
    r"annual|invoice|payment|order|balance|opening|closing|due|for|service|client|until)\b",
    re.IGNORECASE,
)


class Desk(Terminal):
    """``hostctl ARGS`` in a Spanish session."""

    def __init__(self, *args: str) -> None:
        super().__init__(*args, HOSTCTL_LANG="es")

    def expect(self, text: str) -> None:
        self.child.expect(_GAP.join(re.escape(word) for word in text.split(" ")))

    def lines(self) -> list[str]:
        """The whole screen once the command has ended, by line, spaces squeezed."""
        code, _rest = self.end()
        assert code == 0, self.screen
        return [" ".join(line.split()) for line in self.screen.splitlines() if line.strip()]


def test_a_client_an_order_a_payment_in_pesos_why_and_statement(cli, tmp_path):
    assert TODAY == "2026-01-10"
    setup_catalogue(cli, tmp_path)  # hosting-basic: $ 9.000,00 a month in ARS
    db.dispose_all()

    # 1. The client: name and email asked, the currency picked (the country's comes first);
    # the phone in national form, with the country, as typed on the line (neither is asked).
    term = Desk("client", "add", "--country", "AR", "--phone", "11 5555-0001")
    term.expect("Nombre:")
    term.send("Tamara Pérez" + ENTER)
    term.expect("Correo:")
    term.send("tamara.perez@example.com" + ENTER)
    term.expect("Moneda de facturación: (flechas y luego Enter)")
    term.expect("» ARS")
    term.send(ENTER)
    term.expect("Moneda de facturación: ARS")
    shown = term.lines()
    assert {"id 1", "teléfono +541155550001", "moneda ARS", "saldo a favor $ 0,00"} <= set(shown)

    # 2. The order: "bás" typed in the picker (an accented letter is a letter) leaves
    # hosting-basic alone; the cycles are read in Spanish.
    term = Desk("service", "order", "--client", "1", "--domain", "tamara-perez.com.ar")
    term.expect("Producto: (escriba para filtrar, flechas y luego Enter)")
    term.expect("hosting-basic — Hosting Básico — $ 9.000,00 por mes")
    term.send("bás")
    term.expect("/ bás")  # the filter line
    term.send(ENTER)
    term.expect("Producto: hosting-basic — Hosting Básico — $ 9.000,00 por mes")
    term.expect("Ciclo de facturación:")
    term.expect("» semestral")
    term.expect("anual")
    term.expect("bienal")
    term.send(DOWN + ENTER)
    term.expect("Ciclo de facturación: anual")
    shown = term.lines()
    assert "1 1 hosting-basic anual pendiente — — tamara-perez.com.ar" in shown
    assert "total $ 86.400,00 · a pagar $ 86.400,00" in shown

    # 3. A part of it, through MercadoPago (the first Argentine method), in the session's format.
    term = Desk("payment", "add", "--invoice", "2026-000001")
    term.expect("Medio de pago:")
    term.expect("» mercadopago")
    term.expect("pagofacil")
    term.send(ENTER)
    term.expect("Importe recibido en ARS: 86.400,00")  # the amount due, as typed here
    term.send(CLEAR_LINE + "1.234,56" + ENTER)
    shown = term.lines()
    assert {"importe $ 1.234,56", "aplicado $ 1.234,56", "medio mercadopago"} <= set(shown)
    assert shown[-1] == "factura 2026-000001: impaga; a pagar $ 85.165,44"

    # 4. Why it is still pending, and what the client owes.
    why = Desk("why", "service", "1").lines()
    assert why == [
        "el servicio 1 está pendiente",
        "2026-01-10 pedido: pendiente hasta que se pague su primera factura: 2026-000001 "
        "[BIL-13] — tester",
    ]
    statement = Desk("client", "statement", "1").lines()
    assert [line for line in statement if not line.startswith("─")] == [
        "saldo inicial $ 0,00",
        "fecha tipo ref. descripción importe saldo",
        "2026-01-10 factura 2026-000001 factura de pedido $ 86.400,00 $ 86.400,00",
        "2026-01-10 pago pago 1 mercadopago por 2026-000001 -$ 1.234,56 $ 85.165,44",
        "saldo final $ 85.165,44",
    ]
    assert ENGLISH.findall("\n".join(why + statement)) == []

    # What was stored.
    client = cli.json("client", "show", "1")
    assert (client["name"], client["email"], client["phone"], client["country"]) == (
        "Tamara Pérez",
        "tamara.perez@example.com",
        "+541155550001",
        "AR",
    )
    assert (client["currency"], client["credit_balance"]) == ("ARS", "0.00")
    service = cli.json("service", "show", "1")
    assert (service["product"], service["cycle"], service["domain"], service["status"]) == (
        "hosting-basic",
        "annual",
        "tamara-perez.com.ar",
        "pending",
    )
    invoice = cli.json("invoice", "show", "2026-000001")
    assert [(p["amount"], p["method"], p["date"]) for p in invoice["payments"]] == [
        ("1234.56", "mercadopago", TODAY)
    ]
    assert (invoice["status"], invoice["total"], invoice["paid"], invoice["amount_due"]) == (
        "unpaid",
        "86400.00",
        "1234.56",
        "85165.44",
    )
    stored = cli.json("client", "statement", "1")
    assert (stored["currency"], stored["opening_balance"], stored["closing_balance"]) == (
        "ARS",
        "0.00",
        "85165.44",
    )
    assert [(e["kind"], e["amount"], e["balance"]) for e in stored["entries"]] == [
        ("invoice", "86400.00", "86400.00"),
        ("payment", "-1234.56", "85165.44"),
    ]
