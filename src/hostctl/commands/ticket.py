"""hostctl ticket: support tickets and their service levels (rules §8)."""

from __future__ import annotations

from typing import Annotated

import typer

from hostctl.commands._common import JsonOpt, work
from hostctl.output import Col

app = typer.Typer(help="Support tickets and SLA (rules §8).", no_args_is_help=True)

Code = Annotated[str, typer.Argument(help="Ticket code, e.g. TK-7Q2M9X.")]
Opt = typer.Option
LIST_COLUMNS = [
    Col("code", "code", "code"),
    Col("client_id", "client", "id"),
    Col("category", "cat", "code", drop=4),
    Col("priority", "prio", "code", drop=5),
    Col("support_plan", "plan", "code", drop=1),
    Col("status", "status", "status"),
    Col("opened_at", "opened", "time", drop=2),
    Col("first_response_due", "first response due", "time"),
    Col("first_response_at", "answered", "time", drop=3),
    Col("resolution_due", "resolution due", "time", drop=6),
    Col("subject", "subject", "text"),
]


def _show(ticket: object, json_out: bool) -> None:
    from hostctl import output, views

    data = views.ticket(ticket)  # type: ignore[arg-type]
    if json_out:
        output.print_json(data)
    else:
        output.print_record(data)


@app.command("open")
def open_(
    client: Annotated[int, Opt("--client", help="Client id.")],
    subject: Annotated[str, Opt("--subject", help="What it is about, in a few words.")],
    category: Annotated[str, Opt("--category", help="sla1, sla2, sla3 or sla4.")],
    priority: Annotated[str, Opt("--priority", help="p1 (critical) … p4.")] = "p3",
    message: Annotated[str | None, Opt("--message", help="The client's first message.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Open a ticket with a unique code and its SLA deadlines.

    Example: hostctl ticket open --client 7 --subject "Web caída" --category sla3 --priority p1
    """
    from hostctl.core import tickets

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


@app.command("reply")
def reply(
    code: Code,
    by: Annotated[str, Opt("--by", help="staff or client.")],
    message: Annotated[str, Opt("--message", help="The reply.")],
    json_out: JsonOpt = False,
) -> None:
    """Add a reply; restarts the 48-business-hour resolution clock (SLA-5).

    Example: HOSTCTL_STAFF=maria hostctl ticket reply TK-7Q2M9X --by staff --message "Ya está."
    """
    from hostctl.core import tickets

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


@app.command("reclassify")
def reclassify(
    code: Code,
    category: Annotated[str, Opt("--category", help="sla1 or sla2.")],
    json_out: JsonOpt = False,
) -> None:
    """Reclassify an SLA3 error report (or SLA4 query) as SLA1 or SLA2.

    Example: hostctl ticket reclassify TK-7Q2M9X --category sla2
    """
    from hostctl.core import tickets

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
    from hostctl.core import tickets
    from hostctl.i18n import N_

    with work(readonly=True) as (session, ctx):
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
        output.print_line(f"\n[{at}] {m['author']} ({m['author_kind']}):\n{m['body']}")


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

    first = parse_date(start, what="--from date") if start else None
    last = parse_date(end, what="--to date") if end else None
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
            legend="first responses",
            good="met",
            bad="breached",
        )


REPORT_COLUMNS = [
    Col("key", "group", "code"),
    Col("tickets", "tickets", "number"),
    Col("fr_met", "1st met", "number"),
    Col("fr_breached", "1st breached", "number"),
    Col("fr_pending", "1st pending", "number"),
    Col("fr_median", "1st median min", "number"),
    Col("res_met", "res met", "number"),
    Col("res_breached", "res breached", "number"),
    Col("res_pending", "res pending", "number"),
]
