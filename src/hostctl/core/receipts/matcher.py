"""Which invoices a statement line pays (rules §14, PAY-4): two rules, nothing cleverer.

1. *invoice-number*: a number of an invoice (hostctl's ``2026-000123``, or one kept from
   WHMCS such as ``4711``) is a whole token of the line's reference or description, the
   invoice is unpaid, in the line's currency, and the amount is at most twice its amount due.
2. *payer-amount*: the payer's email (case-insensitive) or document number (by its digits)
   names exactly one client, and that client has exactly one unpaid invoice in the line's
   currency whose amount due equals the amount, or the amount equals all of them together
   (paid oldest first: by due date, then id).

Anything else is a ``Review`` with one sentence of why and the candidates a person chooses
from (PAY-5): the invoices the line names, the payer's clients and their unpaid invoices
whose amount due equals the amount. When both rules hold they must agree.

The look-ups are set-based: a batch of lines costs a handful of ``IN`` queries over indexed
columns (``invoices.number``, ``clients.email_key``, ``clients.document_key``,
``invoices.client_id``), never a query per line nor a scan of all clients or invoices.

Which tokens count as invoice numbers (docs/decisions.md, "Matching statement lines"):
a token is a word of the text, split at white space and at ``# : ; ( ) [ ] { } < > " ' ° º
= |``, with ``. , ! ? ¡ ¿ *`` trimmed from its ends; words without a digit are not numbers.
A word is looked up as written (and upper-cased); a hostctl-shaped number inside a longer
word (``FAC2026-000123``) is looked up too. A word of digits only (a WHMCS number like
``4711``) is looked up only when it has at least 3 digits, is not a year (1900–2099) and is
not the line's amount in whole units: dates (``05/12/2026``, ``2026-12-05``) and amounts
(``1.234,56``, ``1500.00``) are single words that are not plain digits, so their parts are
never looked up."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from hostctl.core.bulk import chunks
from hostctl.core.money import MINOR_DIGITS, Money
from hostctl.core.receipts.lines import ParsedLine
from hostctl.i18n import _, ngettext
from hostctl.models import Client, Invoice, StatementLine

INVOICE_NUMBER, PAYER_AMOUNT = "invoice-number", "payer-amount"
IN_SIZE = 1000  # values per IN list

_WORD_SPLIT = re.compile(r"[\s#:;()\[\]{}<>\"'°º=|]+")
_TRIM = ".,!?¡¿*"
_HOSTCTL_NUMBER = re.compile(r"(?<![0-9])[0-9]{4}-[0-9]{6}(?![0-9])")
_DIGIT = re.compile(r"[0-9]")
_NOT_DIGIT = re.compile(r"[^0-9]")
_NOT_ALNUM = re.compile(r"[^0-9A-Za-z]")
_WORD_MAX = 60  # longer words are not invoice numbers (invoices.number is short)
_PLAIN_MIN = 3  # fewer digits: a quantity, a day or a month, not an invoice number


@dataclass(frozen=True)
class Match:
    """The line pays these invoices, in this order (oldest first)."""

    invoice_ids: tuple[int, ...]
    by: str  # "invoice-number" | "payer-amount"


@dataclass(frozen=True)
class Review:
    """The line waits for a person: why, and what they may choose from."""

    why: str
    candidates: tuple[tuple[int, int | None], ...]  # (client_id, invoice_id or None)


Result = Match | Review


@dataclass(frozen=True)
class _Probe:
    """What the rules look at of a line, parsed or stored."""

    amount_minor: int | None  # None: a currency hostctl does not bill in
    currency: str
    amount_text: str  # the amount in whole units when it has no cents ("1500"), else ""
    tokens: tuple[str, ...]  # the invoice numbers it may name, to look up
    email_key: str | None
    document_keys: tuple[str, ...]


@dataclass(slots=True)
class _Inv:
    """An invoice as the rules see it; ``due_minor`` and ``status`` follow what earlier lines
    of the same batch pay (``_Lookups.pay``)."""

    id: int
    number: str
    client_id: int
    status: str
    currency: str
    due_minor: int
    due_date: dt.date

    @property
    def order(self) -> tuple[dt.date, int]:
        return (self.due_date, self.id)


# --------------------------------------------------------------------------- tokens
def invoice_tokens(text: str | None, amount_text: str = "") -> list[str]:
    """The strings of ``text`` that are looked up as invoice numbers (see the module's
    docstring for what counts)."""
    found: list[str] = []
    for raw in _WORD_SPLIT.split(text or ""):
        word = raw.strip(_TRIM)
        if not word or len(word) > _WORD_MAX or not _DIGIT.search(word):
            continue
        if word.isascii() and word.isdigit():
            if len(word) < _PLAIN_MIN or word == amount_text:
                continue
            if len(word) == 4 and "1900" <= word <= "2099":
                continue  # a year
            found.append(word)
            continue
        found.append(word)
        if word.upper() != word:
            found.append(word.upper())
        found.extend(m.group(0) for m in _HOSTCTL_NUMBER.finditer(word) if m.group(0) != word)
    return found


def _probe(
    amount: Decimal | None,
    amount_minor: int | None,
    currency: str,
    texts: Iterable[str | None],
    email: str | None,
    document: str | None,
) -> _Probe:
    code = (currency or "").strip().upper()
    minor: int | None = None
    amount_text = ""
    if code in MINOR_DIGITS:
        minor = Money.of(amount, code).minor if amount is not None else amount_minor
        if minor is not None:
            scale = 10 ** MINOR_DIGITS[code]
            if minor % scale == 0:
                amount_text = str(abs(minor) // scale)
    tokens: dict[str, None] = {}
    for text in texts:
        if not text or not _DIGIT.search(text):
            continue
        for token in invoice_tokens(text, amount_text):
            tokens[token] = None
    email_key = (email or "").strip().lower() or None
    keys: dict[str, None] = {}
    if document:
        for key in (_NOT_DIGIT.sub("", document), _NOT_ALNUM.sub("", document).upper()):
            if key:
                keys[key] = None
    return _Probe(minor, code, amount_text, tuple(tokens), email_key, tuple(keys))


def _of_parsed(line: ParsedLine) -> _Probe:
    return _probe(
        line.amount,
        None,
        line.currency,
        (line.reference, line.description),
        line.payer_email,
        line.payer_document,
    )


def _of_stored(line: StatementLine) -> _Probe:
    return _probe(
        None,
        line.amount_minor,
        line.currency,
        (line.reference, line.description),
        line.payer_email,
        line.payer_document,
    )


# --------------------------------------------------------------------------- look-ups
_INVOICES: sa.Table = Invoice.__table__  # type: ignore[attr-defined]
_CLIENTS: sa.Table = Client.__table__  # type: ignore[attr-defined]
_INV_COLUMNS = tuple(
    _INVOICES.c[name]
    for name in (
        "id",
        "number",
        "client_id",
        "status",
        "currency",
        "total_minor",
        "paid_minor",
        "due_date",
    )
)


def _inv(row: Any) -> _Inv:
    return _Inv(  # a new one each time: ``_Lookups.keep`` makes each invoice one object
        id=row[0],
        number=row[1],
        client_id=row[2],
        status=row[3],
        currency=row[4],
        due_minor=row[5] - row[6],
        due_date=row[7],
    )


class _Lookups:
    """Everything a batch of lines needs from the database, fetched with IN lists."""

    def __init__(self, session: Session, probes: Sequence[_Probe]) -> None:
        self.by_number: dict[str, _Inv] = {}
        self.by_email: dict[str, int] = {}
        self.by_document: dict[str, list[int]] = {}
        self.unpaid: dict[int, list[_Inv]] = {}  # client → unpaid invoices, oldest first
        self.by_id: dict[int, _Inv] = {}
        execute = session.connection().execute
        numbers = sorted({t for p in probes if p.amount_minor is not None for t in p.tokens})
        for part in chunks(numbers, IN_SIZE):
            rows = execute(sa.select(*_INV_COLUMNS).where(Invoice.number.in_(part)))  # type: ignore[attr-defined]
            for row in rows:
                invoice = self.keep(_inv(row))
                self.by_number[invoice.number] = invoice
        emails = sorted({p.email_key for p in probes if p.email_key})
        for part in chunks(emails, IN_SIZE):
            rows = execute(
                sa.select(_CLIENTS.c.id, _CLIENTS.c.email_key).where(_CLIENTS.c.email_key.in_(part))
            )
            for client_id, key in rows:
                self.by_email[key] = client_id
        documents = sorted({k for p in probes for k in p.document_keys})
        for part in chunks(documents, IN_SIZE):
            rows = execute(
                sa.select(_CLIENTS.c.id, _CLIENTS.c.document_key).where(
                    _CLIENTS.c.document_key.in_(part)
                )
            )
            for client_id, key in rows:
                self.by_document.setdefault(key, []).append(client_id)
        clients = sorted(
            set(self.by_email.values()) | {c for v in self.by_document.values() for c in v}
        )
        for ids in chunks(clients, IN_SIZE):
            rows = execute(
                sa.select(*_INV_COLUMNS).where(
                    _INVOICES.c.client_id.in_(ids),
                    # ``status || ''``: so that SQLite looks up by client (a few rows each)
                    # rather than through the index on status (every unpaid invoice).
                    _INVOICES.c.status.concat("") == "unpaid",
                )
            )
            for row in rows:
                invoice = self.keep(_inv(row))
                self.unpaid.setdefault(invoice.client_id, []).append(invoice)
        for invoices in self.unpaid.values():
            invoices.sort(key=lambda i: i.order)

    def keep(self, invoice: _Inv) -> _Inv:
        return self.by_id.setdefault(invoice.id, invoice)

    def pay(self, amount_minor: int, invoice_ids: Sequence[int]) -> None:
        """What a matched line pays, oldest first, as the next lines of the batch see it: the
        batch is matched as if its lines were recorded one after the other."""
        left = amount_minor
        for invoice_id in invoice_ids:
            invoice = self.by_id[invoice_id]
            paid = min(left, invoice.due_minor)
            invoice.due_minor -= paid
            left -= paid
            if invoice.due_minor <= 0:
                invoice.status = "paid"

    def payer_clients(self, probe: _Probe) -> list[int]:
        found: dict[int, None] = {}
        if probe.email_key and probe.email_key in self.by_email:
            found[self.by_email[probe.email_key]] = None
        for key in probe.document_keys:
            for client_id in self.by_document.get(key, ()):
                found[client_id] = None
        return sorted(found)

    def owed(self, client_id: int, currency: str) -> list[_Inv]:
        """The client's unpaid invoices in ``currency`` with something due, oldest first."""
        return [
            i
            for i in self.unpaid.get(client_id, ())
            if i.status == "unpaid" and i.currency == currency and i.due_minor > 0
        ]


# --------------------------------------------------------------------------- rules
def _by_number(probe: _Probe, found: list[_Inv]) -> Result | None:
    """Rule 1 on the invoices the line names (None: it names none)."""
    if not found:
        return None
    found = sorted(found, key=lambda i: i.order)
    named = tuple((i.client_id, i.id) for i in found)
    if len({i.client_id for i in found}) > 1:
        return Review(_("the line names invoices of several clients"), named)
    usable = [i for i in found if i.status == "unpaid" and i.currency == probe.currency]
    if not usable:
        first = found[0]
        if first.status != "unpaid":
            if first.status == "paid":
                why = _("invoice {number} is already paid")
            elif first.status == "cancelled":
                why = _("invoice {number} is cancelled")
            elif first.status == "refunded":
                why = _("invoice {number} was refunded")
            else:
                why = _("invoice {number} is not waiting for a payment")
            return Review(why.format(number=first.number), named)
        return Review(
            _("invoice {number} is in {currency}, the line in {line_currency}").format(
                number=first.number, currency=first.currency, line_currency=probe.currency
            ),
            named,
        )
    assert probe.amount_minor is not None
    due = sum(i.due_minor for i in usable)
    if probe.amount_minor > 2 * due:
        numbers = ", ".join(i.number for i in usable)
        return Review(
            ngettext(
                "the amount is more than twice the amount due of invoice {number}",
                "the amount is more than twice the amount due of invoices {number}",
                len(usable),
            ).format(number=numbers),
            named,
        )
    return Match(tuple(i.id for i in usable), INVOICE_NUMBER)


def _by_payer(probe: _Probe, clients: list[int], look: _Lookups) -> Result | None:
    """Rule 2 (None: the payer names no client)."""
    if not clients:
        return None
    amount = probe.amount_minor
    assert amount is not None

    def offered(client_id: int) -> list[tuple[int, int | None]]:
        equal = [i for i in look.owed(client_id, probe.currency) if i.due_minor == amount]
        return [(client_id, i.id) for i in equal] or [(client_id, None)]

    if len(clients) > 1:
        return Review(
            _("the payer matches several clients"),
            tuple(c for client_id in clients for c in offered(client_id)),
        )
    client_id = clients[0]
    owed = look.owed(client_id, probe.currency)
    if not owed:
        return Review(
            _("the payer has no unpaid invoice in {currency}").format(currency=probe.currency),
            ((client_id, None),),
        )
    equal = [i for i in owed if i.due_minor == amount]
    if len(equal) == 1:
        return Match((equal[0].id,), PAYER_AMOUNT)
    if len(equal) > 1:
        return Review(
            _("several unpaid invoices of the payer have that amount due"),
            tuple((client_id, i.id) for i in equal),
        )
    if sum(i.due_minor for i in owed) == amount:
        return Match(tuple(i.id for i in owed), PAYER_AMOUNT)
    return Review(
        _("the amount is neither one unpaid invoice of the payer nor all of them together"),
        ((client_id, None),),
    )


def _merge(*groups: Iterable[tuple[int, int | None]]) -> tuple[tuple[int, int | None], ...]:
    """The candidates of several groups, each once; a client with an invoice among them is
    not offered again without one."""
    seen: dict[tuple[int, int | None], None] = {}
    for group in groups:
        for item in group:
            seen[item] = None
    with_invoice = {client_id for client_id, invoice_id in seen if invoice_id is not None}
    return tuple(c for c in seen if c[1] is not None or c[0] not in with_invoice)


def _candidates_of(result: Result | None) -> tuple[tuple[int, int | None], ...]:
    return result.candidates if isinstance(result, Review) else ()


def _decide(probe: _Probe, look: _Lookups) -> Result:
    if probe.amount_minor is None:
        return Review(
            _("hostctl does not bill in the currency {currency}").format(
                currency=probe.currency or "?"
            ),
            (),
        )
    if probe.amount_minor <= 0:
        return Review(_("the line is not money coming in"), ())
    found = [look.by_number[t] for t in probe.tokens if t in look.by_number]
    unique = list({i.id: i for i in found}.values())
    first = _by_number(probe, unique)
    clients = look.payer_clients(probe)
    second = _by_payer(probe, clients, look)
    if isinstance(first, Match):
        if isinstance(second, Match) and second.invoice_ids != first.invoice_ids:
            owner = unique[0].client_id
            return Review(
                _("the invoice number and the payer point to different invoices"),
                _merge(
                    ((owner, i) for i in first.invoice_ids),
                    ((clients[0], i) for i in second.invoice_ids),
                ),
            )
        return first
    if isinstance(first, Review):
        extra: tuple[tuple[int, int | None], ...] = ()
        if isinstance(second, Match):
            extra = tuple((clients[0], i) for i in second.invoice_ids)
        return Review(first.why, _merge(first.candidates, extra, _candidates_of(second)))
    if second is not None:
        return second
    return Review(_("no invoice number or payer matched"), ())


# --------------------------------------------------------------------------- entry points
def match_lines(session: Session, lines: Sequence[ParsedLine]) -> list[Result]:
    """One ``Match`` or ``Review`` per line, in the order of ``lines``. The caller leaves out
    the lines that are not payments (``not_payment``) and passes batches of up to a few
    thousand lines: the look-ups are a few IN queries per batch. The lines of a batch are
    matched as if recorded one after the other: a line sees the invoices that earlier lines
    of the batch pay as paid (or with less due); the caller records a batch's payments before
    it matches the next batch."""
    probes = [_of_parsed(line) for line in lines]
    look = _Lookups(session, probes)
    results: list[Result] = []
    for probe in probes:
        result = _decide(probe, look)
        if isinstance(result, Match):
            assert probe.amount_minor is not None
            look.pay(probe.amount_minor, result.invoice_ids)
        results.append(result)
    return results


def candidates(
    session: Session, line: ParsedLine | StatementLine
) -> tuple[tuple[int, int | None], ...]:
    """The candidates of one line for ``payment review`` (PAY-5): those of its review, or,
    for a line the rules match, the invoices they match."""
    return candidates_many(session, [line])[0]


def candidates_many(
    session: Session, lines: Sequence[ParsedLine | StatementLine]
) -> list[tuple[tuple[int, int | None], ...]]:
    """``candidates`` of each of these lines, each decided on its own (none of them pays),
    with the look-ups of all of them made together."""
    probes = [_of_parsed(x) if isinstance(x, ParsedLine) else _of_stored(x) for x in lines]
    look = _Lookups(session, probes)
    owners = {i.id: i.client_id for i in look.by_number.values()}
    for invoices in look.unpaid.values():
        owners.update((i.id, i.client_id) for i in invoices)
    found: list[tuple[tuple[int, int | None], ...]] = []
    for probe in probes:
        result = _decide(probe, look)
        if isinstance(result, Review):
            found.append(result.candidates)
        else:
            found.append(tuple((owners[i], i) for i in result.invoice_ids))
    return found
