"""hostctl db: schema migrations."""

from __future__ import annotations

import typer

from hostctl.commands._common import JsonOpt
from hostctl.i18n import _

app = typer.Typer(
    help="Database schema migrations (Alembic, shipped inside hostctl).", no_args_is_help=True
)


@app.command("upgrade")
def upgrade(json_out: JsonOpt = False) -> None:
    """Apply pending migrations.  Example: hostctl db upgrade"""
    from hostctl import migrate, output
    from hostctl.db import make_engine
    from hostctl.db_url import database_url

    engine = make_engine(database_url(), create=True)
    before, after = migrate.upgrade(engine)
    result = {"before": before, "after": after}
    if json_out:
        output.print_json(result)
    else:
        output.print_line(
            _("schema: {before} → {after}").format(before=before or _("empty"), after=after)
        )


@app.command("status")
def status(json_out: JsonOpt = False) -> None:
    """Show the database URL and schema revision.  Example: hostctl db status --json"""
    from hostctl import migrate, output
    from hostctl.db import make_engine
    from hostctl.db_url import configured_url, database_url

    # the default database is made on first use, as by any command; a named one is not
    result = migrate.status(make_engine(database_url(), create=configured_url() is None))
    if json_out:
        output.print_json(result)
    else:
        output.print_record({k: v for k, v in result.items() if k != "revisions"})
