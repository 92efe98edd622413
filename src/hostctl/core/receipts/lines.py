"""The one shape every statement format is read into (``adapters/statements``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

FORMATS = ("mercadopago", "paypal", "camt053", "ofx", "csv")
# What the parser knew of a line that is not a payment (PAY-3): kept, ignored, with why.
PAYOUT, FEE, REFUND, DEBIT = "payout", "fee", "refund", "debit"


@dataclass(frozen=True, slots=True)
class ParsedLine:
    """One line of a statement that carries a transaction id (PAY-2).

    ``amount`` is the gross amount in the line's currency: positive for money in, negative
    for money out. ``not_payment`` is set by the parser when it knows the line is not a
    client's payment (a payout, the gateway's fee, a refund, a debit; PAY-3). ``date`` is
    the day the money came, in the company's time zone."""

    transaction_id: str
    date: dt.date
    amount: Decimal
    currency: str
    fee: Decimal | None = None
    payer: str | None = None  # the payer's name as the statement gives it
    payer_email: str | None = None
    payer_document: str | None = None  # as written: "20-98765432-1"
    reference: str | None = None  # external reference, invoice number field, remittance
    description: str | None = None
    not_payment: str | None = None  # PAYOUT | FEE | REFUND | DEBIT | other reason


@dataclass(frozen=True)
class Statement:
    """A file read: its format, the source its transaction ids are unique in (the gateway,
    or the bank account: ``camt053:<IBAN>``), the payment method its lines are paid by
    (None: the one ``--method`` says), and its lines, read lazily."""

    format: str
    source: str
    method: str | None
    lines: Iterator[ParsedLine]
