"""hostctl client: clients, contacts, verification, import."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hostctl.commands._common import JsonOpt, asking, reading, work
from hostctl.i18n import N_, _, ngettext
from hostctl.words import say

app = typer.Typer(help="Clients and their contacts (rules §1).", no_args_is_help=True)
contact_app = typer.Typer(help="Secondary contacts of a client.", no_args_is_help=True)
app.add_typer(contact_app, name="contact")

ClientId = Annotated[int, typer.Argument(help="Client id.")]
Opt = typer.Option


def _show(client: object, json_out: bool, warnings: list[str] | None = None) -> None:
    from hostctl import output, views

    for warning in warnings or []:
        output.warn(warning)
    data = views.client(client)  # type: ignore[arg-type]
    if json_out:
        output.print_json(data)
    else:
        output.print_record(data)


@app.command("add", cls=asking("name", "email"))
def add(
    name: Annotated[str | None, Opt(help="Full name.")] = None,
    email: Annotated[str | None, Opt(help="Email; unique per client.")] = None,
    phone: Annotated[
        str | None,
        Opt(help="WhatsApp phone: +5491123456789, or national with --country (11 5555-0001)."),
    ] = None,
    country: Annotated[str | None, Opt(help="ISO 3166 country (AR, UY…).")] = None,
    currency: Annotated[
        str | None,
        Opt(help="Billing currency (default by country); one the catalogue has prices in."),
    ] = None,
    document: Annotated[str | None, Opt(help="Tax/ID document number.")] = None,
    company: Annotated[str | None, Opt(help="Company name.")] = None,
    support_plan: Annotated[str | None, Opt(help="standard, professional or full.")] = None,
    referral_code: Annotated[str | None, Opt(help="Affiliate referral code.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Register a client; alerts client.registered.

    Example: hostctl client add --name "Ana Pérez" --email ana@example.com --phone +5491123456789 --country AR
    """
    from hostctl.ask import client as ask
    from hostctl.core import clients

    name = ask.client_name(name)
    email = ask.client_email(email)
    currency = ask.client_currency(currency, country)
    with work() as (session, ctx):
        client, warnings = clients.add_client(
            session,
            ctx,
            name=name,
            email=email,
            phone=phone,
            country=country,
            currency=currency,
            document=document,
            company=company,
            support_plan=support_plan,
            referral_code=referral_code,
        )
    _show(client, json_out, warnings)


_SEARCH_HELP = (
    "Words, each the start of a word of the name, company, email or a service's domain, in "
    "any order, any case, with or without accents; or a part of the phone or document number."
)


@app.command("list")
def list_(
    search: Annotated[str | None, Opt(help=_SEARCH_HELP)] = None,
    limit: Annotated[int | None, Opt(min=1, help="At most N clients.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """List clients.  Example: hostctl client list --search 'perez ana'"""
    _list(search, limit, json_out)


@app.command("search")
def search_(
    text: Annotated[str, typer.Argument(help=_SEARCH_HELP)],
    limit: Annotated[int | None, Opt(min=1, help="At most N clients.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Find clients: the same as client list --search.  Example: hostctl client search 'perez tam'"""
    _list(text, limit, json_out)


def _list(search: str | None, limit: int | None, json_out: bool) -> None:
    from hostctl import output, views
    from hostctl.core import clients
    from hostctl.output import Col

    with work(readonly=True) as (session, _ctx):
        rows = [views.client(c) for c in clients.list_clients(session, search=search, limit=limit)]
    if json_out:
        output.print_json(rows)
    else:
        output.print_table(
            rows,
            [
                Col("id", N_("id"), "id"),
                Col("name", N_("name"), "text"),
                Col("email", N_("email"), "code"),
                Col("phone", N_("phone"), "code", drop=5),
                Col("country", N_("country"), "code", drop=2),
                Col("currency", N_("cur"), "code", drop=1),
                Col("support_plan", N_("plan"), "code", drop=4),
                Col("verified", N_("verified"), "code", drop=3),
                Col("credit_balance", N_("credit"), "money"),
                Col("status", N_("status"), "status"),
            ],
            empty=N_("No clients."),
        )


@app.command("show")
def show(client_id: ClientId, json_out: JsonOpt = False) -> None:
    """Show one client with its contacts.  Example: hostctl client show 7 --json"""
    from hostctl import output, views
    from hostctl.core import client_card

    # Read through Core tables on a Core connection, not the ORM: a one-shot start-up that
    # imports no table class, SQLModel or ORM (docs/decisions.md).
    with reading() as (conn, _ctx):
        client, rows = client_card.whole_client(conn, client_id)
        data = views.client(client)
        data["contacts"] = [views.contact(c) for c in rows["contacts"]]
        data["services"] = [views.service(s) for s in rows["services"]]
        data["unpaid_invoices"] = [views.invoice(i, lines) for i, lines in rows["unpaid_invoices"]]
        data["recent_payments"] = [views.payment(p) for p in rows["recent_payments"]]
        data["open_tickets"] = [views.ticket(t) for t in rows["open_tickets"]]
        data["pending_transfers"] = [views.transfer(t) for t in rows["pending_transfers"]]
    if json_out:
        output.print_json(data)
        return
    sections = {k: data.pop(k) for k in client_card.SECTIONS}
    output.print_record(data)
    for c in sections["contacts"]:
        output.print_line(
            _("contact {id}: {name} <{email}> rights: {rights}").format(
                id=c["id"], name=c["name"], email=c["email"], rights=", ".join(c["rights"]) or "—"
            )
        )
    for s in sections["services"]:
        output.print_line(
            _("service {id}: {product} {cycle} {status} due {next_due_date}").format(
                id=s["id"],
                product=s["product"],
                cycle=say("cycle", s["cycle"]),
                status=say("service", s["status"]),
                next_due_date=s["next_due_date"],
            )
        )
    for i in sections["unpaid_invoices"]:
        output.print_line(
            _("unpaid {number}: {amount_due} due {due_date}").format(
                number=i["number"],
                amount_due=output.amount_text(i["amount_due"], i["currency"]),
                due_date=i["due_date"],
            )
        )
    for p in sections["recent_payments"]:
        output.print_line(
            _("payment {id}: {date} {method} {amount}").format(
                id=p["id"],
                date=p["date"],
                method=p["method"],
                amount=output.amount_text(p["amount"], p["currency"]),
            )
        )
    for t in sections["open_tickets"]:
        output.print_line(
            _("ticket {code}: {status}").format(code=t["code"], status=say("status", t["status"]))
        )
    for t in sections["pending_transfers"]:
        output.print_line(
            _("transfer {id}: service {service_id} pending").format(
                id=t["id"], service_id=t["service_id"]
            )
        )


@app.command("statement")
def statement(
    client_id: ClientId,
    from_: Annotated[str | None, Opt("--from", help="From this day (YYYY-MM-DD).")] = None,
    to: Annotated[str | None, Opt("--to", help="Up to this day.")] = None,
    csv_out: Annotated[bool, Opt("--csv", help="CSV for the accountant.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Invoices, payments, refunds and credit in date order with a running balance
    (what the client owes less its credit).

    Example: hostctl client statement 7 --from 2026-01-01 --csv > ana.csv
    """
    from hostctl import output
    from hostctl.core import statements
    from hostctl.core.clock import parse_date
    from hostctl.output import Col

    with work(readonly=True) as (session, _ctx):
        data = statements.statement(
            session,
            client_id,
            start=parse_date(from_, what="--from") if from_ else None,
            end=parse_date(to, what="--to") if to else None,
        )
    columns = [
        Col("date", N_("date"), "date"),
        Col("kind", N_("kind"), "code", drop=1),
        Col("ref", N_("ref"), "code"),
        Col("description", N_("description"), "text"),
        Col("amount", N_("amount"), "money"),
        Col("balance", N_("balance"), "money"),
    ]
    if json_out:
        output.print_json(data)
    elif csv_out:
        output.print_csv(data["entries"], [c.key for c in columns])
    else:
        cur = data["currency"]
        output.print_line(
            _("opening balance {amount}").format(
                amount=output.amount_text(data["opening_balance"], cur)
            )
        )
        output.print_table(
            data["entries"],
            columns,
            currency=data["currency"],
            empty=N_("No entries in this period."),
        )
        output.print_line(
            _("closing balance {amount}").format(
                amount=output.amount_text(data["closing_balance"], cur)
            )
        )


@app.command("edit")
def edit(
    client_id: ClientId,
    name: Annotated[str | None, Opt(help="Full name.")] = None,
    email: Annotated[str | None, Opt(help="Email.")] = None,
    phone: Annotated[
        str | None, Opt(help="WhatsApp phone: international, or national in the client's country.")
    ] = None,
    country: Annotated[str | None, Opt(help="ISO 3166 country.")] = None,
    currency: Annotated[
        str | None, Opt(help="Billing currency (refused with unpaid invoices).")
    ] = None,
    document: Annotated[str | None, Opt(help="Tax/ID document number.")] = None,
    company: Annotated[str | None, Opt(help="Company name.")] = None,
    support_plan: Annotated[str | None, Opt(help="standard, professional or full.")] = None,
    exchange_rate: Annotated[
        str | None,
        Opt(help="With --currency, for a client with credit: new-currency units per old unit."),
    ] = None,
    referral_code: Annotated[
        str | None, Opt(help="Attribute to the affiliate with this code (within 90 days).")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Change a client's data; alerts client.updated.

    Example: hostctl client edit 7 --phone +59899123456 --support-plan professional
    """
    from hostctl.core import clients

    with work() as (session, ctx):
        client, warnings = clients.edit_client(
            session,
            ctx,
            client_id,
            name=name,
            email=email,
            phone=phone,
            country=country,
            currency=currency,
            document=document,
            company=company,
            support_plan=support_plan,
            exchange_rate=exchange_rate,
        )
        if referral_code is not None:
            from hostctl.core import affiliates

            client = affiliates.attribute(session, ctx, client_id, referral_code)
    _show(client, json_out, warnings)


@app.command("verify")
def verify(client_id: ClientId, json_out: JsonOpt = False) -> None:
    """Mark a client verified (the green shield), recording who and when.

    Example: HOSTCTL_STAFF=maria hostctl client verify 7
    """
    from hostctl.core import clients

    with work() as (session, ctx):
        client = clients.verify_client(session, ctx, client_id)
    _show(client, json_out)


@app.command("set-password")
def set_password(
    client_id: ClientId,
    password_stdin: Annotated[
        bool, Opt("--password-stdin", help="Read the password from stdin.")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Set the client-area password (stored only as an argon2 hash); alerts the client.

    Example: printf '%s' 's3cret-pass' | hostctl client set-password 7 --password-stdin
    """
    from hostctl import prompts
    from hostctl.core import clients
    from hostctl.core.secret import Secret

    # held as a Secret from here on: a traceback's locals (HOSTCTL_DEBUG) never show it
    if password_stdin:
        from hostctl.core import reading

        password = Secret(reading.read_secret_stdin())
    else:
        password = Secret(prompts.secret(_("New password:"), option="--password-stdin"))
    with work() as (session, ctx):
        client = clients.set_password(session, ctx, client_id, password)
    _show(client, json_out)


@app.command("import")
def import_(
    file: Annotated[
        Path,
        typer.Argument(help="CSV: name,email,phone,country,currency,document,company,support_plan"),
    ],
    json_out: JsonOpt = False,
) -> None:
    """Import clients from the old panel, all or nothing.  Example: hostctl client import clients.csv"""
    from hostctl import db, output
    from hostctl.core import clients, reading

    with work() as (session, ctx):
        count = clients.import_clients(session, ctx, file)
    db.refresh_statistics("clients", "audit_log")
    if json_out:
        output.print_json({"imported": count})
    else:
        output.info(
            ngettext(
                "{count} client imported from {file}.",
                "{count} clients imported from {file}.",
                count,
            ).format(count=count, file=reading.shown_name(file))
        )


@contact_app.command("add", cls=asking("name", "email"))
def contact_add(
    client_id: ClientId,
    name: Annotated[str | None, Opt(help="Contact name.")] = None,
    email: Annotated[str | None, Opt(help="Contact email.")] = None,
    phone: Annotated[
        str | None, Opt(help="Contact phone: international, or national in the client's country.")
    ] = None,
    rights: Annotated[str, Opt(help="Comma list of invoices,tickets,services,account.")] = "",
    json_out: JsonOpt = False,
) -> None:
    """Add a secondary contact with rights.

    Example: hostctl client contact add 7 --name "Luis" --email luis@example.com --rights invoices,tickets
    """
    from hostctl import output, views
    from hostctl.ask import client as ask
    from hostctl.core import clients

    name = ask.contact_name(name)
    email = ask.contact_email(email)
    with work() as (session, ctx):
        contact = clients.add_contact(
            session, ctx, client_id, name=name, email=email, phone=phone, rights=rights
        )
    data = views.contact(contact)
    if json_out:
        output.print_json(data)
    else:
        output.print_record(data)
