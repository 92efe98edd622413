"""Spanish ``--help``: the command tree's help texts, click's own words and its usage errors.

Imported only in a Spanish session, and only when a help page, a usage line or a usage error
is about to be printed (``cli.HelpContext.make_formatter``, ``cli.HostctlGroup``), so an
English run never loads this module nor opens ``help.mo``.

Help texts are not marked in the source: they are Typer ``help=`` strings and docstrings,
translated here on the click objects just before they are formatted. The unit of
translation (the msgid) is the paragraph, its white space collapsed (click rewraps prose
anyway), so a reflowed docstring keeps its translation. Two kinds of paragraph are kept as
they are, since click prints them line by line (the ``\\b`` marker):

* an ``Example:`` paragraph (``cli._examples_verbatim`` gives every example one): only the
  word ``Example:`` is translated, the command line stays as written;
* any other ``\\b`` block: the msgid is the block, line breaks included.

``tools/help_catalog.py`` (a developer tool, outside the package: it imports the CLI) walks
the tree with the same :func:`units` to build the catalog; this module only reads ``help.mo``.
"""

from __future__ import annotations

import inspect
import re
from typing import IO, Any

from typer import _click as click
from typer._click import exceptions as click_errors

from hostctl.i18n import help_text

EXAMPLE = "Example:"
VERBATIM = "\b\n"

# Words of click's and Typer's help pages and usage errors (literals in typer/_click and
# typer/core.py, which have no catalog of their own). Kept in help.po with the help texts.
WORDS = (
    "Usage:",
    "Options",
    "Arguments",
    "Commands",
    EXAMPLE,
    "required",
    "default:",
    "env var:",
    "Show this message and exit.",
    "Try '{command}' for help.",
    "[OPTIONS]",
    "COMMAND [ARGS]...",
)

# Usage errors: an English sentence of click/Typer (or pydantic, through Typer's coercion)
# → the msgid of its translation, with the sentence's parts as ``{placeholders}``. The first
# pattern that matches the whole sentence wins; anything else is printed as it is (a
# hostctl message, already translated through ``_``).
ERRORS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.DOTALL), msgid)
    for pattern, msgid in (
        (r"Missing option (?P<param>.+)\.", "Missing option {param}."),
        (r"Missing argument (?P<param>.+)\.", "Missing argument {param}."),
        (r"Missing command\.", "Missing command."),
        (r"No such command (?P<name>.+?)\.", "No such command {name}."),
        (r"No such option: (?P<name>\S+)", "No such option: {name}"),
        (r"Option (?P<name>'.+') requires an argument\.", "Option {name} requires an argument."),
        (
            r"Option (?P<name>'.+') requires (?P<count>\d+) arguments\.",
            "Option {name} requires {count} arguments.",
        ),
        (r"Option (?P<name>'.+') does not take a value\.", "Option {name} does not take a value."),
        (
            r"Got unexpected extra argument\(s\) \((?P<args>.*)\)",
            "Got unexpected extra argument(s) ({args})",
        ),
        (
            r"Invalid value for (?P<param>.+?): (?P<reason>.*)",
            "Invalid value for {param}: {reason}",
        ),
        (r"Invalid value: (?P<reason>.*)", "Invalid value: {reason}"),
    )
)
# The tails click and Typer add to some errors, translated on their own.
TAILS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.DOTALL), msgid)
    for pattern, msgid in (
        (r" Did you mean (?P<choices>.+)\?", " Did you mean {choices}?"),
        (r" \(Possible options: (?P<choices>.+)\)", " (Possible options: {choices})"),
    )
)
# The reason after "Invalid value for '--x': " when Typer's type conversion wrote it.
REASONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.DOTALL), msgid)
    for pattern, msgid in (
        (
            r"Input should be a valid integer, unable to parse string as an integer",
            "Input should be a valid integer, unable to parse string as an integer",
        ),
        (r"Input should be a valid integer.*", "Input should be a valid integer"),
        (r"Input should be a valid number.*", "Input should be a valid number"),
        (r"Input should be a valid boolean.*", "Input should be a valid boolean"),
        (
            r"Input should be greater than or equal to (?P<limit>\S+)",
            "Input should be greater than or equal to {limit}",
        ),
        (
            r"Input should be less than or equal to (?P<limit>\S+)",
            "Input should be less than or equal to {limit}",
        ),
        (r"Input should be greater than (?P<limit>\S+)", "Input should be greater than {limit}"),
        (r"Input should be less than (?P<limit>\S+)", "Input should be less than {limit}"),
        (r"(?P<value>.+) is not one of (?P<choices>.+)\.", "{value} is not one of {choices}."),
        (
            r"(?P<label>File|Directory|Path) (?P<path>.+) does not exist\.",
            "{label} {path} does not exist.",
        ),
        (
            r"(?P<label>File|Directory|Path) (?P<path>.+) is a directory\.",
            "{label} {path} is a directory.",
        ),
        (
            r"(?P<label>File|Directory|Path) (?P<path>.+) is not readable\.",
            "{label} {path} is not readable.",
        ),
    )
)
LABELS = ("File", "Directory", "Path")


def error_msgids() -> list[str]:
    """Every msgid the usage errors may look up (for the catalog)."""
    return [msgid for table in (ERRORS, TAILS, REASONS) for _, msgid in table] + ["Error:"]


# -- help texts ---------------------------------------------------------------------------


def _paragraphs(text: str) -> list[str]:
    return re.split(r"\n[ \t]*\n", inspect.cleandoc(text))


def _prose(paragraph: str) -> str:
    return " ".join(paragraph.split())


def units(text: str | None) -> list[str]:
    """The msgids of one help text, in order (what :func:`translate` looks up)."""
    found: list[str] = []
    for paragraph in _paragraphs(text or ""):
        if paragraph.startswith(VERBATIM):
            body = paragraph[len(VERBATIM) :]
            found.append(EXAMPLE if body.startswith(EXAMPLE) else body)
        elif paragraph.strip():
            found.append(_prose(paragraph))
    return found


def translate(text: str | None) -> str | None:
    """One help text in the session's language, paragraph by paragraph."""
    if not text:
        return text
    done = []
    for paragraph in _paragraphs(text):
        if paragraph.startswith(VERBATIM):
            body = paragraph[len(VERBATIM) :]
            if body.startswith(EXAMPLE):
                body = help_text(EXAMPLE) + body[len(EXAMPLE) :]
            else:
                body = help_text(body)
            done.append(VERBATIM + body)
        elif paragraph.strip():
            done.append(help_text(_prose(paragraph)))
    return "\n\n".join(done)


def translate_tree(command: click.Command) -> None:
    """Translate, in place, the help of ``command``, its parameters and every sub-command."""
    if getattr(command, "_hostctl_translated", False):
        return
    command._hostctl_translated = True  # type: ignore[attr-defined]
    command.help = translate(command.help)
    command.short_help = translate(command.short_help)
    if command.options_metavar:  # the usage line: hostctl service [OPCIONES] COMANDO …
        command.options_metavar = help_text(command.options_metavar)
    if getattr(command, "subcommand_metavar", None):
        command.subcommand_metavar = help_text(command.subcommand_metavar)  # type: ignore[attr-defined]
    for param in command.params:
        if getattr(param, "help", None):
            param.help = translate(param.help)  # type: ignore[attr-defined]
    for sub in getattr(command, "commands", {}).values():
        translate_tree(sub)


# -- click's help page --------------------------------------------------------------------

_EXTRAS = re.compile(r"(?:(?<=\S)  |^)\[(?P<items>[^\[\]]+)\]$")


def _extra(item: str) -> str:
    if item == "required":
        return help_text(item)
    for word in ("default:", "env var:"):
        if item.startswith(f"{word} "):
            return f"{help_text(word)}{item[len(word) :]}"
    return item  # a number range (x>=1) reads the same


def _extras(text: str) -> str:
    """``Client id.  [required]`` → ``Id del cliente.  [obligatorio]`` (the help itself is
    already translated; only click's bracket is left)."""
    found = _EXTRAS.search(text)
    if found is None:
        return text
    items = "; ".join(_extra(item) for item in found["items"].split("; "))
    return f"{text[: found.start('items')]}{items}]"


class SpanishFormatter(click.HelpFormatter):
    """Click's formatter with its headings, usage prefix and ``[required]`` in Spanish."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, f"{help_text('Usage:')} " if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        super().write_heading(help_text(heading))

    def write_dl(self, rows: Any, col_max: int = 30, col_spacing: int = 2) -> None:
        super().write_dl([(term, _extras(text)) for term, text in rows], col_max, col_spacing)


def formatter(ctx: click.Context, width: int | None, max_width: int | None) -> SpanishFormatter:
    """The formatter for ``ctx``'s help or usage, its command tree translated first."""
    translate_tree(ctx.command)
    option = ctx.command.get_help_option(ctx)
    if option is not None and not getattr(option, "_hostctl_translated", False):
        option._hostctl_translated = True  # type: ignore[attr-defined]
        option.help = translate(option.help)
    return SpanishFormatter(width=width, max_width=max_width)


# -- usage errors -------------------------------------------------------------------------


def _match(table: tuple[tuple[re.Pattern[str], str], ...], text: str) -> str | None:
    for pattern, msgid in table:
        found = pattern.fullmatch(text)
        if found is not None:
            parts = found.groupdict()
            if "reason" in parts:
                parts["reason"] = _match(REASONS, parts["reason"]) or parts["reason"]
            if "label" in parts:
                parts["label"] = help_text(parts["label"])
            return help_text(msgid).format(**parts)
    return None


def error_message(message: str) -> str:
    """A usage error's sentence in Spanish when click or Typer wrote it, else as it is."""
    tail = ""
    for pattern, _ in TAILS:
        found = pattern.search(message)
        if found is not None and found.end() == len(message):
            tail = _match(TAILS, message[found.start() :]) or ""
            message = message[: found.start()]
            break
    return (_match(ERRORS, message) or message) + tail


class SpanishUsageError(click_errors.UsageError):
    """A usage error shown in Spanish: the usage line, the hint and the sentence."""

    def __init__(self, original: click_errors.UsageError) -> None:
        super().__init__(error_message(original.format_message()), original.ctx)
        self.exit_code = original.exit_code

    def show(self, file: IO[Any] | None = None) -> None:
        from typer._click._compat import get_text_stderr

        if file is None:
            file = get_text_stderr()
        ctx = self.ctx
        if ctx is not None:
            hint = ""
            if ctx.command.get_help_option(ctx) is not None:
                command = f"{ctx.command_path} {ctx.help_option_names[0]}"
                hint = help_text("Try '{command}' for help.").format(command=command) + "\n"
            click.echo(f"{ctx.get_usage()}\n{hint}", file=file, color=ctx.color)
        click.echo(f"{help_text('Error:')} {self.message}", file=file, color=self.show_color)


def usage_error(exc: click_errors.UsageError) -> click_errors.UsageError:
    """``exc`` to raise in its place in a Spanish session (a help page raised as an error,
    ``no_args_is_help``, is already in Spanish and stays)."""
    if isinstance(exc, click_errors.NoArgsIsHelpError | SpanishUsageError):
        return exc
    return SpanishUsageError(exc)
