"""The root Typer app: global options, the sub-apps, and the one place that turns a
``HostctlError`` into a message on stderr and an exit code.

Importing this module must stay cheap: no sqlalchemy, sqlmodel, questionary, tabulate,
babel or pendulum (a test checks ``sys.modules``). Heavy imports live inside commands.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated, Any

import click
import typer
from typer.core import TyperGroup

from hostctl import __version__
from hostctl.errors import ExitStatus, HostctlError


def _report(exc: HostctlError) -> None:
    from hostctl import output

    output.error(exc.message)
    for detail in exc.details:
        sys.stderr.write(f"  {detail}\n")


class HostctlGroup(TyperGroup):
    """Maps domain errors to exit codes for every sub-command below the root."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except HostctlError as exc:
            _report(exc)
            raise typer.Exit(int(exc.exit_status)) from None
        except Exception as exc:
            if _is_database_unavailable(exc):
                from hostctl import output

                output.error(f"Cannot use the database: {str(exc).splitlines()[0]}")
                raise typer.Exit(int(ExitStatus.REFUSED)) from None
            raise


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
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """hostctl — the staff tool of the hosting company. Set HOSTCTL_DATABASE_URL, HOSTCTL_STAFF."""
    if no_input:
        os.environ["HOSTCTL_NO_INPUT"] = "1"


def _register() -> None:
    from hostctl.commands import (
        audit_log,
        client,
        config,
        daily,
        db,
        demo,
        invoice,
        notify,
        payment,
        product,
        service,
        ticket,
        transfer,
    )

    app.add_typer(db.app, name="db")
    app.add_typer(config.app, name="config")
    app.add_typer(client.app, name="client")
    app.add_typer(product.app, name="product")
    app.add_typer(service.app, name="service")
    app.add_typer(invoice.app, name="invoice")
    app.add_typer(payment.app, name="payment")
    app.command("daily")(daily.daily)
    app.command("demo")(demo.demo)
    app.add_typer(transfer.app, name="transfer")
    app.add_typer(ticket.app, name="ticket")
    app.add_typer(notify.app, name="notify")
    app.command("log")(audit_log.log)


_register()


def main() -> None:
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
