from decimal import Decimal

import pytest

from hostctl.core.money import CurrencyMismatchError, Money, format_money
from hostctl.errors import ValidationError


def test_parse_and_json():
    assert Money.parse("1234.56", "USD") == Money(123456, "USD")
    assert Money.parse("96", "usd").to_json() == "96.00"
    assert Money.parse("0.5", "ARS").to_json() == "0.50"
    assert Money.parse("1000", "PYG").to_json() == "1000"


@pytest.mark.parametrize("bad", ["1.234,56", "abc", "", "1,5", "12.", ".5", "1e3", "1 000"])
def test_parse_refuses_what_is_not_a_plain_amount(bad):
    with pytest.raises(ValidationError) as err:
        Money.parse(bad, "USD")
    assert "is not a number" in err.value.message


def test_parse_refuses_too_many_decimals():
    with pytest.raises(ValidationError, match="more than 2 decimals for USD"):
        Money.parse("1.234", "USD")
    with pytest.raises(ValidationError, match="more than 0 decimals for PYG"):
        Money.parse("10.5", "PYG")


def test_unknown_currency():
    with pytest.raises(ValidationError, match="Unknown currency 'XXX'"):
        Money.parse("1", "XXX")


def test_never_a_float():
    with pytest.raises(TypeError):
        Money.of(1.5, "USD")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money(100, "USD").times(1.5)  # type: ignore[arg-type]


def test_half_up_rounding_of_percentages():
    assert Money.parse("10.05", "USD").percent(50) == Money.parse("5.03", "USD")
    assert Money.parse("0.05", "USD").percent(10) == Money.parse("0.01", "USD")
    assert Money.parse("0.04", "USD").percent(10) == Money.parse("0.00", "USD")
    assert Money.parse("120.00", "USD").percent("33") == Money.parse("39.60", "USD")
    assert Money.parse("-10.05", "USD").percent(50) == Money.parse("-5.03", "USD")


def test_arithmetic_and_currency_mixing():
    a, b = Money.parse("10.10", "USD"), Money.parse("0.90", "USD")
    assert a + b == Money.parse("11", "USD")
    assert a - b == Money.parse("9.20", "USD")
    assert -a == Money.parse("-10.10", "USD")
    assert a.times(3) == Money.parse("30.30", "USD")
    assert a.amount == Decimal("10.10")
    with pytest.raises(CurrencyMismatchError):
        a + Money.parse("1", "ARS")
    with pytest.raises(CurrencyMismatchError):
        _ = a < Money.parse("1", "ARS")


def test_format_for_people():
    assert format_money(Money.parse("1234.56", "USD")) == "US$ 1.234,56"
    assert format_money(Money.parse("5000", "ARS")) == "$ 5.000,00"
    assert format_money(Money.parse("-5", "USD")) == "-US$ 5,00"
