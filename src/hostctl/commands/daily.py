"""hostctl daily: the whole day's automation, safe from cron."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from hostctl.commands._common import JsonOpt

SUMMARY_KEYS = (
    "invoices_created",
    "reminders",
    "suspended",
    "terminated",
    "ended",
    "expired",
    "alerts_sent",
)


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
    json_out: JsonOpt = False,
) -> None:
    """Renewal invoices, reminders, suspensions, terminations, expiries and alert sending.

    Idempotent: a second run the same day does nothing. From cron it prints nothing unless
    --json. Example (crontab): 15 6 * * * hostctl daily --json >> /var/log/hostctl-daily.json
    """
    from hostctl import output
    from hostctl.core import lifecycle
    from hostctl.core.clock import parse_date
    from hostctl.core.context import Context

    ctx = Context.from_env()
    until = parse_date(date, what="--date") if date else ctx.today
    progress = _Progress() if output.stderr_is_tty() and not json_out else None
    summary = lifecycle.run_daily(
        ctx,
        until=until,
        dry_run=dry_run,
        wait=wait,
        send_alerts=not no_send,
        on_start=progress.start if progress else None,
        on_day=progress.advance if progress else None,
        keep_actions=dry_run or verbose,
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
        output.print_table(
            actions,
            [
                ("day", "day"),
                ("action", "action"),
                ("client_id", "client"),
                ("service_id", "service"),
                ("detail", "detail"),
            ],
        )
    if dry_run or verbose or output.stdout_is_tty():
        days = summary["days"]
        span = f"{days[0]} … {days[-1]}" if len(days) > 1 else (days[0] if days else "none")
        counts = ", ".join(f"{k.replace('_', ' ')} {summary[k]}" for k in SUMMARY_KEYS)
        prefix = "dry run, nothing changed — " if dry_run else ""
        output.print_line(f"{prefix}days: {span}; {counts}")


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
