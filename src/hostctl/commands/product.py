"""hostctl product: the catalogue."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from hostctl.commands._common import JsonOpt, asking, work
from hostctl.i18n import N_, _

app = typer.Typer(help="The catalogue of plans (rules §2).", no_args_is_help=True)
Opt = typer.Option
Code = Annotated[str, typer.Argument(help="Product code, e.g. hosting-basic.")]


def _print(products: list[dict[str, Any]], json_out: bool, single: bool = False) -> None:
    from hostctl import output
    from hostctl.output import Col

    if json_out:
        output.print_json(products[0] if single else products)
        return
    if single:
        output.print_record(products[0])
        return
    output.print_table(
        products,
        [
            Col("code", N_("code"), "code"),
            Col("name", N_("name"), "text"),
            Col("category", N_("category"), "code", drop=3),
            Col("cycles", N_("cycles"), "list"),
            Col("monthly_price", N_("monthly"), "money"),
            Col("activation", N_("activation"), "code", drop=2),
            Col("activation_days", N_("days"), "number", drop=1),
        ],
        empty=N_("No products."),
    )


@app.command("add", cls=asking("name", "category", "monthly_price", "cycles"))
def add(
    code: Code,
    name: Annotated[str | None, Opt(help="Name shown on invoices.")] = None,
    category: Annotated[
        str | None,
        Opt(
            help="hosting, reseller, vps, domain, streaming, website, "
            "app, webmaster, email-marketing, community-manager, "
            "other."
        ),
    ] = None,
    monthly_price: Annotated[
        list[str] | None,
        Opt(help="Monthly list price; AMOUNT (in --currency) or CUR=AMOUNT; repeat per currency."),
    ] = None,
    cycles: Annotated[
        str | None, Opt(help="Allowed cycles: monthly,quarterly,semiannual,annual,biennial.")
    ] = None,
    currency: Annotated[str, Opt(help="Currency of a bare --monthly-price.")] = "USD",
    activation: Annotated[str, Opt(help="instant or manual.")] = "instant",
    activation_days: Annotated[int, Opt(help="Manual lead time in business days.")] = 0,
    requirement: Annotated[str | None, Opt(help="What must be met before activation.")] = None,
    no_period_discount: Annotated[
        bool, Opt("--no-period-discount", help="No semiannual/annual/biennial discount.")
    ] = False,
    no_refund: Annotated[
        bool, Opt("--no-refund", help="Never refunded on cancellation (30-day guarantee).")
    ] = False,
    upgrade_to: Annotated[list[str] | None, Opt(help="Product code it can upgrade to.")] = None,
    free_domain: Annotated[
        str | None, Opt(help="Domain product included free (deducted from a refund).")
    ] = None,
    panel_package: Annotated[
        str | None, Opt(help="The package its services have on the servers' panels.")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Add a product.

    Example: hostctl product add hosting-basic --name "Hosting Básico" --category hosting --monthly-price 5.00 --monthly-price ARS=5000 --cycles semiannual,annual
    """
    from hostctl import views
    from hostctl.ask import product as ask
    from hostctl.core import catalogue
    from hostctl.i18n import language

    name = ask.product_name(name)
    category = ask.product_category(category)
    monthly_price = ask.monthly_prices(monthly_price or [], currency)
    cycles = ask.product_cycles(cycles)
    data = catalogue.ProductInput(
        code=code,
        name=name,
        category=category,
        cycles=cycles,  # type: ignore[arg-type]
        prices=catalogue.parse_prices(monthly_price, currency, language=language()),
        activation=activation,
        activation_days=activation_days,
        requirement=requirement,
        period_discount=not no_period_discount,
        refundable=not no_refund,
        upgrade_to=upgrade_to or [],
        free_domain=free_domain,
        panel_package=panel_package,
    )
    with work() as (session, ctx):
        product = catalogue.add_product(session, ctx, data)
        shown = views.product(product, session)
    _print([shown], json_out, single=True)


@app.command("edit")
def edit(
    code: Code,
    name: Annotated[str | None, Opt(help="New name.")] = None,
    monthly_price: Annotated[
        list[str] | None, Opt(help="AMOUNT or CUR=AMOUNT; applies from the next invoice (CAT-4).")
    ] = None,
    currency: Annotated[str, Opt(help="Currency of a bare --monthly-price.")] = "USD",
    cycles: Annotated[str | None, Opt(help="Allowed cycles.")] = None,
    activation_days: Annotated[int | None, Opt(help="Manual lead time.")] = None,
    requirement: Annotated[str | None, Opt(help="Activation requirement.")] = None,
    upgrade_to: Annotated[list[str] | None, Opt(help="Replace the upgrade paths.")] = None,
    free_domain: Annotated[str | None, Opt(help="Domain product included free.")] = None,
    panel_package: Annotated[
        str | None, Opt(help='Its package on the panels ("" to clear).')
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Change a product; generated invoices keep their prices.

    Example: hostctl product edit hosting-basic --monthly-price 6.00
    """
    from hostctl import views
    from hostctl.core import catalogue
    from hostctl.i18n import language

    prices = (
        catalogue.parse_prices(monthly_price, currency, language=language())
        if monthly_price
        else None
    )
    with work() as (session, ctx):
        product = catalogue.edit_product(
            session,
            ctx,
            code,
            name=name,
            prices=prices,
            cycles=catalogue.parse_cycles(cycles) if cycles else None,
            activation_days=activation_days,
            requirement=requirement,
            upgrade_to=upgrade_to,
            free_domain=free_domain,
            panel_package=panel_package,
        )
        shown = views.product(product, session)
    _print([shown], json_out, single=True)


@app.command("list")
def list_(
    category: Annotated[str | None, Opt(help="Only this category.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """List the catalogue.  Example: hostctl product list --category hosting"""
    from hostctl import views
    from hostctl.core import catalogue

    with work(readonly=True) as (session, _ctx):
        rows = [
            views.product(p, session) for p in catalogue.list_products(session, category=category)
        ]
    _print(rows, json_out)


@app.command("show")
def show(code: Code, json_out: JsonOpt = False) -> None:
    """Show one product.  Example: hostctl product show hosting-basic"""
    from hostctl import views
    from hostctl.core import catalogue

    with work(readonly=True) as (session, _ctx):
        shown = views.product(catalogue.get_product(session, code), session)
    _print([shown], json_out, single=True)


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="TOML file of [[product]] tables.")],
    json_out: JsonOpt = False,
) -> None:
    """Add or update products from TOML, all or nothing.

    Example: hostctl product import examples/catalogue.toml
    """
    from hostctl import output
    from hostctl.core import catalogue, reading

    with work() as (session, ctx):
        added, updated = catalogue.import_products(session, ctx, file)
    if json_out:
        output.print_json({"added": added, "updated": updated})
    else:
        output.info(
            _("{added} products added, {updated} updated from {file}.").format(
                added=added, updated=updated, file=reading.shown_name(file)
            )
        )
