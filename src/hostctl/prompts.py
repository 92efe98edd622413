"""questionary behind one gate: prompts only on a TTY and never with ``--no-input``."""

from __future__ import annotations

import os
import sys

from hostctl.errors import UsageError
from hostctl.i18n import _


def allowed() -> bool:
    if os.environ.get("HOSTCTL_NO_INPUT"):
        return False
    return sys.stdin.isatty() and sys.stdout.isatty()


def _missing(option: str) -> UsageError:
    return UsageError(
        _("Missing {option}; pass it on the command line (no prompts without a TTY).").format(
            option=option
        )
    )


def text(label: str, *, option: str, default: str | None = None) -> str:
    if not allowed():
        if default is not None:
            return default
        raise _missing(option)
    import questionary

    answer = questionary.text(label, default=default or "").unsafe_ask()
    if not answer:
        raise _missing(option)
    return str(answer)


def secret(label: str, *, option: str) -> str:
    if not allowed():
        raise _missing(option)
    import questionary

    first = questionary.password(label).unsafe_ask()
    again = questionary.password(_("Again, to confirm:")).unsafe_ask()
    if first != again:
        raise UsageError(_("The two entries differ; nothing was changed."))
    return str(first)


def select(label: str, choices: list[str], *, option: str, default: str | None = None) -> str:
    if not allowed():
        if default is not None:
            return default
        raise _missing(option)
    import questionary

    return str(questionary.select(label, choices=choices, default=default).unsafe_ask())


def confirm(label: str, *, yes: bool) -> bool:
    """``--yes`` answers yes; without a TTY and without ``--yes`` the answer is no."""
    if yes:
        return True
    if not allowed():
        raise UsageError(_("{label} Pass --yes to confirm without a prompt.").format(label=label))
    import questionary

    return bool(questionary.confirm(label, default=False).unsafe_ask())
