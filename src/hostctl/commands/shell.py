"""hostctl shell: a session for the desk, one hostctl command a line, without the
``hostctl`` prefix.

Each line is run by the root app of ``cli.py`` (``cli.app(args, prog_name="hostctl")``, as
the console script runs it), so its output, prompts, ``--json``, exit status and audit
records are those of the one-shot command. Nothing is carried from one line to the next
but the engine (its connection pool, which is what makes a line fast):

* each command opens its own session and transaction (``commands._common.work``), reads
  the clock (``core.clock``) and the settings (memoised per session only) afresh;
* what a line sets in ``os.environ`` (``--no-input``, ``--yes``) is undone after it;
* the language, the terminal's width, colour and TTY are read by the code that needs them,
  at each call;
* a ``HostctlError`` is one sentence and an exit status, as in one-shot; a bug prints the
  traceback one-shot would print, and the shell goes on.

On a terminal (stdin and stdout) the line is read with prompt_toolkit: Tab completes nouns,
verbs, options and their values from the command tree and ``commands.completion_values``
(the same source as ``hostctl completion``), the history is kept in the user data
directory, Ctrl-C drops the line, Ctrl-D or ``exit`` leaves. Otherwise the lines are read
from stdin with no prompt (a script); the shell's exit status is that of the last line.
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

import typer
from prompt_toolkit.completion import CompleteEvent, Completer, Completion, PathCompleter
from prompt_toolkit.document import Document

from hostctl.errors import ExitStatus
from hostctl.i18n import _, language

PROMPT = "hostctl> "
LEAVE = frozenset({"exit", "quit"})
LEAVE_ES = frozenset({"salir"})
HISTORY_FILE = "shell_history"


def words(line: str) -> list[str] | None:
    """The arguments of ``line`` split as a POSIX shell would (quotes, backslashes, ``#``
    comments); a leading ``hostctl`` typed out of habit is dropped. None for a line that
    does nothing (empty, only a comment)."""
    args = shlex.split(line, comments=True)
    if args and args[0] == "hostctl":
        args = args[1:]
    return args or None


def leaves(args: list[str]) -> bool:
    """``exit`` (``quit``; ``salir`` in a Spanish session) alone on the line."""
    names = LEAVE | (LEAVE_ES if language() == "es" else frozenset())
    return len(args) == 1 and args[0] in names


def _status(code: object) -> int:
    """A ``SystemExit`` code as the exit status a process would have."""
    if code is None:
        return int(ExitStatus.OK)
    if isinstance(code, int):
        return code
    sys.stderr.write(f"{code}\n")  # sys.exit("text"): printed, status 1, as Python does
    return int(ExitStatus.REFUSED)


def run(args: list[str]) -> int:
    """Run one command line through the root app, as the console script does; its exit
    status. Whatever the command set in ``os.environ`` is undone."""
    from hostctl import cli

    if args[:1] == ["shell"]:
        from hostctl import output

        output.error(_("This is hostctl shell already; type a command."))
        return int(ExitStatus.USAGE)
    saved = dict(os.environ)
    try:
        cli.app(args, prog_name="hostctl")  # standalone mode: always ends in SystemExit
        return int(ExitStatus.OK)  # pragma: no cover
    except SystemExit as exc:
        return _status(exc.code)
    except KeyboardInterrupt:  # Ctrl-C outside the command's own handling
        return int(ExitStatus.INTERRUPTED)
    except Exception as exc:
        # A bug: the traceback one-shot prints (typer's hook, locals only with
        # HOSTCTL_DEBUG), then the next line.
        sys.excepthook(type(exc), exc, exc.__traceback__)
        return 1
    finally:
        _restore(saved)
        sys.stdout.flush()
        sys.stderr.flush()


def _restore(saved: dict[str, str]) -> None:
    for name in set(os.environ) - set(saved):
        del os.environ[name]
    for name, value in saved.items():
        if os.environ.get(name) != value:
            os.environ[name] = value


def run_line(line: str) -> int | None:
    """Run one typed line; its exit status, or None for a line that ran nothing."""
    try:
        args = words(line)
    except ValueError as exc:  # an unclosed quote
        from hostctl import output

        output.error(_("Cannot read the line: {reason}.").format(reason=_reason(exc)))
        return int(ExitStatus.USAGE)
    if args is None:
        return None
    return run(args)


def _reason(exc: ValueError) -> str:
    text = str(exc)
    if "quotation" in text:
        return _("a quote is not closed")
    if "escape" in text:
        return _("a backslash ends the line")
    return text


# ------------------------------------------------------------------ the interactive session
def prompt_text(status: int) -> str:
    """``hostctl> ``, or ``hostctl [3]> `` after a line that ended with exit status 3."""
    return PROMPT if status == 0 else f"hostctl [{status}]> "


def history_path() -> Path:
    """The history file in the user data directory, beside the default database."""
    from hostctl.db_url import default_database_path, private_folder

    folder = default_database_path().parent
    private_folder(folder)
    path = folder / HISTORY_FILE
    if not path.exists():  # typed lines hold client data: the owner's only
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
        os.close(fd)
    return path


class CommandCompleter(Completer):
    """prompt_toolkit's completer over the command tree: what ``hostctl completion`` answers
    the shell for the same words (nouns, verbs, options, their values; client ids with the
    client's name), the help beside each; file names where a file is wanted."""

    def __init__(self) -> None:
        self._paths = PathCompleter(expanduser=True)

    def get_completions(
        self, document: Document, complete_event: CompleteEvent
    ) -> Iterator[Completion]:
        before = document.text_before_cursor
        try:
            typed = shlex.split(before)
        except ValueError:
            return
        incomplete = typed.pop() if before and not before[-1].isspace() and typed else ""
        if typed and typed[0] == "hostctl":
            typed = typed[1:]
        for kind, value, help_text in candidates(typed, incomplete):
            if kind in ("file", "dir"):
                yield from self._paths.get_completions(Document(incomplete), complete_event)
                return
            yield Completion(
                _quoted(value),
                start_position=-len(incomplete),
                display_meta=help_text or "",
            )


def _quoted(value: str) -> str:
    return shlex.quote(value) if value and value != shlex.quote(value) else value


def candidates(args: list[str], incomplete: str) -> list[tuple[str, str, str | None]]:
    """``(type, value, help)`` for the word ``incomplete`` after ``args``, as ``hostctl
    completion``'s scripts get them from the Click tree (``completion.Bash``)."""
    import typer

    from hostctl import cli
    from hostctl.commands.completion import Bash

    root = typer.main.get_command(cli.app)
    try:
        items = Bash(root, {}, "hostctl", "_HOSTCTL_COMPLETE").get_completions(args, incomplete)
    except Exception:  # completion never fails the line being typed
        return []
    return [(item.type, str(item.value), item.help) for item in items]


def interactive() -> int:
    """Read lines on the terminal until Ctrl-D or ``exit``."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import FileHistory

    from hostctl import output

    session: PromptSession[str] = PromptSession(
        history=FileHistory(str(history_path())),
        completer=CommandCompleter(),
        complete_while_typing=False,
    )
    output.info(
        _(
            "hostctl shell: one command a line, without “hostctl” (client show 7). Tab "
            "completes; Ctrl-C drops the line; exit or Ctrl-D leaves."
        )
    )
    status = 0
    while True:
        try:
            line = session.prompt(prompt_text(status))
        except KeyboardInterrupt:  # the line is dropped, the status stays
            continue
        except EOFError:
            return int(ExitStatus.OK)
        try:
            args = words(line)
        except ValueError:
            args = None
        if args is not None and leaves(args):
            return int(ExitStatus.OK)
        ran = run_line(line)
        if ran is not None:
            status = ran


def script(lines: Iterable[str]) -> int:
    """Run each line of a script (stdin not a terminal); the last line's exit status."""
    status = 0
    for line in lines:
        try:
            args = words(line)
        except ValueError:
            args = None
        if args is not None and leaves(args):
            break
        ran = run_line(line)
        if ran is not None:
            status = ran
    return status


def shell() -> None:
    """Run hostctl commands one a line, without "hostctl": each as the one-shot command
    runs it (same output, prompts, --json, exit status and audit log), a non-zero exit
    status shown in the prompt. Tab completes nouns, verbs, options and their values;
    Up and Down recall the history; Ctrl-C drops the line; exit or Ctrl-D leaves. With
    stdin not a terminal the lines are read from it, without prompt (a script); the exit
    status is then the last line's.

    Example: hostctl shell
    """
    from hostctl import prompts

    status = interactive() if prompts.on_terminal() else script(sys.stdin)
    if status:
        raise typer.Exit(status)
