"""hostctl service: orders, activation, suspension, restoration, cycle changes, import."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from hostctl.commands._common import JsonOpt, YesOpt, asking, work
from hostctl.i18n import N_, _, ngettext
from hostctl.output import Col

app = typer.Typer(
    help="Services: orders, activation queue, suspensions (rules §2, §4).", no_args_is_help=True
)
Opt = typer.Option
ServiceId = Annotated[int, typer.Argument(help="Service id.")]
COLUMNS = [
    Col("id", N_("id"), "id"),
    Col("client_id", N_("client"), "id"),
    Col("product", N_("product"), "code"),
    Col("cycle", N_("cycle"), "code", drop=1),
    Col("status", N_("status"), "status"),
    Col("suspension_reason", N_("reason"), "text", drop=2),
    Col("next_due_date", N_("next due"), "date"),
    Col("domain", N_("domain"), "code"),
]
PENDING_COLUMNS = [
    Col("id", N_("id"), "id"),
    Col("client_id", N_("client"), "id"),
    Col("product", N_("product"), "code"),
    Col("queue_state", N_("state"), "status"),
    Col("requirements_met_on", N_("req. met"), "date", drop=1),
    Col("activation_due", N_("deadline"), "date"),
    Col("business_days_left", N_("bd left"), "number"),
    Col("requirement", N_("requirement"), "text"),
]


def _print_service(service: Any, json_out: bool, invoice: dict[str, Any] | None = None) -> None:
    from hostctl import output, views
    from hostctl.core import servers

    with work(readonly=True) as (session, _ctx):  # the last call on its panel, as it is now
        panel = servers.last_calls(session, [service.id]).get(service.id)
    data = views.service(service, panel)
    if json_out:
        output.print_json({"service": data, "invoice": invoice} if invoice else data)
        return
    output.print_record(data)
    if invoice:
        output.print_line(
            _("invoice {number}: {total} due {due_date}").format(
                number=invoice["number"],
                total=output.amount_text(invoice["total"], invoice["currency"]),
                due_date=invoice["due_date"],
            )
        )


def _invoice_view(session: Any, invoice: Any) -> dict[str, Any]:
    from hostctl import views
    from hostctl.core import invoices

    return views.invoice(invoice, invoices.lines_of(session, invoice.id))


@app.command("order", cls=asking("client", "product", "cycle"))
def order(
    client: Annotated[int | None, Opt(help="Client id.")] = None,
    product: Annotated[str | None, Opt(help="Product code.")] = None,
    cycle: Annotated[
        str | None, Opt(help="monthly, quarterly, semiannual, annual or biennial.")
    ] = None,
    quantity: Annotated[int, Opt(help="Identical services to order (5 for 4).")] = 1,
    domain: Annotated[str | None, Opt(help="Domain name of the service.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Order service(s): pending until their first invoice (due today) is paid.

    Example: hostctl service order --client 7 --product hosting-basic --cycle annual --domain example.com
    """
    from hostctl import output, views
    from hostctl.ask import service as ask
    from hostctl.core import services

    client = ask.client(client)
    product = ask.product(product, client_id=client)
    cycle = ask.cycle(cycle, product)
    with work() as (session, ctx):
        created, invoice = services.order(
            session,
            ctx,
            client_id=client,
            product_code=product,
            cycle=cycle,
            quantity=quantity,
            domain=domain,
        )
        data: dict[str, Any] = {
            "services": [views.service(s) for s in created],
            "invoice": _invoice_view(session, invoice),
        }
    if json_out:
        output.print_json(data)
        return
    output.print_table(data["services"], COLUMNS)
    output.print_invoice(data["invoice"])


@app.command("list")
def list_(
    client: Annotated[int | None, Opt(help="Only this client's services.")] = None,
    status: Annotated[
        str | None, Opt(help="pending, active, suspended, cancelled, terminated, expired.")
    ] = None,
    pending: Annotated[
        bool, Opt("--pending", help="The activation queue, with deadlines in business days.")
    ] = False,
    limit: Annotated[int | None, Opt(min=1, help="At most N services.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """List services.  Example: hostctl service list --pending"""
    from hostctl import output, views
    from hostctl.core import clients, servers, services
    from hostctl.i18n import N_
    from hostctl.words import read_code

    if status is not None:  # what the screen shows (suspendido) or the code (suspended)
        status = read_code("service", status, services.SERVICE_STATUSES, N_("service status"))
    with work(readonly=True) as (session, ctx):
        if client is not None:  # a filter naming nobody is "not found", not empty
            clients.get_client(session, client)
        if pending:
            rows = []
            for entry in services.pending_queue(session, ctx.today):
                row = views.service(entry["service"])
                row.update(
                    queue_state=entry["queue_state"],
                    requirement=entry["requirement"],
                    business_days_left=entry["business_days_left"],
                )
                rows.append(row)
        else:
            found = services.list_services(session, client_id=client, status=status, limit=limit)
            calls = servers.last_calls(session, [s.id or 0 for s in found])
            rows = [views.service(s, calls.get(s.id or 0)) for s in found]
    if json_out:
        output.print_json(rows)
    elif pending:
        output.print_table(rows, PENDING_COLUMNS, empty=N_("No services waiting for activation."))
    else:
        output.print_table(rows, COLUMNS, empty=N_("No services."))


@app.command("show")
def show(service_id: ServiceId, json_out: JsonOpt = False) -> None:
    """Show one service.  Example: hostctl service show 12"""
    from hostctl.core import services

    with work(readonly=True) as (session, _ctx):
        service = services.get_service(session, service_id)
    _print_service(service, json_out)


@app.command("requirements-met")
def requirements_met(service_id: ServiceId, json_out: JsonOpt = False) -> None:
    """Start a manual product's lead time (business days).  Example: hostctl service requirements-met 12"""
    from hostctl.core import services

    with work() as (session, ctx):
        service = services.requirements_met(session, ctx, service_id)
    _print_service(service, json_out)


@app.command("activate")
def activate(service_id: ServiceId, json_out: JsonOpt = False) -> None:
    """Activate a paid manual service; its first period starts today.  Example: hostctl service activate 12"""
    from hostctl.core import services

    with work() as (session, ctx):
        service = services.activate(session, ctx, service_id)
    _print_service(service, json_out)


@app.command("suspend", cls=asking("reason"))
def suspend(
    service_id: ServiceId,
    reason: Annotated[
        str | None, Opt(help="abuse (non-payment suspensions are automatic).")
    ] = None,
    yes: YesOpt = False,
    json_out: JsonOpt = False,
) -> None:
    """Suspend a service for abuse.  Example: hostctl service suspend 12 --reason abuse"""
    from hostctl.ask import service as ask
    from hostctl.core import services

    ask.known(services.get_service, service_id, reason)
    reason = ask.suspend_reason(reason)
    ask.confirm_suspend(service_id, yes)
    with work() as (session, ctx):
        service = services.suspend_for_abuse(session, ctx, service_id, reason)
    _print_service(service, json_out)


@app.command("unsuspend")
def unsuspend(service_id: ServiceId, json_out: JsonOpt = False) -> None:
    """Lift an abuse suspension.  Example: hostctl service unsuspend 12"""
    from hostctl.core import services

    with work() as (session, ctx):
        service = services.unsuspend(session, ctx, service_id)
    _print_service(service, json_out)


@app.command("restore")
def restore(service_id: ServiceId, json_out: JsonOpt = False) -> None:
    """Invoice the restoration of a terminated service: fee plus the unpaid period (BIL-8).

    Example: hostctl service restore 12
    """
    from hostctl import output
    from hostctl.core import services

    with work() as (session, ctx):
        service, invoice, warnings = services.restore(session, ctx, service_id)
        shown = _invoice_view(session, invoice)
    for warning in warnings:
        output.warn(warning)
    _print_service(service, json_out, shown)


@app.command("no-renew")
def no_renew(service_id: ServiceId, json_out: JsonOpt = False) -> None:
    """Do not renew: the service ends (a domain expires) at its due date.  Example: hostctl service no-renew 12"""
    from hostctl.core import services

    with work() as (session, ctx):
        service = services.no_renew(session, ctx, service_id)
    _print_service(service, json_out)


@app.command("change-cycle", cls=asking("cycle"))
def change_cycle(
    service_id: ServiceId,
    cycle: Annotated[str | None, Opt(help="The new billing cycle.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Change the billing cycle, at least 5 days before the renewal (BIL-11).

    Example: hostctl service change-cycle 12 --cycle biennial
    """
    from hostctl.ask import service as ask
    from hostctl.core import services

    cycle = ask.new_cycle(cycle, service_id)
    with work() as (session, ctx):
        service, invoice = services.change_cycle(session, ctx, service_id, cycle)
        shown = _invoice_view(session, invoice) if invoice else None
    _print_service(service, json_out, shown)


@app.command("import")
def import_(
    file: Annotated[
        Path,
        typer.Argument(help="CSV: client_email,product,cycle,status,next_due_date,domain[,server]"),
    ],
    json_out: JsonOpt = False,
) -> None:
    """Import services from the old panel, all or nothing.  Example: hostctl service import services.csv"""
    from hostctl import db, output
    from hostctl.core import reading, services

    with work() as (session, ctx):
        count = services.import_services(session, ctx, file)
    db.refresh_statistics("services", "audit_log")
    if json_out:
        output.print_json({"imported": count})
    else:
        output.info(
            ngettext(
                "{count} service imported from {file}.",
                "{count} services imported from {file}.",
                count,
            ).format(count=count, file=reading.shown_name(file))
        )


@app.command("upgrade", cls=asking("to"))
def upgrade(
    service_id: ServiceId,
    to: Annotated[str | None, Opt("--to", help="The product code of the bigger plan.")] = None,
    preview: Annotated[
        bool, Opt("--preview", help="Show the invoice it would make; save nothing.")
    ] = False,
    force: Annotated[
        bool, Opt("--force", help="Allow a target outside the upgrade paths (needs --reason).")
    ] = False,
    reason: Annotated[str | None, Opt(help="Why (kept in the log); needed with --force.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Move a service to a bigger plan: an invoice for the difference, due today; the plan
    changes when it is paid, the due date kept. Downgrades are refused (cancel and order).

    Example: hostctl service upgrade 12 --to hosting-pro --preview
    """
    from hostctl import output, views
    from hostctl.ask import service as ask
    from hostctl.core import upgrades

    to = ask.upgrade_target(to, service_id, force=force)
    with work() as (session, ctx):
        done = upgrades.request_upgrade(session, ctx, service_id, to, force=force, reason=reason)
        invoice = _invoice_view(session, done.invoice) if done.invoice else None
        data: dict[str, Any] = {"service": views.service(done.service), "invoice": invoice}
        if preview:
            session.rollback()  # the same code ran; nothing of it is kept
            if invoice:
                invoice.update(id=None, number=None)
    if json_out:
        output.print_json(data)
        return
    output.print_record(data["service"])
    if invoice:
        if preview:
            text = _(
                "would invoice {number}: {total} due {due_date}; the plan changes to "
                "{to} when it is paid"
            )
        else:
            text = _(
                "invoice {number}: {total} due {due_date}; the plan changes to {to} when it is paid"
            )
        output.print_line(
            text.format(
                number=invoice["number"] or _("(preview)"),
                total=output.amount_text(invoice["total"], invoice["currency"]),
                due_date=invoice["due_date"],
                to=to,
            )
        )
    elif preview:
        output.print_line(_("would move to {to}: nothing to pay").format(to=to))
    else:
        output.print_line(_("moved to {to}: nothing to pay").format(to=to))


@app.command("cancel", cls=asking("when", "channel", "reason"))
def cancel(
    service_id: ServiceId,
    when: Annotated[str | None, Opt(help="immediate or end-of-period.")] = None,
    channel: Annotated[
        str | None, Opt(help="Where the client asked: client area, ticket, …")
    ] = None,
    reason: Annotated[str | None, Opt(help="The client's reason (kept in the log).")] = None,
    refund: Annotated[
        bool, Opt("--refund", help="Refund within 30 days of activation (guarantee).")
    ] = False,
    preview: Annotated[bool, Opt("--preview", help="Show what it would do; save nothing.")] = False,
    yes: YesOpt = False,
    json_out: JsonOpt = False,
) -> None:
    """Cancel a service at the client's request; invoices of periods not started are cancelled.

    Example: hostctl service cancel 12 --when end-of-period --channel ticket --reason "cierra el negocio"
    """
    from hostctl import output, views
    from hostctl.ask import service as ask
    from hostctl.core import cancellations, services

    ask.known(services.get_service, service_id, when, channel, reason)
    when = ask.cancel_when(when)
    channel = ask.cancel_channel(channel)
    reason = ask.cancel_reason(reason)
    if when.strip().lower() == "immediate" and not preview:
        ask.confirm_cancel(service_id, yes)
    with work() as (session, ctx):
        done = cancellations.cancel_service(
            session, ctx, service_id, when=when, channel=channel, reason=reason, refund=refund
        )
        refunds = [views.refund(r) for r in done.refunds]
        data: dict[str, Any] = {
            "service": views.service(done.service),
            "cancelled_invoices": [_invoice_view(session, i) for i in done.cancelled_invoices],
            "refund": refunds[0] if refunds else None,
            "refunds": refunds,
            "invoices": [_invoice_view(session, i) for i in done.invoices],
            "preview": preview,
        }
        if preview:
            session.rollback()
    if json_out:
        output.print_json(data)
        return
    service = data["service"]
    if service["status"] == "cancelled":
        text = (
            _("service {id} would be cancelled today")
            if preview
            else _("service {id} is cancelled today")
        )
    else:
        text = (
            _("service {id} would be cancelled from {next_due_date}")
            if preview
            else _("service {id} is cancelled from {next_due_date}")
        )
    output.print_line(text.format(id=service["id"], next_due_date=service["next_due_date"]))
    for inv in data["cancelled_invoices"]:
        output.print_line(_("invoice {number} cancelled").format(number=inv["number"]))
    for r in refunds:
        output.print_line(
            _("refund {amount} by {method}").format(
                amount=output.amount_text(r["amount"], r["currency"]), method=r["method"]
            )
        )
    for inv in data["invoices"]:
        output.print_line(
            _("invoice {number}: {total} due {due_date}").format(
                number=inv["number"],
                total=output.amount_text(inv["total"], inv["currency"]),
                due_date=inv["due_date"],
            )
        )


@app.command("revoke-cancel")
def revoke_cancel(service_id: ServiceId, json_out: JsonOpt = False) -> None:
    """Undo an end-of-period cancellation before it takes effect.

    Example: hostctl service revoke-cancel 12
    """
    from hostctl.core import cancellations

    with work() as (session, ctx):
        service = cancellations.revoke_cancel(session, ctx, service_id)
    _print_service(service, json_out)


@app.command("set-server", cls=asking("name"))
def set_server(
    service_id: ServiceId,
    name: Annotated[str | None, typer.Argument(help="The server it runs on, e.g. web3.")] = None,
    username: Annotated[
        str | None, Opt(help="The account's username on that server's panel (SRV-2).")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Record the server a service runs on (for uptime), and its account on the server's panel.

    Example: hostctl service set-server 12 web3 --username acme
    """
    from hostctl.ask import service as ask
    from hostctl.core import servers, services

    ask.known(services.get_service, service_id, name)
    name = ask.server(name, "NAME")
    with work() as (session, ctx):
        service = servers.set_service_server(session, ctx, service_id, name, username)
    _print_service(service, json_out)
