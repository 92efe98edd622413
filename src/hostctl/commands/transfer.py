"""hostctl transfer: pass a service to another client (rules §7)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hostctl.commands._common import JsonOpt, asking, work
from hostctl.errors import UsageError
from hostctl.i18n import N_, _

app = typer.Typer(help="Transfers of a service to another client (rules §7).", no_args_is_help=True)

TransferId = Annotated[int, typer.Argument(help="Transfer id.")]
Opt = typer.Option


def _show(transfer: object, json_out: bool) -> None:
    from hostctl import output, views

    data = views.transfer(transfer)  # type: ignore[arg-type]
    if json_out:
        output.print_json(data)
    else:
        output.print_record(data)


@app.command("request", cls=asking("service", "to"))
def request(
    service: Annotated[int | None, Opt("--service", help="The service to transfer.")] = None,
    to: Annotated[int | None, Opt("--to", help="The client who will hold it.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Start a transfer (TRF-1) and print the consent message both holders must send back.

    Example: hostctl transfer request --service 12 --to 8
    """
    from hostctl import output
    from hostctl.ask import transfer as ask
    from hostctl.core import transfers

    service = ask.service(service)
    to = ask.client(to, "--to")
    with work() as (session, ctx):
        transfer = transfers.request_transfer(session, ctx, service_id=service, to_client_id=to)
    _show(transfer, json_out)
    if not json_out:
        output.info(
            _(
                "Both clients must send this message back literally by {expires_on}; record "
                "each with `hostctl transfer confirm {transfer_id} --party from|to`."
            ).format(expires_on=transfer.expires_on, transfer_id=transfer.id)
        )


def _read_message(message: str | None, message_file: Path | None) -> str:
    if (message is None) == (message_file is None):
        raise UsageError(
            _("Give the received text with exactly one of --message or --message-file.")
        )
    from hostctl.core import reading, validate

    if message is None:
        assert message_file is not None
        message = reading.read_text(message_file, reading.MESSAGE_BYTES)
    return validate.text(message, N_("message"), validate.MESSAGE_MAX)


@app.command("confirm", cls=asking("party"))
def confirm(
    transfer_id: TransferId,
    party: Annotated[
        str | None, Opt("--party", help="from (current holder) or to (new holder).")
    ] = None,
    message: Annotated[str | None, Opt("--message", help="The text the holder sent.")] = None,
    message_file: Annotated[
        Path | None, Opt("--message-file", help="Read the text from a file (- for stdin).")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Record one holder's consent message; with both in, the service changes holder (TRF-3).

    Example: hostctl transfer confirm 3 --party from --message-file whatsapp.txt
    """
    from hostctl import output
    from hostctl.ask import transfer as ask
    from hostctl.core import transfers

    ask.known(transfers.get_transfer, transfer_id, party, message or message_file)
    party = ask.transfer_party(party)
    text = _read_message(ask.consent_message(message, message_file), message_file)
    with work() as (session, ctx):
        transfer = transfers.confirm_transfer(session, ctx, transfer_id, party=party, message=text)
    _show(transfer, json_out)
    if transfer.status == "completed":
        output.info(
            _("Service {service_id} now belongs to client {to_client_id}.").format(
                service_id=transfer.service_id, to_client_id=transfer.to_client_id
            )
        )
    else:
        if party == "from":
            output.info(_("Confirmation recorded; waiting for the new holder."))
        else:
            output.info(_("Confirmation recorded; waiting for the current holder."))


@app.command("list")
def list_(
    status: Annotated[str | None, Opt(help="pending, completed or expired.")] = None,
    service: Annotated[int | None, Opt(help="Only this service's transfers.")] = None,
    client: Annotated[int | None, Opt(help="Only transfers from or to this client.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """List transfers.  Example: hostctl transfer list --status pending"""
    from hostctl import output, views
    from hostctl.core import clients, services, transfers
    from hostctl.output import Col
    from hostctl.words import read_code

    if status is not None:  # what the screen shows (completado) or the code (completed)
        status = read_code("status", status, transfers.STATUSES, N_("transfer status"))
    with work(readonly=True) as (session, _ctx):
        if client is not None:  # a filter naming nobody is "not found", not empty
            clients.get_client(session, client)
        if service is not None:
            services.get_service(session, service)
        found = transfers.list_transfers(
            session, status=status, service_id=service, client_id=client
        )
        rows = [views.transfer(t) for t in found]
    if json_out:
        output.print_json(rows)
        return
    output.print_table(
        rows,
        [
            Col("id", N_("id"), "id"),
            Col("service_id", N_("service"), "id"),
            Col("from_client_id", N_("from"), "id"),
            Col("to_client_id", N_("to"), "id"),
            Col("status", N_("status"), "status"),
            Col("requested_on", N_("requested"), "date", drop=1),
            Col("expires_on", N_("expires"), "date"),
            Col("from_confirmed_at", N_("from confirmed"), "time"),
            Col("to_confirmed_at", N_("to confirmed"), "time"),
        ],
        empty=N_("No transfers."),
    )


@app.command("show")
def show(transfer_id: TransferId, json_out: JsonOpt = False) -> None:
    """Show one transfer with its consent message.  Example: hostctl transfer show 3 --json"""
    from hostctl.core import transfers

    with work(readonly=True) as (session, _ctx):
        transfer = transfers.get_transfer(session, transfer_id)
    _show(transfer, json_out)
