"""PayPal's activity download (Activity → Download, "Comma delimited"): a CSV in UTF-8
with the columns ``Date``, ``Time``, ``TimeZone``, ``Name``, ``Type``, ``Status``,
``Currency``, ``Gross``, ``Fee``, ``Net``, ``From Email Address``, ``To Email Address``,
``Transaction ID``, ``Reference Txn ID``, ``Invoice Number``, ``Subject``, ``Note`` …
(the set the account chose; names compared without case or spaces, so the older
``Time Zone`` is the same column).

Only ``Completed`` rows are lines (PAY-2): a pending payment is not read at all, and a
later download brings it when it is completed. Money out (a payment sent, a withdrawal to
the bank, a refund) and what moves no client's money to the company (a currency
conversion, a hold, a reversal, a deposit from the bank, ``Balance Impact`` ``Memo``) are
lines that are not payments.

An account whose PayPal is in Spanish downloads the same report with Spanish headings
(``Fecha``, ``Hora``, ``Zona horaria``, ``Tipo``, ``Estado``, ``Divisa``, ``Bruto``,
``Tarifa`` …, ``Id. de transacción``, ``Número de factura``), statuses (``Completado``)
and types (``Reembolso de pago``, ``Retiro general``): ``in_english`` reads its headings as
the English ones, and the statuses and types are compared in both languages.

``Date`` is written as the account's locale writes it (``payment.paypal_date_format``,
``%d/%m/%Y`` by default), ``Time`` as ``HH:MM:SS``, in the time zone ``TimeZone`` names
(``PDT``, ``CEST``, ``GMT-03:00``, ``America/Buenos_Aires``): the day is the one in the
company's time zone. Without ``Time`` or ``TimeZone`` the date is taken as written."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hostctl.adapters.statements.common import (
    Header,
    Row,
    Source,
    bad_amount,
    bad_date,
    clean,
    csv_rows,
    currency,
    key,
    parse_amount,
    place,
    transaction_id,
)
from hostctl.core.receipts.lines import DEBIT, FEE, PAYOUT, REFUND, ParsedLine
from hostctl.errors import ImportFileError
from hostctl.i18n import N_, _

KIND = N_("a PayPal activity download")
SIGNATURE = frozenset(
    {
        "transactionid",
        "timezone",
        "gross",
        "net",
        "fromemailaddress",
        "toemailaddress",
        "referencetxnid",
        "balanceimpact",
    }
)
REQUIRED = ("Date", "Type", "Status", "Currency", "Gross", "Transaction ID")
COMPLETED = frozenset({"completed", "completado", "completada"})
# The Spanish headings of the download (as PayPal writes them for an account in Spanish,
# with the variants of its Latin American and Spanish sites), by key (``common.key``) →
# the English heading.
SPANISH = {
    "fecha": "Date",
    "hora": "Time",
    "zonahoraria": "TimeZone",
    "nombre": "Name",
    "tipo": "Type",
    "estado": "Status",
    "divisa": "Currency",
    "moneda": "Currency",
    "bruto": "Gross",
    "tarifa": "Fee",
    "comisión": "Fee",
    "neto": "Net",
    "deladireccióndecorreoelectrónico": "From Email Address",
    "correoelectrónicodelremitente": "From Email Address",
    "aladireccióndecorreoelectrónico": "To Email Address",
    "correoelectrónicodeldestinatario": "To Email Address",
    "id.detransacción": "Transaction ID",
    "iddetransacción": "Transaction ID",
    "códigodetransacción": "Transaction ID",
    "id.dereferenciadetrans.": "Reference Txn ID",
    "id.dereferenciadetransacción": "Reference Txn ID",
    "númerodefactura": "Invoice Number",
    "asunto": "Subject",
    "nota": "Note",
    "títulodelartículo": "Item Title",
    "efectoenelsaldo": "Balance Impact",
    "impactoenelsaldo": "Balance Impact",
}
MEMO = frozenset({"memo", "memorándum", "nota informativa"})
# What a type says, in English and in Spanish: the words looked for in it (casefolded).
CONVERSION = ("conversion", "conversión")
CHARGEBACK = ("chargeback", "contracargo", "devolución de cargo")
REFUNDED = ("refund", "reembolso")
FEES = ("fee", "tarifa", "comisión")
PAYOUTS = ("withdraw", "bank", "retiro", "retirada", "banco", "bancaria")
HOLDS = ("hold", "reversal", "retención", "cancelación")
DEPOSITS = ("deposit", "bank", "depósito", "banco", "bancaria")
# The abbreviations PayPal writes in TimeZone, as fixed offsets from UTC (hours): the
# abbreviation already says whether summer time was on.
ABBREVIATIONS = {
    "UTC": 0, "GMT": 0, "WET": 0, "WEST": 1, "BST": 1, "CET": 1, "CEST": 2, "EET": 2,
    "EEST": 3, "MSK": 3, "PST": -8, "PDT": -7, "MST": -7, "MDT": -6, "CST": -6, "CDT": -5,
    "EST": -5, "EDT": -4, "AST": -4, "ADT": -3, "AKST": -9, "AKDT": -8, "HST": -10,
    "ART": -3, "BRT": -3, "BRST": -2, "UYT": -3, "CLT": -4, "CLST": -3, "PYT": -4,
    "PYST": -3, "BOT": -4, "PET": -5, "COT": -5, "ECT": -5, "VET": -4, "JST": 9,
    "KST": 9, "HKT": 8, "SGT": 8, "AWST": 8, "AEST": 10, "AEDT": 11, "NZST": 12, "NZDT": 13,
}  # fmt: skip
_OFFSET = re.compile(r"(?:GMT|UTC)?\s*([+-])(\d{1,2})(?::?(\d{2}))?")


def looks_like(columns: set[str]) -> bool:
    return len({key(SPANISH.get(c, c)) for c in columns} & SIGNATURE) >= 2


def in_english(header: Header | None) -> Header | None:
    """``header`` with its Spanish headings read as the English ones (the others kept)."""
    if header is None:
        return None
    return replace(header, columns=[SPANISH.get(key(c), c) for c in header.columns])


def lines(source: Source, header: Header, tz: dt.tzinfo, date_format: str) -> Iterator[ParsedLine]:
    index = header.index()
    name = source.name
    zones: dict[str, dt.tzinfo | None] = {}
    days: dict[str, dt.date] = {}
    for number, values in csv_rows(source, header, KIND):
        row = Row(index, number, values)
        if row.get("status").casefold() not in COMPLETED or not row.get("transactionid"):
            continue
        yield _line(name, row, tz, date_format, zones, days)


def _line(
    name: str,
    row: Row,
    tz: dt.tzinfo,
    date_format: str,
    zones: dict[str, dt.tzinfo | None],
    days: dict[str, dt.date],
) -> ParsedLine:
    where = row.line
    amount = _amount(name, where, row.get("gross"))
    fee_text = row.get("fee")
    fee = abs(_amount(name, where, fee_text)) if fee_text else None
    kind = row.get("type")
    memo = row.get("balanceimpact").casefold() in MEMO
    texts = [t for t in (row.get("subject"), row.get("itemtitle"), row.get("note")) if t]
    return ParsedLine(
        transaction_id=transaction_id(name, where, row.get("transactionid")),
        date=_date(name, row, tz, date_format, zones, days),
        amount=amount,
        currency=currency(name, where, row.get("currency")),
        fee=fee,
        payer=row.text("name"),
        payer_email=row.text("fromemailaddress"),
        reference=row.text("invoicenumber"),
        description=clean(" / ".join(dict.fromkeys(texts))),
        not_payment="memo" if memo else _not_payment(kind.casefold(), amount),
    )


def _not_payment(kind: str, amount: Decimal) -> str | None:
    def says(words: tuple[str, ...]) -> bool:
        return any(word in kind for word in words)

    if says(CONVERSION):
        return "currency conversion"
    if says(CHARGEBACK):
        return "chargeback"
    if says(REFUNDED):
        return REFUND
    if says(FEES):
        return FEE
    if amount <= 0:
        return PAYOUT if says(PAYOUTS) else DEBIT
    if says(HOLDS):
        return kind
    if says(DEPOSITS):
        return "deposit"
    return None


def _amount(name: str, where: int, value: str) -> Decimal:
    try:
        return parse_amount(value)
    except ValueError:
        raise bad_amount(name, where, value) from None


def _date(
    name: str,
    row: Row,
    tz: dt.tzinfo,
    date_format: str,
    zones: dict[str, dt.tzinfo | None],
    days: dict[str, dt.date],
) -> dt.date:
    where = row.line
    written = row.get("date")
    try:
        day = days[written] if written in days else _day(written, date_format, days)
    except ValueError:
        raise ImportFileError(
            _(
                "{file}, {where}: the date {value!r} is not written as {format} "
                "(payment.paypal_date_format)."
            ).format(file=name, where=place(where), value=written, format=date_format)
        ) from None
    time_text, zone_text = row.get("time"), row.get("timezone")
    if not time_text or not zone_text:
        return day
    if zone_text not in zones:
        zones[zone_text] = zone(zone_text)
    zone_info = zones[zone_text]
    if zone_info is None:
        raise ImportFileError(
            _("{file}, {where}: {value!r} is not a time zone hostctl knows.").format(
                file=name, where=place(where), value=zone_text
            )
        )
    try:
        clock = dt.time.fromisoformat(time_text)
    except ValueError:
        raise bad_date(name, where, f"{written} {time_text}") from None
    moment = dt.datetime.combine(day, clock, tzinfo=zone_info)
    return moment.astimezone(tz).date()


def _day(written: str, date_format: str, days: dict[str, dt.date]) -> dt.date:
    """``written`` read with ``date_format``, kept: a day's report has a few dates only, and
    ``strptime`` is the slowest step of a line."""
    day = days[written] = dt.datetime.strptime(written, date_format).date()
    return day


def zone(text: str) -> dt.tzinfo | None:
    """The time zone a ``TimeZone`` value names, None if it names none hostctl knows."""
    text = text.strip()
    hours = ABBREVIATIONS.get(text.upper())
    if hours is not None:
        return dt.timezone(dt.timedelta(hours=hours), text.upper())
    match = _OFFSET.fullmatch(text.upper())
    if match:
        sign = -1 if match.group(1) == "-" else 1
        offset = dt.timedelta(hours=int(match.group(2)), minutes=int(match.group(3) or 0))
        if offset < dt.timedelta(hours=15):
            return dt.timezone(sign * offset)
        return None
    if text.upper() in ("UTC", "GMT", "Z"):
        return dt.UTC
    if "/" in text:
        try:
            return ZoneInfo(text)
        except (ZoneInfoNotFoundError, ValueError):
            return None
    return None
