"""Translations: the source says everything in English; Spanish comes from gettext catalogs.

The language is Spanish when ``HOSTCTL_LANG`` is ``es`` (``en`` forces English), or else when
the first of ``LC_ALL``, ``LC_MESSAGES``, ``LANG`` that is set starts with ``es``. Two catalogs,
compiled by Babel and shipped in the wheel under ``hostctl/locale/es/LC_MESSAGES/``:

* ``hostctl.mo`` — messages, prompts, table headings (marked in the source with ``_``,
  ``ngettext`` or ``N_``);
* ``help.mo`` — the ``--help`` texts of commands and options (collected from the command tree,
  not marked in the source).

A catalog is read only when a text is first translated in a Spanish session, so an English
run, or a Spanish run that prints nothing, never opens it. ``--json`` field names and values
are never translated.

``_`` translates at once (errors, warnings, prompts). ``N_`` (``NC_`` with a context) marks a
text that is translated later, where it is printed (``localize``, which ``output`` calls on
table headings and cells): a constant made at import time, or a text that is also data —
its value is the English (``--json``, CSV, the database), a ``LazyText`` that keeps its msgid
and fields. ``tools/messages_catalog.py`` extracts all of them into ``hostctl.po``.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import gettext

LOCALE_DIR = Path(__file__).with_name("locale")
DOMAINS = ("hostctl", "help")


def language() -> str:
    """``"es"`` or ``"en"``, from the environment (read each call: tests change it)."""
    forced = os.environ.get("HOSTCTL_LANG", "").strip().lower()
    if forced:
        return "es" if forced.startswith("es") else "en"
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value:
            return "es" if value.lower().startswith("es") else "en"
    return "en"


@cache
def _catalog(lang: str, domain: str) -> gettext.NullTranslations:
    import gettext

    return gettext.translation(domain, localedir=LOCALE_DIR, languages=[lang], fallback=True)


def _(message: str) -> str:
    """``message`` in the session's language."""
    lang = language()
    if lang == "en":
        return message
    return _catalog(lang, "hostctl").gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or the plural form for ``n``, in the session's language."""
    lang = language()
    if lang == "en":
        return singular if n == 1 else plural
    return _catalog(lang, "hostctl").ngettext(singular, plural, n)


def help_text(text: str) -> str:
    """A ``--help`` text in the session's language (``help.mo``); English stays as is."""
    lang = language()
    if lang == "en" or not text:
        return text
    return _catalog(lang, "help").gettext(text)


class LazyText(str):
    """English text that can still be shown in Spanish: its value is the English (what
    ``--json``, CSV and the database get), and it keeps its msgid and fields so that
    ``localize`` translates it where it is printed for a person."""

    msgid: str
    fields: dict[str, object]
    context: str | None = None

    def __new__(cls, msgid: str, /, **fields: object) -> LazyText:
        text = super().__new__(cls, msgid.format(**fields) if fields else msgid)
        text.msgid = msgid
        text.fields = fields
        return text


def N_(message: str, /, **fields: object) -> LazyText:
    """Marks ``message`` for the catalog without translating it now: a constant defined at
    import time (a table heading), or a text that is also data (the ``what`` of ``hostctl
    why``, in ``--json`` in English). ``localize`` translates it where it is printed."""
    return LazyText(message, **fields)


def NC_(context: str, message: str) -> LazyText:
    """``N_`` with a context (gettext's msgctxt), for a word that is translated one way
    here and another elsewhere: ``NC_("count", "suspended")`` heads a count of services
    ("suspendidos"), where ``why`` says a service was "suspended" ("suspendido")."""
    text = LazyText(message)
    text.context = context
    return text


def localize(value: str) -> str:
    """``value`` in the session's language if it came from ``N_`` (its fields too), else
    ``value`` itself."""
    if not isinstance(value, LazyText):
        return value
    if language() == "en" or not value.msgid:
        return str(value)
    fields = {
        key: localize(field) if isinstance(field, LazyText) else field
        for key, field in value.fields.items()
    }
    if value.context is not None:
        return _catalog(language(), "hostctl").pgettext(value.context, value.msgid)
    return _(value.msgid).format(**fields) if fields else _(value.msgid)
