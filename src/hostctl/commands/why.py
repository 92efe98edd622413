"""hostctl why: the story of a service, an invoice or a client, and what happens next."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from hostctl.commands._common import JsonOpt, work
from hostctl.i18n import _, localize
from hostctl.words import say

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
    output.print_line(_headline(entity, entity_id, data))
    for item in data["because"]:
        rule = f" [{localize(item['rule'])}]" if item["rule"] else ""
        line = f"{item['date']} {output.people(item['what'])}{rule} — {item['by']}"
        output.print_line(line, indent=2, hang=13)
    panel = data.get("panel")
    if panel:  # what the server was last told, and how it went (SRV-3)
        line = _("panel of {server}: {action} {user}, {status} ({at})").format(
            server=data["server"],
            action=panel["action"],
            user=data["username"],
            status=say("status", panel["status"]),
            at=panel["at"],
        )
        if panel["reason"]:
            line += f" — {panel['reason']}"
        output.print_line(line)
    if data["next"]:
        output.print_line(_("next:"))
    for item in data["next"]:
        what = output.people(item["what"])
        if item["unless"]:
            what = _("{what} — unless: {unless}").format(
                what=what, unless=output.people(item["unless"])
            )
        output.print_line(f"{item['date']} {what}", indent=2, hang=13)


def _headline(entity: str, entity_id: int | str, data: dict[str, Any]) -> str:
    """ "service 24 is suspended (non-payment)", the words in the session's language."""
    state = say(entity, data["state"])
    if data.get("reason"):
        state = _("{state} ({reason})").format(state=state, reason=say("reason", data["reason"]))
    if entity == "service":
        return _("service {service_id} is {state}").format(service_id=entity_id, state=state)
    if entity == "invoice":
        return _("invoice {number} is {state}").format(number=data["number"], state=state)
    return _("client {client_id} is {state}").format(client_id=entity_id, state=state)


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
