"""hostctl affiliate: referral codes, commissions and withdrawals (rules §10)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from hostctl.commands._common import JsonOpt, asking, work
from hostctl.i18n import N_, _
from hostctl.words import say

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
        amount = output.amount_text(c["amount"], data["currency"])
        if c["invoice_id"] is None:  # the balance an affiliate had in WHMCS
            output.print_line(
                _("balance brought over from WHMCS on {date}: {amount} ({status})").format(
                    date=c["date"], amount=amount, status=say("status", c["status"])
                )
            )
            continue
        output.print_line(
            _("commission on invoice {invoice_id}: {amount} ({status})").format(
                invoice_id=c["invoice_id"], amount=amount, status=say("status", c["status"])
            )
        )
    for w in data["withdrawals"]:
        output.print_line(
            _("withdrawal {id} on {date}: {amount} to {to}").format(
                id=w["id"],
                date=w["date"],
                amount=output.amount_text(w["amount"], data["currency"]),
                to=w["to"],
            )
        )


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
    from hostctl.output import Col

    with work() as (session, ctx):
        rows = affiliates.list_affiliates(session, ctx)
    if json_out:
        output.print_json(rows)
        return
    output.print_table(
        rows,
        [
            Col("client_id", N_("client"), "id"),
            Col("referral_code", N_("code"), "code"),
            Col("currency", N_("cur"), "code", drop=1),
            Col("earned", N_("earned"), "money"),
            Col("withdrawn", N_("withdrawn"), "money"),
            Col("balance", N_("balance"), "money"),
        ],
        empty=N_("No affiliates."),
    )


@app.command("withdraw", cls=asking("amount", "to"))
def withdraw(
    client_id: ClientId,
    amount: Annotated[
        str | None,
        Opt(help="Amount in the affiliate's currency, e.g. 20.00 (or 20,00 in Spanish)."),
    ] = None,
    to: Annotated[str | None, Opt("--to", help="credit (client credit now) or bank.")] = None,
    bank_account: Annotated[
        str | None, Opt(help="With --to bank: the client's own account (CBU/IBAN, holder).")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Withdraw commissions: verified affiliates, one a month, above the minimum.

    Example: hostctl affiliate withdraw 7 --amount 20.00 --to credit
    """
    from hostctl.ask import affiliate as ask
    from hostctl.core import affiliates
    from hostctl.i18n import language

    ask.known(affiliates.get_affiliate, client_id, amount, to)
    amount = ask.withdrawal_amount(amount, client_id)
    to = ask.withdrawal_to(to)
    bank_account = ask.bank_account(bank_account, to)
    with work() as (session, ctx):
        data = affiliates.withdraw(
            session, ctx, client_id, amount, to, bank_account, language=language()
        )
    _show(data, json_out)
