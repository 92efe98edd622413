"""What the statement parsers share: the file as read (bounded, standard input once), the
CSV reports' header and rows (UTF-8, a BOM allowed, ``,`` ``;`` or tab, read lazily),
amounts and dates as the reports write them, and the refusals, one sentence each."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import BinaryIO

from hostctl.core import reading
from hostctl.errors import ImportFileError
from hostctl.i18n import _, localize

SAMPLE_BYTES = 64 * 1024  # the start of a file, looked at to tell its format
# Bytes that a text file never holds (C0 controls but tab, LF, FF, CR and Ctrl-Z): an
# image, an archive (an .xlsx is a zip), a PDF, UTF-16 text all have some in their start.
_BINARY = re.compile(rb"[\x00-\x08\x0b\x0e-\x19\x1b-\x1f]")
# A few control characters are a payer's odd name (cleaned line by line); more, or a NUL,
# are a binary file.
BINARY_CONTROLS = 16
SEPARATORS = (",", ";", "\t")


@dataclass
class Source:
    """The file a statement is read from: opened again for each pass (the sniff, the
    lines), or, for standard input, read once and kept (bounded by ``IMPORT_BYTES``)."""

    path: Path | str
    _stdin: bytes | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return reading.shown_name(self.path)

    def open(self) -> BinaryIO:
        if reading.is_stdin(self.path):
            if self._stdin is None:
                self._stdin = reading.read_bytes(self.path)
            return io.BytesIO(self._stdin)
        return reading.open_bytes(self.path)

    def sample(self) -> bytes:
        with self.open() as handle:
            return handle.read(SAMPLE_BYTES)


def key(column: str) -> str:
    """A column name as it is compared: case, spaces and a BOM do not count."""
    return re.sub(r"\s+", "", column.replace("\ufeff", "")).casefold()


# --------------------------------------------------------------------------- refusals
def not_a_statement(name: str) -> ImportFileError:
    return ImportFileError(
        _(
            "{file} is not a statement hostctl reads (a MercadoPago release report, a PayPal "
            "activity download, a camt.053 or OFX bank statement, or a CSV with the columns "
            "of payment.csv_columns)."
        ).format(file=name)
    )


def not_this_format(name: str, kind: str) -> ImportFileError:
    return ImportFileError(
        _("{file} is not {kind}; check the file or the format named.").format(
            file=name, kind=localize(kind)
        )
    )


def missing_columns(name: str, kind: str, missing: list[str]) -> ImportFileError:
    return ImportFileError(
        _(
            "{file} is {kind} without the columns {columns}; include them in the download "
            "and import it again."
        ).format(file=name, kind=localize(kind), columns=", ".join(missing))
    )


def not_utf8(name: str, line: int, kind: str) -> ImportFileError:
    return ImportFileError(
        _(
            "{file} is not in UTF-8 (see line {line}), the encoding of {kind}; import the "
            "file as it was downloaded, or save it as UTF-8."
        ).format(file=name, line=line, kind=localize(kind))
    )


def place(where: int | str) -> str:
    """Where a bad value is: a line number (an int, put in words only when refused) or a
    place already in words ("entry 3")."""
    return line_of(where) if isinstance(where, int) else where


def bad_amount(name: str, where: int | str, value: str) -> ImportFileError:
    return ImportFileError(
        _("{file}, {where}: {value!r} is not an amount.").format(
            file=name, where=place(where), value=value
        )
    )


def bad_date(name: str, where: int | str, value: str) -> ImportFileError:
    return ImportFileError(
        _("{file}, {where}: {value!r} is not a date that can be read.").format(
            file=name, where=place(where), value=value
        )
    )


def line_of(number: int) -> str:
    return _("line {line}").format(line=number)


# --------------------------------------------------------------------------- values
_PLAIN_AMOUNT = re.compile(r"-?\d+(\.\d+)?")
_AMOUNT = re.compile(r"[+-]?(\d+|\d{1,3}([.,'\u00a0 ]\d{3})+)([.,]\d+)?")


def parse_amount(text: str) -> Decimal:
    """An amount as the reports write it: ``1234.56``, ``-1,234.56``, ``1.234,56``,
    ``1234,56``, ``(12.50)`` (negative). The decimal mark is the last ``.`` or ``,``,
    unless only one kind is used and every group after it has three digits: then they
    group thousands (``1,000`` and ``1.000.000``; PayPal writes a zero-decimal currency
    so). ``ValueError`` if it is not an amount."""
    if _PLAIN_AMOUNT.fullmatch(text):  # the usual case, fast: 1234.56
        return Decimal(text)
    value = text.strip().replace("\u00a0", "").replace(" ", "")
    negative = False
    if value.startswith("(") and value.endswith(")"):
        value, negative = value[1:-1], True
    if not value or not _AMOUNT.fullmatch(value):
        raise ValueError(text)
    if value[0] in "+-":
        negative = negative != (value[0] == "-")
        value = value[1:]
    value = value.replace("'", "")
    marks = [i for i, c in enumerate(value) if c in ".,"]
    if marks:
        last = marks[-1]
        kinds = {value[i] for i in marks}
        groups = re.split(r"[.,]", value)[1:]
        grouping = len(kinds) == 1 and all(len(group) == 3 for group in groups)
        if grouping:
            value = value.replace(value[last], "")
        else:
            value = value[:last].replace(".", "").replace(",", "") + "." + value[last + 1 :]
    try:
        amount = Decimal(value)
    except InvalidOperation:  # pragma: no cover - the pattern admits only digits and marks
        raise ValueError(text) from None
    return -amount if negative else amount


TEXT_MAX = 1000  # characters kept of a payer's name, a reference, a description
ID_MAX = 200  # characters of a transaction id (the statement_lines column)
_UNSHOWABLE = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
_CURRENCY = re.compile(r"[A-Z]{3}")


def clean(text: str | None) -> str | None:
    """A text of the statement as one line that can be shown: control characters,
    direction overrides and zero-width marks become spaces, runs of spaces one, at most
    ``TEXT_MAX`` characters; empty is None. Not refused: a payer writes their own name,
    and one odd name must not stop the import of a day's payments."""
    if not text:
        return None
    if text.isprintable() and len(text) <= TEXT_MAX:
        return text.strip() or None
    flat = " ".join(_UNSHOWABLE.sub(" ", text).split())
    if len(flat) > TEXT_MAX:
        flat = flat[: TEXT_MAX - 1] + "…"
    return flat or None


def transaction_id(name: str, where: int | str, text: str) -> str:
    """A transaction id as the line keeps it: cleaned, never cut (two ids cut alike would
    become one), refused if longer than the column holds."""
    found = clean(text) or ""
    if len(found) > ID_MAX:
        raise ImportFileError(
            _("{file}, {where}: the transaction id is longer than {limit} characters.").format(
                file=name, where=place(where), limit=ID_MAX
            )
        )
    return found


def currency(name: str, where: int | str, text: str) -> str:
    """A currency code: three letters (``ars`` is ``ARS``); anything else refused."""
    code = text.strip().upper()
    if not _CURRENCY.fullmatch(code):
        raise ImportFileError(
            _("{file}, {where}: {value!r} is not a currency code (three letters, as ARS).").format(
                file=name, where=place(where), value=text
            )
        )
    return code


def local_date(moment: dt.datetime, tz: dt.tzinfo) -> dt.date:
    """The day ``moment`` falls on in ``tz`` (a naive moment is already in ``tz``)."""
    if moment.tzinfo is None:
        return moment.date()
    return moment.astimezone(tz).date()


# --------------------------------------------------------------------------- CSV reports
@dataclass(frozen=True)
class Header:
    """The header of a CSV report: its columns (as written), the separator, how many
    physical lines it and the blank lines before it take, and whether the file's start
    is UTF-8 (a header read from Latin-1 or UTF-16 still tells the format, so that the
    refusal can name it)."""

    columns: list[str]
    separator: str
    lines_before: int
    utf8: bool = True

    def keys(self) -> set[str]:
        return {key(column) for column in self.columns}

    def index(self) -> dict[str, int]:
        """Column key → position (the first of two same-named columns)."""
        found: dict[str, int] = {}
        for position, column in enumerate(self.columns):
            found.setdefault(key(column), position)
        return found


UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def csv_header(sample: bytes) -> Header | None:
    """The header of the CSV file that starts with ``sample``: its first line that is not
    blank, split by the separator that gives the most columns. None for a file that
    cannot be a text CSV (binary, empty, one column)."""
    if sample.startswith(UTF16_BOMS):
        text = sample.decode("utf-16", errors="replace")
        return _header(text.splitlines(), utf8=False)
    if b"\x00" in sample or len(_BINARY.findall(sample)) > BINARY_CONTROLS:
        return None
    try:
        text = sample.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.end < len(sample) or len(sample) < SAMPLE_BYTES:
            lines = sample.decode("cp1252", errors="replace").lstrip("\ufeff").split("\n")
            return _header(lines, utf8=False)
        text = sample[: exc.start].decode("utf-8-sig")  # the sample cut inside a character
    return _header(text.split("\n"), utf8=True)


def _header(lines: list[str], *, utf8: bool) -> Header | None:
    for number, line in enumerate(lines, 1):
        text = line.strip("\r")
        if not text.strip():
            continue
        best: list[str] = []
        separator = ","
        for candidate in SEPARATORS:
            try:
                fields = next(csv.reader([text], delimiter=candidate))
            except csv.Error:
                continue
            if len(fields) > len(best):
                best, separator = fields, candidate
        if len(best) < 2:
            return None
        return Header([f.strip() for f in best], separator, number, utf8)
    return None


def csv_rows(source: Source, header: Header, kind: str) -> Iterator[tuple[int, list[str]]]:
    """The rows after the header, one at a time, as (physical line number, values):
    blank rows skipped. Not UTF-8 → one sentence naming the line (lazily, when met)."""
    handle = source.open()
    with handle:
        text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
        try:
            for _skip in range(header.lines_before):
                text.readline()
            reader = csv.reader(text, delimiter=header.separator)
            for row in reader:
                if not row or not any(v.strip() for v in row):
                    continue
                yield header.lines_before + reader.line_num, row
        except UnicodeDecodeError:
            raise not_utf8(source.name, first_not_utf8(source), kind) from None
        except csv.Error as exc:
            raise ImportFileError(
                _("{file} cannot be read as CSV at line {line}: {exc}.").format(
                    file=source.name, line=header.lines_before + reader.line_num, exc=exc
                )
            ) from None


def first_not_utf8(source: Source) -> int:
    with source.open() as handle:
        for number, raw in enumerate(handle, 1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return 0  # pragma: no cover - called only once such a line was met


class Row:
    """One row of a CSV report, its values looked up by column key."""

    __slots__ = ("_index", "_values", "line")

    def __init__(self, index: dict[str, int], line: int, values: list[str]) -> None:
        self._index = index
        self._values = values
        self.line = line

    def get(self, column: str) -> str:
        position = self._index.get(column)
        if position is None or position >= len(self._values):
            return ""
        return self._values[position].strip()

    def text(self, column: str) -> str | None:
        """The value as a line keeps it (``clean``); empty is None."""
        return clean(self.get(column))
