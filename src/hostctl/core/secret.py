"""Secrets hostctl holds while it runs (the WhatsApp token, the SMTP password): a value whose
``repr`` and ``str`` never show it, so that a traceback with locals (``HOSTCTL_DEBUG``), a
dataclass's repr or an f-string cannot print it by mistake. Only ``reveal()`` gives the
value, at the one place that hands it to the provider.

Secrets come from the environment only (never the database) and are checked when they are
read: a value with a line break or another control character is refused there, with one
sentence naming the variable and never the value (``read``).
"""

from __future__ import annotations

import os

from hostctl.i18n import _

HIDDEN = "[hidden]"


class Secret:
    """A text that is never shown: ``repr``/``str`` give ``Secret('********')``."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def hide(self, text: str, mark: str = HIDDEN) -> str:
        """``text`` without the secret: as it is, as ``repr`` escapes it in a ``str`` or in
        ``bytes`` (an exception's message often quotes what it was given), and where a cut
        (``clip``'s "…") ends inside it."""
        if not self._value:
            return text
        forms = {
            self._value,
            repr(self._value)[1:-1],
            repr(self._value.encode("utf-8"))[2:-1],
        }
        for form in sorted(forms, key=len, reverse=True):
            text = text.replace(form, mark)
        if text.endswith("…"):
            body = text[:-1]
            for size in range(len(self._value) - 1, 2, -1):
                if body.endswith(self._value[:size]):
                    return body[:-size] + mark + "…"
        return text


def bad_character(value: str) -> bool:
    """Whether ``value`` has a line break or another control character (C0, DEL, C1), or
    the line/paragraph separators: none belongs in a token or a password, and each would
    break the header or the command that carries it."""
    return any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F or c in "\u2028\u2029" for c in value)


class SecretError(ValueError):
    """A secret in the environment that hostctl cannot use; the message names the variable."""


def read(name: str, *, strip: bool = False) -> Secret | None:
    """The secret in environment variable ``name`` (without surrounding spaces with
    ``strip``); None when unset or empty. Raises ``SecretError`` (one sentence naming
    ``name``, never the value) for a value with a line break or control character."""
    secret = Secret(os.environ.get(name, ""))
    if strip:
        secret = Secret(secret.reveal().strip())
    if not secret:
        return None
    if bad_character(secret.reveal()):
        raise SecretError(
            _("{name} has a line break or control character; set it again").format(name=name)
        )
    return secret
