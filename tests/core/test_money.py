"""Money (hostctl.core.money): parsing what people type, exact arithmetic, half-up
percentages, JSON and display. Pure functions, except the one CLI test at the end."""

from decimal import Decimal

import pytest

from billing_helpers import add_client, order, setup_catalogue
from hostctl.core.money import (
    MINOR_DIGITS,
    CurrencyMismatchError,
    Money,
    check_currency,
    format_money,
    money_json,
    typed_form,
)
from hostctl.errors import ValidationError

NOT_A_NUMBER = (
    "The amount {!r} is not a number; write it with a dot for decimals and no thousands "
    "separator, e.g. 1234.56."
)
NOT_ASCII = "{!r} has a digit other than 0-9; write it like 1234.56."
KNOWN = (
    "ARS, BOB, BRL, CAD, CLP, COP, CRC, DOP, EUR, GTQ, HNL, MXN, NIO, PAB, PEN, PYG, USD, UYU, VES"
)


def test_parse_and_json():
    assert Money.parse("1234.56", "USD") == Money(123456, "USD")
    assert Money.parse("96", "usd").to_json() == "96.00"
    assert Money.parse("0.5", "ARS").to_json() == "0.50"
    assert Money.parse("1000", "PYG").to_json() == "1000"


@pytest.mark.parametrize(
    ("text", "minor"),
    [("+5", 500), ("-5", -500), (" 12.50 ", 1250), ("12\n", 1200), ("007.1", 710), ("0", 0)],
)
def test_parse_signs_spaces_and_leading_zeros(text, minor):
    assert Money.parse(text, "USD") == Money(minor, "USD")


@pytest.mark.parametrize(
    "bad", ["1.234,56", "abc", "", "1,5", "12.", ".5", "1e3", "1 000", "12abc", "x12", "12€", "--5"]
)
def test_parse_refuses_what_is_not_a_plain_amount(bad):
    with pytest.raises(ValidationError) as err:
        Money.parse(bad, "USD")
    assert err.value.message == NOT_A_NUMBER.format(bad)


@pytest.mark.parametrize(
    "bad",
    [
        "٣",  # Arabic-Indic three: Decimal("٣") is 3
        "۱۲",  # Persian
        "१२",  # Devanagari
        "３",  # full width
        "１２.５０",
        "1٣",  # one foreign digit among ASCII ones
        "12.٥",
        "²",  # superscript two
        "৫",  # Bengali
    ],
)
def test_parse_refuses_digits_other_than_ascii(bad):
    with pytest.raises(ValidationError) as err:
        Money.parse(bad, "USD")
    assert err.value.message == NOT_ASCII.format(bad)


def test_parse_refuses_too_many_decimals():
    with pytest.raises(ValidationError) as err:
        Money.parse("1.234", "USD")
    assert err.value.message == "The amount '1.234' has more than 2 decimals for USD."
    with pytest.raises(ValidationError) as err:
        Money.parse("10.5", "PYG")
    assert err.value.message == "The amount '10.5' has more than 0 decimals for PYG."
    assert Money.parse("1.23", "USD") == Money(123, "USD")
    assert Money.parse("1.2", "USD") == Money(120, "USD")


def test_unknown_currency():
    with pytest.raises(ValidationError) as err:
        Money.parse("1", "XXX")
    assert err.value.message == f"Unknown currency 'XXX'; use one of {KNOWN}."
    with pytest.raises(ValidationError) as err:
        check_currency("")
    assert err.value.message == f"Unknown currency ''; use one of {KNOWN}."
    assert check_currency(" usd ") == "USD"
    assert check_currency("PYG") == "PYG"


def test_minor_digits():
    assert MINOR_DIGITS["USD"] == MINOR_DIGITS["ARS"] == MINOR_DIGITS["COP"] == 2
    assert MINOR_DIGITS["PYG"] == MINOR_DIGITS["CLP"] == 0
    assert len(MINOR_DIGITS) == 19
    assert Decimal("٣") == 3  # why Money.parse checks the digits itself


def test_of_rounds_half_up_to_the_minor_unit():
    assert Money.of("1.005", "usd") == Money(101, "USD")
    assert Money.of(Decimal("1.004"), "USD") == Money(100, "USD")
    assert Money.of(Decimal("-1.005"), "USD") == Money(-101, "USD")
    assert Money.of("2.5", "PYG") == Money(3, "PYG")
    assert Money.of(7, "CLP") == Money(7, "CLP")
    assert Money.of(7, "USD") == Money(700, "USD")


def test_never_a_float():
    with pytest.raises(TypeError) as err:
        Money.of(1.5, "USD")  # type: ignore[arg-type]
    assert str(err.value) == "Money never takes a float; pass a str or Decimal"
    for factor in (1.5, Decimal("1.5"), True):
        with pytest.raises(TypeError) as err:
            Money(100, "USD").times(factor)  # type: ignore[arg-type]
        assert str(err.value) == f"Money.times takes a whole number, not {factor!r}"


def test_times_is_exact():
    assert Money(1010, "USD").times(3) == Money(3030, "USD")
    assert Money(1010, "USD").times(0) == Money(0, "USD")
    assert Money(1010, "USD").times(-2) == Money(-2020, "USD")
    assert Money(1500, "PYG").times(24) == Money(36000, "PYG")


def test_half_up_rounding_of_percentages():
    assert Money.parse("10.05", "USD").percent(50) == Money.parse("5.03", "USD")
    assert Money.parse("0.05", "USD").percent(10) == Money.parse("0.01", "USD")
    assert Money.parse("0.04", "USD").percent(10) == Money.parse("0.00", "USD")
    assert Money.parse("120.00", "USD").percent("33") == Money.parse("39.60", "USD")
    assert Money.parse("-10.05", "USD").percent(50) == Money.parse("-5.03", "USD")
    assert Money.parse("100.00", "USD").percent(Decimal("12.5")) == Money(1250, "USD")
    assert Money.parse("1005", "PYG").percent(10) == Money(101, "PYG")


def test_arithmetic_and_currency_mixing():
    a, b = Money.parse("10.10", "USD"), Money.parse("0.90", "USD")
    assert a + b == Money.parse("11", "USD")
    assert a - b == Money.parse("9.20", "USD")
    assert b - a == Money.parse("-9.20", "USD")
    assert -a == Money.parse("-10.10", "USD")
    assert a.amount == Decimal("10.10")
    assert Money(1500, "PYG").amount == Decimal("1500")
    assert Money.zero("ARS") == Money(0, "ARS")
    with pytest.raises(CurrencyMismatchError) as err:
        a + Money.parse("1", "ARS")
    assert str(err.value) == "USD and ARS amounts mixed"
    with pytest.raises(CurrencyMismatchError):
        a - Money.parse("1", "ARS")
    with pytest.raises(CurrencyMismatchError):
        _ = a < Money.parse("1", "ARS")
    with pytest.raises(CurrencyMismatchError):
        _ = a <= Money.parse("1", "ARS")
    with pytest.raises(TypeError) as err:
        a + 1  # type: ignore[operator]
    assert str(err.value) == "cannot combine Money with int"


def test_comparisons_and_min():
    small, big = Money(100, "USD"), Money(200, "USD")
    assert (small < big, big < small, small < Money(100, "USD")) == (True, False, False)
    assert (small <= big, big <= small, small <= Money(100, "USD")) == (True, False, True)
    assert (big > small, small > big, big >= Money(200, "USD")) == (True, False, True)
    assert small.min(big) is small
    assert big.min(small) is small
    same = Money(100, "USD")
    assert small.min(same) is small


def test_signs():
    cases = [(Money(-1, "USD"), (False, False, True)), (Money(0, "USD"), (True, False, False))]
    cases.append((Money(1, "USD"), (False, True, False)))
    for money, expected in cases:
        assert (money.is_zero(), money.is_positive(), money.is_negative()) == expected


@pytest.mark.parametrize(
    ("minor", "currency", "text"),
    [
        (123456, "USD", "1234.56"),
        (5, "USD", "0.05"),
        (-50, "USD", "-0.50"),
        (0, "USD", "0.00"),
        (-123456, "ARS", "-1234.56"),
        (1500, "PYG", "1500"),
        (-1500, "PYG", "-1500"),
        (0, "CLP", "0"),
    ],
)
def test_json_amounts(minor, currency, text):
    assert money_json(minor, currency) == text
    assert Money(minor, currency).to_json() == text
    assert str(Money(minor, currency)) == f"{currency} {text}"


def test_format_for_people():
    assert format_money(Money.parse("1234.56", "USD")) == "US$ 1.234,56"
    assert format_money(Money.parse("5000", "ARS")) == "$ 5.000,00"
    assert format_money(Money.parse("-5", "USD")) == "-US$ 5,00"
    assert format_money(Money.parse("150000", "PYG")) == "PYG 150.000"
    # our minor units, not the locale data's (which has no decimals for COP)
    assert format_money(Money.parse("1234.56", "COP")) == "COP 1.234,56"
    assert format_money(Money.parse("38400", "ARS")) == "$ 38.400,00"
    assert format_money(Money.parse("576", "UYU")) == "UYU 576,00"  # es_AR has no $U


# The same amounts in a Spanish and in an English session: es_AR's symbols in both (``$`` is
# always pesos), each language's number format.
SHOWN = [
    ("1234.56", "USD", "US$ 1.234,56", "US$ 1,234.56"),
    ("38400", "ARS", "$ 38.400,00", "$ 38,400.00"),
    ("576", "UYU", "UYU 576,00", "UYU 576.00"),
    ("1234567.5", "UYU", "UYU 1.234.567,50", "UYU 1,234,567.50"),
    ("150000", "PYG", "PYG 150.000", "PYG 150,000"),
    ("1500", "CLP", "CLP 1.500", "CLP 1,500"),
    ("999", "CLP", "CLP 999", "CLP 999"),
    ("-5", "USD", "-US$ 5,00", "-US$ 5.00"),
    ("0.5", "EUR", "EUR 0,50", "EUR 0.50"),
]


@pytest.mark.parametrize(("amount", "currency", "spanish", "english"), SHOWN)
def test_format_follows_the_sessions_language(amount, currency, spanish, english):
    money = Money.parse(amount, currency)
    assert format_money(money, "es") == spanish
    assert format_money(money, "en") == english


@pytest.mark.parametrize(("amount", "currency", "spanish", "english"), SHOWN)
@pytest.mark.parametrize("language", ["es", "en"])
def test_what_a_session_shows_it_takes_back(language, amount, currency, spanish, english):
    """The number on the screen, typed at that session's amount prompt, is the same Money;
    the other language's screen is refused where it would mean another amount."""
    money = Money.parse(amount, currency)
    number = format_money(money, language).replace("-", "").split(" ", 1)[1]
    assert Money.parse(number, currency, language=language) == Money(abs(money.minor), currency)


def test_a_spanish_dot_groups_thousands_of_a_currency_without_decimals():
    assert Money.parse("1.500", "CLP", language="es") == Money(1500, "CLP")
    assert Money.parse("1.500", "PYG", language="es") == Money(1500, "PYG")
    with pytest.raises(ValidationError):  # 1.5 pesos chilenos, in any other session
        Money.parse("1.500", "CLP", language="en")
    with pytest.raises(ValidationError):
        Money.parse("1.500", "CLP")
    assert Money.parse("1.50", "USD", language="es") == Money(150, "USD")  # a decimal point


@pytest.mark.slow
@pytest.mark.parametrize("amount", ["٣", "９６.００", "96.0٠"])
def test_payment_add_refuses_digits_other_than_ascii(cli, tmp_path, amount):
    setup_catalogue(cli, tmp_path)
    client_id = add_client(cli, "digits@example.com")
    invoice = order(cli, client_id, "hosting-basic", "annual", "2026-02-01")["invoice"]
    assert invoice["total"] == "96.00"
    args = ["--invoice", str(invoice["id"]), "--amount", amount, "--method", "card"]
    result = cli("payment", "add", *args, today="2026-02-01")
    assert result.exit_code == 1
    assert result.stderr == f"error: {NOT_ASCII.format(amount)}\n"
    assert result.stdout == ""
    shown = cli.json("invoice", "show", str(invoice["id"]))
    assert (shown["status"], shown["amount_due"]) == ("unpaid", "96.00")
    assert cli.json("client", "show", str(client_id))["credit_balance"] == "0.00"


# --------------------------------------------------------------------------- as typed at the desk
ES_FORMS = "write 1234.56, 1234,56 or 1.234,56."
EN_FORMS = "write 1234.56 or 1,234.56."


@pytest.mark.parametrize(
    ("language", "text", "minor"),
    [
        ("es", "1.234,56", 123456),
        ("es", "1234,56", 123456),
        ("es", "10.000,00", 1000000),
        ("es", "1.000.000", 100000000),
        ("es", "0,5", 50),
        ("es", "1234.56", 123456),  # the dot as decimal point, always
        ("es", " 96 ", 9600),
        ("en", "1,234.56", 123456),
        ("en", "1234.56", 123456),
        ("en", "1,000,000", 100000000),
        (None, "1234.56", 123456),
    ],
)
def test_parse_takes_the_sessions_own_format(language, text, minor):
    assert Money.parse(text, "USD", language=language) == Money(minor, "USD")


@pytest.mark.parametrize(
    ("language", "text", "message"),
    [
        ("es", "1,234.56", "'1,234.56' is not an amount; " + ES_FORMS),
        ("es", "12.34.56", "'12.34.56' is not an amount; " + ES_FORMS),
        ("es", "1.23,4", "'1.23,4' is not an amount; " + ES_FORMS),
        ("es", "1 234,56", "'1 234,56' is not an amount; " + ES_FORMS),
        ("es", "1e5", "'1e5' is not an amount; " + ES_FORMS),
        ("es", "NaN", "'NaN' is not an amount; " + ES_FORMS),
        ("es", ",5", "',5' is not an amount; " + ES_FORMS),
        ("es", "US$ 96", "'US$ 96' is not an amount; " + ES_FORMS),
        ("en", "1.234,56", "'1.234,56' is not an amount; " + EN_FORMS),
        ("en", "1234,56", "'1234,56' is not an amount; " + EN_FORMS),
        ("en", "1,2", "'1,2' is not an amount; " + EN_FORMS),
        ("en", "Infinity", "'Infinity' is not an amount; " + EN_FORMS),
        ("es", "1234,567", "The amount '1234,567' has more than 2 decimals for USD."),
        ("es", "1.234", "The amount '1.234' has more than 2 decimals for USD."),
        ("es", "٣", NOT_ASCII.format("٣")),
    ],
)
def test_parse_refuses_other_forms_naming_the_accepted_ones(language, text, message):
    with pytest.raises(ValidationError) as err:
        Money.parse(text, "USD", language=language)
    assert err.value.message == message


@pytest.mark.parametrize(
    ("text", "currency", "largest"),
    [
        ("10000000000000", "USD", "1000000000000.00"),
        ("1000000000000.01", "USD", "1000000000000.00"),
        ("-1000000000000.01", "USD", "1000000000000.00"),
        ("99999999999999999999999999999999", "USD", "1000000000000.00"),  # was InvalidOperation
        ("1" + "0" * 400, "ARS", "1000000000000.00"),
        ("1000000000001", "PYG", "1000000000000"),
        ("92233720368547758.07", "ARS", "1000000000000.00"),  # 2^63 − 1 minor units
    ],
)
def test_an_amount_over_ten_to_the_twelfth_is_refused(text, currency, largest):
    with pytest.raises(ValidationError) as err:
        Money.parse(text, currency, language="es")
    assert err.value.message == f"The amount {text!r} is too large; the largest is {largest}."


def test_amounts_beyond_32_bits_up_to_ten_to_the_twelfth_are_taken():
    """Money columns are 64-bit: 21 474 836.48 (2^31 minor units) is an ordinary amount."""
    assert Money.parse("21.474.836,48", "USD", language="es") == Money(2**31, "USD")
    assert Money.parse("23040000.00", "ARS") == Money(2_304_000_000, "ARS")
    assert Money.parse("1.000.000.000.000,00", "ARS", language="es") == Money(10**14, "ARS")
    assert Money.parse("-1000000000000", "PYG") == Money(-(10**12), "PYG")


def test_every_check_of_a_typed_amount_takes_the_language():
    from hostctl.core import affiliates, catalogue, payments, settings

    assert payments.check_amount("1.234,56", "ARS", language="es") == Money(123456, "ARS")
    assert affiliates.check_withdrawal("1.234,56", "ARS", language="es") == Money(123456, "ARS")
    assert catalogue.parse_prices(["1.234,56", "USD=1,5"], "ARS", language="es") == {
        "ARS": Money(123456, "ARS"),
        "USD": Money(150, "USD"),
    }
    assert settings.validate("billing.chargeback_fee.ARS", "2.500,5", language="es") == Money(
        250050, "ARS"
    )
    assert settings.validate("billing.chargeback_fee.USD", "1,234.5", language="en") == Money(
        123450, "USD"
    )
    with pytest.raises(ValidationError):  # without a language: only 1234.56
        settings.validate("billing.chargeback_fee.ARS", "2.500,5")


@pytest.mark.parametrize(
    ("language", "minor", "currency", "text"),
    [
        ("es", 8640000, "ARS", "86.400,00"),
        ("es", 8400, "USD", "84,00"),
        ("es", -123456, "USD", "-1.234,56"),
        ("es", 1234, "CLP", "1234"),  # "1.234" would read as decimals
        ("en", 8640000, "ARS", "86,400.00"),
        ("en", 8400, "USD", "84.00"),
        (None, 8640000, "ARS", "86400.00"),
    ],
)
def test_an_amount_offered_at_a_prompt_is_in_the_sessions_format(language, minor, currency, text):
    assert typed_form(Money(minor, currency), language) == text
    assert Money.parse(text, currency, language=language) == Money(minor, currency)
