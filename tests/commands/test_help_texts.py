"""What users read — README.md, docs/*.md and every `--help` — sends them only to the
project's own documents (docs/rules.md …), never to the engineers' specs outside the
repository; and every help's example is a command line that parses."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from command_tree import commands
from hostctl.cli import app

REPO = Path(__file__).resolve().parents[2]
FORBIDDEN = ("../shared", "shared/", "SPEC.md", "SPEC §", "CLI.md", "STYLE.md")
USER_DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def _tree() -> Iterator[tuple[list[str], Any]]:
    """Every command path below the root (nouns, their verbs), with its click command."""
    return commands()


PATHS = [path for path, _ in _tree()]


def _pointers(text: str) -> list[str]:
    return [word for word in FORBIDDEN if word in text]


@pytest.mark.parametrize("document", USER_DOCS, ids=lambda p: p.name)
def test_user_documents_never_point_to_the_engineers_specs(document):
    assert _pointers(document.read_text(encoding="utf-8")) == []


def test_the_check_finds_a_pointer_to_the_specs():
    found = _pointers("see ../shared/SPEC.md §4, or SPEC §4 and CLI.md")
    assert found == ["../shared", "shared/", "SPEC.md", "SPEC §", "CLI.md"]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_no_help_points_to_the_engineers_specs(lang, monkeypatch):
    monkeypatch.setenv("HOSTCTL_LANG", lang)
    runner = CliRunner()
    assert len(PATHS) > 80  # the whole tree is walked
    for path in [[], *PATHS]:
        result = runner.invoke(app, [*path, "--help"], catch_exceptions=False)
        assert result.exit_code == 0, (path, result.output)
        assert "Usage:" in result.output or "Uso:" in result.output, path
        assert _pointers(result.output) == [], (path, result.output)


def _example(help_text: str) -> str | None:
    """The command line of a help's "Example:" (or "Example (crontab):") paragraph."""
    marker = help_text.find("Example")
    if marker < 0:
        return None
    line = " ".join(help_text[marker:].split(":", 1)[1].split())
    return line[line.index("hostctl") :] if "hostctl" in line else None


def _words(example: str) -> list[str]:
    """The arguments after `hostctl`, up to a pipe, redirection or `&&`."""
    words = shlex.split(example, comments=True)[1:]
    for index, word in enumerate(words):
        if word in {"|", ">", ">>", "<", "&&", ";"}:
            return words[:index]
    return words


LEAVES = [(path, command) for path, command in _tree() if not getattr(command, "commands", None)]


@pytest.mark.parametrize(("path", "command"), LEAVES, ids=[" ".join(p) for p, _ in LEAVES])
def test_each_commands_help_example_names_it_and_parses(path, command):
    example = _example(command.help or "")
    assert example, f"`hostctl {' '.join(path)} --help` has no example"
    words = _words(example)
    assert words[: len(path)] == path, f"the example of {path} runs another command: {example}"
    # Parsing checks the option names, the choices and the types; nothing runs.
    context = command.make_context(" ".join(path), words[len(path) :])
    assert context.args == []


def test_every_command_and_option_has_help():
    """`--help` explains every command and every option (the Spanish catalog can only
    translate a text that exists)."""
    missing = [
        " ".join(path) + (f" {'/'.join(param.opts)}" if param else " (the command)")
        for path, command in _tree()
        for param in [None, *[p for p in command.params if p.param_type_name == "option"]]
        if not (param.help if param else (command.help or command.short_help))
    ]
    assert missing == []


def test_the_readme_shows_every_command():
    """Every command (each verb of each noun) has an example in the README, where the
    README test runs it."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    leaves = [path for path, command in _tree() if not getattr(command, "commands", None)]
    missing = [
        " ".join(path)
        for path in leaves
        if not re.search(r"hostctl (?:--?\S+ )*" + re.escape(" ".join(path)) + r"\b", readme)
    ]
    assert missing == []
