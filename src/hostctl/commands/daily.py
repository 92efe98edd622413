"""hostctl daily: the whole day's automation, safe from cron."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from hostctl.commands._common import JsonOpt
from hostctl.i18n import N_, NC_, _, localize

SUMMARY_KEYS = (
    "invoices_created",
    "reminders",
    "suspended",
    "terminated",
    "ended",
    "expired",
    "alerts_sent",
)
SUMMARY_LABELS = {  # the summary line's words for each count
    "invoices_created": NC_("count", "invoices created"),
    "reminders": NC_("count", "reminders"),
    "suspended": NC_("count", "suspended"),
    "terminated": NC_("count", "terminated"),
    "ended": NC_("count", "ended"),
    "expired": NC_("count", "expired"),
    "alerts_sent": NC_("count", "alerts sent"),
}


def daily(
    date: Annotated[
        str | None,
        typer.Option(
            help="Run up to this day (default today); missed days are caught up in order."
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print what would be done and change nothing.")
    ] = False,
    wait: Annotated[
        bool, typer.Option("--wait", help="Wait for another running daily instead of exiting 75.")
    ] = False,
    no_send: Annotated[
        bool, typer.Option("--no-send", help="Queue alerts but do not send them now.")
    ] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="List every action taken.")
    ] = False,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Catch up more than 62 days without asking.")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Renewal invoices, reminders, suspensions, terminations, expiries and alert sending.

    Idempotent: a second run the same day does nothing. From cron it prints nothing unless
    --json. A --date after today needs --dry-run; catching up more than 62 days needs --yes
    (a dry run too). A dry run works on a copy of the database and holds no lock.
    Example (crontab): 15 6 * * * hostctl daily --json >> /var/log/hostctl-daily.json
    """
    from hostctl import output, prompts
    from hostctl.adapters.panels import driver as panel_driver
    from hostctl.core import lifecycle, run_limits
    from hostctl.core.clock import parse_date
    from hostctl.core.context import Context

    ctx = Context.from_env()
    until = parse_date(date, what="--date") if date else ctx.today
    run_limits.check_daily_date(until, ctx.today, dry_run=dry_run)
    # a dry run runs the same days as the real run would: a long one needs --yes too
    confirmed = yes or prompts.assume_yes() or _confirmed_on_tty(until)
    progress = _Progress() if output.stderr_is_tty() and not json_out else None

    def start(days: list[Any]) -> None:  # inside run_daily's transaction (and lock)
        run_limits.check_catch_up(days, confirmed=confirmed)
        if progress:
            progress.start(days)

    summary = lifecycle.run_daily(
        ctx,
        until=until,
        dry_run=dry_run,
        wait=wait,
        send_alerts=not no_send,
        on_start=start,
        on_day=progress.advance if progress else None,
        keep_actions=dry_run or verbose,
        panels=panel_driver,
    )
    if progress:
        progress.stop()
    for problem in summary["problems"]:
        output.warn(problem)
    actions = summary.pop("actions")
    if json_out:
        if dry_run or verbose:
            summary["actions"] = actions
        output.print_json(summary)
        return
    if dry_run or verbose:
        from hostctl.words import word

        output.print_table(
            [{**a, "action": word("daily action", a["action"])} for a in actions],
            [
                output.Col("day", N_("day"), "date"),
                output.Col("action", N_("action"), "code"),
                output.Col("client_id", N_("client"), "id"),
                output.Col("service_id", N_("service"), "id"),
                output.Col("detail", N_("detail"), "text"),
            ],
            empty=N_("Nothing to do."),
        )
    if dry_run or verbose or output.stdout_is_tty():
        days = summary["days"]
        span = f"{days[0]} … {days[-1]}" if len(days) > 1 else (days[0] if days else _("none"))
        counts = ", ".join(f"{localize(SUMMARY_LABELS[k])} {summary[k]}" for k in SUMMARY_KEYS)
        if dry_run:
            text = _("dry run, nothing changed — days: {span}; {counts}")
        else:
            text = _("days: {span}; {counts}")
        output.print_line(text.format(span=span, counts=counts))


def _confirmed_on_tty(until: Any) -> bool:
    """On a TTY, a long catch-up is asked about first, before the lock is taken."""
    from hostctl import prompts
    from hostctl.core import lifecycle, run_limits
    from hostctl.db import unit_of_work

    if not prompts.allowed():
        return False
    with unit_of_work(readonly=True) as session:
        days = lifecycle.days_to_run(session, until)
    if len(days) <= run_limits.MAX_CATCH_UP_DAYS:
        return False
    return prompts.confirm(
        _("Catch up {count} days ({first} … {last})?").format(
            count=len(days), first=days[0], last=days[-1]
        ),
        yes=False,
    )


class _Progress:
    """A progress bar over the days being run, on stderr (TTY only)."""

    def __init__(self) -> None:
        from hostctl import output

        self.bar = output.Progress()

    def start(self, days: list[Any]) -> None:
        self.bar.start(len(days), "daily")

    def advance(self, result: Any) -> None:
        self.bar.advance(f"daily {result.day}")

    def stop(self) -> None:
        self.bar.stop()
