"""hostctl quote: presupuestos that the client accepts (rules §11)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from hostctl.commands._common import JsonOpt, YesOpt, asking, work
from hostctl.i18n import N_, _
from hostctl.output import Col

app = typer.Typer(help="Quotes (presupuestos) accepted into invoices.", no_args_is_help=True)
Opt = typer.Option
QuoteId = Annotated[int, typer.Argument(help="Quote id.")]
COLUMNS = [
    Col("id", N_("id"), "id"),
    Col("client_id", N_("client"), "id"),
    Col("status", N_("status"), "status"),
    Col("valid_until", N_("valid until"), "date"),
    Col("currency", N_("cur"), "code", drop=1),
    Col("total", N_("total"), "money"),
]


def _show(session: Any, quote: Any) -> dict[str, Any]:
    from hostctl import views
    from hostctl.core import quotes

    return views.quote(quote, quotes.lines_of(session, quote.id))


def _print(data: dict[str, Any], json_out: bool) -> None:
    from hostctl import output

    if json_out:
        output.print_json(data)
        return
    output.print_record({k: v for k, v in data.items() if k != "lines"})
    for line in data["lines"]:
        amount = output.amount_text(line["amount"], data["currency"])
        output.print_line(f"{line['description']}: {amount}", indent=2, hang=4)


@app.command("create", cls=asking("client"))
def create(
    client: Annotated[int | None, Opt(help="Client id.")] = None,
    item: Annotated[list[str] | None, Opt(help='Free text with its amount: "TEXT=AMOUNT".')] = None,
    product: Annotated[list[str] | None, Opt(help="A catalogue product: CODE:CYCLE.")] = None,
    valid_days: Annotated[int | None, Opt(help="Days it stays open (default 30).")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Make a quote for a client, priced as an order; the client is alerted.

    Example: hostctl quote create --client 7 --product hosting-pro:annual --item "Migración=50.00"
    """
    from hostctl.ask import quote as ask
    from hostctl.core import quotes
    from hostctl.i18n import language

    client = ask.client(client)
    with work() as (session, ctx):
        made = quotes.create(
            session,
            ctx,
            client,
            items=item,
            products=product,
            valid_days=valid_days,
            language=language(),
        )
        data = _show(session, made)
    _print(data, json_out)


@app.command("list")
def list_(
    status: Annotated[str | None, Opt(help="pending, accepted, declined or expired.")] = None,
    client: Annotated[int | None, Opt(help="Only this client's quotes.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Quotes, oldest first.  Example: hostctl quote list --status pending"""
    from hostctl import output
    from hostctl.core import clients, quotes
    from hostctl.i18n import N_
    from hostctl.words import read_code

    if status is not None:  # what the screen shows (pendiente) or the code (pending)
        status = read_code("status", status, quotes.STATUSES, N_("quote status"))
    with work(readonly=True) as (session, _ctx):
        if client is not None:  # a filter naming nobody is "not found", not empty
            clients.get_client(session, client)
        rows = [
            _show(session, q) for q in quotes.list_quotes(session, status=status, client_id=client)
        ]
    if json_out:
        output.print_json(rows)
    else:
        output.print_table(rows, COLUMNS, empty=N_("No quotes."))


@app.command("show")
def show(quote_id: QuoteId, json_out: JsonOpt = False) -> None:
    """One quote with its lines.  Example: hostctl quote show 3"""
    from hostctl.core import quotes

    with work(readonly=True) as (session, _ctx):
        data = _show(session, quotes.get_quote(session, quote_id))
    _print(data, json_out)


@app.command("accept")
def accept(quote_id: QuoteId, json_out: JsonOpt = False) -> None:
    """The client accepts: an invoice due today, pending services for its products.

    Example: hostctl quote accept 3
    """
    from hostctl import output, views
    from hostctl.core import invoices, quotes

    with work() as (session, ctx):
        quote, invoice = quotes.accept(session, ctx, quote_id)
        data = {
            **_show(session, quote),
            "invoice": views.invoice(invoice, invoices.lines_of(session, invoice.id or 0)),
        }
    if json_out:
        output.print_json(data)
    else:
        output.info(
            _("Quote {quote_id} accepted: invoice {invoice_number}.").format(
                quote_id=quote_id, invoice_number=data["invoice"]["number"]
            )
        )


@app.command("decline")
def decline(quote_id: QuoteId, yes: YesOpt = False, json_out: JsonOpt = False) -> None:
    """The client declines the quote.  Example: hostctl quote decline 3"""
    from hostctl.ask import quote as ask
    from hostctl.core import quotes

    ask.confirm_decline(quote_id, yes)
    with work() as (session, ctx):
        data = _show(session, quotes.decline(session, ctx, quote_id))
    _print(data, json_out)
