"""What every command shares: the ``--json`` option, a unit of work with its context."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from sqlmodel import Session

    from hostctl.core.context import Context

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Skip confirmations.")]


@contextmanager
def work(*, readonly: bool = False) -> Iterator[tuple[Session, Context]]:
    """A session in one transaction and the acting context (staff, today, now)."""
    from hostctl.core.context import Context
    from hostctl.db import unit_of_work

    ctx = Context.from_env()
    with unit_of_work(readonly=readonly) as session:
        yield session, ctx
