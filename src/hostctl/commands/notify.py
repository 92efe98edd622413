"""hostctl notify: the alert outbox."""

from __future__ import annotations

from typing import Annotated

import typer

from hostctl.commands._common import JsonOpt, work
from hostctl.i18n import N_, _, ngettext

app = typer.Typer(
    help="The alert outbox (WhatsApp and email messages to clients, event hooks).",
    no_args_is_help=True,
)
STATUSES = ("pending", "sending", "sent", "failed", "unknown")


@app.command("list")
def list_(
    status: Annotated[
        str | None,
        typer.Option(
            help="pending, sending, sent, failed or unknown (may have been delivered; "
            "resend with notify send --retry-unknown)."
        ),
    ] = None,
    client: Annotated[int | None, typer.Option(help="Only this client's messages.")] = None,
    event: Annotated[str | None, typer.Option(help="Only this event.")] = None,
    channel: Annotated[
        str | None, typer.Option(help="Only this channel: whatsapp, email, hook or panel.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="Newest N messages.")] = 200,
    json_out: JsonOpt = False,
) -> None:
    """List queued and sent alerts.  Example: hostctl notify list --status failed"""
    from hostctl import output, views
    from hostctl.core import clients, outbox
    from hostctl.i18n import N_
    from hostctl.output import Col
    from hostctl.words import read_code

    if status is not None:  # what the screen shows (fallido) or the code (failed)
        status = read_code("status", status, STATUSES, N_("message status"))
    with work(readonly=True) as (session, _ctx):
        if client is not None:  # a filter naming nobody is "not found", not empty
            clients.get_client(session, client)
        rows = [
            views.outbox_message(m)
            for m in outbox.listing(
                session,
                status=status,
                client_id=client,
                event=event,
                channel=channel,
                limit=limit,
            )
        ]
    if json_out:
        output.print_json(rows)
        return
    output.print_table(
        rows,
        [
            Col("id", N_("id"), "id"),
            Col("created_at", N_("created"), "time"),
            Col("event", N_("event"), "code"),
            Col("stage", N_("stage"), "code", drop=1),
            Col("channel", N_("channel"), "code", drop=3),
            Col("client_id", N_("client"), "id"),
            Col("status", N_("status"), "status"),
            Col("attempts", N_("tries"), "number", drop=2),
            Col("last_error", N_("last error"), "text"),
        ],
        empty=N_("No messages."),
    )


@app.command("send")
def send(
    retry_failed: Annotated[
        bool, typer.Option("--retry-failed", help="Give failed messages a new set of attempts.")
    ] = False,
    retry_unknown: Annotated[
        bool,
        typer.Option(
            "--retry-unknown",
            help="Resend, on purpose, the messages whose delivery is unknown (a client may "
            "get one twice); recorded in the audit log.",
        ),
    ] = False,
    limit: Annotated[int | None, typer.Option(min=1, help="Send at most N messages.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Send the pending alerts that are due (WhatsApp, email, hooks), with retries.

    Safe to run from cron and from several places at once: a message is claimed
    before it is sent, so two senders never send the same one. A message whose answer
    was lost (it may have been delivered) becomes "unknown" and is not retried by itself:
    check it (notify list --status unknown) and resend it with --retry-unknown.
    Example: hostctl notify send --limit 100
    """
    from hostctl import output
    from hostctl.adapters.panels import driver as panel_driver
    from hostctl.core import delivery
    from hostctl.core.context import Context

    counts = delivery.send_pending(
        Context.from_env(),
        limit=limit,
        retry_failed=retry_failed,
        retry_unknown=retry_unknown,
        panels=panel_driver,
    )
    if counts["waiting"]:
        for channel, state in delivery.channel_status(panels=panel_driver).items():
            if state != "on":
                output.warn(
                    _("{channel} is off ({state}); its messages stay pending.").format(
                        channel=channel, state=state
                    )
                )
    unknown = counts["unknown"] + counts["reclaimed"]
    if unknown:
        output.warn(
            ngettext(
                "{count} message may have been delivered (the answer was lost); hostctl will "
                "not resend it by itself: check with hostctl notify list --status unknown, then "
                "resend with hostctl notify send --retry-unknown.",
                "{count} messages may have been delivered (the answer was lost); hostctl will "
                "not resend them by itself: check with hostctl notify list --status unknown, "
                "then resend with hostctl notify send --retry-unknown.",
                unknown,
            ).format(count=unknown)
        )
    if json_out:
        output.print_json(counts)
        return
    parts = [
        _("sent {count}").format(count=counts["sent"]),
        _("retried later {count}").format(count=counts["retried"]),
        _("failed {count}").format(count=counts["failed"]),
    ]
    if unknown:
        parts.append(_("unknown {count}").format(count=unknown))
    if counts["waiting"]:
        parts.append(_("waiting {count}").format(count=counts["waiting"]))
    output.print_line(", ".join(parts))
    if counts["failed"]:
        output.info(_("See why: hostctl notify list --status failed"))
    if counts["retried"]:  # e.g. a TLS or login setup error: each message keeps the reason
        output.info(_("Why they wait: hostctl notify list --status pending"))


@app.command("templates")
def templates_(json_out: JsonOpt = False) -> None:
    """List the message templates and where each comes from (shipped, or your override).

    Override one by copying it, same name, into the config dir's templates/ folder
    (HOSTCTL_CONFIG_DIR, or the platform's user config dir for hostctl).
    Example: hostctl notify templates --json
    """
    from hostctl import output
    from hostctl.core import templates

    rows = templates.listing()
    if json_out:
        output.print_json(rows)
        return
    output.print_table(
        rows,
        [
            output.Col("key", N_("template"), "code"),
            output.Col("channel", N_("channel"), "code"),
            output.Col("source", N_("source"), "code"),
            output.Col("path", N_("file"), "code"),
        ],
    )
    output.info(_("Overrides go in {folder}").format(folder=templates.override_dir()))
