"""hostctl invoice: invoices and the renewal cycle."""

from __future__ import annotations

from typing import Annotated

import typer

from hostctl.commands._common import JsonOpt, YesOpt, work
from hostctl.i18n import N_, _, ngettext
from hostctl.output import Col
from hostctl.words import say

app = typer.Typer(help="Invoices (rules §4).", no_args_is_help=True)
Opt = typer.Option
InvoiceRef = Annotated[str, typer.Argument(help="Invoice id or number (2026-000042).")]
COLUMNS = [
    Col("id", N_("id"), "id"),
    Col("number", N_("number"), "code"),
    Col("client_id", N_("client"), "id"),
    Col("kind", N_("kind"), "code", drop=2),
    Col("status", N_("status"), "status"),
    Col("issue_date", N_("issued"), "date", drop=3),
    Col("due_date", N_("due"), "date"),
    Col("currency", N_("cur"), "code", drop=1),
    Col("total", N_("total"), "money"),
    Col("amount_due", N_("amount due"), "money"),
]


@app.command("list")
def list_(
    client: Annotated[int | None, Opt(help="Only this client's invoices.")] = None,
    status: Annotated[
        str | None,
        Opt(help="unpaid, paid, cancelled, refunded, or overdue (unpaid and past its due date)."),
    ] = None,
    limit: Annotated[int | None, Opt(min=1, help="At most N invoices.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """List invoices.  Example: hostctl invoice list --client 7 --status unpaid"""
    from hostctl import output, views
    from hostctl.core import clients, invoices
    from hostctl.i18n import N_
    from hostctl.words import read_code

    if status is not None:  # what the screen shows (vencida) or the code (overdue)
        status = read_code("invoice", status, invoices.LISTED_STATUSES, N_("invoice status"))
    with work(readonly=True) as (session, ctx):
        if client is not None:  # a filter naming nobody is "not found", not empty
            clients.get_client(session, client)
        found = invoices.list_invoices(
            session, client_id=client, status=status, limit=limit, today=ctx.today
        )
        rows = [views.invoice(i, invoices.lines_of(session, i.id or 0)) for i in found]
        # for people only (never in --json): an unpaid invoice past due reads overdue
        overdue = [invoices.is_overdue(i, ctx.today) for i in found]
    if json_out:
        output.print_json(rows)
        return
    shown = [{**row, "overdue": late} for row, late in zip(rows, overdue, strict=True)]
    output.print_table(shown, COLUMNS, empty=N_("No invoices."))


@app.command("show")
def show(ref: InvoiceRef, json_out: JsonOpt = False) -> None:
    """Show an invoice with its lines, payments and refunds.

    Example: hostctl invoice show 2026-000042
    """
    from hostctl import output, views
    from hostctl.core import invoices, payments

    with work(readonly=True) as (session, ctx):
        invoice = invoices.find_invoice(session, ref)
        data = views.invoice(invoice, invoices.lines_of(session, invoice.id or 0))
        overdue = invoices.is_overdue(invoice, ctx.today)
        data["payments"] = [
            views.payment(p) for p in payments.list_payments(session, invoice_id=invoice.id)
        ]
        data["refunds"] = [
            views.refund(r) for r in payments.list_refunds(session, invoice_id=invoice.id or 0)
        ]
    if json_out:
        output.print_json(data)
    else:
        output.print_invoice({**data, "overdue": overdue})
        for p in data["payments"]:
            output.print_line(
                _("payment {id}: {date} {method} {amount} ({status})").format(
                    id=p["id"],
                    date=p["date"],
                    method=p["method"],
                    amount=output.amount_text(p["amount"], p["currency"]),
                    status=say("status", p["status"]),
                )
            )
        for r in data["refunds"]:
            output.print_line(
                _("refund {id}: {date} {method} {amount} (payment {payment_id})").format(
                    id=r["id"],
                    date=r["date"],
                    method=r["method"],
                    amount=output.amount_text(r["amount"], r["currency"]),
                    payment_id=r["payment_id"],
                )
            )


@app.command("cancel")
def cancel(
    ref: InvoiceRef,
    reason: Annotated[str, Opt(help="Why (kept in the audit log).")] = "cancelled by staff",
    yes: YesOpt = False,
    json_out: JsonOpt = False,
) -> None:
    """Cancel an unpaid invoice; anything paid on it goes to the client's credit.

    Example: hostctl invoice cancel 2026-000042 --reason "client asked"
    """
    from hostctl import output, views
    from hostctl.ask import invoice as ask
    from hostctl.core import invoices, payments

    ask.confirm_invoice_cancel(ref, yes)
    with work() as (session, ctx):
        invoice = payments.cancel_invoice(session, ctx, invoices.find_invoice(session, ref), reason)
        data = views.invoice(invoice, invoices.lines_of(session, invoice.id or 0))
    if json_out:
        output.print_json(data)
    else:
        output.info(_("Invoice {number} cancelled.").format(number=data["number"]))


@app.command("run-cycle")
def run_cycle(
    date: Annotated[str | None, Opt(help="The day to generate for (default today).")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Generate the renewal invoices due for generation on a day (D−15); not after today.

    Example: hostctl invoice run-cycle --date 2026-12-26
    """
    from hostctl import output, views
    from hostctl.core import invoices, payments, renewals, run_limits
    from hostctl.core.clock import parse_date

    with work() as (session, ctx):
        day = parse_date(date, what="--date") if date else ctx.today
        run_limits.check_cycle_date(day, ctx.today)
        problems: list[str] = []
        made = renewals.generate_renewals(
            session,
            ctx.on(day) if date else ctx,
            day,
            settle=payments.settle_ids,
            problems=problems,
        )
        rows = [views.invoice(i, invoices.lines_of(session, i.id or 0)) for i in made]
    for problem in problems:
        output.warn(problem)
    if json_out:
        output.print_json(rows)
    else:
        output.info(
            ngettext(
                "{count} renewal invoice(s) created for {day}.",
                "{count} renewal invoice(s) created for {day}.",
                len(rows),
            ).format(count=len(rows), day=day.isoformat())
        )
