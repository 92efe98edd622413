"""The methods a payment prompt offers (004 "Medios de pago", the table by country; CLI-6),
the amount due with a method's discount (DSC-3), and the currencies the company bills in."""

from __future__ import annotations

import pytest
from billing_setup import START, add_catalogue, add_client, order

from conftest import make_ctx
from hostctl.core import catalogue, payments, settings
from hostctl.errors import BusinessRuleError
from hostctl.models import Client

DEFAULTS = settings.DEFAULT_PAYMENT_METHODS.split(",")
EVERYWHERE = ["card", "paypal", "zelle", "bank-transfer", "cash"]


def _client(country: str | None, currency: str) -> Client:
    return Client(name="X", email="x@example.com", country=country, currency=currency)


@pytest.mark.parametrize(
    ("country", "currency", "first", "last"),
    [
        (
            "AR",
            "ARS",
            ["mercadopago", "pagofacil", "rapipago", "pagos360", "prex", *EVERYWHERE],
            ["efecty", "pse", "servipag", "pagoefectivo", "abitab", "redpagos"],
        ),
        (
            "UY",
            "UYU",
            ["abitab", "redpagos", "prex", "card", "zelle", "bank-transfer", "cash"],
            ["mercadopago", "pagofacil", "rapipago", "efecty", "pse", "servipag"],
        ),
        ("CO", "USD", ["efecty", "pse", *EVERYWHERE], ["mercadopago"]),
        ("PE", "USD", ["pagoefectivo", *EVERYWHERE], ["mercadopago"]),
        ("ES", "USD", EVERYWHERE, ["mercadopago", "pagofacil"]),
        (None, "USD", EVERYWHERE, ["mercadopago", "pagofacil"]),
    ],
)
def test_the_clients_country_comes_first_and_other_countries_last(country, currency, first, last):
    offered = payments.order_methods(DEFAULTS, _client(country, currency))
    assert offered[: len(first)] == first
    assert offered[len(first) : len(first) + len(last)] == last
    assert sorted(offered) == sorted(
        m for m in DEFAULTS if payments.usable(_client(country, currency), m)
    )


@pytest.mark.parametrize("currency", ["UYU", "PYG", "VES"])
def test_paypal_is_never_offered_where_the_payment_would_be_refused(currency):
    client = _client("UY", currency)
    assert "paypal" not in payments.order_methods(DEFAULTS, client)
    assert not payments.usable(client, "paypal")
    assert payments.usable(_client("UY", "USD"), "paypal")


def test_a_configured_method_outside_the_table_is_tied_to_no_country():
    offered = payments.order_methods(
        ["cash", "mercadopago", "crypto", "abitab"], _client("AR", "ARS")
    )
    assert offered == ["mercadopago", "cash", "crypto", "abitab"]


def test_the_core_check_and_the_offer_are_one_rule(session):
    add_catalogue(session)
    client = add_client(session, "uy@example.com", currency="UYU")
    _services, invoice = order(session, make_ctx(START), client)
    assert "paypal" not in payments.methods_for(session, invoice)
    with pytest.raises(BusinessRuleError, match="PayPal cannot be used by clients billed in UYU"):
        payments.add_payment(session, make_ctx(START), invoice.id, "10.00", "paypal")


def test_the_amount_due_with_zelle_has_its_discount_on_the_list_price(session):
    """Hosting 10.00 a month, annual: 120.00 list, 96.00 with the 20 % annual discount; Zelle
    takes 10 % of the list price, 12.00 (DSC-4), so 84.00 settles it."""
    add_catalogue(session)
    client = add_client(session, "ana@example.com")
    _services, invoice = order(session, make_ctx(START), client)
    assert payments.amount_due_with(session, invoice, "card").to_json() == "96.00"
    assert payments.amount_due_with(session, invoice, "zelle").to_json() == "84.00"
    payment, paid = payments.add_payment(session, make_ctx(START), invoice.id, "84.00", "zelle")
    assert (paid.status, payment.credited_minor) == ("paid", 0)


def test_the_billed_currencies_are_those_of_the_catalogues_prices(session):
    assert catalogue.billed_currencies(session) == []
    add_catalogue(session)
    assert catalogue.billed_currencies(session) == ["ARS", "USD", "UYU"]


def test_the_product_picker_prices_are_in_the_clients_currency(session):
    add_catalogue(session)
    priced = {p.code: m and m.to_json() for p, m in catalogue.priced_products(session, "ARS")}
    assert priced == {
        "domain-com": None,
        "hosting-basic": "9000.00",
        "reseller": None,
        "radio": None,
    }
