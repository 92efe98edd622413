"""hostctl server: the servers whose panels hostctl drives (rules §15)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from hostctl.commands._common import JsonOpt, work
from hostctl.i18n import N_, _, localize
from hostctl.output import Col

app = typer.Typer(
    help="Servers and their panels (WHM, CWP): suspensions follow the books (rules §15).",
    no_args_is_help=True,
)
Opt = typer.Option
Name = Annotated[str, typer.Argument(help="The server's name, e.g. web3.")]
COLUMNS = [
    Col("name", N_("name"), "code"),
    Col("panel", N_("panel"), "code"),
    Col("url", N_("address"), "code"),
    Col("user", N_("user"), "code", drop=2),
    Col("panel_since", N_("since"), "date", drop=1),
    Col("services", N_("services"), "number"),
]
_MISMATCH = [
    Col("user", N_("user"), "code"),
    Col("service_id", N_("service"), "id"),
    Col("service_status", N_("status"), "status"),
]
AUDIT_GROUPS = (
    ("live_but_not_billed_as_live", N_("Live on the panel, not live in the books"), _MISMATCH),
    ("down_but_active", N_("Suspended on the panel, active in the books"), _MISMATCH),
    (
        "accounts_without_service",
        N_("Accounts with no service"),
        [Col("user", N_("user"), "code"), Col("domain", N_("domain"), "code")],
    ),
    (
        "services_without_account",
        N_("Services with no account"),
        [Col("service_id", N_("service"), "id"), Col("username", N_("user"), "code")],
    ),
)


@app.command("add")
def add(
    name: Name,
    panel: Annotated[str | None, Opt(help="whm or cwp; left out: a name only.")] = None,
    url: Annotated[
        str | None, Opt(help="API address: https://host:2087 (WHM), https://host:2304 (CWP).")
    ] = None,
    user: Annotated[str | None, Opt(help="WHM user the token belongs to (default root).")] = None,
    ca_file: Annotated[
        str | None, Opt(help="PEM of the CA to trust for a self-signed certificate.")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Add a server; with a panel, what happens to its services happens on it from today.

    Its token is read from HOSTCTL_PANEL_TOKEN_<NAME> or the panel.tokens_file file.
    Example: hostctl server add web3 --panel whm --url https://web3.example.com:2087
    """
    from hostctl.core import servers

    with work() as (session, ctx):
        server = servers.add_server(
            session, ctx, name, panel=panel, url=url, api_user=user, ca_file=ca_file
        )
        data = {**servers.view(server), "services": servers.services_on(session, server.name)}
    _print(data, json_out)


@app.command("edit")
def edit(
    name: Name,
    panel: Annotated[
        str | None, Opt(help="whm, cwp, or none (the panel is no longer driven).")
    ] = None,
    url: Annotated[str | None, Opt(help="The new API address.")] = None,
    user: Annotated[str | None, Opt(help="The WHM user the token belongs to.")] = None,
    ca_file: Annotated[
        str | None, Opt(help='PEM of the CA to trust; "" forgets the one set.')
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Change a server's panel, address, WHM user or CA file.

    Given a panel it did not have, what happens to its services happens on it from today.
    Example: hostctl server edit web3 --url https://web3.example.com:2087 --ca-file ca.pem
    """
    from hostctl.core import servers

    with work() as (session, ctx):
        server = servers.edit_server(
            session, ctx, name, panel=panel, url=url, api_user=user, ca_file=ca_file
        )
        data = {**servers.view(server), "services": servers.services_on(session, server.name)}
    _print(data, json_out)


@app.command("list")
def list_(json_out: JsonOpt = False) -> None:
    """List the servers.  Example: hostctl server list"""
    from hostctl import output
    from hostctl.core import servers

    with work(readonly=True) as (session, _ctx):
        rows = [
            {**servers.view(s), "services": servers.services_on(session, s.name)}
            for s in servers.list_servers(session)
        ]
    if json_out:
        output.print_json(rows)
        return
    output.print_table(rows, COLUMNS, empty=N_("No servers."))


@app.command("show")
def show(name: Name, json_out: JsonOpt = False) -> None:
    """Show one server (never its token).  Example: hostctl server show web3"""
    from hostctl.core import servers

    with work(readonly=True) as (session, _ctx):
        server = servers.get_server(session, name)
        data = {**servers.view(server), "services": servers.services_on(session, server.name)}
    _print(data, json_out)


@app.command("check")
def check(name: Name, json_out: JsonOpt = False) -> None:
    """Call the server's panel once: is the address right, is the token accepted?

    Example: hostctl server check web3
    """
    from hostctl import output

    server, driver = _driver(name)
    version = _ask(server, driver.check)
    if json_out:
        output.print_json({"server": server.name, "panel": server.panel, "answer": version})
        return
    output.print_line(
        _("{version} at {url} answers and accepts the token.").format(
            version=version, url=server.url
        )
    )


@app.command("audit")
def audit(name: Name, json_out: JsonOpt = False) -> None:
    """Compare the panel's accounts with the services on this server (SRV-5).

    Example: hostctl server audit web3 --json
    """
    from hostctl import output
    from hostctl.core import servers

    server, driver = _driver(name)
    accounts = _ask(server, driver.accounts)
    with work(readonly=True) as (session, _ctx):
        report = servers.audit_server(session, servers.get_server(session, name), accounts)
    if json_out:
        output.print_json(report)
        return
    output.print_line(
        _(
            "{server}: {accounts} accounts on the panel, {services} live services in the books."
        ).format(server=report["server"], accounts=report["accounts"], services=report["services"])
    )
    for key, title, columns in AUDIT_GROUPS:
        if report[key]:
            output.print_line(localize(title) + ":")
            output.print_table(report[key], columns)
    if not any(report[key] for key, *_rest in AUDIT_GROUPS):
        output.info(_("The panel and the books agree."))


def _print(data: dict[str, Any], json_out: bool) -> None:
    from hostctl import output

    if json_out:
        output.print_json(data)
    else:
        output.print_record(data)


def _driver(name: str) -> tuple[Any, Any]:
    """The server's connection details (token included) and its panel's driver."""
    from hostctl.adapters.panels import driver
    from hostctl.core import servers

    with work(readonly=True) as (session, _ctx):
        server = servers.panel_server(session, servers.get_server(session, name))
    return server, driver(server)


def _ask(server: Any, call: Any) -> Any:
    """A read from the panel; what went wrong as one sentence (never the token)."""
    from hostctl.core.channels import DeliveryError
    from hostctl.errors import BusinessRuleError

    try:
        return call()
    except DeliveryError as exc:
        reason = server.token.hide(exc.reason)
        raise BusinessRuleError(
            _("Server {name} did not answer as it should: {reason}").format(
                name=server.name, reason=reason
            )
        ) from None
