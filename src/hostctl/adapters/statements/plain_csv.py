"""A plain CSV of payments (PREX, Abitab, a bank without camt.053) whose columns the
setting ``payment.csv_columns`` names: ``date=Fecha,amount=Importe,currency=Moneda,
transaction_id=Id,reference=Concepto,payer=Ordenante`` — each field of a line, ``=``, the
column that holds it. ``date``, ``amount``, ``currency`` and ``transaction_id`` are needed;
``reference``, ``payer``, ``payer_email``, ``payer_document``, ``description`` and ``fee`` may
be mapped too. Columns are compared without case or spaces; a column name cannot hold a
comma or ``=``.

UTF-8 (a BOM allowed), ``,`` ``;`` or tab separated. Dates are ISO (``2024-03-01``, or a
moment with its offset, taken in the company's time zone) or day first as written in
Argentina (``01/03/2024``, ``01-03-2024``, ``01.03.2024``, a time after it ignored). A
negative amount is money out: a line that is not a payment (``debit``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

from hostctl.adapters.statements.common import (
    Header,
    Row,
    Source,
    bad_amount,
    bad_date,
    csv_rows,
    currency,
    key,
    local_date,
    parse_amount,
    transaction_id,
)
from hostctl.core.receipts.lines import DEBIT, ParsedLine
from hostctl.errors import ValidationError
from hostctl.i18n import N_, _

KIND = N_("a CSV of payment.csv_columns")
SETTING = "payment.csv_columns"
NEEDED = ("date", "amount", "currency", "transaction_id")
OPTIONAL = ("reference", "payer", "payer_email", "payer_document", "description", "fee")
DAY_FIRST = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")
EXAMPLE = "date=Fecha,amount=Importe,currency=Moneda,transaction_id=Id"


def parse_columns(setting: str) -> dict[str, str]:
    """``payment.csv_columns`` as field → column; a setting that does not map the needed
    fields, or names a field hostctl does not know, is refused in one sentence."""
    mapping: dict[str, str] = {}
    for part in setting.split(","):
        if not part.strip():
            continue
        field, sep, column = part.partition("=")
        field, column = field.strip().lower(), column.strip()
        if not sep or not column or field not in NEEDED + OPTIONAL or field in mapping:
            raise _bad_setting(setting)
        mapping[field] = column
    if any(field not in mapping for field in NEEDED):
        raise _bad_setting(setting)
    return mapping


def _bad_setting(setting: str) -> ValidationError:
    return ValidationError(
        _(
            "The setting {setting} is {value!r}; it must map at least date, amount, currency "
            "and transaction_id to columns of the file, as {example}."
        ).format(setting=SETTING, value=setting, example=EXAMPLE)
    )


def missing(mapping: dict[str, str], header: Header) -> list[str]:
    """The mapped columns the header lacks, as the setting names them."""
    present = {key(column) for column in header.columns}
    return [column for column in mapping.values() if key(column) not in present]


def lines(
    source: Source, header: Header, mapping: dict[str, str], tz: dt.tzinfo
) -> Iterator[ParsedLine]:
    positions = header.index()
    index = {field: positions[key(column)] for field, column in mapping.items()}
    name = source.name
    for number, values in csv_rows(source, header, KIND):
        row = Row(index, number, values)
        if not row.get("transaction_id"):
            continue  # a row without a transaction id (a total, a note) is not a line
        yield _line(name, row, tz)


def _line(name: str, row: Row, tz: dt.tzinfo) -> ParsedLine:
    where = row.line
    amount = _amount(name, where, row.get("amount"))
    fee_text = row.get("fee")
    return ParsedLine(
        transaction_id=transaction_id(name, where, row.get("transaction_id")),
        date=_date(name, where, row.get("date"), tz),
        amount=amount,
        currency=currency(name, where, row.get("currency")),
        fee=abs(_amount(name, where, fee_text)) if fee_text else None,
        payer=row.text("payer"),
        payer_email=row.text("payer_email"),
        payer_document=row.text("payer_document"),
        reference=row.text("reference"),
        description=row.text("description"),
        not_payment=None if amount > 0 else DEBIT,
    )


def _amount(name: str, where: int, value: str) -> Decimal:
    try:
        return parse_amount(value)
    except ValueError:
        raise bad_amount(name, where, value) from None


def _date(name: str, where: int, value: str, tz: dt.tzinfo) -> dt.date:
    try:
        return local_date(dt.datetime.fromisoformat(value), tz)
    except ValueError:
        pass
    first = value.split()[0] if value.split() else ""
    for pattern in DAY_FIRST:
        try:
            return dt.datetime.strptime(first, pattern).date()
        except ValueError:
            continue
    raise bad_date(name, where, value)
