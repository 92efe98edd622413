"""hostctl transfer: pass a service to another client (rules §7)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from hostctl.commands._common import JsonOpt, work
from hostctl.errors import UsageError, ValidationError

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


@app.command("request")
def request(
    service: Annotated[int, Opt("--service", help="The service to transfer.")],
    to: Annotated[int, Opt("--to", help="The client who will hold it.")],
    json_out: JsonOpt = False,
) -> None:
    """Start a transfer (TRF-1) and print the consent message both holders must send back.

    Example: hostctl transfer request --service 12 --to 8
    """
    from hostctl import output
    from hostctl.core import transfers

    with work() as (session, ctx):
        transfer = transfers.request_transfer(session, ctx, service_id=service, to_client_id=to)
    _show(transfer, json_out)
    if not json_out:
        output.info(
            f"Both clients must send this message back literally by {transfer.expires_on}; "
            f"record each with `hostctl transfer confirm {transfer.id} --party from|to`."
        )


def _read_message(message: str | None, message_file: Path | None) -> str:
    if (message is None) == (message_file is None):
        raise UsageError("Give the received text with exactly one of --message or --message-file.")
    if message is not None:
        return message
    assert message_file is not None
    if str(message_file) == "-":
        return sys.stdin.read()
    try:
        with message_file.open(encoding="utf-8", newline="") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(f"Cannot read {message_file} as UTF-8 text: {exc}.") from None


@app.command("confirm")
def confirm(
    transfer_id: TransferId,
    party: Annotated[str, Opt("--party", help="from (current holder) or to (new holder).")],
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
    from hostctl.core import transfers

    text = _read_message(message, message_file)
    with work() as (session, ctx):
        transfer = transfers.confirm_transfer(session, ctx, transfer_id, party=party, message=text)
    _show(transfer, json_out)
    if transfer.status == "completed":
        output.info(f"Service {transfer.service_id} now belongs to client {transfer.to_client_id}.")
    else:
        waiting = "new holder" if party == "from" else "current holder"
        output.info(f"Confirmation recorded; waiting for the {waiting}.")


@app.command("list")
def list_(
    status: Annotated[str | None, Opt(help="pending, completed or expired.")] = None,
    service: Annotated[int | None, Opt(help="Only this service's transfers.")] = None,
    client: Annotated[int | None, Opt(help="Only transfers from or to this client.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """List transfers.  Example: hostctl transfer list --status pending"""
    from hostctl import output, views
    from hostctl.core import transfers
    from hostctl.i18n import N_
    from hostctl.output import Col

    with work(readonly=True) as (session, _):
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
            Col("id", "id", "id"),
            Col("service_id", "service", "id"),
            Col("from_client_id", "from", "id"),
            Col("to_client_id", "to", "id"),
            Col("status", "status", "status"),
            Col("requested_on", "requested", "date", drop=1),
            Col("expires_on", "expires", "date"),
            Col("from_confirmed_at", "from confirmed", "time"),
            Col("to_confirmed_at", "to confirmed", "time"),
        ],
        empty=N_("No transfers."),
    )


@app.command("show")
def show(transfer_id: TransferId, json_out: JsonOpt = False) -> None:
    """Show one transfer with its consent message.  Example: hostctl transfer show 3 --json"""
    from hostctl.core import transfers

    with work(readonly=True) as (session, _):
        transfer = transfers.get_transfer(session, transfer_id)
    _show(transfer, json_out)
