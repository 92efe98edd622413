"""Tables and records for people (issue #14 "At the terminal"), through the real commands.

A terminal is stood in for by treating stdout as a TTY and fixing its width with
``COLUMNS`` (rich reads it): tables never cut an identifier, an amount, an email, a code or
a key; too narrow, they hide their optional columns, then turn into one block per row.
Amounts are for people and right-aligned, times to the minute, statuses coloured unless
``NO_COLOR``; a pipe keeps plain tabulate text, ``--json`` its strings.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from hostctl import output

ANSI = re.compile(r"\x1b\[[0-9;]*m")
EMAIL = "jose.nunez@ejemplo-largo.com.ar"
SUBJECT = "La web no carga desde ayer a la tarde y el panel devuelve un error 500 al entrar"
CATALOGUE = """
[[product]]
code = "hosting-empresa-plus"
name = "Hosting Empresa Plus con correo y copias diarias"
category = "hosting"
cycles = ["annual"]
monthly_price = { ARS = "4000.00", USD = "10.00" }
"""


class Terminal:
    """Runs commands as if typed at a terminal ``width`` columns wide."""

    def __init__(self, cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
        self.cli, self.monkeypatch = cli, monkeypatch
        monkeypatch.setattr(output, "stdout_is_tty", lambda: True)
        monkeypatch.setenv("TERM", "xterm")
        monkeypatch.delenv("COLORTERM", raising=False)

    def __call__(self, width: int, *args: str, **kwargs: Any) -> Any:
        self.monkeypatch.setenv("COLUMNS", str(width))
        result = self.cli(*args, **kwargs)
        assert result.exit_code == 0, result.stderr + result.stdout
        return result

    def text(self, width: int, *args: str, **kwargs: Any) -> str:
        """The screen without its colours; no line wider than the terminal."""
        screen = ANSI.sub("", self(width, *args, **kwargs).stdout)
        assert max(len(line) for line in screen.splitlines()) <= width, screen
        return screen


@pytest.fixture
def tty(cli: Any, monkeypatch: pytest.MonkeyPatch) -> Terminal:
    return Terminal(cli, monkeypatch)


@pytest.fixture
def desk(cli: Any, tmp_path: Path) -> dict[str, Any]:
    """José (ARS, a long email) with an annual order of $ 38,400.00 unpaid since 2026-03-01,
    Beto (USD) with a paid service suspended for abuse, one ticket with a long subject."""
    catalogue = tmp_path / "catalogue.toml"
    catalogue.write_text(CATALOGUE, encoding="utf-8")
    assert cli("product", "import", str(catalogue), today="2026-03-01").exit_code == 0
    jose = cli.json(
        "client", "add", "--name", "José Núñez", "--email", EMAIL, "--phone", "+5491123456789",
        "--country", "AR", today="2026-03-01",
    )  # fmt: skip
    beto = cli.json(
        "client", "add", "--name", "Beto", "--email", "beto@example.com", "--currency", "USD",
        today="2026-03-01",
    )  # fmt: skip
    unpaid = cli.json(
        "service", "order", "--client", str(jose["id"]), "--product", "hosting-empresa-plus",
        "--cycle", "annual", "--domain", "nunez-consultores.com.ar", today="2026-03-01",
    )  # fmt: skip
    paid = cli.json(
        "service", "order", "--client", str(beto["id"]), "--product", "hosting-empresa-plus",
        "--cycle", "annual", today="2026-03-01",
    )  # fmt: skip
    cli.json(
        "payment", "add", "--invoice", paid["invoice"]["number"], "--amount",
        paid["invoice"]["total"], "--method", "card", today="2026-03-01",
    )  # fmt: skip
    suspended = cli.json(
        "service", "suspend", str(paid["services"][0]["id"]), "--reason", "abuse",
        today="2026-03-02",
    )  # fmt: skip
    ticket = cli.json(
        "ticket", "open", "--client", str(jose["id"]), "--subject", SUBJECT, "--category",
        "sla3", now="2026-03-02T10:17:43.123456-03:00",
    )  # fmt: skip
    assert unpaid["invoice"]["total"] == "38400.00"
    return {
        "invoice": unpaid["invoice"]["number"],
        "paid_invoice": paid["invoice"]["number"],
        "suspended": suspended["id"],
        "ticket": ticket["code"],
    }


def _line_with(screen: str, text: str) -> str:
    return next(line for line in screen.splitlines() if text in line)


# --------------------------------------------------------------------------- nothing cut
@pytest.mark.parametrize("width", [80, 120])
def test_invoice_list_shows_numbers_and_amounts_whole_and_right_aligned(
    tty: Terminal, desk: dict[str, Any], width: int
) -> None:
    screen = tty.text(width, "invoice", "list", today="2026-03-20")
    assert "…" not in screen
    header = screen.splitlines()[0]
    row = _line_with(screen, desk["invoice"])
    assert "$ 38,400.00" in row and "38400" not in screen
    # right-aligned: the amount ends where its header ends
    assert row.index("$ 38,400.00") + len("$ 38,400.00") == header.index("total") + len("total")
    assert row.rstrip().endswith("$ 38,400.00")  # the amount due, last column
    assert "US$ 96.00" in _line_with(screen, desk["paid_invoice"])


def test_invoice_list_hides_optional_columns_at_80_and_says_so(
    tty: Terminal, desk: dict[str, Any]
) -> None:
    narrow = tty(80, "invoice", "list", today="2026-03-20")
    assert ANSI.sub("", narrow.stdout).split("\n")[0].split() == [
        "id", "number", "client", "status", "due", "total", "amount", "due",
    ]  # fmt: skip
    assert narrow.stderr == (
        "Hidden at 80 columns: kind, issued, cur (--json shows every field).\n"
    )
    wide = tty(120, "invoice", "list", today="2026-03-20")
    assert "issued" in wide.stdout and wide.stderr == ""


@pytest.mark.parametrize("width", [80, 120])
def test_ticket_list_keeps_codes_and_times_whole_and_wraps_the_subject(
    tty: Terminal, desk: dict[str, Any], width: int
) -> None:
    screen = tty.text(width, "ticket", "list", now="2026-03-02T11:00:00-03:00")
    assert "…" not in screen
    row = _line_with(screen, desk["ticket"])
    assert re.search(r"2026-03-0[2-9] [0-9]{2}:[0-9]{2}(?!:)", row)  # to the minute
    assert ":43" not in screen and "123456" not in screen and "T1" not in screen
    words = " ".join(screen.split())
    assert "La web no carga desde ayer" in words and "error 500 al entrar" in words
    assert SUBJECT not in screen  # it wrapped: free text may


@pytest.mark.parametrize("width", [80, 120])
def test_client_list_shows_a_long_email_whole(
    tty: Terminal, desk: dict[str, Any], width: int
) -> None:
    screen = tty.text(width, "client", "list")
    assert EMAIL in screen and "…" not in screen
    assert "José Núñez" in _line_with(screen, EMAIL)


def test_config_list_keys_whole_a_table_at_120_records_at_80(tty: Terminal) -> None:
    key = "billing.lengthen_cycle_after_suspension"
    wide = tty.text(120, "config", "list")
    assert wide.splitlines()[0].split() == ["key", "value", "meaning"]
    assert re.search(rf"^{re.escape(key)} +true +BIL-7", wide, re.M)
    # the list of methods wraps between its items, never inside one
    assert "pagoefectivo," in wide.split() and "bank-transfer," in wide.split()
    narrow = tty.text(80, "config", "list")
    assert f"key      {key}\nvalue    true\ndefault  true\nmeaning  BIL-7\n" in narrow
    assert "…" not in wide + narrow
    # at 40 columns a list wraps between its items; a URL wider than the line stays whole
    tiny = ANSI.sub("", tty(40, "config", "list").stdout)
    assert "value    https://graph.facebook.com/v21.0\n" in tiny
    methods = tiny.split("key      payment.methods\n")[1].split("default")[0]
    assert all(len(line) <= 40 for line in methods.splitlines())
    assert " ".join(methods.split()).startswith("value card, paypal, mercadopago, pagofacil,")
    assert "bank-transfer," in methods.split()


def test_too_narrow_for_the_identifiers_every_row_becomes_a_block(
    tty: Terminal, desk: dict[str, Any]
) -> None:
    screen = tty.text(40, "invoice", "list", today="2026-03-20")
    first, rule, second = screen.partition("\n" + "─" * 23 + "\n")
    assert rule and "\n\n" not in screen, screen  # a rule between two records, as wide as them
    assert first.splitlines() == [
        "id          1",
        f"number      {desk['invoice']}",
        "client      1",
        "kind        order",
        "status      overdue",
        "issued      2026-03-01",
        "due         2026-03-01",
        "cur         ARS",
        "total       $ 38,400.00",
        "amount due  $ 38,400.00",
    ]
    assert "total         US$ 96.00" in second  # amounts right-aligned across blocks
    assert "amount due     US$ 0.00" in second


def test_a_table_that_fits_exactly_is_a_table_one_column_less_is_blocks(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(output, "stdout_is_tty", lambda: True)
    rows = [{"code": "TK-7Q2M9X", "email": EMAIL, "total": "38400.00", "currency": "ARS"}]
    columns = [("code", "code", "code"), ("email", "email", "code"), ("total", "total", "money")]
    width = len("TK-7Q2M9X") + len(EMAIL) + len("$ 38,400.00") + 2 * 2
    monkeypatch.setenv("COLUMNS", str(width))
    output.print_table(rows, columns)
    assert capsys.readouterr().out.splitlines()[2] == f"TK-7Q2M9X  {EMAIL}  $ 38,400.00"
    monkeypatch.setenv("COLUMNS", str(width - 1))
    output.print_table(rows, columns)
    assert capsys.readouterr().out == (f"code   TK-7Q2M9X\nemail  {EMAIL}\ntotal  $ 38,400.00\n")


# --------------------------------------------------------------------------- records
def test_a_record_formats_and_aligns_amounts_and_times(tty: Terminal, desk: dict[str, Any]) -> None:
    shown = tty.text(80, "ticket", "show", desk["ticket"], now="2026-03-02T11:00:00-03:00")
    assert "opened at             2026-03-02 10:17\n" in shown
    assert "[2026-03-02 10:17] tester (staff)" not in shown  # no message was added
    paid = tty.text(
        80, "payment", "add", "--invoice", desk["invoice"], "--amount", "1000.50",
        "--method", "mercadopago", today="2026-03-20",
    )  # fmt: skip
    assert "amount      $ 1,000.50\ndiscount        $ 0.00\napplied     $ 1,000.50\n" in paid


def test_invoice_show_on_a_terminal_formats_its_lines_and_totals(
    tty: Terminal, desk: dict[str, Any]
) -> None:
    tty.cli.json(
        "payment", "add", "--invoice", desk["invoice"], "--amount", "400.00", "--method", "cash",
        today="2026-03-10",
    )  # fmt: skip
    screen = tty.text(80, "invoice", "show", desk["invoice"], today="2026-03-20")
    assert f"invoice {desk['invoice']} (overdue), issued 2026-03-01, due 2026-03-01" in screen
    assert "total $ 38,400.00  ·  due $ 38,000.00" in screen
    assert screen.endswith(": 2026-03-10 cash $ 400.00 (received)\n")
    assert re.search(r"\$ 48,000\.00\n", screen)  # a line's amount at the right edge


@pytest.mark.parametrize(
    ("lang", "total", "due"),
    [("es", "$ 38.400,00", "$ 38.000,00"), ("en", "$ 38,400.00", "$ 38,000.00")],
)
def test_amounts_on_screen_follow_the_session_and_are_taken_back_as_typed(
    tty: Terminal,
    desk: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    lang: str,
    total: str,
    due: str,
) -> None:
    """The same invoice in a Spanish and an English session: es_AR's symbols (``$`` is pesos
    in both), each language's number format, which that session's ``--amount`` takes back."""
    monkeypatch.setenv("HOSTCTL_LANG", lang)
    tty.cli.json(
        "payment", "add", "--invoice", desk["invoice"], "--amount", "400.00", "--method", "cash",
        today="2026-03-10",
    )  # fmt: skip
    listed = _line_with(tty.text(120, "invoice", "list", today="2026-03-20"), desk["invoice"])
    assert listed.rstrip().endswith(f"{total}  {due}")
    shown = tty.text(80, "invoice", "show", desk["invoice"], today="2026-03-20")
    assert f"{total}  ·  " in shown and shown.count(due) == 1
    typed = due.removeprefix("$ ")  # what a person copies from the screen
    paid = tty.cli.json(
        "payment", "add", "--invoice", desk["invoice"], "--amount", typed, "--method", "cash",
        today="2026-03-20",
    )  # fmt: skip
    assert (paid["payment"]["amount"], paid["invoice"]["status"]) == ("38000.00", "paid")


# --------------------------------------------------------------------------- colour
def test_statuses_in_colour_on_a_terminal_and_never_with_no_color(
    tty: Terminal, desk: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    coloured = tty(120, "service", "list").stdout
    assert "\x1b[31msuspended" in coloured
    assert "\x1b[33mpending" in coloured  # José's order, unpaid
    invoices = tty(120, "invoice", "list", today="2026-03-20").stdout
    assert "\x1b[31moverdue" in invoices and "\x1b[32mpaid" in invoices
    monkeypatch.setenv("NO_COLOR", "1")
    for args, word in [
        (("service", "list"), "suspended"),
        (("invoice", "list"), "overdue"),
        (("service", "show", str(desk["suspended"])), "suspended"),
        (("invoice", "show", desk["invoice"]), "overdue"),
    ]:
        plain = tty(120, *args, today="2026-03-20").stdout
        assert "\x1b" not in plain and word in plain


def test_a_pipe_gets_plain_text_all_columns_and_amounts_as_numbers(
    cli: Any, desk: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "40")  # a pipe has no width: every column, nothing cut
    result = cli("invoice", "list", today="2026-03-20")
    assert (result.exit_code, result.stderr) == (0, "")
    assert "\x1b" not in result.stdout and "…" not in result.stdout
    lines = result.stdout.splitlines()
    assert lines[0].split() == [
        "id", "number", "client", "kind", "status", "issued", "due", "cur", "total", "amount",
        "due",
    ]  # fmt: skip
    assert lines[2].split() == [
        "1", desk["invoice"], "1", "order", "unpaid", "2026-03-01", "2026-03-01", "ARS",
        "38400.00", "38400.00",
    ]  # fmt: skip
    assert lines[2].endswith("38400.00") and lines[3].endswith("   0.00")  # right-aligned
    tickets = cli("ticket", "list").stdout
    assert "2026-03-02 10:17" in tickets and "10:17:43" not in tickets
    assert re.search(r"[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}", cli("log").stdout) is None
    data = cli.json("invoice", "list", today="2026-03-20")
    assert (data[0]["status"], data[0]["total"]) == ("unpaid", "38400.00")
    assert "overdue" not in data[0]


# --------------------------------------------------------------------------- empty lists
LISTS = [
    (("client", "list", "--search", "nadie"), "No clients."),
    (("product", "list"), "No products."),
    (("service", "list"), "No services."),
    (("service", "list", "--pending"), "No services waiting for activation."),
    (("invoice", "list"), "No invoices."),
    (("payment", "list"), "No payments."),
    (("transfer", "list"), "No transfers."),
    (("ticket", "list"), "No tickets."),
    (("notify", "list"), "No messages."),
    (("quote", "list"), "No quotes."),
    (("affiliate", "list"), "No affiliates."),
    (("outage", "list"), "No outages."),
    (("log", "--entity", "service"), "No log entries."),
]


@pytest.mark.parametrize(("args", "sentence"), LISTS)
def test_an_empty_list_is_a_sentence_on_a_terminal_a_header_in_a_pipe_and_json_brackets(
    cli: Any, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], sentence: str
) -> None:
    piped = cli(*args)
    assert (piped.exit_code, piped.stderr) == (0, "")
    assert len(piped.stdout.splitlines()) == 2  # the header and its rule: a table of no rows
    assert cli.json(*args) == []
    monkeypatch.setattr(output, "stdout_is_tty", lambda: True)
    shown = cli(*args)
    assert (shown.exit_code, shown.stdout, shown.stderr) == (0, sentence + "\n", "")


def test_an_empty_uptime_report_and_statement_on_a_terminal(
    cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli.json("uptime", "report", "--month", "2026-01")["services"] == []
    beto = cli.json("client", "add", "--name", "Beto", "--email", "beto@example.com")
    monkeypatch.setattr(output, "stdout_is_tty", lambda: True)
    report = cli("uptime", "report", "--month", "2026-01", today="2026-03-01")
    assert (report.exit_code, report.stdout) == (0, "No services.\n")
    statement = cli("client", "statement", str(beto["id"]))
    assert statement.stdout.splitlines() == [
        "opening balance US$ 0.00",
        "No entries in this period.",
        "closing balance US$ 0.00",
    ]


def test_json_is_untouched_by_the_terminal(
    tty: Terminal, desk: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    shown = tty(40, "invoice", "list", "--json", today="2026-03-20").stdout
    assert "\x1b" not in shown
    assert [i["total"] for i in json.loads(shown)] == ["38400.00", "96.00"]


def test_what_the_data_says_is_printed_as_written_never_as_markup_or_escapes(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(output, "stdout_is_tty", lambda: True)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "80")
    subject = "[bold red]urgente[/] :smile: la web\x1b[2J no\r anda\tnada"
    output.print_table([{"subject": subject}], [("subject", "subject", "text")])
    assert capsys.readouterr().out.splitlines()[2].rstrip() == (
        "[bold red]urgente[/] :smile: la web\\x1b[2J no\\x0d anda nada"
    )  # the escape and the carriage return are shown, escaped, never obeyed
