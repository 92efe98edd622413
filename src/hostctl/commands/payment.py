"""hostctl payment: payments and chargebacks."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from hostctl.commands._common import JsonOpt, YesOpt, asking, work
from hostctl.i18n import N_, _
from hostctl.words import say

app = typer.Typer(
    help="Payments, partial payments, credit and chargebacks (rules §4).", no_args_is_help=True
)
Opt = typer.Option


@app.command("add", cls=asking("invoice", "amount", "method"))
def add(
    invoice: Annotated[str | None, Opt(help="Invoice id or number.")] = None,
    amount: Annotated[
        str | None,
        Opt(help="Amount received: 96.00, or as the session writes it (1.234,56 in Spanish)."),
    ] = None,
    method: Annotated[
        str | None, Opt(help="card, paypal, mercadopago, zelle, bank-transfer, …")
    ] = None,
    reference: Annotated[str | None, Opt(help="Bank or gateway reference.")] = None,
    duplicate_ok: Annotated[
        bool, Opt("--duplicate-ok", help="Record it although its reference is already recorded.")
    ] = False,
    allow_excess: Annotated[
        bool,
        Opt("--allow-excess", help="Accept more than twice the amount due (the rest is credit)."),
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Record a payment; excess goes to credit; paying activates or renews services.

    Example: hostctl payment add --invoice 2026-000042 --amount 96.00 --method mercadopago
    """
    from hostctl import output, views
    from hostctl.ask import payment as ask
    from hostctl.core import invoices, payments
    from hostctl.i18n import language

    invoice = ask.invoice(invoice)
    method, amount = ask.method_then_amount(invoice, method, amount)
    allow_excess = ask.confirm_excess(invoice, amount, allow_excess)
    with work() as (session, ctx):
        target = invoices.find_invoice(session, invoice)
        payment, paid = payments.add_payment(
            session,
            ctx,
            target.id or 0,
            amount,
            method,
            reference,
            duplicate_ok=duplicate_ok,
            allow_excess=allow_excess,
            language=language(),
        )
        data: dict[str, Any] = {
            "payment": views.payment(payment),
            "invoice": views.invoice(paid, invoices.lines_of(session, paid.id or 0)),
            "changes": payments.cycle_changes(session, ctx, paid),  # BIL-7
        }
    if json_out:
        output.print_json(data)
        return
    inv = data["invoice"]
    output.print_record(data["payment"])
    output.print_line(
        _("invoice {number} is {status}; due {amount_due}").format(
            number=inv["number"],
            status=say("invoice", inv["status"]),
            amount_due=output.amount_text(inv["amount_due"], inv["currency"]),
        )
    )
    for change in data["changes"]:  # BIL-7
        output.print_line(
            _(
                "service {service_id} is now billed {new} (was {old}): paid after a non-payment "
                "suspension, its cycle is one step longer (BIL-7)"
            ).format(
                service_id=change["service_id"],
                old=say("cycle", change["cycle"][0]),
                new=say("cycle", change["cycle"][1]),
            )
        )


@app.command("chargeback")
def chargeback(
    payment_id: Annotated[int, typer.Argument(help="Payment id.")],
    close_account: Annotated[
        bool, Opt("--close-account", help="Also terminate every service of the client.")
    ] = False,
    yes: YesOpt = False,
    json_out: JsonOpt = False,
) -> None:
    """Reverse a payment: invoice unpaid again, its services suspended, a fee invoiced (BIL-9).

    Example: hostctl payment chargeback 31
    """
    from hostctl import output, views
    from hostctl.ask import payment as ask
    from hostctl.core import invoices, payments

    ask.confirm_chargeback(payment_id, close_account, yes)
    with work() as (session, ctx):
        payment, invoice, fee, warnings = payments.chargeback(
            session, ctx, payment_id, close_account=close_account
        )
        data: dict[str, Any] = {
            "payment": views.payment(payment),
            "invoice": views.invoice(invoice, invoices.lines_of(session, invoice.id or 0)),
            "fee_invoice": views.invoice(fee, invoices.lines_of(session, fee.id or 0))
            if fee
            else None,
        }
    for warning in warnings:
        output.warn(warning)
    if json_out:
        output.print_json(data)
    else:
        fee_text = (
            _("fee invoice {number}").format(number=data["fee_invoice"]["number"])
            if fee
            else _("no fee invoiced")
        )
        output.info(
            _(
                "Payment {payment_id} reversed; invoice {invoice_number} is unpaid again; "
                "{fee_text}."
            ).format(
                payment_id=payment_id, invoice_number=data["invoice"]["number"], fee_text=fee_text
            )
        )


@app.command("list")
def list_(
    client: Annotated[int | None, Opt(help="Only this client's payments.")] = None,
    invoice: Annotated[str | None, Opt(help="Only this invoice's (id or number).")] = None,
    method: Annotated[str | None, Opt(help="Only this method.")] = None,
    from_: Annotated[str | None, Opt("--from", help="From this day (YYYY-MM-DD).")] = None,
    to: Annotated[str | None, Opt("--to", help="Up to this day.")] = None,
    limit: Annotated[int | None, Opt(min=1, help="At most N payments.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Payments received, oldest first, with their ids (a chargeback needs one).

    Example: hostctl payment list --client 7 --from 2026-01-01
    """
    from hostctl import output, views
    from hostctl.core import clients, invoices, payments
    from hostctl.core.clock import parse_date
    from hostctl.output import Col

    with work(readonly=True) as (session, _ctx):
        if client is not None:  # a filter naming nobody is "not found", not empty
            clients.get_client(session, client)
        invoice_id = invoices.find_invoice(session, invoice).id if invoice else None
        rows = [
            views.payment(p)
            for p in payments.list_payments(
                session,
                client_id=client,
                invoice_id=invoice_id,
                method=method,
                start=parse_date(from_, what="--from") if from_ else None,
                end=parse_date(to, what="--to") if to else None,
                limit=limit,
            )
        ]
    if json_out:
        output.print_json(rows)
        return
    output.print_table(
        rows,
        [
            Col("id", N_("id"), "id"),
            Col("date", N_("date"), "date"),
            Col("invoice_id", N_("invoice"), "id"),
            Col("client_id", N_("client"), "id", drop=2),
            Col("method", N_("method"), "code"),
            Col("reference", N_("reference"), "code", drop=3),
            Col("currency", N_("cur"), "code", drop=1),
            Col("amount", N_("amount"), "money"),
            Col("status", N_("status"), "status"),
        ],
        empty=N_("No payments."),
    )
