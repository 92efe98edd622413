"""The root Typer app: global options, the sub-apps, and the one place that turns a
``HostctlError`` into a message on stderr and an exit code.

Importing this module must stay cheap: no sqlalchemy, sqlmodel, questionary, tabulate,
babel or pendulum (a test checks ``sys.modules``). Heavy imports live inside commands.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer import _click
from typer._click import exceptions as click_errors
from typer.core import TyperArgument, TyperGroup

from hostctl import __version__, i18n
from hostctl.errors import Cancelled, ExitStatus, HostctlError
from hostctl.i18n import N_, _

if TYPE_CHECKING:  # typer (0.26 on) vendors its own click; for the type checker only
    from collections.abc import MutableMapping

    from typer import _click as click
    from typer._click.shell_completion import CompletionItem


def _report(exc: HostctlError) -> None:
    from hostctl import output

    if isinstance(exc, Cancelled):  # not an error: the person chose to stop
        sys.stderr.write(exc.message + "\n")
        return
    output.error(output.people(exc.message, human=True))  # a lazy message: its amounts
    for detail in exc.details:
        sys.stderr.write(f"  {output.safe(detail)}\n")


# Sub-commands, loaded only when invoked (or for their own --help): name → (module,
# attribute, one-line help shown by `hostctl --help`). A Typer attribute is a noun with
# verbs; a function attribute is a single command.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "client": ("hostctl.commands.client", "app", "Clients and their contacts (rules §1)."),
    "product": ("hostctl.commands.product", "app", "The catalogue of plans (rules §2)."),
    "service": (
        "hostctl.commands.service",
        "app",
        "Services: orders, activation queue, suspensions (rules §2, §4).",
    ),
    "invoice": ("hostctl.commands.invoice", "app", "Invoices and the renewal cycle (rules §4)."),
    "payment": ("hostctl.commands.payment", "app", "Payments, credit and chargebacks (rules §4)."),
    "daily": (
        "hostctl.commands.daily",
        "daily",
        "The whole day's automation; safe from cron (rules §4).",
    ),
    "transfer": (
        "hostctl.commands.transfer",
        "app",
        "Transfers of a service to another client (rules §7).",
    ),
    "ticket": ("hostctl.commands.ticket", "app", "Support tickets and SLA (rules §8)."),
    "notify": (
        "hostctl.commands.notify",
        "app",
        "The alert outbox: WhatsApp, email, hooks (rules §9).",
    ),
    "promo": ("hostctl.commands.promo", "app", "Promotions: referral month, 2×1 (rules §3)."),
    "affiliate": (
        "hostctl.commands.affiliate",
        "app",
        "Affiliates: referral codes, commissions, withdrawals (rules §10).",
    ),
    "quote": ("hostctl.commands.quote", "app", "Quotes (presupuestos) for clients (rules §11)."),
    "server": (
        "hostctl.commands.server",
        "app",
        "Servers and their panels: WHM, CWP (rules §15).",
    ),
    "outage": ("hostctl.commands.uptime", "outage_app", "Outages of the servers (rules §11)."),
    "uptime": (
        "hostctl.commands.uptime",
        "uptime_app",
        "Monthly uptime per service and its credit (rules §11).",
    ),
    "why": (
        "hostctl.commands.why",
        "app",
        "Why a service, invoice or client is as it is, and what happens next.",
    ),
    "config": ("hostctl.commands.config", "app", "Company settings kept in the database."),
    "log": ("hostctl.commands.audit_log", "log", "The audit log: who changed what and when."),
    "db": ("hostctl.commands.db", "app", "Database schema migrations."),
    "whmcs": ("hostctl.commands.whmcs", "app", "Moving over from WHMCS."),
    "demo": ("hostctl.commands.demo", "demo", "A sample company walked through 60 days of daily."),
    "shell": (
        "hostctl.commands.shell",
        "shell",
        "A session for the desk: one command a line, with Tab completion.",
    ),
    "completion": (
        "hostctl.commands.completion",
        "completion",
        "Print the Tab-completion script for bash, zsh or fish.",
    ),
}


def _plain(instance: typer.Typer) -> None:
    """Plain click help (no rich import at start-up), for a Typer and its sub-Typers."""
    instance.rich_markup_mode = None
    for info in instance.registered_groups:
        if info.typer_instance is not None:
            _plain(info.typer_instance)


def load_command(name: str) -> click.Command | None:
    import importlib

    entry = COMMANDS.get(name)
    if entry is None:
        return None
    module, attr, summary = entry
    obj = getattr(importlib.import_module(module), attr)
    if isinstance(obj, typer.Typer):
        _plain(obj)
        command: click.Command = typer.main.get_group(obj)
    else:
        single = typer.Typer(rich_markup_mode=None, add_completion=False)
        single.command(name)(obj)
        command = typer.main.get_command(single)
    command.name = name
    command.short_help = summary
    _examples_verbatim(command)
    _everywhere(command)
    from hostctl import params

    params.install(command)  # whole numbers and negative values, read by hostctl
    if os.environ.get("_HOSTCTL_COMPLETE") and i18n.language() == "es":
        from hostctl import help_i18n  # Tab completion shows the help texts too

        help_i18n.translate_tree(command)
    return command


def _examples_verbatim(command: click.Command) -> None:
    """Give each help's "Example:" its own paragraph that click does not rewrap; and each
    command the context that formats its help in the session's language."""
    if command.help and "Example:" in command.help and "\b\nExample:" not in command.help:
        before, _sep, example = command.help.partition("Example:")
        command.help = f"{before.rstrip()}\n\n\b\nExample: {' '.join(example.split())}"
    command.context_class = HelpContext
    for sub in getattr(command, "commands", {}).values():
        _examples_verbatim(sub)


def _set_no_input(value: bool) -> None:
    if value:
        os.environ["HOSTCTL_NO_INPUT"] = "1"


def _set_yes(value: bool) -> None:
    if value:  # read by prompts.confirm / confirm_step, in this process and its children
        os.environ["HOSTCTL_YES"] = "1"


class _Argument(TyperArgument):
    """An argument shown in the usage line as click shows it, ``CLIENT_ID`` or
    ``[CLIENT_ID]``, not Typer's ``{client_id}``."""

    def _usage_display_name(self) -> str:
        name = self.metavar or (self.name or "").upper()
        if not self.required:
            name = f"[{name}]"
        return name + ("..." if self.nargs != 1 else "")


def _global_options() -> list[click.Parameter]:
    """Hidden copies of the root's ``--no-input`` and ``--yes``/``-y`` for every command."""
    carrier = typer.Typer(add_completion=False)

    @carrier.command()
    def anything(
        no_input: Annotated[
            bool,
            typer.Option(
                "--no-input",
                hidden=True,
                expose_value=False,
                callback=_set_no_input,
                help="Never prompt; missing input is an error.",
            ),
        ] = False,
        yes: Annotated[
            bool,
            typer.Option(
                "--yes",
                "-y",
                hidden=True,
                expose_value=False,
                callback=_set_yes,
                help="Answer yes to every confirmation.",
            ),
        ] = False,
    ) -> None:
        """Never called."""

    return list(typer.main.get_command(carrier).params)


def _everywhere(command: click.Command) -> None:
    """The root's ``--no-input`` and ``--yes``/``-y`` accepted after the noun and the verb as
    well (``hostctl client add --no-input``), as hidden options of every group and command
    below the root that does not have its own (``--yes`` of ``invoice cancel`` means the same;
    ``daily --yes`` keeps its own); and each argument named in capitals in usage lines and
    errors (``CLIENT_ID``)."""
    names = {name for param in command.params for name in param.opts + param.secondary_opts}
    for param in command.params:
        if isinstance(param, TyperArgument) and param.metavar is None:
            param.__class__ = _Argument
            param.metavar = (param.name or "").upper()
    for param in _global_options():
        if not names & set(param.opts):
            command.params.append(param)
    for sub in getattr(command, "commands", {}).values():
        _everywhere(sub)


class HelpContext(_click.Context):
    """A click context whose help page and usage line are in the session's language: in a
    Spanish session the command's help texts are translated (``help.mo``) just before they
    are formatted; an English one opens no catalog."""

    def make_formatter(self) -> click.HelpFormatter:
        if i18n.language() == "es":
            from hostctl import help_i18n

            return help_i18n.formatter(self, self.terminal_width, self.max_content_width)
        return super().make_formatter()


def _spanish(exc: click_errors.UsageError) -> click_errors.UsageError:
    """The usage error to raise in place of ``exc`` in a Spanish session."""
    from hostctl import help_i18n

    return help_i18n.usage_error(exc)


class HostctlGroup(TyperGroup):
    """Loads sub-commands lazily and maps domain errors to exit codes below the root."""

    context_class = HelpContext

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return load_command(cmd_name)

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list[CompletionItem]:
        """The nouns from ``COMMANDS`` (so ``hostctl <TAB>`` imports none of them), then
        the root's options."""
        from typer._click.shell_completion import CompletionItem

        nouns = [
            CompletionItem(name, help=i18n.help_text(summary))
            for name, (_, _, summary) in COMMANDS.items()
            if name.startswith(incomplete)
        ]
        # Skip TyperGroup.shell_complete, which would load every sub-command for its help.
        return nouns + super(TyperGroup, self).shell_complete(ctx, incomplete)

    def _main_shell_completion(
        self, ctx_args: MutableMapping[str, Any], prog_name: str, complete_var: str | None = None
    ) -> None:
        """Click's hook, called before parsing: answer the shell's Tab request (the script
        of ``hostctl completion`` sets ``_HOSTCTL_COMPLETE``) and exit. An ordinary run
        reads one environment variable here and imports nothing."""
        instruction = os.environ.get("_HOSTCTL_COMPLETE")
        if instruction:
            from hostctl.commands.completion import answer

            try:
                answer(self, ctx_args, instruction)
            except HostctlError as exc:
                _report(exc)
                sys.exit(int(exc.exit_status))
            sys.exit(0)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, i18n.help_text(summary)) for name, (_, _, summary) in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click_errors.UsageError as exc:  # the root's own options
            if i18n.language() == "es":
                raise _spanish(exc) from None
            raise

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta["hostctl.arguments"] = list(args)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            _check_arguments(ctx.meta.get("hostctl.arguments", []))
            return super().invoke(ctx)
        except HostctlError as exc:
            _report(exc)
            raise typer.Exit(int(exc.exit_status)) from None
        except click_errors.UsageError as exc:  # a sub-command's arguments
            if i18n.language() == "es":
                raise _spanish(exc) from None
            raise
        except Exception as exc:
            from hostctl.db import lock_conflict, refusal_inside
            from hostctl.db_url import storage_full

            known = refusal_inside(exc) or lock_conflict(exc) or storage_full(exc)
            if known is not None:  # out of range (1), busy (75), or the disk is full (1)
                _report(known)
                raise typer.Exit(int(known.exit_status)) from None
            if _is_database_unavailable(exc):
                from hostctl import output

                output.error(
                    _("Cannot use the database: {reason}").format(reason=str(exc).splitlines()[0])
                )
                raise typer.Exit(int(ExitStatus.REFUSED)) from None
            raise


def _check_arguments(args: list[str]) -> None:
    """Every argument, and the staff name that goes in the audit log, as text hostctl can
    keep (UTF-8, no NUL or other control character): checked once here, before any command
    runs."""
    from hostctl.core import validate

    for arg in args:
        validate.argument(arg)
    validate.argument(os.environ.get("HOSTCTL_STAFF", ""), N_("value of HOSTCTL_STAFF"))


def _is_database_unavailable(exc: Exception) -> bool:
    return (
        type(exc).__module__.startswith("sqlalchemy")
        and type(exc).__name__
        in {
            "OperationalError",
            "InterfaceError",
        }
        and "locked" not in str(exc)
    )


app = typer.Typer(
    cls=HostctlGroup,
    name="hostctl",
    help="Run a web-hosting business: clients, catalogue, billing, daily automation, support.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_show_locals=bool(os.environ.get("HOSTCTL_DEBUG")),
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"hostctl {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    no_input: Annotated[
        bool, typer.Option("--no-input", help="Never prompt; missing input is an error.")
    ] = False,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Answer yes to every confirmation.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """hostctl — the staff tool of the hosting company. Set HOSTCTL_DATABASE_URL, HOSTCTL_STAFF."""
    if no_input:
        os.environ["HOSTCTL_NO_INPUT"] = "1"
    if yes:  # read by prompts.confirm / confirm_step, in this process and its children
        os.environ["HOSTCTL_YES"] = "1"


def main() -> None:
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
