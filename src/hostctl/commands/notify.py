"""hostctl notify: the alert outbox."""

from __future__ import annotations

from typing import Annotated

import typer

from hostctl.commands._common import JsonOpt, work
from hostctl.errors import ValidationError

app = typer.Typer(
    help="The alert outbox (WhatsApp and email messages to clients).", no_args_is_help=True
)
STATUSES = ("pending", "sending", "sent", "failed")


@app.command("list")
def list_(
    status: Annotated[str | None, typer.Option(help="pending, sent or failed.")] = None,
    client: Annotated[int | None, typer.Option(help="Only this client's messages.")] = None,
    event: Annotated[str | None, typer.Option(help="Only this event.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="Newest N messages.")] = 200,
    json_out: JsonOpt = False,
) -> None:
    """List queued and sent alerts.  Example: hostctl notify list --status failed"""
    from hostctl import output, views
    from hostctl.core import outbox

    if status and status not in STATUSES:
        raise ValidationError(f"Unknown status {status!r}; use {', '.join(STATUSES)}.")
    with work(readonly=True) as (session, _):
        rows = [
            views.outbox_message(m)
            for m in outbox.listing(
                session, status=status, client_id=client, event=event, limit=limit
            )
        ]
    if json_out:
        output.print_json(rows)
        return
    output.print_table(
        rows,
        [
            ("id", "id"),
            ("created_at", "created"),
            ("event", "event"),
            ("stage", "stage"),
            ("channel", "channel"),
            ("client_id", "client"),
            ("status", "status"),
            ("attempts", "tries"),
            ("last_error", "last error"),
        ],
    )
