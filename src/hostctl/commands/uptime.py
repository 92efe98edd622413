"""hostctl outage / uptime: outages per server, monthly uptime and its credit (rules §11)."""

from __future__ import annotations

from typing import Annotated

import typer

from hostctl.commands._common import JsonOpt, asking, work
from hostctl.i18n import N_, _
from hostctl.output import Col

outage_app = typer.Typer(help="Outages of the servers.", no_args_is_help=True)
uptime_app = typer.Typer(help="Monthly uptime per service and its credit.", no_args_is_help=True)
Opt = typer.Option
OUTAGE_COLUMNS = [
    Col("id", N_("id"), "id"),
    Col("server", N_("server"), "code"),
    Col("from", N_("from"), "time"),
    Col("to", N_("to"), "time"),
    Col("minutes", N_("minutes"), "number"),
    Col("reason", N_("reason"), "text"),
]
UPTIME_COLUMNS = [
    Col("service_id", N_("service"), "id"),
    Col("client_id", N_("client"), "id"),
    Col("server", N_("server"), "code"),
    Col("downtime_minutes", N_("down (min)"), "number"),
    Col("uptime", N_("uptime %"), "number"),
    Col("below", N_("below"), "code"),
]


@outage_app.command("add", cls=asking("server", "from_", "to"))
def add(
    server: Annotated[str | None, Opt(help="The server that was down.")] = None,
    from_: Annotated[
        str | None, Opt("--from", help="When it went down (ISO 8601; company time).")
    ] = None,
    to: Annotated[str | None, Opt("--to", help="When it came back.")] = None,
    reason: Annotated[str | None, Opt(help="What happened.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Record an outage of a server.

    Example: hostctl outage add --server web3 --from 2027-03-04T02:10 --to 2027-03-04T03:40
    """
    from hostctl import output, views
    from hostctl.ask import uptime as ask
    from hostctl.core import uptime

    server = ask.server(server)
    from_ = ask.outage_start(from_)
    to = ask.outage_end(to)
    with work() as (session, ctx):
        data = views.outage(uptime.add_outage(session, ctx, server, from_, to, reason))
    if json_out:
        output.print_json(data)
    else:
        output.print_record(data)


@outage_app.command("list")
def list_(
    server: Annotated[str | None, Opt(help="Only this server.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Outages, oldest first.  Example: hostctl outage list --server web3"""
    from hostctl import output, views
    from hostctl.core import uptime
    from hostctl.i18n import N_

    with work(readonly=True) as (session, _ctx):
        rows = [views.outage(o) for o in uptime.list_outages(session, server=server)]
    if json_out:
        output.print_json(rows)
    else:
        output.print_table(rows, OUTAGE_COLUMNS, empty=N_("No outages."))


@uptime_app.command("report")
def report(
    month: Annotated[str, Opt(help="The month, YYYY-MM (company time zone).")],
    below: Annotated[bool, Opt("--below", help="Only services below the target.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Each service's uptime in a month and whether it fell below the target (99.89 %).

    Example: hostctl uptime report --month 2027-03 --below
    """
    from hostctl import output
    from hostctl.core import uptime
    from hostctl.i18n import N_

    with work(readonly=True) as (session, _ctx):
        data = uptime.report(session, month, below=below)
    if json_out:
        output.print_json(data)
    else:
        output.print_table(
            data["services"],
            UPTIME_COLUMNS,
            title=_("{month} (target {target} %)").format(
                month=data["month"], target=data["target"]
            ),
            empty=N_("No services."),
        )


@uptime_app.command("credit", cls=asking("month"))
def credit(
    service_id: Annotated[int, typer.Argument(help="Service id.")],
    month: Annotated[str | None, Opt(help="The month below the target, YYYY-MM.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Credit the client for a month below the uptime target, once per service and month.

    Example: hostctl uptime credit 12 --month 2027-03
    """
    from hostctl import output, views
    from hostctl.ask import uptime as ask
    from hostctl.core import services, uptime

    ask.known(services.get_service, service_id, month)
    month = ask.month(month)
    with work() as (session, ctx):
        data = views.uptime_credit(uptime.credit(session, ctx, service_id, month))
    if json_out:
        output.print_json(data)
    else:
        output.info(
            _("Service {service_id}: {amount} credited for {month}.").format(
                service_id=service_id,
                amount=output.amount_text(data["amount"], data["currency"]),
                month=month,
            )
        )
