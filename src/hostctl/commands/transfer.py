"""hostctl transfer (being built: issue 4)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Transfers (SPEC §7).", no_args_is_help=True)
