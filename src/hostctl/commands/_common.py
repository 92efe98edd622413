"""What every command shares: the ``--json`` option, a unit of work with its context, the
command class of the commands that ask for left-out options."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer
from typer.core import TyperCommand

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlmodel import Session
    from typer import _click as click

    from hostctl.core.context import Context

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Skip confirmations.")]


def asking(*names: str) -> type[TyperCommand]:
    """The class of a command that asks on a terminal for the options ``names`` when they
    are left out (so Typer declares them optional): its ``--help`` still marks them
    ``[required]``, as they are for a script."""

    class Asking(TyperCommand):
        def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
            marked = [p for p in self.params if p.name in names and not p.required]
            for param in marked:
                param.required = True
            try:
                super().format_options(ctx, formatter)
            finally:
                for param in marked:
                    param.required = False

    return Asking


@contextmanager
def work(*, readonly: bool = False) -> Iterator[tuple[Session, Context]]:
    """A session in one transaction and the acting context (staff, today, now)."""
    from hostctl.core.context import Context
    from hostctl.db import unit_of_work

    ctx = Context.from_env()
    with unit_of_work(readonly=readonly) as session:
        yield session, ctx


@contextmanager
def reading() -> Iterator[tuple[Connection, Context]]:
    """A Core connection in one read-only transaction and the acting context: for commands
    that read through the Core tables (``models/core_tables.py``) and build no table class,
    so their start-up imports no ORM (``client show``)."""
    from hostctl.core.context import Context
    from hostctl.db import read_only

    ctx = Context.from_env()
    with read_only() as conn:
        yield conn, ctx


@contextmanager
def without_cycle_collection() -> Iterator[None]:
    """Python's cyclic garbage collector off for the block: a bulk import makes hundreds of
    thousands of small objects that live until it ends, and the collector walks them again
    and again to free nothing (7 % of a 50 000-line statement import, measured; its peak
    memory grows by about 15 MB)."""
    import gc

    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


class _DryRunEnd(Exception):
    """Leaves ``work()`` by its rollback at the end of a dry run."""


@contextmanager
def work_or_dry_run(*, dry_run: bool) -> Iterator[tuple[Session, Context]]:
    """``work()``, whose transaction a dry run rolls back when the block ends: the same code
    runs and reports, nothing is kept (``whmcs import``, ``payment import``)."""
    try:
        with work() as (session, ctx):
            yield session, ctx
            if dry_run:
                raise _DryRunEnd
    except _DryRunEnd:
        pass
