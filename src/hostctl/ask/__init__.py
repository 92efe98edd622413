"""What the commands ask on a terminal for an option left out, and what they confirm.

One module per command module, named after it: ``commands/payment.py`` asks through
``ask/payment.py``, which holds (or imports, from the noun they are about) every question of
``payment …``. This package knows the questions: their labels, the core check each answer
goes through (the same as the option's) and the choices, fetched through core in a read-only
unit of work only when the question is really asked. ``prompts.py`` does the asking behind
its gate (a terminal, no ``--no-input``). A value given on the command line is returned
unchanged, and nothing is read.

Here: the helpers every module uses.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from hostctl import prompts

T = TypeVar("T")


def read(fetch: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``fetch(session, *args, **kwargs)`` in a read-only unit of work."""
    from hostctl.commands._common import work

    with work(readonly=True) as (session, _ctx):
        return fetch(session, *args, **kwargs)


def known(fetch: Callable[[Any, Any], object], key: Any, *values: object) -> None:
    """Before asking about ``key`` (an id of the command line) for the ``values`` left out,
    ``fetch(session, key)`` refuses an unknown one: first, not after every question."""
    if any(v is None for v in values) and prompts.allowed():
        read(fetch, key)


def text(value: str | None, option: str, label: str, check: prompts.Check | None = None) -> str:
    return value if value is not None else prompts.text(label, option=option, check=check)


def number(
    value: int | None,
    option: str,
    label: str,
    fetch: Callable[[Any, int], object] | None = None,
) -> int:
    """An id; with ``fetch`` (``clients.get_client`` …) an unknown one is refused at the
    prompt, to correct."""
    if value is not None:
        return value
    check = (lambda number: read(fetch, number)) if fetch is not None else None
    return prompts.whole_number(label, option=option, check=check)


def choice(value: str | None, option: str, label: str, choices: prompts.Choices) -> str:
    return value if value is not None else prompts.select(label, choices, option=option)


def confirm(yes: bool, describe: Callable[[], str]) -> None:
    """A destructive step, confirmed on a terminal; ``describe`` (it may read the database to
    say what exactly would change, and refuses an unknown id first) runs only when asked."""
    if prompts.asks_to_confirm(yes):
        prompts.confirm_step(describe(), yes=yes)


def money(minor: int, currency: str) -> str:
    """An amount in a confirmation question (asked on a terminal only): ``US$ 1.234,56``."""
    from hostctl import output
    from hostctl.core.money import Money

    return output.human_money(Money(minor, currency), currency)
