"""hostctl affiliate: referral codes, commissions and withdrawals (rules §10)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from hostctl.commands._common import JsonOpt, work

app = typer.Typer(help="Affiliates: codes, commissions, withdrawals.", no_args_is_help=True)
Opt = typer.Option
ClientId = Annotated[int, typer.Argument(help="The affiliate's client id.")]


def _show(data: dict[str, Any], json_out: bool) -> None:
    from hostctl import output

    if json_out:
        output.print_json(data)
        return
    output.print_record({k: v for k, v in data.items() if k not in ("commissions", "withdrawals")})
    for c in data["commissions"]:
        output.print_line(f"commission on invoice {c['invoice_id']}: {c['amount']} ({c['status']})")
    for w in data["withdrawals"]:
        output.print_line(f"withdrawal {w['id']} on {w['date']}: {w['amount']} to {w['to']}")


@app.command("enroll")
def enroll(client_id: ClientId, json_out: JsonOpt = False) -> None:
    """Make a client an affiliate with a referral code easy to dictate.

    Example: hostctl affiliate enroll 7
    """
    from hostctl.core import affiliates

    with work() as (session, ctx):
        affiliates.enroll(session, ctx, client_id)
        data = affiliates.show(session, ctx, client_id)
    _show(data, json_out)


@app.command("show")
def show(client_id: ClientId, json_out: JsonOpt = False) -> None:
    """The affiliate's referred clients, commissions, withdrawals and balance.

    Example: hostctl affiliate show 7
    """
    from hostctl.core import affiliates

    with work() as (session, ctx):
        data = affiliates.show(session, ctx, client_id)
    _show(data, json_out)


@app.command("list")
def list_(json_out: JsonOpt = False) -> None:
    """Every affiliate with its balance.  Example: hostctl affiliate list"""
    from hostctl import output
    from hostctl.core import affiliates
    from hostctl.i18n import N_
    from hostctl.output import Col

    with work() as (session, ctx):
        rows = affiliates.list_affiliates(session, ctx)
    if json_out:
        output.print_json(rows)
        return
    output.print_table(
        rows,
        [
            Col("client_id", "client", "id"),
            Col("referral_code", "code", "code"),
            Col("currency", "cur", "code", drop=1),
            Col("earned", "earned", "money"),
            Col("withdrawn", "withdrawn", "money"),
            Col("balance", "balance", "money"),
        ],
        empty=N_("No affiliates."),
    )


@app.command("withdraw")
def withdraw(
    client_id: ClientId,
    amount: Annotated[str, Opt(help="Amount in the affiliate's currency, e.g. 20.00.")],
    to: Annotated[str, Opt("--to", help="credit (client credit now) or bank.")],
    bank_account: Annotated[
        str | None, Opt(help="With --to bank: the client's own account (CBU/IBAN, holder).")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Withdraw commissions: verified affiliates, one a month, above the minimum.

    Example: hostctl affiliate withdraw 7 --amount 20.00 --to credit
    """
    from hostctl.core import affiliates

    with work() as (session, ctx):
        data = affiliates.withdraw(session, ctx, client_id, amount, to, bank_account)
    _show(data, json_out)
