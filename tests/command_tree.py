"""The command tree as the tests walk it: every command path below the root (nouns, their
verbs) with its click command, loaded as ``hostctl`` loads it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from hostctl.cli import COMMANDS, load_command


def commands(*, leaves_only: bool = False) -> Iterator[tuple[list[str], Any]]:
    """(path, click command) of every noun and verb; ``leaves_only``: the commands that run
    (no sub-commands of their own)."""

    def walk(command: Any, path: list[str]) -> Iterator[tuple[list[str], Any]]:
        subs = getattr(command, "commands", {})
        if not (leaves_only and subs):
            yield path, command
        for name, sub in subs.items():
            yield from walk(sub, [*path, name])

    for name in COMMANDS:
        command = load_command(name)
        assert command is not None
        yield from walk(command, [name])
