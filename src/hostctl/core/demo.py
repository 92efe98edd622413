"""A sample company in a throw-away database, walked through `daily` day by day.

Clients in USD, ARS and UYU with services renewing over the coming weeks; each day some
clients pay their invoices (early, on time, late) and some never do, so the walk shows
renewal invoices, reminders, payments, suspensions, reactivations and terminations.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

from sqlmodel import select

from hostctl.core import catalogue, clients, invoices, lifecycle, payments, services
from hostctl.core.context import Context
from hostctl.core.money import Money
from hostctl.db import unit_of_work
from hostctl.models import Invoice, Service

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


def _phone(region: str, rng: random.Random) -> str:
    """A valid mobile number of ``region``: its example number with other last digits."""
    import phonenumbers

    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    assert example is not None  # the demo's regions all have an example mobile number
    national = str(example.national_number)
    for _ in range(100):
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
    """Run `daily` for each day; clients pay by their habits; report each day."""
    rng = random.Random(seed + 1)
    habits: dict[int, int | None] = {}  # client id → days after due they pay (None: never)
    totals: dict[str, Any] = {"payments": 0, "collected": {}, "days": 0}
    for offset in range(days):
        day = ctx.today + dt.timedelta(days=offset)
        dctx = ctx.on(day)
        summary = lifecycle.run_daily(dctx, until=day, url=url, send_alerts=False)
        paid_today = []
        with unit_of_work(url=url) as session:
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
        summary["payments"] = len(paid_today)
        report(day, summary)
    with unit_of_work(url=url, readonly=True) as session:
        states: dict[str, int] = {}
        for service in session.exec(select(Service)).all():
            states[service.status] = states.get(service.status, 0) + 1
    totals["services"] = states
    return totals
