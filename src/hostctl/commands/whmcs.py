"""hostctl whmcs: moving over from WHMCS."""

from __future__ import annotations

from typing import Annotated

import typer

from hostctl.commands._common import JsonOpt

app = typer.Typer(help="Moving over from WHMCS.", no_args_is_help=True)
Opt = typer.Option
FromOpt = Annotated[
    str | None,
    Opt(
        "--from",
        help="The WHMCS database: mysql+pymysql://user:pass@host/whmcs (default: HOSTCTL_WHMCS_URL).",
    ),
]


@app.command("map")
def map_(from_: FromOpt = None, json_out: JsonOpt = False) -> None:
    """Draft the map of WHMCS products, domain TLDs and gateways onto hostctl's catalogue and
    payment methods, with a guess for each (fill in the empty ones). WHMCS is only read.

    Example: hostctl whmcs map --from mysql+pymysql://reader@127.0.0.1/whmcs > whmcs-map.toml
    """
    from hostctl import output
    from hostctl.adapters import whmcs
    from hostctl.commands._common import work
    from hostctl.core import catalogue, settings, whmcs_map

    url = whmcs.whmcs_url(from_)
    with whmcs.open_whmcs(url) as reader:
        facts = whmcs.map_facts(reader)
    with work(readonly=True) as (session, _ctx):
        products = [
            whmcs_map.CatalogueEntry(p.code, p.name, p.category)
            for p in catalogue.list_products(session)
        ]
        methods = settings.payment_methods(session)
    drafted = whmcs_map.draft(facts, products, methods)
    if json_out:
        output.print_json(drafted)
    else:
        output.print_document(whmcs_map.render(drafted))
