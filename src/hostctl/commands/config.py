"""hostctl config: company settings kept in the database."""

from __future__ import annotations

from typing import Annotated

import typer

from hostctl.commands._common import JsonOpt, asking, work
from hostctl.i18n import N_

app = typer.Typer(
    help="Company settings (discounts, fees, policies, WhatsApp, SMTP).", no_args_is_help=True
)


@app.command("list")
def list_(json_out: JsonOpt = False) -> None:
    """Every known setting with its value and default.  Example: hostctl config list"""
    from hostctl import output
    from hostctl.core import settings

    with work(readonly=True) as (session, _):
        rows = settings.listing(session)
    if json_out:
        output.print_json(rows)
    else:
        output.print_table(
            rows,
            [
                output.Col("key", N_("key"), "code"),
                output.Col("value", N_("value"), "list"),
                output.Col("default", N_("default"), "list", drop=1),
                output.Col("help", N_("meaning"), "text"),
            ],
        )


@app.command("get")
def get(
    key: Annotated[str, typer.Argument(help="Setting key.")], json_out: JsonOpt = False
) -> None:
    """Print one setting.  Example: hostctl config get billing.upgrade_policy"""
    from hostctl import output
    from hostctl.core import settings

    with work(readonly=True) as (session, _):
        value = settings.get_known(session, key)
    if json_out:
        output.print_json({"key": key, "value": value})
    else:
        output.print_line("" if value is None else value)


@app.command("set", cls=asking("key", "value"))
def set_(
    key: Annotated[str | None, typer.Argument(help="Setting key.")] = None,
    value: Annotated[str | None, typer.Argument(help="New value.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Change one setting.  Example: hostctl config set payment.discount.zelle 10"""
    from hostctl import output
    from hostctl.ask import config as ask
    from hostctl.core import settings
    from hostctl.i18n import language

    key = ask.setting_key(key)
    value = ask.setting_value(value, key)
    with work() as (session, ctx):
        stored = settings.canonical(
            settings.set_value(session, ctx, key, value, language=language())
        )
    if json_out:
        output.print_json({"key": key, "value": stored})
    else:
        output.info(f"{key} = {stored}")
