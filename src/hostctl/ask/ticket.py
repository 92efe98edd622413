"""Questions of `ticket …`."""

from __future__ import annotations

from collections.abc import Sequence

from hostctl.ask import choice, text
from hostctl.ask import known as known
from hostctl.ask.client import client as client
from hostctl.i18n import _


def ticket_subject(value: str | None) -> str:
    return text(value, "--subject", _("Subject:"))


def ticket_category(value: str | None, allowed: Sequence[str] | None = None) -> str:
    from hostctl.core import tickets

    titles = {
        "sla1": _("sla1 — advice"),
        "sla2": _("sla2 — preventive maintenance"),
        "sla3": _("sla3 — error report"),
        "sla4": _("sla4 — web design or software"),
    }
    listed = [(c, titles[c]) for c in (allowed or tickets.CATEGORIES)]
    return choice(value, "--category", _("Category:"), listed)


def reply_author(value: str | None) -> str:
    from hostctl.core import tickets

    titles = {"staff": _("staff — us"), "client": _("client — the client wrote")}
    return choice(value, "--by", _("Reply by:"), [(a, titles[a]) for a in tickets.AUTHORS])


def reply_message(value: str | None) -> str:
    return text(value, "--message", _("Reply:"))
