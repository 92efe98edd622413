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
from typing import Any, TypeAlias

from hostctl.errors import Cancelled, HostctlError, UsageError
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


def _answer(question: Any) -> Any:
    """questionary's answer; Ctrl-C (or Ctrl-D at a prompt) stops the command, with nothing
    changed: one sentence and exit 130."""
    try:
        return question.unsafe_ask()
    except (KeyboardInterrupt, EOFError):
        raise Cancelled(_("Cancelled; nothing was changed.")) from None


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
            from hostctl import output

            return output.people(exc.message, human=True)
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

    answer = _answer(
        questionary.text(
            label,
            default=default or "",
            validate=_validator(option, check),
            validate_while_typing=False,
            multiline=multiline,
        )
    )
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

    first = _answer(questionary.password(label))
    if not first:
        raise UsageError(_("No password given; nothing was changed."))
    again = _answer(questionary.password(_("Again, to confirm:")))
    if first != again:
        raise UsageError(_("The two entries differ; nothing was changed."))
    return str(first)


def _choices(choices: Choices) -> list[tuple[str, str]]:
    listed = choices() if callable(choices) else choices
    return [(c, c) if isinstance(c, str) else c for c in listed]


def select(
    label: str,
    choices: Choices,
    *,
    option: str,
    default: str | None = None,
    search: bool = False,
) -> str:
    """One of a closed set. Without the gate: ``default`` if there is one, else missing.
    With ``search`` typing narrows the list to the choices whose text has what was typed
    (questionary's search filter; j and k are then letters, not moves)."""
    if not allowed():
        if default is not None:
            return default
        raise missing(option)
    import questionary

    listed = _choices(choices)
    if not listed:
        raise UsageError(_("There is nothing to choose for {option}.").format(option=option))
    question = questionary.select(
        label,
        choices=[questionary.Choice(title, value=value) for value, title in listed],
        default=default if default in {value for value, _ in listed} else None,
        instruction=_("(type to filter, arrow keys, then Enter)")
        if search
        else _("(arrow keys, then Enter)"),
        use_search_filter=search,
        use_jk_keys=not search,
    )
    if search:
        _filter_every_letter(question)
    return str(_answer(question))


def _filter_every_letter(question: Any) -> None:
    """questionary's search filter takes only ASCII (``string.printable``): á, é, ñ … were
    swallowed, so "bás" filtered as "bs". Any other printable key typed goes to the filter
    too (the keys questionary binds itself, ASCII, arrows, Enter, keep their binding)."""
    from prompt_toolkit.keys import Keys
    from questionary.prompts.common import InquirerControl

    app = question.application
    controls = [c for c in app.layout.find_all_controls() if isinstance(c, InquirerControl)]
    if not controls:  # another questionary: its own filter as it is
        return
    control = controls[0]
    fold_search(control)

    def typed(event: Any) -> None:
        if event.data.isprintable():
            control.add_search_character(event.data)

    app.key_bindings.add(Keys.Any)(typed)


def _folded(text: object) -> str:
    """``text`` without case or accents: "Básico" and "basico" are the same search."""
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", str(text))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def fold_search(control: Any) -> None:
    """A questionary list whose typed filter ignores case and accents (questionary's own
    compares lower-case text as it is, so "basico" missed "Hosting Básico"): the control
    becomes an instance of a subclass of its own class with that one property changed."""
    base = type(control)

    class Folding(base):  # type: ignore[misc, valid-type]
        @property
        def filtered_choices(self) -> Any:
            if not self.search_filter:
                return self.choices
            typed = _folded(self.search_filter)
            found = [c for c in self.choices if typed in _folded(c.title)]
            self.found_in_search = bool(found)
            return found if found else self.choices

    control.__class__ = Folding


def choose_many(label: str, choices: Choices, *, option: str) -> list[str]:
    """Several of a closed set (space to tick); none ticked is an empty answer."""
    if not allowed():
        raise missing(option)
    import questionary

    listed = _choices(choices)
    answer = _answer(
        questionary.checkbox(
            label,
            choices=[questionary.Choice(title, value=value) for value, title in listed],
            instruction=_("(space to tick, Enter when done)"),
        )
    )
    if not answer:
        raise not_given(option)
    return [str(a) for a in answer]


def confirm(label: str, *, yes: bool) -> bool:
    """``--yes`` answers yes; without a TTY and without ``--yes`` the answer is refused."""
    if yes or assume_yes():
        return True
    if not allowed():
        raise UsageError(_("{label} Pass --yes to confirm without a prompt.").format(label=label))
    return _yes_no_question(label)


def asks_to_confirm(yes: bool = False) -> bool:
    """Whether ``confirm_step`` would ask (so the caller can look up what to show)."""
    return not (yes or assume_yes()) and allowed()


def confirm_step(label: str, *, yes: bool = False) -> None:
    """A destructive step: asked on a terminal (default no) unless ``--yes``; a no stops the
    command with nothing changed. Without a terminal, or with ``--no-input``, it goes ahead
    unasked, as it did before there were confirmations."""
    if not asks_to_confirm(yes):
        return
    if not _yes_no_question(label):
        raise HostctlError(_("Not confirmed; nothing was changed."))


def yes_or_no(answer: str) -> bool | None:
    """A typed answer to a yes/no question: True, False, or None when it is neither. Any case;
    y, yes, n, no in every session, and s, si, sí as well in a Spanish one."""
    from hostctl import i18n

    word = answer.strip().lower()
    yes = {"y", "yes"} | ({"s", "si", "sí"} if i18n.language() == "es" else set())
    if word in yes:
        return True
    if word in {"n", "no"}:
        return False
    return None


def _yes_no_question(label: str) -> bool:
    """A yes/no question (default no): the answer is typed, then Enter (so ``si`` or ``yes``
    cannot run on into the next prompt), checked by ``yes_or_no`` and shown afterwards as
    the session's Yes or No. Built like questionary's own prompts, on its styles."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
    from prompt_toolkit.lexers import SimpleLexer
    from prompt_toolkit.validation import ValidationError, Validator
    from questionary.constants import DEFAULT_QUESTION_PREFIX
    from questionary.question import Question
    from questionary.styles import merge_styles_default

    hint = _("(y/N)")

    class Answer(Validator):
        def validate(self, document: Any) -> None:
            if document.text.strip() and yes_or_no(document.text) is None:
                raise ValidationError(
                    message=_("Answer {hint}; Enter alone is no.").format(hint=hint),
                    cursor_position=len(document.text),
                )

    bindings = KeyBindings()

    @bindings.add("enter", eager=True)
    def _enter(event: KeyPressEvent) -> None:
        buffer = event.current_buffer
        if not buffer.validate(set_cursor=True):
            return
        answer = bool(yes_or_no(buffer.text))  # Enter alone: the default, no
        buffer.text = _("Yes") if answer else _("No")  # what stays on the screen
        event.app.exit(result=answer)

    session: PromptSession[Any] = PromptSession(
        [
            ("class:qmark", DEFAULT_QUESTION_PREFIX),
            ("class:question", f" {label} "),
            ("class:instruction", f"{hint} "),
        ],
        key_bindings=bindings,
        validator=Answer(),
        validate_while_typing=False,
        lexer=SimpleLexer("class:answer"),
        style=merge_styles_default([None]),
    )
    return bool(_answer(Question(session.app)))
