"""hostctl payment: payments and chargebacks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from hostctl.commands._common import (
    JsonOpt,
    YesOpt,
    asking,
    without_cycle_collection,
    work,
    work_or_dry_run,
)
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
    _show_paid(data)


def _show_paid(data: dict[str, Any]) -> None:
    """What `payment add` and `payment match` print of a payment recorded."""
    from hostctl import output

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


# --------------------------------------------------------------------------- statements
@app.command("import")
def import_(
    file: Annotated[
        Path, typer.Argument(help="The statement: MercadoPago, PayPal, camt.053, OFX or CSV.")
    ],
    format_: Annotated[
        str | None,
        Opt(
            "--format",
            help="mercadopago, paypal, camt053, ofx or csv (default: told from the file).",
        ),
    ] = None,
    method: Annotated[
        str,
        Opt(help="The payment method of camt.053, OFX and CSV lines (default bank-transfer)."),
    ] = "bank-transfer",
    dry_run: Annotated[
        bool, Opt("--dry-run", help="Read, match and report everything; keep nothing.")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Record the payments of a statement: each line once, ever; a line whose invoice number
    or payer and amount say which invoice it pays becomes that payment, dated the day the
    money came; the others wait in `payment review`.

    Example: hostctl payment import liquidaciones-2026-11.csv --dry-run
    """
    from hostctl import output
    from hostctl.adapters.statements import read_statement
    from hostctl.core import reading, settings
    from hostctl.core.receipts import record

    name = reading.shown_name(file)
    progress = output.Counter(name) if output.stderr_is_tty() and not json_out else None
    report = None
    try:
        with without_cycle_collection(), work_or_dry_run(dry_run=dry_run) as (session, ctx):
            statement = read_statement(
                file,
                format=format_,
                method=method,
                csv_columns=settings.get(session, "payment.csv_columns"),
                paypal_date_format=settings.get(session, "payment.paypal_date_format"),
            )
            report = record.import_statement(
                session,
                ctx,
                statement,
                file_name=name,
                method=method,
                progress=progress.update if progress else None,
            )
            report.dry_run = dry_run
    finally:
        if progress:
            progress.stop()
    assert report is not None
    if json_out:
        output.print_json(report.to_json())
        return
    _show_import(report)


def _show_import(report: Any) -> None:
    from hostctl import output

    output.print_line(
        (
            _("{file} ({format}), dry run: nothing was kept.")
            if report.dry_run
            else _("{file} ({format}).")
        ).format(file=report.file, format=report.format)
    )
    output.print_line(
        _(
            "{lines} lines: {new} new, {already} already imported; {applied} paid, {review} "
            "to review, {ignored} ignored."
        ).format(
            lines=report.lines,
            new=report.new,
            already=report.already_imported,
            applied=len({a["line_id"] for a in report.applied}),
            review=len(report.review),
            ignored=len(report.ignored),
        )
    )
    if report.applied:
        output.print_table(
            [{**a, "currency": report.currency[a["line_id"]]} for a in report.applied],
            [
                output.Col("line_id", N_("line"), "id"),
                output.Col("transaction_id", N_("transaction"), "code"),
                output.Col("invoice", N_("invoice"), "code"),
                output.Col("amount", N_("amount"), "money"),
                output.Col("by", N_("matched by"), "code"),
            ],
        )
    if report.review:
        _show_lines(report.review)


def _show_lines(lines: list[dict[str, Any]]) -> None:
    from hostctl import output

    rows = [
        {
            **line,
            "candidates": ", ".join(
                f"{c['client_id']}:{c['invoice']}" if c["invoice"] else str(c["client_id"])
                for c in line["candidates"]
            ),
        }
        for line in lines
    ]
    output.print_table(
        rows,
        [
            output.Col("line_id", N_("line"), "id"),
            output.Col("date", N_("date"), "date"),
            output.Col("amount", N_("amount"), "money"),
            output.Col("payer", N_("payer"), "text"),
            output.Col("reference", N_("reference"), "text"),
            output.Col("candidates", N_("candidates"), "list"),
            output.Col("why", N_("why"), "text"),
        ],
        empty=N_("No statement lines wait for review."),
    )


@app.command("review")
def review(json_out: JsonOpt = False) -> None:
    """The statement lines waiting for a person, with their candidates (the payer's clients,
    the invoices whose amount due equals the line's).

    Example: hostctl payment review
    """
    from hostctl import output
    from hostctl.core.receipts import record

    with work(readonly=True) as (session, _ctx):
        lines = record.waiting(session)
    if json_out:
        output.print_json(lines)
        return
    _show_lines(lines)


@app.command("match")
def match(
    line: Annotated[int, typer.Argument(help="The statement line (payment review).")],
    invoice: Annotated[str | None, Opt(help="The invoice it pays: id or number.")] = None,
    credit: Annotated[
        int | None, Opt(help="The client whose credit it is.", metavar="CLIENT_ID")
    ] = None,
    allow_excess: Annotated[
        bool,
        Opt("--allow-excess", help="Accept more than twice the amount due (the rest is credit)."),
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Record a statement line in review as the payment of an invoice, or as credit of a
    client; dated the day the money came.

    Example: hostctl payment match 12 --invoice 2026-000042
    """
    from hostctl import output, views
    from hostctl.core import invoices, payments
    from hostctl.core.receipts import record
    from hostctl.errors import UsageError

    if (invoice is None) == (credit is None):
        raise UsageError(_("Say what the line pays: --invoice N or --credit CLIENT_ID."))
    with work() as (session, ctx):
        if credit is not None:
            amount = record.match_to_credit(session, ctx, line, credit)
            data: dict[str, Any] = {
                "line_id": line,
                "client_id": credit,
                "credit": amount.to_json(),
            }
        else:
            assert invoice is not None
            payment, paid = record.match_to_invoice(
                session, ctx, line, invoice, allow_excess=allow_excess
            )
            data = {
                "payment": views.payment(payment),
                "invoice": views.invoice(paid, invoices.lines_of(session, paid.id or 0)),
                "changes": payments.cycle_changes(session, ctx, paid),
            }
    if json_out:
        output.print_json(data)
        return
    if credit is not None:
        output.print_line(
            _("line {line_id}: {amount} is now credit of client {client_id}").format(
                line_id=line,
                amount=output.amount_text(data["credit"], amount.currency),
                client_id=credit,
            )
        )
        return
    _show_paid(data)


@app.command("ignore")
def ignore(
    line: Annotated[int, typer.Argument(help="The statement line (payment review).")],
    reason: Annotated[str, Opt(help="Why it is not a payment to record.")],
    json_out: JsonOpt = False,
) -> None:
    """Put a statement line in review aside, with the reason.

    Example: hostctl payment ignore 12 --reason "transferencia entre cuentas propias"
    """
    from hostctl import output
    from hostctl.core.receipts import record

    with work() as (session, ctx):
        data = record.ignore(session, ctx, line, reason)
    if json_out:
        output.print_json(data)
        return
    output.print_line(_("line {line_id} ignored: {why}").format(line_id=line, why=data["why"]))
