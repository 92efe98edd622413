"""OFX bank statements, 1.x (SGML, with the ``OFXHEADER:100`` header) and 2.x (XML, with
the ``<?OFX …?>`` declaration), read by ``ofxtools``, which parses both and checks them
against the specification: ``STMTRS`` (or ``CCSTMTRS``) with the account
(``BANKACCTFROM/ACCTID``, the source ``ofx:<ACCTID>``), ``CURDEF`` and its ``STMTTRN``:

* ``FITID`` is the transaction id; ``TRNAMT`` the amount (positive money in), in the
  transaction's ``CURRENCY`` when it names one, else in ``CURDEF``;
* ``DTPOSTED`` the day: a date alone (``20240301``) is that day, a moment (with its
  ``[-3:ART]`` offset, UTC when none) the day it falls on in the company's time zone;
* ``NAME`` (or ``PAYEE/NAME``) the payer, ``MEMO`` the reference;
* money out is a line that is not a payment (``fee`` for ``FEE``/``SRVCHG``, else ``debit``);
  interest and dividends coming in are not payments either.

An OFX file is small (one account, one period) and ``ofxtools`` parses it whole; the file
is bounded as every import file is. A document type or an entity declaration is refused
before the file is parsed (OFX never has one)."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from hostctl.adapters.statements.common import (
    Source,
    bad_amount,
    bad_date,
    clean,
    currency,
    not_this_format,
    transaction_id,
)
from hostctl.core.receipts.lines import DEBIT, FEE, ParsedLine
from hostctl.errors import ImportFileError
from hostctl.i18n import N_, _

KIND = N_("an OFX bank statement")
_V1 = re.compile(rb"^\s*OFXHEADER\s*:\s*100", re.IGNORECASE)
_V2 = re.compile(rb"<\?OFX\s|<OFX>", re.IGNORECASE)
_DECLARATIONS = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_DTPOSTED = re.compile(r"\d{8}(\d{4}(\d{2}(\.\d{1,3})?)?)?(\[[+-]?\d{1,2}(\.\d\d)?(:\w+)?\])?")
_DATE_ONLY = re.compile(r"\s*\d{8}\s*")
FEE_TYPES = frozenset({"FEE", "SRVCHG"})
INCOME_TYPES = frozenset({"INT", "DIV"})


def looks_like(sample: bytes) -> bool:
    return bool(_V1.match(sample.lstrip(b"\xef\xbb\xbf")) or _V2.search(sample))


def read(source: Source, tz: dt.tzinfo) -> tuple[str, Iterator[ParsedLine]]:
    """The statement's source (``ofx:<ACCTID>``) and its lines. The file is parsed here,
    whole: a file that is not OFX, or not valid OFX, is refused before any line."""
    from ofxtools.Parser import OFXTree

    with source.open() as handle:
        data = handle.read()
    if _DECLARATIONS.search(data):
        raise ImportFileError(
            _(
                "{file} declares a document type or entities, which an OFX statement never "
                "does; it was refused without being read."
            ).format(file=source.name)
        )
    tree = OFXTree()
    try:
        tree.parse(io.BytesIO(data))
    except (SyntaxError, ValueError, TypeError, KeyError, IndexError) as exc:
        raise _unreadable(source.name, exc) from None
    root = tree.getroot()
    transactions = list(root.iter("STMTTRN")) if root is not None else []
    _check_values(source.name, transactions)
    try:
        statements = list(tree.convert().statements)
    except (SyntaxError, ValueError, ArithmeticError, TypeError, KeyError, IndexError) as exc:
        raise _unreadable(source.name, exc) from None
    if not statements:
        raise not_this_format(source.name, KIND)
    accounts = list(dict.fromkeys(str(s.account.acctid) for s in statements))
    if len(accounts) > 1:
        raise ImportFileError(
            _(
                "{file} holds the statements of two accounts ({first} and {other}); import "
                "the statement of each account on its own."
            ).format(file=source.name, first=f"ofx:{accounts[0]}", other=f"ofx:{accounts[1]}")
        )
    raw_dates = [element.findtext("DTPOSTED") or "" for element in transactions]
    return f"ofx:{accounts[0]}", _lines(source.name, statements, raw_dates, tz)


def _unreadable(name: str, exc: Exception) -> ImportFileError:
    return ImportFileError(
        _("{file} cannot be read as OFX: {error}.").format(file=name, error=_why(exc))
    )


def _check_values(name: str, transactions: list[Any]) -> None:
    """An amount or a date that cannot be read, named by its transaction (``ofxtools``
    would say only that some value somewhere is wrong)."""
    for number, element in enumerate(transactions, 1):
        where = _("transaction {number}").format(number=number)
        amount = (element.findtext("TRNAMT") or "").strip()
        try:
            Decimal(amount.replace(",", "."))
        except ArithmeticError:
            raise bad_amount(name, where, amount) from None
        posted = (element.findtext("DTPOSTED") or "").strip()
        if not _DTPOSTED.fullmatch(posted):
            raise bad_date(name, where, posted)


def _why(exc: Exception) -> str:
    """What ``ofxtools`` said, its first line, short (its messages can quote the file)."""
    lines = str(exc).strip().splitlines()
    why = lines[0].strip().rstrip(".:") if lines else ""
    return (why[:97] + "…" if len(why) > 100 else why) or type(exc).__name__


def _lines(
    name: str, statements: list[Any], raw_dates: list[str], tz: dt.tzinfo
) -> Iterator[ParsedLine]:
    number = 0
    for statement in statements:
        default_currency = str(statement.curdef)
        for transaction in statement.banktranlist or ():
            raw = raw_dates[number] if number < len(raw_dates) else ""
            number += 1
            yield _line(name, transaction, default_currency, raw, number, tz)


def _line(
    name: str, trn: Any, default: str, raw_date: str, number: int, tz: dt.tzinfo
) -> ParsedLine:
    where = _("transaction {number}").format(number=number)
    amount = Decimal(trn.trnamt)
    kind = str(trn.trntype).upper()
    if amount <= 0:
        not_payment: str | None = FEE if kind in FEE_TYPES else DEBIT
    else:
        not_payment = "interest" if kind in INCOME_TYPES else None
    payer = trn.name or (trn.payee.name if trn.payee is not None else None)
    return ParsedLine(
        transaction_id=transaction_id(name, where, str(trn.fitid)),
        date=_day(name, raw_date, trn.dtposted, number, tz),
        amount=amount,
        currency=currency(name, where, str(trn.currency.cursym) if trn.currency else default),
        payer=clean(str(payer)) if payer else None,
        reference=clean(str(trn.memo)) if trn.memo else None,
        not_payment=not_payment,
    )


def _day(name: str, raw: str, posted: Any, number: int, tz: dt.tzinfo) -> dt.date:
    """A DTPOSTED that is a date alone is that day (``ofxtools`` would make it midnight
    UTC, the evening before in Buenos Aires); a moment is the day it falls on in ``tz``."""
    if _DATE_ONLY.fullmatch(raw):
        try:
            return dt.datetime.strptime(raw.strip(), "%Y%m%d").date()
        except ValueError:
            raise bad_date(name, _("transaction {number}").format(number=number), raw) from None
    moment: dt.datetime = posted
    return moment.astimezone(tz).date()
