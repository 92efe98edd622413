"""Numbers as people type them at the desk (CLI.md, "At the desk"): every whole-number option
and argument of every command, found by walking the command tree, refuses what it cannot
take in one sentence (a number too large for the database: exit 3 for an id, 1 otherwise;
not a number: exit 1), never a traceback nor pydantic's words; a negative number is a value;
amounts are taken in the session's format by every command that takes one."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from billing_helpers import add_client, order, setup_catalogue
from command_tree import commands
from hostctl.params import IDS

HUGE = "1" + "0" * 20


def _int_params() -> Iterator[tuple[list[str], Any]]:
    """(command path, parameter) of every int or list[int] parameter below the root."""

    for path, command in commands():
        for param in command.params:
            descriptor = getattr(param, "type_descriptor", None)
            if descriptor is not None and descriptor.annotation in (int, list[int]):
                yield path, param


PARAMS = [(path, param.name, param.param_type_name, param.opts[0]) for path, param in _int_params()]


def test_the_walk_finds_the_whole_numbers_of_every_noun():
    assert len(PARAMS) > 50
    assert {path[0] for path, *_ in PARAMS} >= {"client", "service", "payment", "log", "demo"}
    assert (["payment", "list"], "limit", "option", "--limit") in PARAMS


def _typed(path: list[str], kind: str, opt: str, value: str) -> list[str]:
    return [*path, opt, value] if kind == "option" else [*path, value]


@pytest.mark.parametrize(
    ("path", "name", "kind", "opt"), PARAMS, ids=[f"{' '.join(p[0])} {p[3]}" for p in PARAMS]
)
def test_every_whole_number_refuses_in_one_sentence(cli, path, name, kind, opt):
    shown = opt.upper() if kind == "argument" else opt
    huge = cli(*_typed(path, kind, opt, HUGE))
    too_large = huge.stderr
    if name in IDS:
        assert huge.exit_code == 3, too_large
        assert too_large.startswith(f"error: There is no {IDS[name]} {HUGE}")
    else:
        assert huge.exit_code == 1, too_large
        assert too_large.startswith(f"error: {shown} ")
        assert "too large" in too_large or "from 1 to" in too_large
    word = cli(*_typed(path, kind, opt, "diez"))
    assert (word.exit_code, word.stderr) == (
        1,
        f"error: {shown} takes a whole number such as 7, not 'diez'.\n",
    )
    for result in (huge, word):
        assert result.stdout == ""
        assert result.stderr.count("\n") == 1
        assert "Input should be" not in result.stderr


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("client", "show", HUGE), 3,
         f"There is no client {HUGE}; `hostctl client list` shows them."),
        (("client", "show", "-1"), 3, "There is no client -1; `hostctl client list` shows them."),
        (("invoice", "show", HUGE), 3,
         f"There is no invoice {HUGE}; `hostctl invoice list` shows them."),
        (("payment", "list", "--invoice", HUGE), 3,
         f"There is no invoice {HUGE}; `hostctl invoice list` shows them."),
        (("why", "invoice", "2147483648"), 3,
         "There is no invoice 2147483648; `hostctl invoice list` shows them."),
        (("client", "list", "--limit", HUGE), 1,
         f"--limit {HUGE} is too large; the largest is 2147483647."),
        (("client", "list", "--limit", "0"), 1, "--limit takes a whole number from 1 up, not 0."),
        (("log", "--limit", "-5"), 1, "--limit takes a whole number from 1 up, not -5."),
        (("demo", "--days", "731"), 1, "--days takes a whole number from 1 to 730, not 731."),
        (("config", "set", "quote.valid_days", "-10"), 1,
         "Invalid value '-10' for quote.valid_days: expected a whole number from 1 to 365."),
        (("config", "set", "billing.chargeback_fee.USD", "-10"), 1,
         "Invalid value '-10.00' for billing.chargeback_fee.USD: expected an amount of zero or "
         "more."),
        (("ticket", "show", "-5"), 3, None),
    ],
)  # fmt: skip
def test_too_large_and_negative_numbers(cli, args, code, message):
    result = cli(*args)
    assert result.exit_code == code, result.stderr
    assert "No such option" not in result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
    if message is not None:
        assert result.stderr == f"error: {message}\n"


def test_in_a_spanish_session_the_sentence_is_spanish(cli, monkeypatch):
    monkeypatch.setenv("HOSTCTL_LANG", "es")
    word = cli("client", "list", "--limit", "diez")
    assert (word.exit_code, word.stderr) == (
        1,
        "error: --limit lleva un número entero, como 7, no 'diez'.\n",
    )
    huge = cli("client", "list", "--limit", HUGE)
    assert (huge.exit_code, huge.stderr) == (
        1,
        f"error: --limit {HUGE} es demasiado grande; el máximo es 2147483647.\n",
    )


# --------------------------------------------------------------------------- amounts
@pytest.fixture
def shop(cli, tmp_path):
    setup_catalogue(cli, tmp_path)
    ana = add_client(cli, "ana@example.com", currency="ARS")
    order(cli, ana, "hosting-basic", "annual", "2026-02-01")  # ARS 86.400,00 (20 % off)
    return cli


def _pay(cli: Any, amount: str, *extra: str, today: str = "2026-02-02") -> Any:
    return cli(
        "payment", "add", "--invoice", "1", "--amount", amount, "--method", "cash", *extra,
        today=today,
    )  # fmt: skip


def test_every_amount_option_takes_the_sessions_format(shop, monkeypatch):
    monkeypatch.setenv("HOSTCTL_LANG", "es")
    total = shop.json("invoice", "show", "1")["total"]
    assert total == "86400.00"
    assert _pay(shop, "1.200,50").exit_code == 0
    assert shop.json("invoice", "show", "1")["amount_due"] == "85199.50"
    assert _pay(shop, "1200,50").exit_code == 0
    assert _pay(shop, "1200.50").exit_code == 0
    refused = _pay(shop, "1,200.50")
    assert (refused.exit_code, refused.stderr) == (
        1,
        "error: '1,200.50' no es un importe; escriba 1234.56, 1234,56 o 1.234,56.\n",
    )
    made = shop(
        "product", "add", "web", "--name", "Web", "--category", "hosting", "--monthly-price",
        "1.234,56", "--monthly-price", "USD=12,50", "--currency", "ARS", "--cycles", "annual",
        "--json",
    )  # fmt: skip
    assert made.exit_code == 0, made.stderr
    prices = shop.json("product", "show", "web")["monthly_price"]
    assert prices == {"ARS": "1234.56", "USD": "12.50"}
    assert shop("product", "edit", "web", "--monthly-price", "USD=13,75").exit_code == 0
    assert shop.json("product", "show", "web")["monthly_price"]["USD"] == "13.75"
    quote = shop("quote", "create", "--client", "1", "--item", "Migración=5.000,00", "--json")
    assert quote.exit_code == 0, quote.stderr
    assert shop.json("quote", "show", "1")["total"] == "5000.00"
    fee = shop("config", "set", "billing.chargeback_fee.ARS", "2.500,5", "--json")
    assert fee.exit_code == 0, fee.stderr
    assert shop.json("config", "get", "billing.chargeback_fee.ARS")["value"] == "2500.50"


def test_in_an_english_session_the_comma_groups_thousands(shop):
    assert _pay(shop, "1,200.50").exit_code == 0
    refused = _pay(shop, "1200,50")
    assert (refused.exit_code, refused.stderr) == (
        1,
        "error: '1200,50' is not an amount; write 1234.56 or 1,234.56.\n",
    )
    assert shop.json("invoice", "show", "1")["amount_due"] == "85199.50"


@pytest.mark.parametrize(
    "args",
    [
        ("payment", "add", "--invoice", "1", "--method", "cash", "--amount"),
        ("product", "add", "x", "--name", "X", "--category", "hosting", "--cycles", "monthly",
         "--monthly-price"),
        ("product", "edit", "hosting-basic", "--monthly-price"),
        ("config", "set", "billing.chargeback_fee.USD"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("amount", ["10000000000000", "9" * 32])
def test_an_amount_the_database_cannot_keep_is_refused(shop, args, amount):
    before = shop.json("log")
    result = shop(*args, amount, today="2026-02-02")
    assert (result.exit_code, result.stderr) == (
        1,
        f"error: The amount '{amount}' is too large; the largest is 1000000000000.00.\n",
    )
    assert shop.json("log") == before


def test_a_quote_item_too_large_is_refused(shop):
    result = shop("quote", "create", "--client", "1", "--item", f"Obra={'9' * 32}")
    assert result.exit_code == 1
    assert result.stderr == f"error: The amount '{'9' * 32}' is too large; the largest is " + (
        "1000000000000.00.\n"
    )
