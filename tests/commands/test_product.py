"""hostctl product … through the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from hostctl import db
from hostctl.models import AuditEntry, Product

EXAMPLE = str(Path(__file__).parents[2] / "examples" / "catalogue.toml")
BASIC = (
    "product", "add", "hosting-basic", "--name", "Hosting Básico", "--category", "hosting",
    "--monthly-price", "5.00", "--monthly-price", "ARS=5000", "--cycles", "semiannual,annual",
)  # fmt: skip


def _products():
    with db.unit_of_work(readonly=True) as s:
        return [p.code for p in s.exec(select(Product).order_by(Product.code))]


def test_add_prints_product(cli):
    data = cli.json(*BASIC)
    assert data == {
        "code": "hosting-basic",
        "name": "Hosting Básico",
        "category": "hosting",
        "cycles": ["semiannual", "annual"],
        "monthly_price": {"ARS": "5000.00", "USD": "5.00"},
        "activation": "instant",
        "activation_days": 0,
        "requirement": None,
        "period_discount": True,
        "refundable": True,
        "upgrade_to": [],
        "free_domain": None,
        "panel_package": None,
    }
    human = cli("product", "show", "hosting-basic").stdout
    assert "monthly price    ARS 5000.00, USD 5.00\n" in human
    assert "cycles           semiannual, annual\n" in human


def test_add_manual_product_with_flags_and_upgrade(cli):
    cli("product", "add", "app-lite", "--name", "App LITE", "--category", "app",
        "--monthly-price", "7", "--cycles", "monthly")  # fmt: skip
    data = cli.json(
        "product", "add", "app-android", "--name", "App Android", "--category", "app",
        "--monthly-price", "UYU=800", "--currency", "UYU", "--cycles", "monthly,annual",
        "--activation", "manual", "--activation-days", "40", "--requirement", "Logo y textos",
        "--no-period-discount", "--no-refund",
    )  # fmt: skip
    assert (data["activation"], data["activation_days"], data["requirement"]) == (
        "manual",
        40,
        "Logo y textos",
    )
    assert (data["period_discount"], data["refundable"], data["monthly_price"]) == (
        False,
        False,
        {"UYU": "800.00"},
    )
    edited = cli.json("product", "edit", "app-lite", "--upgrade-to", "app-android")
    assert edited["upgrade_to"] == ["app-android"]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("--cycles", "monthly,annual"), 1,
         "error: Shared hosting cannot be billed monthly (Terms §3a: semiannual or annual).\n"),
        (("--category", "domain", "--cycles", "biennial"), 1,
         "error: Domains are billed annually only: use --cycles annual.\n"),
        (("--activation", "manual"), 1,
         "error: A manual product needs its lead time: --activation-days N (≥ 1).\n"),
        (("--activation-days", "2"), 1, "error: An instant product has no lead time; use "
         "--activation manual with --activation-days N.\n"),
        (("--monthly-price", "5,00"), 1,
         "error: '5,00' is not an amount; write 1234.56 or 1,234.56.\n"),
        (("--monthly-price", "EUR=4.005"), 1,
         "error: The amount '4.005' has more than 2 decimals for EUR.\n"),
        (("--upgrade-to", "hosting-nope"), 1,
         "error: The upgrade target 'hosting-nope' is not a product.\n"),
    ],
)  # fmt: skip
def test_add_refusals(cli, args, code, message):
    base = ["product", "add", "hosting-x", "--name", "X", "--category", "hosting",
            "--monthly-price", "5", "--cycles", "annual"]  # fmt: skip
    # later options win for single-valued options; repeated --monthly-price adds a currency
    result = cli(*base, *args)
    assert (result.exit_code, result.stderr) == (code, message)
    assert _products() == []


def test_add_missing_name_is_usage_error(cli):
    result = cli("product", "add", "x", "--category", "vps", "--monthly-price", "1",
                 "--cycles", "monthly")  # fmt: skip
    assert result.exit_code == 2
    assert _products() == []


def test_duplicate_and_not_found(cli):
    cli(*BASIC)
    again = cli(*BASIC)
    assert (again.exit_code, again.stderr) == (
        1,
        "error: Product hosting-basic already exists; change it with `hostctl product edit`.\n",
    )
    missing = cli("product", "show", "nope")
    assert (missing.exit_code, missing.stderr) == (
        3,
        "error: There is no product 'nope'; `hostctl product list` shows them.\n",
    )


def test_import_example_catalogue_and_list(cli):
    result = cli("product", "import", EXAMPLE)
    assert (result.exit_code, result.stderr) == (
        0,
        "18 products added, 0 updated from catalogue.toml.\n",
    )
    assert cli.json("product", "import", EXAMPLE) == {"added": 0, "updated": 18}
    hosting = cli.json("product", "list", "--category", "hosting")
    assert [p["code"] for p in hosting] == ["hosting-basic", "hosting-premium", "hosting-pro"]
    assert hosting[0]["upgrade_to"] == ["hosting-premium", "hosting-pro"]
    portal = cli.json("product", "show", "portal-noticioso")
    assert (portal["activation"], portal["activation_days"], portal["requirement"]) == (
        "manual",
        3,
        "Dominio activo y delegado",
    )
    assert portal["monthly_price"] == {"ARS": "18000.00", "USD": "18.00", "UYU": "720.00"}
    assert len(cli.json("product", "list")) == 18
    with db.unit_of_work(readonly=True) as s:
        actions = {a.action for a in s.exec(select(AuditEntry))}
    assert actions == {"product.add"}  # re-importing the same file changes nothing


def test_import_bad_file_changes_nothing(cli, tmp_path):
    path = tmp_path / "cat.toml"
    path.write_text(
        '[[product]]\ncode = "d"\nname = "D"\ncategory = "domain"\ncycles = ["monthly"]\n'
        'monthly_price = { USD = "1.00" }\n',
        encoding="utf-8",
    )
    result = cli("product", "import", str(path))
    assert (result.exit_code, result.stderr) == (
        1,
        "error: cat.toml was not imported: 1 problem(s).\n"
        "  product 1 (d): Domains are billed annually only: use --cycles annual.\n",
    )
    assert _products() == []
