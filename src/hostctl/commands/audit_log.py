"""hostctl log: the audit log."""

from __future__ import annotations

from typing import Annotated

import typer

from hostctl.commands._common import JsonOpt
from hostctl.errors import UsageError


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
    from hostctl.i18n import N_
    from hostctl.output import Col

    entity_type = entity_id = None
    if entity:
        entity_type, _, entity_id = entity.partition(":")
        if not entity_type:
            raise UsageError("Write --entity as TYPE:ID, e.g. client:7.")
    with work(readonly=True) as (session, _):
        rows = [
            views.audit_entry(e)
            for e in audit.entries(
                session, entity_type=entity_type, entity_id=entity_id or None, limit=limit
            )
        ]
    if json_out:
        output.print_json(rows)
        return
    for row in rows:
        row["changes"] = ", ".join(
            f"{k}={output.human_time(v) if isinstance(v, str) else v}"
            for k, v in row["changes"].items()
        )
    output.print_table(
        rows,
        [
            Col("at", "when", "time"),
            Col("effective_date", "effective", "date", drop=1),
            Col("staff", "staff", "code", drop=3),
            Col("action", "action", "code"),
            Col("entity", "entity", "code"),
            Col("changes", "changes", "list"),
            Col("note", "note", "text", drop=2),
        ],
        empty=N_("No log entries."),
    )
