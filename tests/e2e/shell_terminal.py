"""``hostctl shell`` and one-shot ``hostctl`` in a pseudo-terminal (pexpect), for the tests
of the shell and ``bench/shell.py``: a line typed, its answer read up to the next prompt,
the exit status read from that prompt."""

from __future__ import annotations

import io
import os
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pexpect

_BESIDE = Path(sys.executable).with_name("hostctl")
HOSTCTL = str(_BESIDE) if _BESIDE.exists() else (shutil.which("hostctl") or "hostctl")
ENTER, CTRL_C, CTRL_D, TAB, CLEAR_LINE = "\r", "\x03", "\x04", "\t", "\x15"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\r")
# A new prompt as prompt_toolkit draws it: bracketed paste on, "hostctl> " or "hostctl [3]> ",
# the cursor shown at its end (its trailing space is drawn as a cursor move). The line being
# typed is drawn again and again without the first part.
PROMPT = re.compile(r"\x1b\[\?2004h[^\n]*?hostctl(?: \[(\d+)\])?>[^\n]*?\x1b\[\?25h")
# prompt_toolkit turns bracketed paste off when a line is accepted and on again for the next
# prompt: what lies between is the answer.
ANSWER_START, ANSWER_END = "\x1b[?2004l", "\x1b[?2004h"
DIMENSIONS = (50, 200)


def environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("HOSTCTL_NO_INPUT", "HOSTCTL_YES")}
    # no cursor-position request (nobody would answer it), no colour codes to read past
    env.update(PROMPT_TOOLKIT_NO_CPR="1", TERM="xterm", NO_COLOR="1")
    env.update(extra)
    return env


def plain(text: str) -> str:
    """What a person reads: no escapes, no carriage returns."""
    return ANSI.sub("", text)


class Shell:
    """``hostctl shell`` in a pseudo-terminal, at its first prompt."""

    def __init__(self, *, timeout: float = 60, **extra: str) -> None:
        self.child = pexpect.spawn(
            HOSTCTL,
            ["shell"],
            env=environment(**extra),
            encoding="utf-8",
            timeout=timeout,
            dimensions=DIMENSIONS,
        )
        self.child.delaybeforesend = None  # pexpect's default sleeps 50 ms before each send
        self.child.logfile_read = io.StringIO()
        self.status = self._prompt()

    def _prompt(self) -> int:
        self.child.expect(PROMPT)
        return int(self.child.match.group(1) or 0)

    def run(self, line: str) -> tuple[int, str]:
        """Type ``line`` and Enter; the exit status shown by the next prompt and the answer
        (without escapes)."""
        self.child.send(line + ENTER)
        self.status = self._prompt()
        before = self.child.before
        answer = before.split(ANSWER_START, 1)[-1]
        return self.status, plain(answer)

    def send(self, keys: str) -> None:
        self.child.send(keys)

    def expect(self, pattern: Any) -> None:
        self.child.expect(pattern)

    def drop(self) -> None:
        """Ctrl-C: the line being typed (and its completion menu) dropped, a new prompt."""
        self.child.send(CTRL_C)
        self.next_prompt()

    def next_prompt(self) -> int:
        self.status = self._prompt()
        return self.status

    @property
    def screen(self) -> str:
        return plain(self.child.logfile_read.getvalue())

    def leave(self, keys: str = "exit" + ENTER) -> int:
        """Leave by ``keys`` (``exit`` and Enter; Ctrl-D); the shell's exit status."""
        self.child.send(keys)
        self.child.expect(pexpect.EOF)
        self.child.close()
        return int(self.child.exitstatus or 0)


def one_shot(line: str, **extra: str) -> tuple[int, str]:
    """``hostctl`` + ``line`` (split as the shell splits it) in a pseudo-terminal of the same
    size: its exit status and what it drew, without escapes."""
    from hostctl.commands.shell import words

    args = words(line) or []
    child = pexpect.spawn(
        HOSTCTL,
        args,
        env=environment(**extra),
        encoding="utf-8",
        timeout=120,
        dimensions=DIMENSIONS,
    )
    child.expect(pexpect.EOF)
    child.close()
    return int(child.exitstatus or 0), plain(child.before or "")
