"""Human text, whichever way it comes in (an argument, a CSV cell, a TOML string), is
checked once: no control character, no direction override (U+202E, U+2066 …), no longer
than its field. Text already stored is printed with its control characters escaped, in a
pipe and on a terminal; ``--json`` stays data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import select

from hostctl import db, output
from hostctl.core import validate
from hostctl.models import Client, OutboxMessage, Product

CATALOGUE = Path(__file__).parents[2] / "examples" / "catalogue.toml"
PRODUCT = """[[product]]
code = "web-x"
name = "{name}"
category = "hosting"
cycles = ["annual"]
monthly_price = {{ USD = "5.00" }}
"""


def _names(model):
    with db.unit_of_work(readonly=True) as s:
        return [row.name for row in s.exec(select(model)).all()]


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("Ana\u202eadm.exe", "contains the invisible direction control U+202E, which changes "
         "how text is shown; remove it"),
        ("\u2066Ana\u2069", "contains the invisible direction control U+2066, which changes how "
         "text is shown; remove it"),
        ("Ana\x1b[2J", "contains the control character U+001B; only tab and line breaks are "
         "allowed in text"),
    ],
)  # fmt: skip
def test_an_argument_with_a_control_or_a_direction_override_is_refused(cli, name, why):
    result = cli("client", "add", "--name", name, "--email", "ana@example.com")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == f"error: The argument {validate._shown(name)} {why}.\n"
    assert _names(Client) == []


def test_a_100_kb_argument_and_a_201_character_name_are_refused(cli):
    huge = cli("client", "add", "--name", "A" * 100_000, "--email", "ana@example.com")
    assert huge.exit_code == 1
    assert huge.stderr.endswith("…' is 100000 characters long; the most allowed is 10000.\n"), (
        huge.stderr
    )
    long_name = cli("client", "add", "--name", "A" * 201, "--email", "ana@example.com")
    assert long_name.exit_code == 1
    assert long_name.stderr.endswith("…' is 201 characters long; the most allowed is 200.\n"), (
        long_name.stderr
    )
    assert cli("client", "add", "--name", "A" * 200, "--email", "ana@example.com").exit_code == 0
    assert _names(Client) == ["A" * 200]


def test_a_csv_cell_with_a_direction_override_or_too_long_is_a_bad_row(cli, tmp_path):
    path = tmp_path / "clients.csv"
    path.write_text(
        "name,email,company\n"
        "Ana,ana@example.com,Acme\n"
        "Beto\u202e,beto@example.com,\n"
        f"Carla,carla@example.com,{'C' * 201}\n"
        f"Dora,{'d' * 250}@example.com,\n",
        encoding="utf-8",
    )
    result = cli("client", "import", str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: clients.csv was not imported: 3 bad row(s).",
        "  line 3, column name: the value contains the invisible direction control U+202E, "
        "which changes how text is shown; remove it.",
        "  line 4, column company: the value is 201 characters long; the most allowed is 200.",
        "  line 5, column email: the value is 262 characters long; the most allowed is 254.",
    ]
    assert _names(Client) == []


@pytest.mark.parametrize(
    ("name", "detail"),
    [
        ("Web\\u001b[31m", "product[1].name: contains the control character U+001B; only tab "
         "and line breaks are allowed in text"),
        ("Web\\u0007", "product[1].name: contains the control character U+0007; only tab and "
         "line breaks are allowed in text"),
        ("Web\\u202e", "product[1].name: contains the invisible direction control U+202E, "
         "which changes how text is shown; remove it"),
        ("W" * 100_000, "product[1].name: is 100000 characters long; the most allowed is 200"),
    ],
)  # fmt: skip
def test_a_toml_string_with_an_escape_a_bell_an_override_or_100_kb_is_refused(
    cli, tmp_path, name, detail
):
    path = tmp_path / "catalogue.toml"
    path.write_text(PRODUCT.format(name=name), encoding="utf-8")
    result = cli("product", "import", str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: catalogue.toml was not imported: 1 problem(s).",
        f"  {detail}",
    ]
    assert _names(Product) == []


def test_stored_text_is_printed_with_its_escapes_shown_never_obeyed(cli):
    assert cli("client", "add", "--name", "Ana", "--email", "ana@example.com").exit_code == 0
    with db.unit_of_work() as s:  # as a hook or a provider may have left it
        message = s.exec(select(OutboxMessage)).first()
        assert message is not None
        message.last_error = "boom\x1b[2J\x1b]0;owned\x07 \u202egnp.exe\r done"
        s.add(message)
    shown = cli("notify", "list").stdout
    assert "\x1b" not in shown and "\x07" not in shown and "\u202e" not in shown
    assert "boom\\x1b[2J\\x1b]0;owned\\x07 \\u202egnp.exe\\x0d done" in shown
    data = json.loads(cli("notify", "list", "--json").stdout)
    assert data[0]["last_error"] == "boom\x1b[2J\x1b]0;owned\x07 \u202egnp.exe\r done"


def test_records_lines_and_messages_escape_control_characters(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    evil = "a\x1b[31mb\x9bc\u2067d"
    output.print_record({"name": evil})
    output.print_line(evil)
    output.warn(evil)
    monkeypatch.setattr(output, "stdout_is_tty", lambda: True)
    monkeypatch.setenv("NO_COLOR", "1")
    output.print_record({"name": evil})
    out, err = capsys.readouterr()
    escaped = "a\\x1b[31mb\\x9bc\\u2067d"
    assert out.splitlines() == [f"name  {escaped}", escaped, f"name  {escaped}"]
    assert err == f"warning: {escaped}\n"


def test_a_ticket_subject_is_at_most_200_characters(cli):
    assert cli("client", "add", "--name", "Ana", "--email", "ana@example.com").exit_code == 0
    result = cli("ticket", "open", "--client", "1", "--subject", "S" * 201, "--category", "sla2")
    assert result.exit_code == 1
    assert result.stderr.endswith("…' is 201 characters long; the most allowed is 200.\n")
    fits = cli("ticket", "open", "--client", "1", "--subject", "S" * 200, "--category", "sla2")
    assert fits.exit_code == 0, fits.stderr


def test_an_import_from_standard_input_in_process(cli):
    result = cli("client", "import", "-", input="name,email\nAna,ana@example.com\n")
    assert (result.exit_code, result.stderr) == (0, "1 client imported from standard input.\n")
    assert _names(Client) == ["Ana"]


def test_a_company_is_at_most_200_characters_when_typed_too(cli):
    result = cli(
        "client", "add", "--name", "Ana", "--email", "a@example.com", "--company", "C" * 201
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("error: The company 'CCCC")
    assert result.stderr.endswith("…' is 201 characters long; the most allowed is 200.\n")
