"""hostctl client: clients, contacts, verification, import."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from hostctl.commands._common import JsonOpt, work

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


@app.command("add")
def add(
    name: Annotated[str | None, Opt(help="Full name.")] = None,
    email: Annotated[str | None, Opt(help="Email; unique per client.")] = None,
    phone: Annotated[str | None, Opt(help="WhatsApp phone, E.164 (+5491123456789).")] = None,
    country: Annotated[str | None, Opt(help="ISO 3166 country (AR, UY…).")] = None,
    currency: Annotated[str | None, Opt(help="Billing currency (default by country).")] = None,
    document: Annotated[str | None, Opt(help="Tax/ID document number.")] = None,
    company: Annotated[str | None, Opt(help="Company name.")] = None,
    support_plan: Annotated[str | None, Opt(help="standard, professional or full.")] = None,
    referral_code: Annotated[str | None, Opt(help="Affiliate referral code.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Register a client; alerts client.registered.

    Example: hostctl client add --name "Ana Pérez" --email ana@example.com --phone +5491123456789 --country AR
    """
    from hostctl import prompts
    from hostctl.core import clients

    name = name or prompts.text("Name:", option="--name")
    email = email or prompts.text("Email:", option="--email")
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


@app.command("list")
def list_(
    search: Annotated[
        str | None,
        Opt(
            help="Part of the name, company, email, phone, document or a service's domain; "
            "any case, with or without accents."
        ),
    ] = None,
    limit: Annotated[int | None, Opt(min=1, help="At most N clients.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """List clients.  Example: hostctl client list --search 'maria ines'"""
    from hostctl import output, views
    from hostctl.core import clients
    from hostctl.i18n import N_
    from hostctl.output import Col

    with work(readonly=True) as (session, _):
        rows = [views.client(c) for c in clients.list_clients(session, search=search, limit=limit)]
    if json_out:
        output.print_json(rows)
    else:
        output.print_table(
            rows,
            [
                Col("id", "id", "id"),
                Col("name", "name", "text"),
                Col("email", "email", "code"),
                Col("phone", "phone", "code", drop=5),
                Col("country", "country", "code", drop=2),
                Col("currency", "cur", "code", drop=1),
                Col("support_plan", "plan", "code", drop=4),
                Col("verified", "verified", "code", drop=3),
                Col("credit_balance", "credit", "money"),
                Col("status", "status", "status"),
            ],
            empty=N_("No clients."),
        )


@app.command("show")
def show(client_id: ClientId, json_out: JsonOpt = False) -> None:
    """Show one client with its contacts.  Example: hostctl client show 7 --json"""
    from hostctl import output, views
    from hostctl.core import clients, invoices, payments, services, tickets, transfers

    with work(readonly=True) as (session, ctx):
        client = clients.get_client(session, client_id)
        data = views.client(client)
        data["contacts"] = [views.contact(c) for c in clients.contacts(session, client_id)]
        data["services"] = [
            views.service(s) for s in services.list_services(session, client_id=client_id)
        ]
        data["unpaid_invoices"] = [
            views.invoice(i, invoices.lines_of(session, i.id or 0))
            for i in invoices.list_invoices(session, client_id=client_id, status="unpaid")
        ]
        data["recent_payments"] = [
            views.payment(p) for p in payments.list_payments(session, client_id=client_id)[-10:]
        ]
        data["open_tickets"] = [
            views.ticket(t)
            for t in tickets.list_tickets(session, ctx, client_id=client_id)
            if t.status != "closed"
        ]
        data["pending_transfers"] = [
            views.transfer(t)
            for t in transfers.list_transfers(session, client_id=client_id, status="pending")
        ]
    if json_out:
        output.print_json(data)
        return
    sections = {
        k: data.pop(k)
        for k in (
            "contacts",
            "services",
            "unpaid_invoices",
            "recent_payments",
            "open_tickets",
            "pending_transfers",
        )
    }
    output.print_record(data)
    for c in sections["contacts"]:
        output.print_line(
            f"contact {c['id']}: {c['name']} <{c['email']}> rights: {', '.join(c['rights']) or '—'}"
        )
    for s in sections["services"]:
        output.print_line(
            f"service {s['id']}: {s['product']} {s['cycle']} {s['status']} due {s['next_due_date']}"
        )
    for i in sections["unpaid_invoices"]:
        output.print_line(
            f"unpaid {i['number']}: {i['currency']} {i['amount_due']} due {i['due_date']}"
        )
    for p in sections["recent_payments"]:
        output.print_line(f"payment {p['id']}: {p['date']} {p['method']} {p['amount']}")
    for t in sections["open_tickets"]:
        output.print_line(f"ticket {t['code']}: {t['status']}")
    for t in sections["pending_transfers"]:
        output.print_line(f"transfer {t['id']}: service {t['service_id']} pending")


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
    from hostctl.i18n import N_
    from hostctl.output import Col

    with work(readonly=True) as (session, _):
        data = statements.statement(
            session,
            client_id,
            start=parse_date(from_, what="--from") if from_ else None,
            end=parse_date(to, what="--to") if to else None,
        )
    columns = [
        Col("date", "date", "date"),
        Col("kind", "kind", "code", drop=1),
        Col("ref", "ref", "code"),
        Col("description", "description", "text"),
        Col("amount", "amount", "money"),
        Col("balance", "balance", "money"),
    ]
    if json_out:
        output.print_json(data)
    elif csv_out:
        output.print_csv(data["entries"], [c.key for c in columns])
    else:
        cur = data["currency"]
        output.print_line(f"opening balance {output.amount_text(data['opening_balance'], cur)}")
        output.print_table(
            data["entries"],
            columns,
            currency=data["currency"],
            empty=N_("No entries in this period."),
        )
        output.print_line(f"closing balance {output.amount_text(data['closing_balance'], cur)}")


@app.command("edit")
def edit(
    client_id: ClientId,
    name: Annotated[str | None, Opt(help="Full name.")] = None,
    email: Annotated[str | None, Opt(help="Email.")] = None,
    phone: Annotated[str | None, Opt(help="WhatsApp phone, E.164.")] = None,
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

    if password_stdin:
        password = sys.stdin.read().rstrip("\r\n")
    else:
        password = prompts.secret("New password:", option="--password-stdin")
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
    from hostctl import output
    from hostctl.core import clients

    with work() as (session, ctx):
        count = clients.import_clients(session, ctx, file)
    if json_out:
        output.print_json({"imported": count})
    else:
        output.info(f"{count} client{'' if count == 1 else 's'} imported from {file.name}.")


@contact_app.command("add")
def contact_add(
    client_id: ClientId,
    name: Annotated[str | None, Opt(help="Contact name.")] = None,
    email: Annotated[str | None, Opt(help="Contact email.")] = None,
    phone: Annotated[str | None, Opt(help="Contact phone, E.164.")] = None,
    rights: Annotated[str, Opt(help="Comma list of invoices,tickets,services,account.")] = "",
    json_out: JsonOpt = False,
) -> None:
    """Add a secondary contact with rights.

    Example: hostctl client contact add 7 --name "Luis" --email luis@example.com --rights invoices,tickets
    """
    from hostctl import output, prompts, views
    from hostctl.core import clients

    name = name or prompts.text("Contact name:", option="--name")
    email = email or prompts.text("Contact email:", option="--email")
    with work() as (session, ctx):
        contact = clients.add_contact(
            session, ctx, client_id, name=name, email=email, phone=phone, rights=rights
        )
    data = views.contact(contact)
    if json_out:
        output.print_json(data)
    else:
        output.print_record(data)
