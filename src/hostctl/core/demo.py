"""A sample company in a throw-away database, walked through `daily` day by day.

Clients in USD, ARS and UYU with services renewing over the coming weeks (activated one
cycle before their due date); each day some clients pay their invoices (early, on time,
late) and some never do, and now and then a client orders a new plan and pays it at once,
so the walk shows orders, activations, renewal invoices, reminders, payments,
suspensions, reactivations and terminations, and leaves services young enough for the
30-day refund guarantee.

A database made by the demo is marked (SQLite's ``application_id`` in the file header), so
``hostctl demo --keep PATH`` can tell its own earlier output, which it may replace, from
any other file, which it never touches.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import random
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from hostctl.core import catalogue, clients, cycles, invoices, lifecycle, payments, services
from hostctl.core.context import Context
from hostctl.core.money import Money
from hostctl.db import unit_of_work
from hostctl.i18n import _
from hostctl.models import Client, Invoice, Service

# SQLite's application_id of a database made by `hostctl demo` ("hDMO").
DEMO_APPLICATION_ID = int.from_bytes(b"hDMO", "big")
_SQLITE_HEADER = b"SQLite format 3\x00"
# The days before the walk's end on which a client orders a new plan and pays it.
ORDER_DAYS_BEFORE_END = (25, 15, 6)

FIRST = [
    "Ana",
    "Bruno",
    "Carla",
    "Diego",
    "Elena",
    "Facundo",
    "Gabriela",
    "Hernán",
    "Inés",
    "Julián",
    "Karina",
    "Lucas",
    "Martina",
    "Nicolás",
    "Olivia",
    "Pablo",
    "Romina",
    "Santiago",
    "Tamara",
    "Valentín",
]
LAST = [
    "Pérez",
    "González",
    "Rodríguez",
    "Fernández",
    "López",
    "Martínez",
    "Sosa",
    "Silva",
    "Pereira",
    "Acosta",
    "Benítez",
    "Romero",
]
COUNTRIES = [("AR", "ARS"), ("UY", "UYU"), ("CL", "USD"), ("MX", "USD"), ("CO", "USD")]
PLANS = [
    ("hosting-basic", "annual"),
    ("hosting-basic", "semiannual"),
    ("hosting-pro", "annual"),
    ("radio-streaming", "monthly"),
    ("web-builder", "quarterly"),
    ("domain-com", "annual"),
    ("hosting-premium", "biennial"),
]


def catalogue_path() -> Path:
    return Path(str(resources.files("hostctl.data").joinpath("catalogue.toml")))


def is_demo_file(path: Path) -> bool:
    """Whether ``path`` is an SQLite database made by the demo (read from its header only:
    the file is not opened as a database, so nothing about it changes)."""
    try:
        with path.open("rb") as handle:
            header = handle.read(100)
    except OSError:  # a folder, a file that cannot be read
        return False
    return (
        len(header) == 100
        and header.startswith(_SQLITE_HEADER)
        and int.from_bytes(header[68:72], "big") == DEMO_APPLICATION_ID
    )


def new_demo_file(path: Path) -> None:
    """Create ``path`` (which must not exist) as an empty SQLite database marked as the
    demo's, for its owner only."""
    import sqlite3

    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    conn = sqlite3.connect(path)
    try:
        conn.execute(f"PRAGMA application_id = {DEMO_APPLICATION_ID}")
        conn.commit()
    finally:
        conn.close()


def remove_demo_file(path: Path) -> None:
    """Remove a database ``is_demo_file`` recognised, with SQLite's files beside it."""
    for extra in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{extra}").unlink(missing_ok=True)


def build(url: str, ctx: Context, *, clients_count: int, seed: int, workdir: Path) -> None:
    rng = random.Random(seed)
    with unit_of_work(url=url) as session:
        catalogue.import_products(session, ctx, catalogue_path())
    client_csv = workdir / "clients.csv"
    service_csv = workdir / "services.csv"
    with client_csv.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["name", "email", "phone", "country", "currency", "document", "company", "support_plan"]
        )
        for n in range(clients_count):
            country, currency = COUNTRIES[n % len(COUNTRIES)]
            first, last = rng.choice(FIRST), rng.choice(LAST)
            phone = _phone(country, rng)
            writer.writerow(
                [
                    f"{first} {last}",
                    f"cliente{n + 1}@ejemplo.com",
                    phone,
                    country,
                    currency,
                    "",
                    "",
                    rng.choice(["standard"] * 4 + ["professional"]),
                ]
            )
    with service_csv.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["client_email", "product", "cycle", "status", "next_due_date", "domain"])
        for n in range(clients_count):
            for _ in range(rng.choice([1, 1, 2, 3])):
                product, cycle = rng.choice(PLANS)
                due = ctx.today + dt.timedelta(days=rng.randint(5, 50))
                domain = f"sitio{n + 1}-{rng.randint(10, 99)}.com"
                writer.writerow(
                    [
                        f"cliente{n + 1}@ejemplo.com",
                        product,
                        cycle,
                        "active",
                        due.isoformat(),
                        domain,
                    ]
                )
    with unit_of_work(url=url) as session:
        clients.import_clients(session, ctx, client_csv)
    with unit_of_work(url=url) as session:
        services.import_services(session, ctx, service_csv)
        for service in session.exec(select(Service)).all():  # activated a cycle ago
            due = service.next_due_date or ctx.today
            months = cycles.CYCLE_MONTHS[service.cycle]
            service.activated_on = cycles.add_months(due, -months, service.anchor_day)
            session.add(service)


def _phone(region: str, rng: random.Random) -> str:
    """A valid mobile number of ``region``: its example number with other last digits."""
    import phonenumbers

    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    assert example is not None  # the demo's regions all have an example mobile number
    national = str(example.national_number)
    for _attempt in range(100):
        candidate = phonenumbers.parse(
            f"+{example.country_code}{national[:-3]}{rng.randint(0, 999):03d}", None
        )
        if phonenumbers.is_valid_number(candidate):
            return phonenumbers.format_number(candidate, phonenumbers.PhoneNumberFormat.E164)
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)


def walk(
    url: str,
    ctx: Context,
    *,
    days: int,
    seed: int,
    report: Callable[[dt.date, dict[str, Any]], None],
) -> dict[str, Any]:
    """Run `daily` for each day; clients pay by their habits; a few order a new plan and
    pay it at once (``ORDER_DAYS_BEFORE_END``); report each day."""
    rng = random.Random(seed + 1)
    orders_rng = random.Random(seed + 2)  # the orders leave the rest of the story as it was
    order_offsets = {days - before for before in ORDER_DAYS_BEFORE_END if days - before >= 0}
    habits: dict[int, int | None] = {}  # client id → days after due they pay (None: never)
    totals: dict[str, Any] = {"payments": 0, "collected": {}, "days": 0, "ordered": []}
    for offset in range(days):
        day = ctx.today + dt.timedelta(days=offset)
        dctx = ctx.on(day)
        summary = lifecycle.run_daily(dctx, until=day, url=url, send_alerts=False)
        paid_today: list[Money] = []
        with unit_of_work(url=url) as session:
            new = _new_order(session, dctx, orders_rng) if offset in order_offsets else None
            if new is not None:
                totals["ordered"].append(new[0])
                paid_today.append(new[1])
            unpaid = session.exec(select(Invoice).where(Invoice.status == "unpaid")).all()
            for invoice in unpaid:
                if invoice.client_id not in habits:
                    habits[invoice.client_id] = rng.choice([-7, -3, -1, 0, 1, 3, 4, 8, None])
                lag = habits[invoice.client_id]
                if lag is None or (day - invoice.due_date).days < lag:
                    continue
                due = invoices.amount_due(invoice)
                method = rng.choice(["mercadopago", "card", "bank-transfer", "zelle"])
                payments.add_payment(session, dctx, invoice.id or 0, due.to_json(), method)
                paid_today.append(due)
        totals["payments"] += len(paid_today)
        for money in paid_today:
            totals["collected"][money.currency] = (
                totals["collected"].get(money.currency, Money.zero(money.currency)) + money
            )
        totals["days"] += 1
        totals["last_day"] = day
        summary["payments"] = len(paid_today)
        report(day, summary)
    with unit_of_work(url=url, readonly=True) as session:
        states: dict[str, int] = {}
        for service in session.exec(select(Service)).all():
            states[service.status] = states.get(service.status, 0) + 1
        totals["examples"] = _examples(session)
    totals["services"] = states
    return totals


def _new_order(session: Any, ctx: Context, rng: random.Random) -> tuple[int, Money] | None:
    """An active client orders a hosting plan and pays it by card at once (the service is
    activated today): the new service's id and the amount paid; None when no client is
    active."""
    active = session.exec(
        select(Client.id).where(Client.status == "active").order_by(col(Client.id))
    ).all()
    if not active:
        return None
    client_id = rng.choice(active)
    product, cycle = rng.choice([("hosting-basic", "annual"), ("hosting-pro", "semiannual")])
    ordered, invoice = services.order(
        session,
        ctx,
        client_id=client_id,
        product_code=product,
        cycle=cycle,
        domain=f"nuevo{client_id}-{rng.randint(10, 99)}.com",
    )
    due = invoices.amount_due(invoice)
    payments.add_payment(session, ctx, invoice.id or 0, due.to_json(), "card")
    return ordered[0].id or 0, due


def _examples(session: Any) -> dict[str, int | None]:
    """What the walk's end suggests trying: a service with a story to explain (suspended,
    else terminated, else the first) and its client."""
    chosen = None
    for status in ("suspended", "terminated", "active"):
        chosen = session.exec(
            select(Service).where(Service.status == status).order_by(col(Service.id))
        ).first()
        if chosen is not None:
            break
    if chosen is None:
        return {"service": None, "client": None}
    return {"service": chosen.id, "client": chosen.client_id}


def check_keep(path: Path) -> None:
    """Refuse a --keep path that is hostctl's own database, or any existing file the demo
    did not make: the demo writes over nothing else."""
    from hostctl.db_url import configured_url, default_database_path, sqlite_file
    from hostctl.errors import HostctlError

    used = [
        (sqlite_file(configured_url() or ""), "HOSTCTL_DATABASE_URL"),
        (default_database_path(), _("the default database")),
    ]
    for database, named in used:
        if database is None:
            continue
        same = path.absolute().resolve() == database.absolute().resolve()
        if not same and path.exists() and database.exists():
            same = os.path.samefile(path, database)
        if same:
            raise HostctlError(
                _(
                    "{path} is the database hostctl works on ({named}); hostctl demo never "
                    "writes over it, choose another --keep path."
                ).format(path=path, named=named)
            )
    if (path.exists() or path.is_symlink()) and not is_demo_file(path):
        raise HostctlError(
            _(
                "{path} already exists and was not made by hostctl demo, which writes only a "
                "new file or over an earlier demo's; choose another --keep path."
            ).format(path=path)
        )
