"""The codes of the data (statuses, cycles, kinds, reasons) as a person reads them inside a
sentence: ``word("service", "suspended")`` is ``"suspended"`` (a ``LazyText`` whose value is
the code, so ``--json`` and the database keep it) that ``localize`` shows as "suspendido"
in a Spanish session. Each word has a context (gettext's msgctxt) naming what it is said of,
because Spanish agrees in gender: a service is "suspendido", an invoice "anulada".

A code without a word here is shown as it is (a code the data may hold but no sentence
needs, or one added later).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import Any

from hostctl.i18n import N_, NC_, LazyText

_WORDS = (
    NC_("service", "pending"),
    NC_("service", "active"),
    NC_("service", "suspended"),
    NC_("service", "cancelled"),
    NC_("service", "terminated"),
    NC_("service", "expired"),
    NC_("invoice", "unpaid"),
    NC_("invoice", "paid"),
    NC_("invoice", "cancelled"),
    NC_("invoice", "refunded"),
    NC_("invoice", "overdue"),
    NC_("client", "active"),
    NC_("client", "closed"),
    NC_("reason", "non-payment"),
    NC_("reason", "abuse"),
    NC_("reason", "chargeback"),
    NC_("cycle", "monthly"),
    NC_("cycle", "quarterly"),
    NC_("cycle", "semiannual"),
    NC_("cycle", "annual"),
    NC_("cycle", "biennial"),
    NC_("cycle", "triennial"),
    NC_("invoice kind", "order"),
    NC_("invoice kind", "renewal"),
    NC_("invoice kind", "fee"),
    NC_("invoice kind", "upgrade"),
    NC_("invoice kind", "restoration"),
    NC_("invoice kind", "quote"),
    NC_("stage", "first"),
    NC_("stage", "second"),
    NC_("stage", "final"),
    NC_("filter", "all"),
    NC_("status", "pending"),
    NC_("status", "sent"),
    NC_("status", "failed"),
    NC_("status", "unknown"),
    NC_("status", "sending"),
    NC_("status", "open"),
    NC_("status", "answered"),
    NC_("status", "client-reply"),
    NC_("status", "closed"),
    NC_("status", "accepted"),
    NC_("status", "declined"),
    NC_("status", "expired"),
    NC_("status", "completed"),
    NC_("status", "received"),
    NC_("status", "reversed"),
    NC_("status", "earned"),
    NC_("status", "review"),
    NC_("status", "applied"),
    NC_("status", "ignored"),
    NC_("status", "met"),
    NC_("status", "breached"),
    NC_("support plan", "standard"),
    NC_("support plan", "professional"),
    NC_("support plan", "full"),
    NC_("author", "client"),
    NC_("author", "staff"),
    NC_("line kind", "item"),
    NC_("line kind", "discount"),
    NC_("line kind", "fee"),
    NC_("line kind", "credit"),
    NC_("entry kind", "invoice"),
    NC_("entry kind", "payment"),
    NC_("entry kind", "discount"),
    NC_("entry kind", "chargeback"),
    NC_("entry kind", "cancellation"),
    NC_("entry kind", "refund"),
    NC_("entry kind", "credit_note"),
    NC_("daily action", "invoice"),
    NC_("daily action", "reminder"),
    NC_("daily action", "suspend"),
    NC_("daily action", "suspend-client"),
    NC_("daily action", "terminate"),
    NC_("daily action", "end"),
    NC_("daily action", "expire"),
    NC_("daily action", "delete-domain"),
    NC_("daily action", "expire-quote"),
    NC_("statement line", "review"),
    NC_("statement line", "applied"),
    NC_("statement line", "ignored"),
)
WORDS: dict[tuple[str, str], LazyText] = {(w.context or "", str(w)): w for w in _WORDS}


def word(context: str, code: object) -> str:
    """``code`` said of ``context`` (``"service"``, ``"invoice"``, ``"client"``,
    ``"reason"``, ``"cycle"``, ``"invoice kind"``, ``"stage"``): a ``LazyText`` that
    ``localize`` translates, or the code itself when it has no word."""
    if code is None:
        return ""
    found = WORDS.get((context, str(code)))
    return found if found is not None else str(code)


def say(context: str, code: object) -> str:
    """``word`` translated now, for a sentence made with ``_`` (which formats at once)."""
    from hostctl.i18n import localize

    return localize(word(context, code))


def _folded(text: str) -> str:
    """``text`` to compare as a person types it: lower case, no accents, hyphens and
    underscores as spaces, single spaces (``Respuesta-del-Cliente`` → ``respuesta del
    cliente``)."""
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.replace("-", " ").replace("_", " ").split())


def read_code(context: str, value: str, codes: Sequence[str], what: str) -> str:
    """The code a filter's ``value`` names (``invoice list --status``): the code itself in
    any session (``overdue``), or in a Spanish session the word the screen shows for it
    (``word(context, code)``: ``vencida``, ``Vencida``, ``VENCIDA``), case- and
    accent-insensitive. Anything else is one sentence naming ``what`` is asked for
    (an ``N_`` text) and the accepted values as the session shows them. The codes are the
    one definition: the words come from this module's ``_WORDS`` through the catalog."""
    from hostctl.errors import ValidationError
    from hostctl.i18n import _, language, localize

    cleaned = (value or "").strip().lower()
    if cleaned in codes:
        return cleaned
    spanish = language() != "en"
    if spanish:
        typed = _folded(value or "")
        for code in codes:
            if _folded(say(context, code)) == typed:
                return code
    allowed = [say(context, code) if spanish else code for code in codes]
    raise ValidationError(
        _("Unknown {what} {value!r}; use one of {allowed}.").format(
            what=localize(what), value=value, allowed=", ".join(allowed)
        )
    )


# The notes hostctl itself writes into the audit log, as stored (English); a person reads
# them in the session's language. A note typed by staff (a reason) matches none and is shown
# as written.
_NOTES = (
    N_("service terminated for non-payment"),
    N_("first invoice paid"),
    N_("activated by staff"),
    N_("chargeback"),
    N_("chargeback of payment"),
    N_("payment above invoice total"),
    N_("cancelled invoice"),
    N_("affiliate withdrawal"),
    N_("imported from {file}, line {line}"),
    N_("restoration invoice {number} paid"),
    N_("2×1 with invoice {number}"),
    N_("quote {quote_id}"),
    N_("transfer {transfer_id}"),
    N_("not confirmed by both holders by {date}"),
    N_("upgrade of service {service_id}"),
    N_("refund of service {service_id}"),
    N_("cycle change of service {service_id}"),
    N_("cancellation of service {service_id}"),
    N_("uptime credit {month} service {service_id}"),
)
_FIELD = re.compile(r"\\\{(\w+)\\\}")


@cache
def _note_patterns() -> list[tuple[re.Pattern[str], str]]:
    return [
        (re.compile(_FIELD.sub(r"(?P<\1>.+?)", re.escape(str(n.msgid))) + r"\Z"), n.msgid)
        for n in _NOTES
    ]


def note(text: str | None) -> str:
    """An audit-log note as a person reads it: one hostctl writes (``"imported from
    clients.csv, line 5"``) becomes a ``LazyText`` that ``localize`` translates; anything
    else (a reason typed by staff) is returned as it is."""
    if not text:
        return text or ""
    for pattern, msgid in _note_patterns():
        found = pattern.match(text)
        if found:
            return LazyText(msgid, **found.groupdict())
    return text


class Amount(str):
    """An amount inside an ``N_`` text: its value is ``"96.00 USD"`` (what ``--json`` says),
    ``output.people`` shows it as every amount is shown to a person (``US$ 96,00`` on a
    terminal)."""

    money: Any

    def __new__(cls, money: Any) -> Amount:
        text = super().__new__(cls, f"{money.to_json()} {money.currency}")
        text.money = money
        return text
