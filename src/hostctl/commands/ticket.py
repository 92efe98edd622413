"""hostctl ticket (being built: issue 4)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Tickets (SPEC §8).", no_args_is_help=True)
