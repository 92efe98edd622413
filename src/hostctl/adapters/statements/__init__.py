"""Statement parsers: a file of MercadoPago, PayPal or a bank turned into statement lines
(``hostctl.core.receipts.lines``), nothing more — no database, no rules (SPEC §14, PAY-1,
PAY-2). One module per format; ``read_statement`` tells the format from the file:

* a camt.053 by its XML namespace (``urn:iso:std:iso:20022:tech:xsd:camt.053.*``);
* an OFX by its header (``OFXHEADER:100``) or its ``<?OFX …?>``/``<OFX>``;
* a MercadoPago release report by its column names (two of ``SOURCE_ID``,
  ``RECORD_TYPE``, ``GROSS_AMOUNT``, ``MP_FEE_AMOUNT`` …), a PayPal activity download by
  its (two of ``Transaction ID``, ``TimeZone``, ``Gross``, ``Net`` …);
* a plain CSV only when asked for (``format="csv"``) or when ``csv_columns`` (the raw
  ``payment.csv_columns`` setting) is given and the header has every column it maps.

Everything about the file that can be told from its start is checked when
``read_statement`` is called: not a statement, a column missing (named), not UTF-8 at its
start, a DOCTYPE or an entity in XML, OFX that is not valid. The lines are read lazily as
``Statement.lines`` is iterated, so a 50 000-line report stays in flat memory; what only a
line shows (an amount or a date that cannot be read, a byte that is not UTF-8 further
down) is refused then, with its line. Every refusal is ``ImportFileError`` (a bad
``csv_columns`` setting: ``ValidationError``), one sentence."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from hostctl.adapters.statements import camt053, mercadopago, ofx, paypal, plain_csv
from hostctl.adapters.statements.common import (
    Header,
    Source,
    csv_header,
    first_not_utf8,
    key,
    missing_columns,
    not_a_statement,
    not_this_format,
    not_utf8,
)
from hostctl.core.clock import COMPANY_TZ
from hostctl.core.receipts.lines import FORMATS, Statement
from hostctl.errors import ValidationError
from hostctl.i18n import _

__all__ = ["FORMATS", "detect", "read_statement"]


def read_statement(
    path: Path | str,
    *,
    format: str | None = None,
    method: str | None = None,
    csv_columns: str | None = None,
    paypal_date_format: str = "%d/%m/%Y",
    timezone: dt.tzinfo = COMPANY_TZ,
) -> Statement:
    """The statement in the file ``path`` (``-``: standard input, read once): its format
    (``format``, else told from the file), its source, its payment method (MercadoPago's
    and PayPal's own; ``method`` for the bank formats) and its lines, read lazily. Dates
    are the days in ``timezone`` (the company's)."""
    if format is not None and format not in FORMATS:
        raise ValidationError(
            _("{format!r} is not a statement format; the formats are {formats}.").format(
                format=format, formats=", ".join(FORMATS)
            )
        )
    source = Source(path)
    sample = source.sample()
    found = format or detect(source, sample, csv_columns)
    if found == "camt053":
        if not camt053.looks_like(sample):
            raise not_this_format(source.name, camt053.KIND)
        account = camt053.account(source)
        return Statement(found, account, method, camt053.lines(source, account, timezone))
    if found == "ofx":
        if not ofx.looks_like(sample):
            raise not_this_format(source.name, ofx.KIND)
        account, lines = ofx.read(source, timezone)
        return Statement(found, account, method, lines)
    header = csv_header(sample)
    if found == "mercadopago":
        header = _checked(source, header, mercadopago.KIND, mercadopago.REQUIRED)
        return Statement(
            found, "mercadopago", "mercadopago", mercadopago.lines(source, header, timezone)
        )
    if found == "paypal":
        header = _checked(source, paypal.in_english(header), paypal.KIND, paypal.REQUIRED)
        lines = paypal.lines(source, header, timezone, paypal_date_format)
        return Statement(found, "paypal", "paypal", lines)
    mapping = plain_csv.parse_columns(csv_columns or "")
    header = _checked(source, header, plain_csv.KIND, ())
    absent = plain_csv.missing(mapping, header)
    if absent:
        raise missing_columns(source.name, plain_csv.KIND, absent)
    return Statement(found, "csv", method, plain_csv.lines(source, header, mapping, timezone))


def detect(source: Source, sample: bytes, csv_columns: str | None) -> str:
    """The format of the file that starts with ``sample``; not one hostctl reads: refused."""
    if camt053.looks_like(sample):
        return "camt053"
    if ofx.looks_like(sample):
        return "ofx"
    header = csv_header(sample)
    if header is not None:
        columns = header.keys()
        if mercadopago.looks_like(columns):
            return "mercadopago"
        if paypal.looks_like(columns):
            return "paypal"
        if csv_columns and not plain_csv.missing(plain_csv.parse_columns(csv_columns), header):
            return "csv"
    raise not_a_statement(source.name)


def _checked(source: Source, header: Header | None, kind: str, required: tuple[str, ...]) -> Header:
    """The header of a CSV report of ``kind``: UTF-8, with the ``required`` columns."""
    if header is None:
        raise not_this_format(source.name, kind)
    if not header.utf8:
        raise not_utf8(source.name, first_not_utf8(source), kind)
    present = header.keys()
    absent = [column for column in required if key(column) not in present]
    if absent:
        raise missing_columns(source.name, kind, absent)
    return header
