"""hostctl ticket: support tickets and their service levels (rules §8)."""

from __future__ import annotations

from typing import Annotated

import typer

from hostctl.commands._common import JsonOpt, asking, work
from hostctl.i18n import N_, _
from hostctl.output import Col
from hostctl.words import say

app = typer.Typer(help="Support tickets and SLA (rules §8).", no_args_is_help=True)

Code = Annotated[str, typer.Argument(help="Ticket code, e.g. TK-7Q2M9X.")]
Opt = typer.Option
LIST_COLUMNS = [
    Col("code", N_("code"), "code"),
    Col("client_id", N_("client"), "id"),
    Col("category", N_("cat"), "code", drop=4),
    Col("priority", N_("prio"), "code", drop=5),
    Col("support_plan", N_("plan"), "code", drop=1),
    Col("status", N_("status"), "status"),
    Col("opened_at", N_("opened"), "time", drop=2),
    Col("first_response_due", N_("first response due"), "time"),
    Col("first_response_at", N_("answered"), "time", drop=3),
    Col("resolution_due", N_("resolution due"), "time", drop=6),
    Col("subject", N_("subject"), "text"),
]


def _show(ticket: object, json_out: bool) -> None:
    from hostctl import output, views

    data = views.ticket(ticket)  # type: ignore[arg-type]
    if json_out:
        output.print_json(data)
    else:
        output.print_record(data)


@app.command("open", cls=asking("client", "subject", "category"))
def open_(
    client: Annotated[int | None, Opt("--client", help="Client id.")] = None,
    subject: Annotated[
        str | None, Opt("--subject", help="What it is about, in a few words.")
    ] = None,
    category: Annotated[str | None, Opt("--category", help="sla1, sla2, sla3 or sla4.")] = None,
    priority: Annotated[str, Opt("--priority", help="p1 (critical) … p4.")] = "p3",
    message: Annotated[str | None, Opt("--message", help="The client's first message.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Open a ticket with a unique code and its SLA deadlines.

    Example: hostctl ticket open --client 7 --subject "Web caída" --category sla3 --priority p1
    """
    from hostctl.ask import ticket as ask
    from hostctl.core import tickets

    client = ask.client(client)
    subject = ask.ticket_subject(subject)
    category = ask.ticket_category(category)
    with work() as (session, ctx):
        ticket = tickets.open_ticket(
            session,
            ctx,
            client_id=client,
            subject=subject,
            category=category,
            priority=priority,
            message=message,
        )
    _show(ticket, json_out)


@app.command("reply", cls=asking("by", "message"))
def reply(
    code: Code,
    by: Annotated[str | None, Opt("--by", help="staff or client.")] = None,
    message: Annotated[str | None, Opt("--message", help="The reply.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Add a reply; restarts the 48-business-hour resolution clock (SLA-5).

    Example: HOSTCTL_STAFF=maria hostctl ticket reply TK-7Q2M9X --by staff --message "Ya está."
    """
    from hostctl.ask import ticket as ask
    from hostctl.core import tickets

    ask.known(tickets.get_ticket, code, by, message)
    by = ask.reply_author(by)
    message = ask.reply_message(message)
    with work() as (session, ctx):
        ticket = tickets.reply(session, ctx, code, by=by, message=message)
    _show(ticket, json_out)


@app.command("close")
def close(code: Code, json_out: JsonOpt = False) -> None:
    """Close a ticket.  Example: hostctl ticket close TK-7Q2M9X"""
    from hostctl.core import tickets

    with work() as (session, ctx):
        ticket = tickets.close_ticket(session, ctx, code)
    _show(ticket, json_out)


@app.command("reclassify", cls=asking("category"))
def reclassify(
    code: Code,
    category: Annotated[str | None, Opt("--category", help="sla1 or sla2.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Reclassify an SLA3 error report (or SLA4 query) as SLA1 or SLA2.

    Example: hostctl ticket reclassify TK-7Q2M9X --category sla2
    """
    from hostctl.ask import ticket as ask
    from hostctl.core import tickets

    ask.known(tickets.get_ticket, code, category)
    category = ask.ticket_category(category, tickets.RECLASSIFY_TO)
    with work() as (session, ctx):
        ticket = tickets.reclassify(session, ctx, code, category)
    _show(ticket, json_out)


@app.command("list")
def list_(
    status: Annotated[str | None, Opt(help="open, answered, client-reply or closed.")] = None,
    client: Annotated[int | None, Opt(help="Only this client's tickets.")] = None,
    breaching: Annotated[
        bool, Opt("--breaching", help="Open tickets past or within 1 business hour of a deadline.")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """List tickets.  Example: hostctl ticket list --breaching"""
    from hostctl import output, views
    from hostctl.core import clients, tickets
    from hostctl.i18n import N_
    from hostctl.words import read_code

    if status is not None:  # what the screen shows (abierto) or the code (open)
        status = read_code("status", status, tickets.STATUSES, N_("ticket status"))
    with work(readonly=True) as (session, ctx):
        if client is not None:  # a filter naming nobody is "not found", not empty
            clients.get_client(session, client)
        found = tickets.list_tickets(
            session, ctx, status=status, client_id=client, breaching=breaching
        )
        rows = [views.ticket(t) for t in found]
    if json_out:
        output.print_json(rows)
    else:
        output.print_table(rows, LIST_COLUMNS, empty=N_("No tickets."))


@app.command("show")
def show(code: Code, json_out: JsonOpt = False) -> None:
    """Show a ticket, its SLA state and its messages.  Example: hostctl ticket show TK-7Q2M9X"""
    from hostctl import output, views
    from hostctl.core import tickets

    with work(readonly=True) as (session, ctx):
        ticket = tickets.get_ticket(session, code)
        assert ticket.id is not None  # read from the database
        data = views.ticket(ticket)
        data["first_response_state"] = tickets.first_response_state(ticket, ctx.now)
        data["resolution_state"] = tickets.resolution_state(ticket, ctx.now)
        data["messages"] = [views.ticket_message(m) for m in tickets.messages(session, ticket.id)]
    if json_out:
        output.print_json(data)
        return
    messages = data.pop("messages")
    output.print_record(data)
    for m in messages:
        at = output.human_time(m["at"])
        kind = say("author", m["author_kind"])
        output.print_line(f"\n[{at}] {m['author']} ({kind}):\n{m['body']}")


@app.command("sla-report")
def sla_report(
    start: Annotated[str | None, Opt("--from", help="First day, YYYY-MM-DD.")] = None,
    end: Annotated[str | None, Opt("--to", help="Last day (default today).")] = None,
    by: Annotated[str | None, Opt("--by", help="Group by plan, category or agent.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Targets met and breached for tickets opened in a period, in business minutes (SLA-6).

    Example: hostctl ticket sla-report --from 2026-05-01 --to 2026-05-31 --by agent
    """
    from hostctl import output, views
    from hostctl.core import tickets
    from hostctl.core.clock import parse_date

    first = parse_date(start, what=N_("--from date")) if start else None
    last = parse_date(end, what=N_("--to date")) if end else None
    with work(readonly=True) as (session, ctx):
        report = tickets.sla_report(session, ctx, start=first, end=last, by=by)
    if json_out:
        output.print_json(report)
        return
    output.print_table(
        views.sla_report_rows(report),
        REPORT_COLUMNS,
        title=f"SLA {report['from']} … {report['to']}",
    )
    if report["groups"] and output.stdout_is_tty():
        output.print_bar_chart(
            views.sla_first_response_bars(report),
            legend=_("first responses"),
            good=_("met"),
            bad=_("breached"),
        )


REPORT_COLUMNS = [
    Col("key", N_("group"), "code"),
    Col("tickets", N_("tickets"), "number"),
    Col("fr_met", N_("1st met"), "number"),
    Col("fr_breached", N_("1st breached"), "number"),
    Col("fr_pending", N_("1st pending"), "number"),
    Col("fr_median", N_("1st median min"), "number"),
    Col("res_met", N_("res met"), "number"),
    Col("res_breached", N_("res breached"), "number"),
    Col("res_pending", N_("res pending"), "number"),
]
