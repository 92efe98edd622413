"""hostctl demo: a sample company walked through 60 days of `daily`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hostctl.commands._common import JsonOpt
from hostctl.i18n import N_, NC_, _, localize

if TYPE_CHECKING:
    from hostctl.core.context import Context

COLUMNS = (  # the count under each heading, as wide as the heading
    ("invoices_created", NC_("count", "invoices")),
    ("reminders", NC_("count", "reminders")),
    ("payments", NC_("count", "payments")),
    ("suspended", NC_("count", "suspended")),
    ("terminated", NC_("count", "terminated")),
)


def demo(
    days: Annotated[int, typer.Option(min=1, max=730, help="Days to walk.")] = 60,
    clients: Annotated[int, typer.Option(min=1, max=5000, help="Sample clients.")] = 36,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same story).")] = 7,
    keep: Annotated[
        Path | None,
        typer.Option(help="Keep the demo database at this path instead of a temporary file."),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Build a sample company in a throw-away SQLite file and walk N days of daily.

    Your own database (HOSTCTL_DATABASE_URL or the default) is never touched. With --json,
    one document: each day's counts, the money collected per currency, the services by
    status.
    Example: hostctl demo --days 60
    """
    from hostctl import output
    from hostctl.core import demo as core_demo
    from hostctl.core.context import Context
    from hostctl.core.money import format_money

    ctx = Context.from_env()
    with _demo_database(ctx, keep=keep, clients=clients, seed=seed) as (path, url):
        if json_out:
            from hostctl import views

            walked: list[tuple[Any, dict[str, Any]]] = []
            totals = core_demo.walk(
                url, ctx, days=days, seed=seed, report=lambda d, s: walked.append((d, s))
            )
            output.print_json(views.demo(totals, walked, clients=clients, seed=seed, kept=keep))
            return
        output.print_line(
            _(
                "Demo company: {clients} clients, catalogue from examples/catalogue.toml, "
                "database {path}"
            ).format(clients=clients, path=path)
        )
        heads = [(key, localize(head)) for key, head in COLUMNS]
        output.print_line(localize(N_("day")).ljust(10) + "".join(f"  {h}" for _k, h in heads))

        def report(day: Any, s: dict[str, Any]) -> None:
            output.print_line(f"{day}" + "".join(f"  {s[key]:{len(head)}}" for key, head in heads))

        totals = core_demo.walk(url, ctx, days=days, seed=seed, report=report)
        collected = ", ".join(format_money(m) for m in totals["collected"].values()) or "—"
        states = ", ".join(f"{k} {v}" for k, v in sorted(totals["services"].items()))
        output.print_line()
        output.print_line(
            _(
                "{days} days: {payments} payments collected ({collected}); services now: {states}."
            ).format(
                days=totals["days"], payments=totals["payments"], collected=collected, states=states
            )
        )


@contextmanager
def _demo_database(
    ctx: Context, *, keep: Path | None, clients: int, seed: int
) -> Iterator[tuple[Path, str]]:
    """The sample company's new SQLite file (at ``keep``, or in a temporary folder that
    goes when the walk ends) and its URL."""
    import tempfile

    from hostctl.core import demo as core_demo
    from hostctl.db import dispose_all

    with tempfile.TemporaryDirectory(prefix="hostctl-demo-") as tmp:
        path = keep or Path(tmp) / "demo.db"
        if path.exists():
            path.unlink()
        url = f"sqlite:///{path}"
        try:
            core_demo.build(url, ctx, clients_count=clients, seed=seed, workdir=Path(tmp))
            yield path, url
        finally:
            dispose_all()
