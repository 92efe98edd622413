"""questionary behind one gate: prompts only on a terminal (stdin and stdout) and never
with ``--no-input`` (``HOSTCTL_NO_INPUT``); ``--yes`` (``HOSTCTL_YES``) answers every
confirmation.

Without the gate a missing option is a usage error naming it, and a destructive step goes
ahead as it always did: scripts written before the prompts keep working. questionary is
imported only when a question is really asked.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from typing import TypeAlias

from hostctl.errors import HostctlError, UsageError
from hostctl.i18n import _

Check: TypeAlias = Callable[[str], object]
"""Runs the same validation as the option would; raises a ``HostctlError`` for a bad answer."""
Choice: TypeAlias = str | tuple[str, str]
"""A value, or (value, the text shown for it)."""
Choices: TypeAlias = Sequence[Choice] | Callable[[], Sequence[Choice]]
"""The choices, or a function that fetches them (called only when the question is asked)."""


def on_terminal() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def allowed() -> bool:
    if os.environ.get("HOSTCTL_NO_INPUT"):
        return False
    return on_terminal()


def assume_yes() -> bool:
    """``hostctl --yes …`` (or ``HOSTCTL_YES=1``): every confirmation is answered yes."""
    return bool(os.environ.get("HOSTCTL_YES"))


def missing(option: str) -> UsageError:
    """A required option that was not given and cannot be asked for."""
    if on_terminal():  # a terminal with --no-input: the TTY is not the reason
        return UsageError(_("Missing {option}; pass it on the command line.").format(option=option))
    return UsageError(
        _("Missing {option}; pass it on the command line (no prompts without a TTY).").format(
            option=option
        )
    )


def not_given(option: str) -> UsageError:
    """An empty answer at a prompt."""
    return UsageError(_("No {option} given; nothing was changed.").format(option=option))


def _validator(option: str, check: Check | None) -> Callable[[str], bool | str]:
    """questionary's validate: True, or the one-sentence error shown under the prompt (the
    answer is refused and can be corrected). An empty answer passes: it ends the command."""
    from hostctl.core import validate

    def run(answer: str) -> bool | str:
        if not answer.strip():
            return True
        try:
            validate.argument(answer, f"answer to {option}")
            if check is not None:
                check(answer)
        except HostctlError as exc:
            return exc.message
        return True

    return run


def text(
    label: str,
    *,
    option: str,
    default: str | None = None,
    check: Check | None = None,
    multiline: bool = False,
) -> str:
    if not allowed():
        if default is not None:
            return default
        raise missing(option)
    import questionary

    answer = questionary.text(
        label,
        default=default or "",
        validate=_validator(option, check),
        validate_while_typing=False,
        multiline=multiline,
    ).unsafe_ask()
    if not answer or not str(answer).strip():
        raise not_given(option)
    return str(answer)


def whole_number(label: str, *, option: str, check: Callable[[int], object] | None = None) -> int:
    """An id or a count, refused as the option would refuse it; ``check`` may refuse the
    number too (an unknown id)."""

    def checked(answer: str) -> None:
        number = _whole(answer, option)
        if check is not None:
            check(number)

    return int(text(label, option=option, check=checked))


def _whole(answer: str, option: str) -> int:
    """The answer read as the option would read it (``hostctl.params``): a whole number the
    database can hold."""
    from hostctl.params import whole_number

    return whole_number(answer, option)


def secret(label: str, *, option: str) -> str:
    if not allowed():
        raise missing(option)
    import questionary

    first = questionary.password(label).unsafe_ask()
    if not first:
        raise UsageError(_("No password given; nothing was changed."))
    again = questionary.password(_("Again, to confirm:")).unsafe_ask()
    if first != again:
        raise UsageError(_("The two entries differ; nothing was changed."))
    return str(first)


def _choices(choices: Choices) -> list[tuple[str, str]]:
    listed = choices() if callable(choices) else choices
    return [(c, c) if isinstance(c, str) else c for c in listed]


def select(label: str, choices: Choices, *, option: str, default: str | None = None) -> str:
    """One of a closed set. Without the gate: ``default`` if there is one, else missing."""
    if not allowed():
        if default is not None:
            return default
        raise missing(option)
    import questionary

    listed = _choices(choices)
    if not listed:
        raise UsageError(_("There is nothing to choose for {option}.").format(option=option))
    answer = questionary.select(
        label,
        choices=[questionary.Choice(title, value=value) for value, title in listed],
        default=default if default in {value for value, _ in listed} else None,
        instruction=_("(arrow keys, then Enter)"),
    ).unsafe_ask()
    return str(answer)


def choose_many(label: str, choices: Choices, *, option: str) -> list[str]:
    """Several of a closed set (space to tick); none ticked is an empty answer."""
    if not allowed():
        raise missing(option)
    import questionary

    listed = _choices(choices)
    answer = questionary.checkbox(
        label,
        choices=[questionary.Choice(title, value=value) for value, title in listed],
        instruction=_("(space to tick, Enter when done)"),
    ).unsafe_ask()
    if not answer:
        raise not_given(option)
    return [str(a) for a in answer]


def confirm(label: str, *, yes: bool) -> bool:
    """``--yes`` answers yes; without a TTY and without ``--yes`` the answer is refused."""
    if yes or assume_yes():
        return True
    if not allowed():
        raise UsageError(_("{label} Pass --yes to confirm without a prompt.").format(label=label))
    import questionary

    return bool(questionary.confirm(label, default=False, instruction=_yes_no()).unsafe_ask())


def asks_to_confirm(yes: bool = False) -> bool:
    """Whether ``confirm_step`` would ask (so the caller can look up what to show)."""
    return not (yes or assume_yes()) and allowed()


def confirm_step(label: str, *, yes: bool = False) -> None:
    """A destructive step: asked on a terminal (default no) unless ``--yes``; a no stops the
    command with nothing changed. Without a terminal, or with ``--no-input``, it goes ahead
    unasked, as it did before there were confirmations."""
    if not asks_to_confirm(yes):
        return
    import questionary

    if not questionary.confirm(label, default=False, instruction=_yes_no()).unsafe_ask():
        raise HostctlError(_("Not confirmed; nothing was changed."))


def _yes_no() -> str:
    """questionary's own hint of a confirmation (default no), in the session's language: the
    keys stay y and n."""
    return _("(y/N)") + " "
