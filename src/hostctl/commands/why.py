"""hostctl why: the story of a service, an invoice or a client, and what happens next."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from hostctl.commands._common import JsonOpt, work
from hostctl.i18n import _, localize

app = typer.Typer(
    help="Why: what happened to it, by which rule and when, and what happens next.",
    no_args_is_help=True,
)
Id = Annotated[int, typer.Argument(help="Its id.")]


def _why(entity: str, entity_id: int | str, json_out: bool) -> None:
    from hostctl import output
    from hostctl.core import explain, invoices

    with work(readonly=True) as (session, ctx):
        if entity == "invoice":  # by id or by number, as `invoice show` takes it
            entity_id = invoices.find_invoice(session, str(entity_id)).id or 0
        data: dict[str, Any] = explain.explain(session, ctx, entity, int(entity_id))
    if json_out:
        output.print_json(data)
        return
    output.print_line(_("{entity} is {state}").format(entity=data["entity"], state=data["state"]))
    for item in data["because"]:
        rule = f" [{item['rule']}]" if item["rule"] else ""
        output.print_line(f"  {item['date']} {localize(item['what'])}{rule} — {item['by']}")
    if data["next"]:
        output.print_line(_("next:"))
    for item in data["next"]:
        what = localize(item["what"])
        if item["unless"]:
            what = _("{what} — unless: {unless}").format(what=what, unless=localize(item["unless"]))
        output.print_line(f"  {item['date']} {what}")


@app.command("service")
def service(service_id: Id, json_out: JsonOpt = False) -> None:
    """Why a service is as it is, and what daily will do next.  Example: hostctl why service 12"""
    _why("service", service_id, json_out)


@app.command("invoice")
def invoice(
    invoice_ref: Annotated[str, typer.Argument(help="Invoice id or number (2026-000042).")],
    json_out: JsonOpt = False,
) -> None:
    """An invoice's story and what follows if it stays unpaid.

    Example: hostctl why invoice 2026-000042
    """
    _why("invoice", invoice_ref, json_out)


@app.command("client")
def client(client_id: Id, json_out: JsonOpt = False) -> None:
    """A client's story and what is scheduled for its services.  Example: hostctl why client 7"""
    _why("client", client_id, json_out)
