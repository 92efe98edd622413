"""Money: an immutable amount in one currency, never a float.

Amounts are parsed from strings (``"1234.56"``), kept as integer minor units and
rounded half-up to the currency's minor unit whenever a percentage is taken.
Mixing currencies is a programming error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from hostctl.errors import ValidationError
from hostctl.i18n import _

# ISO 4217 currencies the company bills in, with their minor-unit digits.
MINOR_DIGITS: dict[str, int] = {
    "USD": 2,
    "ARS": 2,
    "UYU": 2,
    "BRL": 2,
    "CLP": 0,
    "COP": 2,
    "MXN": 2,
    "PEN": 2,
    "PYG": 0,
    "BOB": 2,
    "VES": 2,
    "EUR": 2,
    "CRC": 2,
    "GTQ": 2,
    "DOP": 2,
    "HNL": 2,
    "NIO": 2,
    "PAB": 2,
    "CAD": 2,
}

# ASCII digits only: ``\d`` and ``Decimal`` also take "٣" or "３" (other scripts, full width).
_AMOUNT_RE = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")

# Thousands grouped with dots, as a Spanish screen shows an amount without decimals.
_GROUPED_ES = re.compile(r"[+-]?[0-9]{1,3}(\.[0-9]{3})+")

# The largest amount typed at the desk, in the currency's units (CLI.md: "an amount over
# 10^12" is refused).
LARGEST_AMOUNT = Decimal(10**12)
# What a money column keeps, in minor units: a 64-bit integer (BIGINT on PostgreSQL,
# INTEGER on SQLite). A sum beyond it is refused before it reaches the database.
LARGEST_STORED_MINOR = 2**63 - 1
SMALLEST_STORED_MINOR = -(2**63)

# The babel locale whose number format a session types amounts in, by its language.
LOCALES = {"es": "es_AR", "en": "en_US"}


class CurrencyMismatchError(ValueError):
    """Two amounts in different currencies were combined."""


def check_currency(code: str) -> str:
    """Return the ISO 4217 code upper-cased, or refuse one hostctl does not bill in."""
    value = (code or "").strip().upper()
    if value not in MINOR_DIGITS:
        known = ", ".join(sorted(MINOR_DIGITS))
        raise ValidationError(
            _("Unknown currency {code!r}; use one of {known}.").format(code=code, known=known)
        )
    return value


def _quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-MINOR_DIGITS[currency])


@dataclass(frozen=True, slots=True, order=False)
class Money:
    minor: int
    currency: str

    # -- construction -------------------------------------------------------------
    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    @classmethod
    def of(cls, amount: Decimal | int | str, currency: str) -> Money:
        """Exact amount in major units (``Decimal``/``int``/``str``); refuses floats."""
        if isinstance(amount, float):
            raise TypeError("Money never takes a float; pass a str or Decimal")
        currency = check_currency(currency)
        value = Decimal(amount)
        quantized = value.quantize(_quantum(currency), rounding=ROUND_HALF_UP)
        return cls(int(quantized.scaleb(MINOR_DIGITS[currency])), currency)

    @classmethod
    def parse(cls, text: str, currency: str, *, language: str | None = None) -> Money:
        """Parse an amount: ``1234.56``. With the ``language`` of the session that typed it
        (``"es"``, ``"en"``; ``hostctl.i18n.language()`` passed in by the command), its own
        format too: ``1.234,56`` or ``1234,56`` in Spanish, ``1,234.56`` in English (babel's
        strict parsing). Without it (a stored or machine-written amount) only ``1234.56``.
        An amount over 10^12 (``LARGEST_AMOUNT``) is refused."""
        currency = check_currency(currency)
        digits = MINOR_DIGITS[currency]
        raw = (text or "").strip()
        if language == "es" and not digits and _GROUPED_ES.fullmatch(raw):
            # ``PYG 1.234`` as a Spanish screen shows it: without decimals the dot can only
            # group thousands (``1234.56`` style would be refused for PYG anyway).
            value = Decimal(raw.replace(".", ""))
        else:
            value = read_amount(text, language)
        if -value.as_tuple().exponent > digits:  # type: ignore[operator]
            raise ValidationError(
                _("The amount {text!r} has more than {digits} decimals for {currency}.").format(
                    text=text, digits=digits, currency=currency
                )
            )
        if value.adjusted() > 15 or abs(value) > LARGEST_AMOUNT:
            raise ValidationError(
                _("The amount {text!r} is too large; the largest is {largest}.").format(
                    text=text, largest=money_json(int(LARGEST_AMOUNT.scaleb(digits)), currency)
                )
            )
        return cls.of(value, currency)

    # -- reading ------------------------------------------------------------------
    @property
    def amount(self) -> Decimal:
        return Decimal(self.minor).scaleb(-MINOR_DIGITS[self.currency])

    def to_json(self) -> str:
        """``"1234.56"``: the amount with exactly the currency's decimals."""
        return money_json(self.minor, self.currency)

    def __str__(self) -> str:
        return f"{self.currency} {self.to_json()}"

    def is_zero(self) -> bool:
        return self.minor == 0

    def is_positive(self) -> bool:
        return self.minor > 0

    def is_negative(self) -> bool:
        return self.minor < 0

    # -- arithmetic ---------------------------------------------------------------
    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatchError(f"{self.currency} and {other.currency} amounts mixed")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def times(self, quantity: int) -> Money:
        """This amount ``quantity`` times: exact, no rounding (a ratio is ``percent``)."""
        if not isinstance(quantity, int) or isinstance(quantity, bool):
            raise TypeError(f"Money.times takes a whole number, not {quantity!r}")
        return Money(self.minor * quantity, self.currency)

    def percent(self, pct: Decimal | int | str) -> Money:
        """``pct`` per cent of this amount, rounded half-up (``Money.percent("20")``)."""
        return Money.of(self.amount * Decimal(pct) / Decimal(100), self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.minor < other.minor

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.minor <= other.minor

    def min(self, other: Money) -> Money:
        return self if self <= other else other


def read_amount(text: str, language: str | None = None) -> Decimal:
    """The number in an amount as typed (see ``Money.parse``), or one sentence naming the
    forms accepted. ``1234.56`` is always read with the dot as the decimal point, so the
    same text never means two amounts."""
    raw = (text or "").strip()
    if any(not ch.isascii() and ch.isnumeric() for ch in raw):
        raise ValidationError(  # short: it must fit under the prompt of an 80-column terminal
            _("{text!r} has a digit other than 0-9; write it like 1234.56.").format(text=text)
        )
    if _AMOUNT_RE.fullmatch(raw):
        return Decimal(raw)  # the pattern above is a valid Decimal
    locale = LOCALES.get(language or "")
    if locale is not None:
        value = _in_locale(raw, locale)
        if value is not None:
            return value
    if language == "es":
        raise ValidationError(
            _("{text!r} is not an amount; write 1234.56, 1234,56 or 1.234,56.").format(text=text)
        )
    if language == "en":
        raise ValidationError(
            _("{text!r} is not an amount; write 1234.56 or 1,234.56.").format(text=text)
        )
    raise ValidationError(
        _(
            "The amount {text!r} is not a number; write it with a dot for decimals "
            "and no thousands separator, e.g. 1234.56."
        ).format(text=text)
    )


def _in_locale(raw: str, locale: str) -> Decimal | None:
    """``raw`` in ``locale``'s own format (digits, its grouping and decimal signs, a sign in
    front), read by babel's strict parsing; ``None`` if it is not."""
    from babel.numbers import NumberFormatError, get_decimal_symbol, get_group_symbol
    from babel.numbers import parse_decimal as babel_parse

    point, group = get_decimal_symbol(locale), get_group_symbol(locale)
    shape = rf"[+-]?[0-9][0-9{re.escape(group)}]*({re.escape(point)}[0-9]+)?"
    if not re.fullmatch(shape, raw):
        return None
    try:
        return babel_parse(raw, locale=locale, strict=True)
    except NumberFormatError:
        return None


def typed_form(money: Money, language: str | None = None) -> str:
    """``money`` as a person of a ``language`` session types it, which ``Money.parse`` with
    the same language reads back: ``1.234,56`` in Spanish, ``1,234.56`` in English,
    ``1234.56`` without a language. An amount offered at a prompt, to accept or edit. A
    currency without decimals is not grouped: a Spanish ``1.234`` reads as decimals."""
    locale = LOCALES.get(language or "")
    digits = MINOR_DIGITS[money.currency]
    if locale is None or not digits:
        return money.to_json()
    from babel.numbers import format_decimal

    return format_decimal(money.amount, format="#,##0." + "0" * digits, locale=locale)


def format_money(money: Money, language: str = "es") -> str:
    """For people, in the number format of the session's ``language`` (``"es"``, ``"en"``,
    passed in by the CLI: core never reads the session's language): ``US$ 1.234,56``,
    ``$ 38.400,00`` (ARS), ``UYU 576,00`` in Spanish (es_AR); ``US$ 1,234.56``,
    ``$ 38,400.00``, ``UYU 576.00`` in English. The symbols are es_AR's in both languages
    (its own for USD and ARS, the ISO code for the rest), so ``$`` always means pesos
    whatever the language. The number is exactly what that session's amount prompt takes
    back (``Money.parse(..., language=language)``). Without a language (templates sent to
    clients) es_AR. The one formatter of amounts for people: tables, records, messages
    and templates. Babel's no-break spaces become plain spaces, which every terminal and
    font shows alike."""
    from babel.numbers import format_decimal

    digits = MINOR_DIGITS[money.currency]
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    number = format_decimal(
        abs(money.amount), format=pattern, locale=LOCALES.get(language[:2], LOCALES["es"])
    )
    sign = "-" if money.minor < 0 else ""
    text = f"{sign}{_symbol(money.currency)} {number}"
    return text.replace("\u00a0", " ").replace("\u202f", " ")


@cache
def _symbol(currency: str) -> str:
    """The symbol es_AR gives ``currency``: ``US$``, ``$`` (ARS), else the ISO code."""
    from babel.numbers import get_currency_symbol

    return str(get_currency_symbol(currency, LOCALES["es"]))


def money_json(minor: int, currency: str) -> str:
    """``Money(minor, currency).to_json()`` from the two values: ``"1234.56"``, ``"-0.50"``,
    ``"1500"`` for a currency without decimals. Integer arithmetic (the bulk alerts of
    ``daily`` format tens of thousands of amounts)."""
    digits = MINOR_DIGITS[currency]
    if not digits:
        return str(minor)
    units, cents = divmod(abs(minor), _SCALE[digits])
    return f"{'-' if minor < 0 else ''}{units}.{cents:0{digits}d}"


_SCALE = {d: 10**d for d in range(0, 5)}
