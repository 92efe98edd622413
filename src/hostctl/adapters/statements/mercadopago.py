"""MercadoPago's release report ("reporte de liquidaciones", "Liberaciones"): a CSV, ``,``
or ``;`` separated, UTF-8, with the columns the account chose, named by their codes
(``DATE``, ``SOURCE_ID``, ``EXTERNAL_REFERENCE``, ``RECORD_TYPE``, ``DESCRIPTION``,
``NET_CREDIT_AMOUNT``, ``NET_DEBIT_AMOUNT``, ``GROSS_AMOUNT``, ``MP_FEE_AMOUNT``, ``CURRENCY``,
``PAYER_NAME``, ``PAYER_ID_TYPE``, ``PAYER_ID_NUMBER``, ``PAYMENT_METHOD`` …).

``RECORD_TYPE`` ``release`` (``block``, ``unblock``) rows are lines; the balance, subtotal
and total rows are not. A release's ``DESCRIPTION`` says what moved: ``payment`` is a
client's payment; ``payout``, ``refund``, ``chargeback``, fees, taxes, shipping, reserves are
lines that are not payments. A refund or a fee carries the ``SOURCE_ID`` of the payment it
belongs to, so a line that is not a payment has the transaction id ``SOURCE_ID:kind``
(``123:refund``): it never takes the place of the payment's own line (``123``), which a
unique key per source and transaction id would otherwise allow."""

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
    local_date,
    parse_amount,
    transaction_id,
)
from hostctl.core.receipts.lines import DEBIT, FEE, PAYOUT, REFUND, ParsedLine
from hostctl.i18n import N_

KIND = N_("a MercadoPago release report")
# Columns that only this report has: two of them in a header tell the format.
SIGNATURE = frozenset(
    {
        "source_id",
        "external_reference",
        "record_type",
        "net_credit_amount",
        "net_debit_amount",
        "gross_amount",
        "mp_fee_amount",
        "payer_id_number",
    }
)
REQUIRED = ("DATE", "SOURCE_ID", "RECORD_TYPE", "GROSS_AMOUNT", "CURRENCY")
NOT_LINES = frozenset({"initial_available_balance", "available_balance", "subtotal", "total"})
PAYMENT_KINDS = frozenset({"payment", "release"})


def looks_like(columns: set[str]) -> bool:
    return len(columns & SIGNATURE) >= 2


def lines(source: Source, header: Header, tz: dt.tzinfo) -> Iterator[ParsedLine]:
    index = header.index()
    name = source.name
    for number, values in csv_rows(source, header, KIND):
        row = Row(index, number, values)
        record_type = row.get("record_type").casefold()
        source_id = row.get("source_id")
        if record_type in NOT_LINES or not source_id:
            continue
        yield _line(name, row, record_type, source_id, tz)


def _line(name: str, row: Row, record_type: str, source_id: str, tz: dt.tzinfo) -> ParsedLine:
    where = row.line
    description = row.text("description")
    kind = (description or record_type).casefold() if record_type == "release" else record_type
    gross = _amount(name, where, row.get("gross_amount"))
    credit = _optional(name, where, row.get("net_credit_amount"))
    debit = _optional(name, where, row.get("net_debit_amount"))
    is_debit = bool(debit) and not credit
    amount = -abs(gross) if is_debit or gross < 0 else gross
    fee = _optional(name, where, row.get("mp_fee_amount"))
    not_payment = _not_payment(kind, amount)
    return ParsedLine(
        transaction_id=transaction_id(
            name, where, source_id if not_payment is None else f"{source_id}:{kind}"
        ),
        date=_date(name, where, row.get("date"), tz),
        amount=amount,
        currency=currency(name, where, row.get("currency")),
        fee=abs(fee) if fee is not None else None,
        payer=row.text("payer_name"),
        payer_email=row.text("payer_email"),
        payer_document=row.text("payer_id_number"),
        reference=row.text("external_reference"),
        description=description,
        not_payment=not_payment,
    )


def _not_payment(kind: str, amount: Decimal) -> str | None:
    if kind in PAYMENT_KINDS:
        return None if amount > 0 else DEBIT
    if "payout" in kind:
        return PAYOUT
    if "refund" in kind or "cancel" in kind:
        return REFUND
    if "chargeback" in kind:
        return "chargeback"
    if "fee" in kind or "tax" in kind or "shipping" in kind:
        return FEE
    return kind  # a reserve, a dispute, a block: kept with MercadoPago's own word


def _amount(name: str, where: int, value: str) -> Decimal:
    try:
        return parse_amount(value)
    except ValueError:
        raise bad_amount(name, where, value) from None


def _optional(name: str, where: int, value: str) -> Decimal | None:
    return _amount(name, where, value) if value else None


def _date(name: str, where: int, value: str, tz: dt.tzinfo) -> dt.date:
    """``DATE`` is ISO 8601 with the offset (``2024-03-01T10:15:00.000-04:00``,
    ``…-0400``, ``…Z``): the day in the company's time zone. A bare date is that day."""
    try:
        return local_date(dt.datetime.fromisoformat(value), tz)
    except ValueError:
        raise bad_date(name, where, value) from None
