"""The command line at the desk: the root's --no-input and --yes anywhere on the line, usage
lines that name arguments as the help does (CLIENT_ID), and the words a yes/no takes."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from billing_helpers import add_client, order, setup_catalogue
from command_tree import commands
from hostctl import prompts
from hostctl.cli import app, load_command


def _leaves():
    return commands(leaves_only=True)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_usage_line_names_its_arguments_in_capitals(lang, monkeypatch):
    monkeypatch.setenv("HOSTCTL_LANG", lang)
    runner = CliRunner()
    checked = 0
    for path, command in _leaves():
        result = runner.invoke(app, [*path, "--help"], catch_exceptions=False)
        usage = result.output.splitlines()[0]
        assert "{" not in usage and "}" not in usage, usage
        for param in command.params:
            if param.param_type_name == "argument":
                assert re.search(rf"\b{param.name.upper()}\b", usage), usage
                checked += 1
    assert checked > 40


def test_a_missing_argument_is_named_as_the_usage_line_names_it(cli):
    result = cli("client", "show")
    assert result.exit_code == 2
    assert "Missing argument 'CLIENT_ID'." in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("client", "add", "--no-input"),
        ("client", "--no-input", "add"),
        ("--no-input", "client", "add"),
    ],
)
def test_no_input_is_taken_before_or_after_the_noun_and_the_verb(cli, args):
    result = cli(*args)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: Missing --name;")


def test_yes_is_taken_after_the_noun_and_daily_keeps_its_own(cli, tmp_path):
    setup_catalogue(cli, tmp_path)
    add_client(cli, "ana@example.com")
    number = order(cli, 1, "hosting-basic", "annual", "2026-01-10")["invoice"]["number"]
    result = cli("invoice", "-y", "cancel", number)
    assert result.exit_code == 0, result.stderr
    assert cli.json("invoice", "show", number)["status"] == "cancelled"
    daily = load_command("daily")
    assert [p.help for p in daily.params if "--yes" in p.opts] == [
        "Catch up more than 62 days without asking."
    ]


@pytest.mark.parametrize(
    ("lang", "yes", "no", "neither"),
    [
        (
            "es",
            ["s", "S", "si", "SI", "sí", "Sí", "y", "yes", " YES "],
            ["n", "N", "no", "NO"],
            ["ok", "sip", ""],
        ),
        ("en", ["y", "Y", "yes", "Yes"], ["n", "no", "No"], ["s", "si", "sí", ""]),
    ],
)
def test_the_words_of_a_yes_or_no(monkeypatch, lang, yes, no, neither):
    monkeypatch.setenv("HOSTCTL_LANG", lang)
    assert [prompts.yes_or_no(w) for w in yes] == [True] * len(yes)
    assert [prompts.yes_or_no(w) for w in no] == [False] * len(no)
    assert [prompts.yes_or_no(w) for w in neither] == [None] * len(neither)
