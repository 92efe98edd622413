"""Left-out options and confirmations without a terminal (the CliRunner's streams are not a
TTY): a missing option is a usage error naming it, before anything is read or changed; a
destructive step runs as it did before there were confirmations. The conversations on a
terminal are in tests/e2e/test_prompts_terminal.py."""

from __future__ import annotations

import re

import pytest

from billing_helpers import add_client, order, setup_catalogue


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (("product", "add", "x"), "--name"),
        (("product", "add", "x", "--name", "X"), "--category"),
        (("product", "add", "x", "--name", "X", "--category", "vps"), "--monthly-price"),
        (
            ("product", "add", "x", "--name", "X", "--category", "vps", "--monthly-price", "5"),
            "--cycles",
        ),
        (("service", "order", "--product", "hosting-basic"), "--client"),
        (("service", "order", "--client", "1"), "--product"),
        (("service", "order", "--client", "1", "--product", "hosting-basic"), "--cycle"),
        (("service", "suspend", "1"), "--reason"),
        (("service", "change-cycle", "1"), "--cycle"),
        (("service", "upgrade", "1"), "--to"),
        (("service", "cancel", "1"), "--when"),
        (("service", "cancel", "1", "--when", "immediate"), "--channel"),
        (("service", "cancel", "1", "--when", "immediate", "--channel", "ticket"), "--reason"),
        (("service", "set-server", "1"), "NAME"),
        (("payment", "add"), "--invoice"),
        (("payment", "add", "--invoice", "1"), "--amount"),
        (("payment", "add", "--invoice", "1", "--amount", "5"), "--method"),
        (("transfer", "request", "--to", "2"), "--service"),
        (("transfer", "request", "--service", "1"), "--to"),
        (("transfer", "confirm", "1", "--message", "hola"), "--party"),
        (("ticket", "open", "--client", "1"), "--subject"),
        (("ticket", "open", "--client", "1", "--subject", "Caída"), "--category"),
        (("ticket", "reply", "TK-ABCDEF"), "--by"),
        (("ticket", "reply", "TK-ABCDEF", "--by", "staff"), "--message"),
        (("ticket", "reclassify", "TK-ABCDEF"), "--category"),
        (("promo", "referral", "--referred", "2", "--service", "3"), "--referrer"),
        (("promo", "two-for-one", "--product", "hosting-basic", "--cycle", "annual"), "--client"),
        (("affiliate", "withdraw", "1"), "--amount"),
        (("affiliate", "withdraw", "1", "--amount", "5"), "--to"),
        (("quote", "create", "--item", "Migración=50.00"), "--client"),
        (("outage", "add", "--server", "web3"), "--from"),
        (("outage", "add", "--server", "web3", "--from", "2026-01-01T10:00"), "--to"),
        (("uptime", "credit", "1"), "--month"),
        (("config", "set"), "KEY"),
        (("config", "set", "company.name"), "VALUE"),
    ],
)
def test_without_a_terminal_a_missing_option_is_named_and_nothing_changes(cli, args, option):
    result = cli(*args)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f"error: Missing {option}; pass it on the command line (no prompts without a TTY).\n"
    )
    assert cli.json("log") == []


def test_the_first_missing_option_is_named_even_when_a_given_one_is_unknown(cli):
    """Nothing is read before every option is there: no lookup of client 99 first."""
    result = cli("service", "order", "--client", "99", "--cycle", "annual")
    assert result.exit_code == 2
    assert "Missing --product;" in result.stderr


def test_without_a_terminal_a_missing_option_of_a_read_command_is_still_clicks_error(cli):
    result = cli("uptime", "report")
    assert result.exit_code == 2
    assert "Missing option '--month'" in result.stderr


def test_help_still_marks_the_asked_options_required(cli):
    shown = cli("service", "order", "--help").stdout
    marked = {
        m.group(1)
        for m in re.finditer(r"^\s+(--[a-z-]+) <\w+>.*?(?:\n\s{10,}.*?)*\[required\]", shown, re.M)
    }
    assert marked == {"--client", "--product", "--cycle"}
    assert "[default: 1]" in shown  # --quantity is not asked and keeps its default
    assert "[required]" in cli("config", "set", "--help").stdout


def test_a_destructive_step_without_a_terminal_runs_as_before(cli, tmp_path):
    """Scripts that cancel an invoice keep working without --yes; --yes is accepted on the
    root and on the command."""
    setup_catalogue(cli, tmp_path)
    client = add_client(cli, "ana@example.com")
    numbers = [
        order(cli, client, "radio", "monthly", "2026-01-10")["invoice"]["number"] for _ in range(3)
    ]
    for args, number in (
        (("invoice", "cancel", numbers[0]), numbers[0]),
        (("--yes", "invoice", "cancel", numbers[1]), numbers[1]),
        (("invoice", "cancel", numbers[2], "--yes"), numbers[2]),
    ):
        result = cli(*args)
        assert (result.exit_code, result.stderr) == (0, f"Invoice {number} cancelled.\n"), args
    assert {cli.json("invoice", "show", n)["status"] for n in numbers} == {"cancelled"}
