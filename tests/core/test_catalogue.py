"""The catalogue without the CLI (SPEC §2, CAT-1 … CAT-3)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import select
from tests.conftest import make_ctx

from hostctl.core import catalogue
from hostctl.core.catalogue import ProductInput
from hostctl.core.money import Money
from hostctl.errors import BusinessRuleError, ImportFileError, NotFoundError, ValidationError
from hostctl.models import AuditEntry, Product, ProductPrice

EXAMPLE = Path(__file__).parents[2] / "examples" / "catalogue.toml"


def _input(**kw) -> ProductInput:
    base = {
        "code": "hosting-basic",
        "name": "Hosting Básico",
        "category": "hosting",
        "cycles": ["semiannual", "annual"],
        "prices": {"USD": Money.parse("5.00", "USD")},
    }
    base.update(kw)
    return ProductInput(**base)


def _prices(session, code):
    return {c: m.to_json() for c, m in catalogue.prices_of(session, code).items()}


def test_add_product_with_prices_and_audit(session, ctx):
    data = _input(
        code=" Hosting-Basic ",
        name=" Hosting   Básico ",
        category="Hosting",
        cycles="annual, semiannual,biennial",
        prices=catalogue.parse_prices(["5", "ARS=5000", "uyu=200.5"], "USD"),
        upgrade_to=["hosting-basic-x"],
    )
    catalogue.add_product(session, ctx, _input(code="hosting-basic-x", name="X"))
    product = catalogue.add_product(session, ctx, data)
    assert (product.code, product.name, product.category) == (
        "hosting-basic",
        "Hosting Básico",
        "hosting",
    )
    assert catalogue.product_cycles(product) == ["semiannual", "annual", "biennial"]
    assert _prices(session, "hosting-basic") == {"ARS": "5000.00", "UYU": "200.50", "USD": "5.00"}
    assert (product.activation, product.activation_days) == ("instant", 0)
    assert (product.period_discount, product.refundable) == (True, True)
    assert product.upgrade_to == "hosting-basic-x"
    assert catalogue.monthly_price(session, product, "ARS") == Money.parse("5000", "ARS")
    entry = session.exec(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert (entry.action, entry.entity_type, entry.entity_id, entry.staff) == (
        "product.add",
        "product",
        "hosting-basic",
        "tester",
    )
    assert json.loads(entry.changes)["monthly_price"] == {
        "ARS": "5000.00",
        "USD": "5.00",
        "UYU": "200.50",
    }


def test_monthly_price_missing_currency(session, ctx):
    product = catalogue.add_product(session, ctx, _input())
    with pytest.raises(BusinessRuleError) as err:
        catalogue.monthly_price(session, product, "UYU")
    assert err.value.message == (
        "Product hosting-basic has no price in UYU; add one with "
        "`hostctl product edit hosting-basic --monthly-price UYU=AMOUNT`."
    )


@pytest.mark.parametrize(
    ("changes", "exc", "message"),
    [
        ({"cycles": ["monthly", "annual"]}, BusinessRuleError,
         "Shared hosting cannot be billed monthly (Terms §3a: semiannual or annual)."),
        ({"category": "domain", "cycles": ["annual", "biennial"]}, BusinessRuleError,
         "Domains are billed annually only: use --cycles annual."),
        ({"category": "cloud"}, ValidationError,
         "Unknown category 'cloud'; use one of hosting, reseller, vps, domain, streaming, "
         "website, app, webmaster, email-marketing, community-manager, other."),
        ({"cycles": ["weekly"]}, ValidationError,
         "Unknown billing cycle 'weekly'; use monthly, quarterly, semiannual, annual, biennial."),
        ({"cycles": []}, ValidationError, "A product needs at least one billing cycle."),
        ({"code": "hosting basic"}, ValidationError,
         "The product code 'hosting basic' may use only letters, digits, '-', '_' and '.'."),
        ({"name": "  "}, ValidationError, "The product name cannot be empty."),
        ({"activation": "later"}, ValidationError,
         "Unknown activation 'later'; use instant or manual."),
        ({"activation": "manual"}, ValidationError,
         "A manual product needs its lead time: --activation-days N (≥ 1)."),
        ({"activation_days": 3}, ValidationError,
         "An instant product has no lead time; use --activation manual with --activation-days N."),
        ({"prices": {}}, ValidationError,
         "A product needs a monthly price in at least one currency."),
        ({"prices": {"USD": Money.parse("-1", "USD")}}, ValidationError,
         "A price cannot be negative."),
        ({"upgrade_to": ["hosting-basic"]}, ValidationError,
         "A product cannot be an upgrade of itself."),
        ({"upgrade_to": ["nope"]}, ValidationError, "The upgrade target 'nope' is not a product."),
        ({"upgrade_to": ["vps-1"]}, BusinessRuleError,
         "hosting-basic cannot upgrade to vps-1: upgrades stay within one category."),
    ],
)  # fmt: skip
def test_add_product_refusals(session, ctx, changes, exc, message):
    catalogue.add_product(session, ctx, _input(code="vps-1", name="VPS", category="vps"))
    with pytest.raises(exc) as err:
        catalogue.add_product(session, ctx, _input(**changes))
    assert err.value.message == message
    assert session.get(Product, "hosting-basic") is None


def test_duplicate_code_refused(session, ctx):
    catalogue.add_product(session, ctx, _input())
    with pytest.raises(BusinessRuleError) as err:
        catalogue.add_product(session, ctx, _input(code="HOSTING-BASIC"))
    assert err.value.message == (
        "Product hosting-basic already exists; change it with `hostctl product edit`."
    )


@pytest.mark.parametrize("category", ["domain", "app", "streaming"])
def test_never_refundable_categories(session, ctx, category):
    cycles = ["annual"]
    product = catalogue.add_product(
        session, ctx, _input(code="p", category=category, cycles=cycles, refundable=True)
    )
    assert product.refundable is False
    assert product.period_discount is (category != "domain")


def test_manual_product_keeps_lead_time_and_requirement(session, ctx):
    product = catalogue.add_product(
        session,
        ctx,
        _input(
            code="simplenews",
            category="website",
            cycles=["monthly"],
            activation="Manual",
            activation_days=2,
            requirement="  Dominio activo   y delegado ",
        ),
    )
    assert (product.activation, product.activation_days, product.requirement) == (
        "manual",
        2,
        "Dominio activo y delegado",
    )


def test_get_product_not_found(session):
    with pytest.raises(NotFoundError) as err:
        catalogue.get_product(session, "nope")
    assert err.value.message == "There is no product 'nope'; `hostctl product list` shows them."


def test_edit_product_changes_price_and_audits_diff(session, ctx):
    catalogue.add_product(session, ctx, _input())
    catalogue.edit_product(
        session,
        make_ctx("2026-02-01"),
        "hosting-basic",
        prices={"USD": Money.parse("6", "USD")},
        name=None,
    )
    assert _prices(session, "hosting-basic") == {"USD": "6.00"}
    entry = session.exec(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.action == "product.edit"
    assert json.loads(entry.changes) == {"monthly_price": [{"USD": "5.00"}, {"USD": "6.00"}]}


# --------------------------------------------------------------------------- import
def test_example_catalogue_imports(session, ctx):
    assert catalogue.import_products(session, ctx, EXAMPLE) == (18, 0)
    by_code = {p.code: p for p in catalogue.list_products(session)}
    basic = by_code["hosting-basic"]
    assert catalogue.product_cycles(basic) == ["semiannual", "annual", "biennial"]
    assert basic.upgrade_to == "hosting-premium,hosting-pro"
    assert _prices(session, "hosting-basic") == {"ARS": "4000.00", "USD": "4.00", "UYU": "160.00"}
    domain = by_code["domain-com"]
    assert (domain.category, domain.cycles, domain.period_discount, domain.refundable) == (
        "domain",
        "annual",
        False,
        False,
    )
    manual = {
        code: (p.activation_days, p.requirement)
        for code, p in by_code.items()
        if p.activation == "manual"
    }
    assert manual == {
        "reseller": (2, None),
        "vps": (2, None),
        "simplenews": (2, "Dominio activo y delegado"),
        "portal-noticioso": (3, "Dominio activo y delegado"),
        "diario-wp": (4, None),
        "chat-rooms": (2, None),
        "app-android-lite": (2, None),
        "app-android": (40, None),
        "app-iphone": (40, None),
        "voice-over": (7, "Textos escritos y confirmados en el ticket"),
        "custom-website": (15, "Toda la información necesaria para comenzar el desarrollo"),
    }
    instant = sorted(c for c, p in by_code.items() if p.activation == "instant")
    assert instant == [
        "domain-com",
        "hosting-basic",
        "hosting-premium",
        "hosting-pro",
        "radio-streaming",
        "video-streaming",
        "web-builder",
    ]
    assert all("monthly" not in p.cycles for p in by_code.values() if p.category == "hosting")
    assert all(not p.refundable for p in by_code.values() if p.category in ("app", "streaming"))
    assert all(set(_prices(session, c)) == {"USD", "ARS", "UYU"} for c in by_code)
    # Importing again updates in place.
    assert catalogue.import_products(session, ctx, EXAMPLE) == (0, 18)
    assert len(session.exec(select(ProductPrice)).all()) == 54


def _toml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cat.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_import_reports_every_problem_and_writes_nothing(session, ctx, tmp_path):
    path = _toml(
        tmp_path,
        """
[[product]]
code = "ok-1"
name = "Fine"
category = "vps"
cycles = "monthly,annual"
monthly_price = { USD = "10.00" }
upgrade_to = ["later-one"]

[[product]]
code = "host"
name = "Host"
category = "hosting"
cycles = ["monthly"]
monthly_price = { USD = "1.00" }

[[product]]
code = "b"
name = "B"
category = "other"
cycles = ["annual"]
monthly_price = { USD = 5 }

[[product]]
code = "c"
name = "C"
category = "other"
cycles = ["annual"]
monthly_price = { USD = "5.00" }
refundable = "false"

[[product]]
code = "d"
name = "D"
category = "other"
monthly_price = { USD = "5.00" }

[[product]]
code = "e"
name = "E"
category = "other"
cycles = ["annual"]
monthly_price = { USD = "5.00" }
colour = "red"

[[product]]
code = "ok-1"
name = "Again"
category = "vps"
cycles = ["annual"]
monthly_price = { USD = "10.00" }

[[product]]
code = "later-one"
name = "Later"
category = "vps"
cycles = ["annual"]
monthly_price = { USD = "20.00" }
upgrade_to = ["host"]
""",
    )
    with pytest.raises(ImportFileError) as err:
        catalogue.import_products(session, ctx, path)
    assert err.value.message == "cat.toml was not imported: 7 problem(s)."
    assert err.value.details == [
        "product 2 (host): Shared hosting cannot be billed monthly (Terms §3a: semiannual or "
        "annual).",
        'product 3 (b): the price in USD must be a string such as "5.00"',
        "product 4 (c): refundable must be true or false, not 'false'",
        "product 5 (d): missing key 'cycles'",
        "product 6 (e): unknown key 'colour'",
        "product ok-1: defined more than once.",
        "product later-one: The upgrade target 'host' is not a product.",
    ]
    assert session.exec(select(Product)).all() == []


def test_import_upgrade_path_may_point_forward(session, ctx, tmp_path):
    path = _toml(
        tmp_path,
        """
[[product]]
code = "vps-s"
name = "VPS S"
category = "vps"
cycles = ["monthly"]
monthly_price = { USD = "10.00" }
upgrade_to = ["vps-m"]

[[product]]
code = "vps-m"
name = "VPS M"
category = "vps"
cycles = ["monthly"]
monthly_price = { USD = "20.00" }
""",
    )
    assert catalogue.import_products(session, ctx, path) == (2, 0)
    assert catalogue.get_product(session, "vps-s").upgrade_to == "vps-m"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("code = 1\n", "cat.toml has no [[product]] tables."),
        ("[[product]\n", None),
    ],
)
def test_import_bad_file(session, ctx, tmp_path, text, message):
    with pytest.raises(ImportFileError) as err:
        catalogue.import_products(session, ctx, _toml(tmp_path, text))
    if message:
        assert err.value.message == message
    else:
        assert err.value.message.startswith("cat.toml is not valid TOML: ")
