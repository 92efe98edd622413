"""What the desk types, checked in core: a currency the company bills in (the catalogue's
prices), and phones in the national form of the client's country, stored as E.164."""

from __future__ import annotations

import pytest
from sqlmodel import select

from hostctl.core import catalogue, clients, validate
from hostctl.core.catalogue import ProductInput
from hostctl.core.money import Money
from hostctl.errors import ImportFileError, ValidationError
from hostctl.models import Client


@pytest.fixture
def priced(session, ctx):
    """A catalogue with prices in USD and ARS only."""
    catalogue.add_product(
        session,
        ctx,
        ProductInput(
            code="hosting-basic",
            name="Hosting",
            category="hosting",
            cycles=["annual"],
            prices={"USD": Money.parse("10", "USD"), "ARS": Money.parse("9000", "ARS")},
        ),
    )
    return session


def test_billed_currencies_are_those_of_the_prices(session, priced):
    assert catalogue.billed_currencies(priced) == ["ARS", "USD"]


def test_empty_catalogue_takes_any_currency(session, ctx):
    assert catalogue.billed_currencies(session) == []
    client, _ = clients.add_client(session, ctx, name="Eva", email="e@example.com", currency="eur")
    assert client.currency == "EUR"


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"currency": "EUR"}, "The company does not bill in EUR"),
        ({"country": "UY"}, "The company does not bill in UYU"),  # the country's default
    ],
)
def test_add_refuses_a_currency_not_billed(priced, ctx, given, message):
    with pytest.raises(ValidationError) as refused:
        clients.add_client(priced, ctx, name="Eva", email="eva@example.com", **given)
    assert refused.value.message.startswith(message)
    assert refused.value.message.endswith("use ARS, USD.")
    assert priced.exec(select(Client)).all() == []


def test_add_takes_a_billed_currency(priced, ctx):
    client, _ = clients.add_client(priced, ctx, name="Ana", email="a@example.com", country="AR")
    assert client.currency == "ARS"
    client, _ = clients.add_client(priced, ctx, name="Beto", email="b@example.com", currency="usd")
    assert client.currency == "USD"


def test_edit_refuses_a_currency_not_billed_but_keeps_an_old_one(priced, ctx):
    client, _ = clients.add_client(priced, ctx, name="Ana", email="a@example.com")
    with pytest.raises(ValidationError, match="does not bill in EUR"):
        clients.edit_client(priced, ctx, client.id, currency="EUR")
    assert client.currency == "USD"
    # a client whose currency the catalogue no longer has can still be edited otherwise
    client.currency = "UYU"
    priced.add(client)
    edited, _ = clients.edit_client(priced, ctx, client.id, name="Ana María")
    assert (edited.name, edited.currency) == ("Ana María", "UYU")


def test_import_refuses_rows_with_a_currency_not_billed(priced, ctx, tmp_path):
    path = tmp_path / "clients.csv"
    path.write_text(
        "name,email,country,currency\n"
        "Ana,ana@example.com,AR,\n"
        "Beto,beto@example.com,,EUR\n"
        "Ciro,ciro@example.com,UY,\n"
        "Dora,dora@example.com,UY,USD\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportFileError) as refused:
        clients.import_clients(priced, ctx, path)
    assert refused.value.details == [
        "line 3, column currency: The company does not bill in EUR: no product of the "
        "catalogue has a price in it; use ARS, USD.",
        "line 4, column currency: The company does not bill in UYU: no product of the "
        "catalogue has a price in it; use ARS, USD.",
    ]


@pytest.mark.parametrize(
    ("raw", "country", "stored"),
    [
        ("11 5555-0001", "AR", "+541155550001"),
        ("(011) 5555-0001", "AR", "+541155550001"),
        ("9 11 5555-0001", "AR", "+5491155550001"),
        ("099 123 456", "UY", "+59899123456"),
        ("+598 99 123 456", "AR", "+59899123456"),  # international: the country is not used
        ("0054 11 5555-0001", None, "+541155550001"),
        ("+54 11 5555 0001", None, "+541155550001"),
    ],
)
def test_phone_national_with_the_country(raw, country, stored):
    assert validate.phone(raw, country) == stored


@pytest.mark.parametrize(
    ("raw", "country", "message"),
    [
        ("11 5555-0001", None, "or the client needs a country"),
        ("12345", "AR", "is not a valid number of AR"),
        ("+5411", "AR", "is not a valid number for its country code"),
        ("once", "AR", "is not a phone number"),
    ],
)
def test_phone_refused(raw, country, message):
    with pytest.raises(ValidationError, match=message):
        validate.phone(raw, country)


def test_national_phones_on_add_edit_import_and_contacts(session, ctx, tmp_path):
    ana, _ = clients.add_client(
        session, ctx, name="Ana", email="ana@example.com", country="AR", phone="11 5555-0001"
    )
    assert ana.phone == "+541155550001"
    edited, _ = clients.edit_client(session, ctx, ana.id, phone="11 5555-0002")
    assert edited.phone == "+541155550002"
    moved, _ = clients.edit_client(session, ctx, ana.id, country="UY", phone="099 123 456")
    assert (moved.country, moved.phone) == ("UY", "+59899123456")
    contact = clients.add_contact(
        session, ctx, ana.id, name="Luis", email="luis@example.com", phone="098 765 432"
    )
    assert contact.phone == "+59898765432"
    path = tmp_path / "clients.csv"
    path.write_text(
        "name,email,phone,country\n"
        "Beto,beto@example.com,11 4444-0001,AR\n"
        "Ciro,ciro@example.com,11 4444-0001,UY\n"
        "Dora,dora@example.com,+54 11 4444-0002,\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportFileError) as refused:  # the same digits are not a UY number
        clients.import_clients(session, ctx, path)
    assert refused.value.details == [
        "line 3, column phone: The phone '11 4444-0001' is not a valid number of UY."
    ]
    path.write_text(
        "name,email,phone,country\n"
        "Beto,beto@example.com,11 4444-0001,AR\n"
        "Dora,dora@example.com,+54 11 4444-0002,\n",
        encoding="utf-8",
    )
    assert clients.import_clients(session, ctx, path) == 2
    phones = dict(session.exec(select(Client.name, Client.phone)).all())
    assert phones["Beto"] == "+541144440001" and phones["Dora"] == "+541144440002"
