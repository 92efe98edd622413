"""The guesses of the WHMCS map (MIG-2): which hostctl product, domain product and payment
method each WHMCS product, TLD and gateway module most likely is."""

from __future__ import annotations

import pytest

from hostctl.core.whmcs_map import CatalogueEntry, guess_domain, guess_method, guess_product

CATALOGUE = [
    CatalogueEntry("hosting-basic", "Hosting Básico", "hosting"),
    CatalogueEntry("hosting-premium", "Hosting Premium", "hosting"),
    CatalogueEntry("vps", "Servidor VPS", "vps"),
    CatalogueEntry("domain-com", "Dominio internacional .com", "domain"),
    CatalogueEntry("domain-com-ar", "Dominio argentino", "domain"),
    CatalogueEntry("domain-uy", "Dominio .uy", "domain"),
]
METHODS = ["card", "paypal", "mercadopago", "bank-transfer", "cash"]


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("HOSTING BASICO", "hosting-basic"),  # case and accents aside
        ("Hosting-Premium", "hosting-premium"),
        ("Hosting Premiun", "hosting-premium"),  # a typo: the closest name
        ("VPS", "vps"),  # its code
        ("Dominio internacional .com", ""),  # domains are mapped per TLD, not here
        ("Correo Corporativo", ""),
        ("&", ""),
    ],
)
def test_a_product_is_guessed_by_its_name(name, code):
    assert guess_product(name, CATALOGUE) == code


@pytest.mark.parametrize(
    ("tld", "code"),
    [
        (".com", "domain-com"),
        (".com.ar", "domain-com-ar"),
        (".uy", "domain-uy"),
        (".net", ""),
        ("*", "domain-com"),
    ],
)
def test_a_tld_is_guessed_by_the_domain_products_code_or_name(tld, code):
    assert guess_domain(tld, CATALOGUE) == code


@pytest.mark.parametrize(
    ("module", "method"),
    [
        ("paypal", "paypal"),
        ("paypalcheckout", "paypal"),
        ("banktransfer", "bank-transfer"),
        ("mercadopago_v2", "mercadopago"),
        ("stripe", "card"),
        ("zelle", ""),  # a method hostctl does not accept here
        ("Cash", "cash"),
        ("mailin", ""),
    ],
)
def test_a_gateway_is_guessed_only_among_the_accepted_methods(module, method):
    assert guess_method(module, METHODS) == method
