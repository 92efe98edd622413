"""hostctl log: the audit log."""

from __future__ import annotations

from typing import Annotated

import typer

from hostctl.commands._common import JsonOpt
from hostctl.errors import UsageError
from hostctl.i18n import N_, _


def log(
    entity: Annotated[
        str | None,
        typer.Option(
            "--entity", help="Only this entity, as TYPE:ID (client:7, service:12) or TYPE."
        ),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Newest N entries.")] = 100,
    json_out: JsonOpt = False,
) -> None:
    """Show who changed what and when.  Example: hostctl log --entity client:7"""
    from hostctl import output, views
    from hostctl.commands._common import work
    from hostctl.core import audit
    from hostctl.output import Col

    entity_type = entity_id = None
    if entity:
        entity_type, _sep, entity_id = entity.partition(":")
        if not entity_type:
            raise UsageError(_("Write --entity as TYPE:ID, e.g. client:7."))
    with work(readonly=True) as (session, _ctx):
        rows = [
            views.audit_entry(e)
            for e in audit.entries(
                session, entity_type=entity_type, entity_id=entity_id or None, limit=limit
            )
        ]
    if json_out:
        output.print_json(rows)
        return
    from hostctl.words import note

    for row in rows:
        row["note"] = note(row["note"])  # one hostctl wrote, in the session's language
        row["changes"] = ", ".join(
            f"{k}={output.human_time(v) if isinstance(v, str) else v}"
            for k, v in row["changes"].items()
        )
    output.print_table(
        rows,
        [
            Col("at", N_("when"), "time"),
            Col("effective_date", N_("effective"), "date", drop=1),
            Col("staff", N_("staff"), "code", drop=3),
            Col("action", N_("action"), "code"),
            Col("entity", N_("entity"), "code"),
            Col("changes", N_("changes"), "list"),
            Col("note", N_("note"), "text", drop=2),
        ],
        empty=N_("No log entries."),
    )
