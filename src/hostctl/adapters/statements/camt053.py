"""ISO 20022 camt.053, the bank-to-customer statement (any version of the namespace
``urn:iso:std:iso:20022:tech:xsd:camt.053.001.*``): ``BkToCstmrStmt/Stmt`` with the account
(``Acct/Id/IBAN``, or ``Acct/Id/Othr/Id``), its balances (``Bal``, not lines) and its entries
(``Ntry``), one line each:

* the transaction id is the bank's reference ``AcctSvcrRef`` of the entry, else of its first
  transaction (``NtryDtls/TxDtls/Refs/AcctSvcrRef``), else that transaction's
  ``EndToEndId`` (not ``NOTPROVIDED``); an entry with none of them is refused, since it
  could not be recorded once;
* ``Amt`` with its ``Ccy``; ``CdtDbtInd`` ``CRDT`` is money in, ``DBIT`` money out (a
  line that is not a payment, ``debit``); a credit that reverses a debit (``RvslInd``) is not
  a payment either;
* the day is ``BookgDt`` (``Dt``, or ``DtTm`` in the company's time zone), else ``ValDt``;
* the reference is the remittance text (``RmtInf/Ustrd``, or the structured
  ``RmtInf/Strd/CdtrRefInf/Ref``); the payer is ``RltdPties/Dbtr`` (``Nm``, or ``Pty/Nm`` as
  from version 08), its document the first ``Id/…/Othr/Id``;
* an entry still pending (``Sts`` ``PDNG`` or ``INFO``) is not a line, as a PayPal payment
  not yet completed is not.

Read with ``defusedxml``'s ``iterparse``, forbidding a DOCTYPE: a document type or an entity
declaration is refused before anything is expanded, and the entries are read one at a
time (each cleared once read), so a statement of any length stays in flat memory."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import suppress
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from hostctl.adapters.statements.common import (
    Source,
    bad_amount,
    bad_date,
    clean,
    currency,
    local_date,
    not_this_format,
    parse_amount,
)
from hostctl.adapters.statements.common import transaction_id as checked_id
from hostctl.core.receipts.lines import DEBIT, ParsedLine
from hostctl.errors import ImportFileError
from hostctl.i18n import N_, _

KIND = N_("a camt.053 bank statement")
NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:camt.053."
PENDING = frozenset({"PDNG", "INFO"})
NOT_PROVIDED = "NOTPROVIDED"


def looks_like(sample: bytes) -> bool:
    return NAMESPACE.encode() in sample


def _events(source: Source) -> Iterator[tuple[str, Element]]:
    """The parse events of the file; a DOCTYPE, an entity, XML that is not well formed:
    one sentence."""
    with source.open() as handle:
        try:
            yield from iterparse(handle, events=("start", "end"), forbid_dtd=True)
        except DefusedXmlException:
            raise ImportFileError(
                _(
                    "{file} declares a document type or entities, which a bank statement "
                    "never does; it was refused without being read."
                ).format(file=source.name)
            ) from None
        except ParseError as exc:
            raise ImportFileError(
                _("{file} is not well-formed XML ({error}).").format(file=source.name, error=exc)
            ) from None


def _split(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        namespace, _sep, local = tag[1:].partition("}")
        return namespace, local
    return "", tag


class _Paths:
    """``find`` with paths written without the namespace."""

    def __init__(self, namespace: str) -> None:
        self.prefix = f"{{{namespace}}}" if namespace else ""
        self._cache: dict[str, str] = {}

    def path(self, path: str) -> str:
        found = self._cache.get(path)
        if found is None:
            found = "/".join(self.prefix + part for part in path.split("/"))
            self._cache[path] = found
        return found

    def find(self, element: Element, *paths: str) -> Element | None:
        for path in paths:
            found = element.find(self.path(path))
            if found is not None:
                return found
        return None

    def text(self, element: Element | None, *paths: str) -> str | None:
        if element is None:
            return None
        for path in paths:
            found = element.find(self.path(path))
            text = clean(found.text) if found is not None else None
            if text:
                return text
        return None


def account(source: Source) -> str:
    """The statement's account, ``camt053:<IBAN or id>``: read up to the first ``Acct``
    (a DOCTYPE before it is refused here, before any line is asked for)."""
    paths: _Paths | None = None
    for event, element in _events(source):
        namespace, local = _split(element.tag)
        if paths is None:
            if not namespace.startswith(NAMESPACE):
                raise not_this_format(source.name, KIND)
            paths = _Paths(namespace)
        if event == "end" and local == "Acct":
            found = _account_id(paths, element)
            if found:
                return found
    raise not_this_format(source.name, KIND)


def _account_id(paths: _Paths, acct: Element) -> str | None:
    found = paths.text(acct, "Id/IBAN", "Id/Othr/Id")
    return f"camt053:{found.replace(' ', '')}" if found else None


def lines(source: Source, statement_source: str, tz: dt.tzinfo) -> Iterator[ParsedLine]:
    paths = _Paths("")
    statement: Element | None = None  # the Stmt being read: its entries are removed once read
    number = 0
    for event, element in _events(source):
        namespace, local = _split(element.tag)
        if event == "start":
            if not paths.prefix and namespace:
                paths = _Paths(namespace)
            if local == "Stmt":
                statement = element
            continue
        if local == "Acct":
            other = _account_id(paths, element)
            if other and other != statement_source:
                raise ImportFileError(
                    _(
                        "{file} holds the statements of two accounts ({first} and {other}); "
                        "import the statement of each account on its own."
                    ).format(file=source.name, first=statement_source, other=other)
                )
        elif local == "Ntry":
            number += 1
            line = _entry(source.name, paths, element, number, tz)
            element.clear()
            if statement is not None:  # flat memory: nothing of a read entry is kept (the
                with suppress(ValueError):  # read entries go first: found at once)
                    statement.remove(element)
            if line is not None:
                yield line


def _entry(
    name: str, paths: _Paths, entry: Element, number: int, tz: dt.tzinfo
) -> ParsedLine | None:
    where = _("entry {number}").format(number=number)
    status = paths.text(entry, "Sts/Cd", "Sts")
    if status in PENDING:
        return None
    details = paths.find(entry, "NtryDtls/TxDtls")
    transaction_id = paths.text(entry, "AcctSvcrRef") or paths.text(details, "Refs/AcctSvcrRef")
    if not transaction_id:
        end_to_end = paths.text(details, "Refs/EndToEndId")
        transaction_id = end_to_end if end_to_end != NOT_PROVIDED else None
    if not transaction_id:
        raise ImportFileError(
            _(
                "{file}, {where}: the entry has no AcctSvcrRef nor EndToEndId, so it could "
                "not be recorded once."
            ).format(file=name, where=where)
        )
    amount_element = paths.find(entry, "Amt")
    written = (amount_element.text or "").strip() if amount_element is not None else ""
    try:
        amount = parse_amount(written)
    except ValueError:
        raise bad_amount(name, where, written) from None
    credit = paths.text(entry, "CdtDbtInd") == "CRDT"
    reversal = (paths.text(entry, "RvslInd") or "").lower() == "true"
    return ParsedLine(
        transaction_id=checked_id(name, where, transaction_id),
        date=_date(name, where, paths, entry, tz),
        amount=abs(amount) if credit else -abs(amount),
        currency=currency(
            name, where, amount_element.get("Ccy", "") if amount_element is not None else ""
        ),
        payer=paths.text(details, "RltdPties/Dbtr/Nm", "RltdPties/Dbtr/Pty/Nm"),
        payer_document=paths.text(
            details,
            "RltdPties/Dbtr/Id/OrgId/Othr/Id",
            "RltdPties/Dbtr/Id/PrvtId/Othr/Id",
            "RltdPties/Dbtr/Pty/Id/OrgId/Othr/Id",
            "RltdPties/Dbtr/Pty/Id/PrvtId/Othr/Id",
        ),
        reference=_remittance(paths, details),
        description=paths.text(entry, "AddtlNtryInf") or paths.text(details, "AddtlTxInf"),
        not_payment=None if credit and not reversal else ("reversal" if credit else DEBIT),
    )


def _remittance(paths: _Paths, details: Element | None) -> str | None:
    if details is None:
        return None
    info = paths.find(details, "RmtInf")
    if info is None:
        return None
    texts = [u.text for u in info.findall(paths.path("Ustrd")) if u.text]
    if texts:
        return clean(" ".join(texts))
    return paths.text(info, "Strd/CdtrRefInf/Ref")


def _date(name: str, where: str, paths: _Paths, entry: Element, tz: dt.tzinfo) -> dt.date:
    for base in ("BookgDt", "ValDt"):
        day = paths.text(entry, f"{base}/Dt")
        moment = paths.text(entry, f"{base}/DtTm")
        try:
            if day:
                return dt.date.fromisoformat(day)
            if moment:
                return local_date(dt.datetime.fromisoformat(moment), tz)
        except ValueError:
            raise bad_date(name, where, day or moment or "") from None
    raise ImportFileError(
        _("{file}, {where}: the entry has no booking date nor value date.").format(
            file=name, where=where
        )
    )
