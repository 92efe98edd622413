"""Filters accept what the screen shows (issue #20, "At the desk"): in a Spanish session the
word a table shows for a status (``vencida``, ``Suspendido``, ``respuesta del cliente``) as
well as its code, ignoring case and accents; a refusal lists the accepted values in the
session's language. An English session takes the codes, as before."""

from __future__ import annotations

from typing import Any

import pytest

from billing_helpers import add_client, order, setup_catalogue
from hostctl import output, words

TODAY = "2026-03-20"


def _ids(cli: Any, *args: str) -> list[Any]:
    return [row.get("id", row.get("code")) for row in cli.json(*args, today=TODAY)]


def test_spanish_words_of_the_screen_filter_like_the_codes(cli, tmp_path, monkeypatch):
    """One client with an overdue order (its service pending) and a ticket: each filter, in
    Spanish, finds by the screen's word what the code finds, and the table says that word."""
    setup_catalogue(cli, tmp_path)
    client = add_client(cli, "ana@example.com", today="2026-03-01")
    placed = order(cli, client, "hosting-basic", "annual", "2026-03-01")
    cli.json("ticket", "open", "--client", str(client), "--subject", "No anda", "--category",
             "sla3", today="2026-03-02")  # fmt: skip
    invoice = placed["invoice"]["number"]
    monkeypatch.setenv("HOSTCTL_LANG", "es")
    with monkeypatch.context() as terminal:
        terminal.setattr(output, "stdout_is_tty", lambda: True)
        terminal.setenv("COLUMNS", "120")
        terminal.setenv("NO_COLOR", "1")
        screen = cli("invoice", "list", today=TODAY).stdout
    assert "vencida" in next(line for line in screen.splitlines() if invoice in line).split()
    cases = [
        (("invoice", "list"), "overdue", ["vencida", "VENCIDA", "Vencida"], 1),
        (("invoice", "list"), "paid", ["pagada"], 0),
        (("service", "list"), "pending", ["pendiente", "Pendiente"], 1),
        (("service", "list"), "suspended", ["suspendido"], 0),
        (("ticket", "list"), "open", ["abierto", "ABIERTO"], 1),
        (("ticket", "list"), "client-reply", ["respuesta del cliente", "Respuesta-del-Cliente"], 0),
        (("quote", "list"), "declined", ["rechazado"], 0),
        (("transfer", "list"), "completed", ["completado"], 0),
        (("notify", "list"), "failed", ["fallido", "Fallido"], 0),
        (("notify", "list"), "sending", ["enviándose", "ENVIANDOSE", "enviandose"], 0),
    ]
    for command, code, typed, found in cases:
        by_code = _ids(cli, *command, "--status", code)
        assert len(by_code) == found, (command, code)
        for word in typed:
            assert _ids(cli, *command, "--status", word) == by_code, (command, word)
    monkeypatch.setenv("HOSTCTL_LANG", "en")  # the code in any case, as before
    assert _ids(cli, "invoice", "list", "--status", "OVERDUE") == [placed["invoice"]["id"]]


@pytest.mark.parametrize(
    ("lang", "args", "message"),
    [
        (
            "es",
            ("invoice", "list", "--status", "vencido"),
            "error: 'vencido' no es un valor válido de estado de factura; use uno de estos: "
            "impaga, pagada, anulada, reembolsada, vencida.\n",
        ),
        (
            "en",
            ("invoice", "list", "--status", "vencida"),
            "error: Unknown invoice status 'vencida'; use one of unpaid, paid, cancelled, "
            "refunded, overdue.\n",
        ),
        (
            "es",
            ("service", "list", "--status", "vencida"),
            "error: 'vencida' no es un valor válido de estado de servicio; use uno de estos: "
            "pendiente, activo, suspendido, cancelado, dado de baja, vencido.\n",
        ),
        (
            "es",
            ("ticket", "list", "--status", "nuevo"),
            "error: 'nuevo' no es un valor válido de estado de ticket; use uno de estos: "
            "abierto, respondido, respuesta del cliente, cerrado.\n",
        ),
        (
            "en",
            ("ticket", "list", "--status", "abierto"),
            "error: Unknown ticket status 'abierto'; use one of open, answered, client-reply, "
            "closed.\n",
        ),
    ],
)
def test_a_refused_filter_lists_the_accepted_values_in_the_sessions_language(
    cli, monkeypatch, lang, args, message
):
    monkeypatch.setenv("HOSTCTL_LANG", lang)
    result = cli(*args)
    assert (result.exit_code, result.stderr, result.stdout) == (1, message, "")


@pytest.mark.parametrize(
    ("context", "codes"),
    [
        ("invoice", ("unpaid", "paid", "cancelled", "refunded", "overdue")),
        ("service", ("pending", "active", "suspended", "cancelled", "terminated", "expired")),
        ("status", ("open", "answered", "client-reply", "closed")),
        ("status", ("pending", "accepted", "declined", "expired")),
        ("status", ("pending", "completed", "expired")),
        ("status", ("pending", "sending", "sent", "failed", "unknown")),
    ],
)
def test_each_spanish_word_names_one_code_of_its_filter(monkeypatch, context, codes):
    """No two values of a filter share a Spanish word, and each word reads back as its code."""
    monkeypatch.setenv("HOSTCTL_LANG", "es")
    shown = [words.say(context, code) for code in codes]
    assert len(set(shown)) == len(codes) and shown != list(codes)
    assert [words.read_code(context, w.upper(), codes, "x") for w in shown] == list(codes)
