"""hostctl demo: a sample company walked through 60 days of `daily`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hostctl.commands._common import JsonOpt
from hostctl.i18n import N_, NC_, _, localize, ngettext

if TYPE_CHECKING:
    from hostctl.core.context import Context

COLUMNS = (  # the count under each heading, as wide as the heading
    ("invoices_created", NC_("count", "invoices")),
    ("reminders", NC_("count", "reminders")),
    ("payments", NC_("count", "payments")),
    ("suspended", NC_("count", "suspended")),
    ("terminated", NC_("count", "terminated")),
)
DEFAULTS = {"days": 60, "clients": 36, "seed": 7}
KEEP_SUGGESTED = "demo.db"  # where the end of a throw-away demo suggests keeping one


def demo(
    days: Annotated[int, typer.Option(min=1, max=730, help="Days to walk.")] = DEFAULTS["days"],
    clients: Annotated[int, typer.Option(min=1, max=5000, help="Sample clients.")] = DEFAULTS[
        "clients"
    ],
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same story).")] = DEFAULTS[
        "seed"
    ],
    keep: Annotated[
        Path | None,
        typer.Option(
            help="Keep the demo database at this path (a new file, or an earlier demo's) "
            "instead of a temporary file."
        ),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Build a sample company in a throw-away SQLite file and walk N days of daily.

    Your own database (HOSTCTL_DATABASE_URL or the default) is never touched, nor any file
    the demo did not make. The demo's days run ahead of the clock: it ends saying its last
    day and what to try on it. With --json, one document: each day's counts, the money
    collected per currency, the services by status.
    Example: hostctl demo --days 60 --keep demo.db
    """
    from hostctl import output
    from hostctl.core import demo as core_demo
    from hostctl.core.context import Context

    ctx = Context.from_env()
    if keep is not None:
        core_demo.check_keep(keep)
    with _demo_database(ctx, keep=keep, clients=clients, seed=seed) as (path, url):
        if json_out:
            from hostctl import views

            walked: list[tuple[Any, dict[str, Any]]] = []
            totals = core_demo.walk(
                url, ctx, days=days, seed=seed, report=lambda d, s: walked.append((d, s))
            )
            doc = views.demo(totals, walked, clients=clients, seed=seed, kept=keep)
            doc["environment"] = {
                "HOSTCTL_DATABASE_URL": f"sqlite:///{keep.absolute()}" if keep else None,
                "HOSTCTL_TODAY": totals["last_day"].isoformat(),
            }
            doc["try"] = _suggestions(totals["examples"])
            output.print_json(doc)
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
        collected = (
            ", ".join(output.human_money(m, m.currency) for m in totals["collected"].values())
            or "—"
        )
        states = ", ".join(f"{k} {v}" for k, v in sorted(totals["services"].items()))
        output.print_line()
        output.print_line(
            _(
                "{days} days: {payments} payments collected ({collected}); services now: {states}."
            ).format(
                days=totals["days"], payments=totals["payments"], collected=collected, states=states
            )
        )
        _print_next_steps(
            ctx.today, totals, keep=keep, options={"days": days, "clients": clients, "seed": seed}
        )


def _suggestions(examples: dict[str, int | None]) -> list[str]:
    """Three commands worth trying on the demo's last day, with the demo's own ids."""
    tried = []
    if examples.get("service") is not None:
        tried.append(f"hostctl why service {examples['service']}")
    if examples.get("client") is not None:
        tried.append(f"hostctl client statement {examples['client']}")
    tried.append("hostctl invoice list --status overdue")
    return tried


def _print_next_steps(
    today: dt.date, totals: dict[str, Any], *, keep: Path | None, options: dict[str, int]
) -> None:
    """The demo's last day (ahead of the clock), how to point hostctl at it, what to try."""
    import shlex

    from hostctl import output

    last_day = totals["last_day"]
    ahead = (last_day - today).days
    output.print_line(
        ngettext(
            "The demo's last day is {last_day}, {ahead} day after today: its invoices and "
            "services are dated up to then, so give hostctl that day as HOSTCTL_TODAY.",
            "The demo's last day is {last_day}, {ahead} days after today: its invoices and "
            "services are dated up to then, so give hostctl that day as HOSTCTL_TODAY.",
            ahead,
        ).format(last_day=last_day, ahead=ahead)
    )
    if keep is None:
        again = ["hostctl", "demo", "--keep", KEEP_SUGGESTED]
        for name, value in options.items():
            if value != DEFAULTS[name]:
                again += [f"--{name}", str(value)]
        output.print_line(
            _(
                "This demo's database was a temporary file, now removed; to explore one, run "
                "{command} (same seed, same story) and then:"
            ).format(command=shlex.join(again))
        )
        path = Path(KEEP_SUGGESTED).absolute()
    else:
        output.print_line(_("Explore it:"))
        path = keep.absolute()
    prefix = (
        f"HOSTCTL_DATABASE_URL={shlex.quote(f'sqlite:///{path}')} "
        f"HOSTCTL_TODAY={last_day.isoformat()}"
    )
    for command in _suggestions(totals["examples"]):
        output.print_line(f"  {prefix} {command}")


@contextmanager
def _demo_database(
    ctx: Context, *, keep: Path | None, clients: int, seed: int
) -> Iterator[tuple[Path, str]]:
    """The sample company's new SQLite file (at ``keep``, checked by ``core.demo.check_keep``, or in
    a temporary folder that goes when the walk ends) and its URL."""
    import tempfile

    from hostctl.core import demo as core_demo
    from hostctl.db import dispose_all

    with tempfile.TemporaryDirectory(prefix="hostctl-demo-") as tmp:
        path = keep or Path(tmp) / "demo.db"
        if core_demo.is_demo_file(path):
            core_demo.remove_demo_file(path)
        core_demo.new_demo_file(path)
        url = f"sqlite:///{path.absolute()}"
        try:
            core_demo.build(url, ctx, clients_count=clients, seed=seed, workdir=Path(tmp))
            yield path, url
        finally:
            dispose_all()
