"""Benchmark of the WHMCS import (``hostctl whmcs import``) at the size of a real business.

Builds a WHMCS 8.4 database in MariaDB (the schema of tests/whmcs/schema.sql, in a scratch
database ``whmcs_bench_<pid>``, dropped at the end unless ``--keep``) as a company that has run
WHMCS for years leaves it: N clients in three currencies (USD, ARS, UYU), 3N services of ten
products, N domains, 10N invoices with their lines, 12.5N transactions. Then, each step a
``hostctl`` process of its own, as staff run them on the switch-over day:

* ``catalogue``: a fresh hostctl database with the company's catalogue;
* ``map``: ``whmcs map --json``, whose blanks the bench fills (``[products]``, ``[domains]``,
  ``[gateways]``) into the map file;
* ``import``: ``whmcs import --from URL --map FILE --json`` — the figure of the issue;
* ``daily_first``: the first ``daily`` after the import, on the import day;
* ``daily_next_day``: the day after, on the imported database (an ordinary day of it);
* ``ref_*``: the reference, the same business made by hostctl itself: the same clients and
  live services and domains (product, cycle, status, due date) through ``client import`` and
  ``service import`` the day before the import day, its ``daily`` that day (the CSV import's
  backlog), then ``ref_daily_one_day``: ``daily`` on the import day, an ordinary day of a
  database of the same size, on the same calendar day and due dates as ``daily_first``.

``first_daily_ratio`` is ``daily_first`` / ``ref_daily_one_day`` (target ≤ 1.5: the first day
after the switch is an ordinary day), each the median of ``--repeat`` runs (3) on copies of
the same database; ``daily_first`` / ``daily_next_day`` is shown beside it.
Wall time and peak RSS are those of each ``hostctl`` process (``os.wait4``); the WHMCS rows
are made in a process of their own, since a child's peak RSS on Linux starts at the RSS of
the process that started it.

What the WHMCS holds (fixed seed): WHMCS ran with hostctl's calendar (invoices 15 days before
the due date, suspension 2 days after, termination 25 days after) and its cron last ran the day
before the import day. Active services are due over one cycle from two days before the import
day (monthly ones over the month around it); those due within 14 days have their Unpaid renewal
invoice (item duedate = invoice duedate = the service's nextduedate: MIG-6), suspended ones are
3-25 days overdue with their Unpaid invoice (some with a late fee), terminated and cancelled
ones have their last invoice Cancelled, pending ones their Unpaid order invoice. Past periods
are Paid invoices (some paid in two or three payments, some partly by credit, ARS ones with 21 %
tax) with their ``tblaccounts`` payments (``amountin``, gateway, transaction id); a cancelled
service's last one is sometimes Refunded (an ``amountout`` row whose ``refundid`` names the
payment). Half the domains share the invoice of an annual hosting of their client (two lines).
A few invoices are Draft, a few unpaid ones partly paid or "Payment Pending"; some clients have
credit; some open tickets, some affiliates.

    python bench/whmcs_import.py                     # 20 000 clients, SQLite
    python bench/whmcs_import.py --clients 2000      # a quick run
    python bench/whmcs_import.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres
    python bench/whmcs_import.py --json              # machine-readable figures
    python bench/whmcs_import.py --build-only --keep # just the WHMCS database, kept

It is a report: the exit status is 0 whatever the figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import resource
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import daily as daily_bench  # noqa: E402  (bench/daily.py: the reference and the runner)

SCHEMA = HERE.parent / "tests" / "whmcs" / "schema.sql"
CATALOGUE_FILE = daily_bench.CATALOGUE_FILE
WHMCS_SERVER = os.environ.get("HOSTCTL_TEST_WHMCS_SERVER", "mysql+pymysql://root@127.0.0.1:3306")
TARGETS = {  # seconds, MB, or a ratio
    "import_seconds": 60.0,
    "import_peak_mb": 300.0,
    "first_daily_ratio": 1.5,
}

# WHMCS's calendar, set like hostctl's (SPEC §4)
INVOICE_DAYS_BEFORE = 15
SUSPEND_AFTER = 2
TERMINATE_AFTER = 25

# (WHMCS tblcurrencies id, code, prefix, share of clients, tax rate %, gateways with weights)
CURRENCIES = (
    (1, "USD", "US$", 0.50, 0, (("paypal", 6), ("banktransfer", 3), ("stripe", 1))),
    (2, "ARS", "$", 0.35, 21, (("mercadopago", 7), ("banktransfer", 3))),
    (3, "UYU", "$U", 0.15, 0, (("prex", 5), ("banktransfer", 3), ("paypal", 2))),
)
GATEWAYS = {  # WHMCS module → (display name, hostctl method)
    "paypal": ("PayPal", "paypal"),
    "banktransfer": ("Transferencia bancaria", "bank-transfer"),
    "stripe": ("Tarjeta de cr&eacute;dito", "card"),
    "mercadopago": ("MercadoPago", "mercadopago"),
    "prex": ("PREX", "prex"),
}
MONTHS = {"Monthly": 1, "Quarterly": 3, "Semi-Annually": 6, "Annually": 12, "Biennially": 24}
DISCOUNT = {1: 1.0, 3: 1.0, 6: 0.95, 12: 0.9, 24: 0.85}
M, Q, S, A, B = "Monthly", "Quarterly", "Semi-Annually", "Annually", "Biennially"
# WHMCS product: (id, group, name (as WHMCS stores it), hostctl code, {cycle: weight}, weight)
PRODUCTS = (
    (1, 1, "Hosting B&aacute;sico", "hosting-basic", {S: 3, A: 6, B: 1}, 30),
    (2, 1, "Hosting Pro", "hosting-pro", {S: 3, A: 6, B: 1}, 12),
    (3, 1, "Hosting Premium", "hosting-premium", {S: 2, A: 6, B: 2}, 4),
    (4, 2, "Constructor Web", "web-builder", {M: 5, Q: 2, S: 1, A: 2}, 5),
    (5, 3, "Radio Streaming", "radio-streaming", {M: 6, Q: 3, S: 1, A: 1}, 25),
    (6, 3, "Video Streaming", "video-streaming", {M: 6, Q: 3, S: 1, A: 1}, 5),
    (7, 4, "Revendedor", "reseller", {M: 5, Q: 2, S: 1, A: 2, B: 1}, 5),
    (8, 4, "Servidor VPS", "vps", {M: 7, Q: 2, A: 1}, 4),
    (9, 2, "Salas de chat", "chat-rooms", {M: 6, Q: 2, A: 1}, 3),
    (10, 3, "App Android LITE", "app-android-lite", {M: 5, A: 2}, 3),
)
GROUPS = {1: "Hosting", 2: "Sitios &amp; Apps", 3: "Streaming", 4: "Servidores"}
DOMAIN_PRODUCT = "domain-com"
TLDS = ((".com", 50), (".com.ar", 25), (".net", 8), (".uy", 7), (".org", 5), (".com.uy", 5))
FIRST_NAMES = (
    "Mart&iacute;n", "Luc&iacute;a", "Jos&eacute;", "Mar&iacute;a", "Sof&iacute;a", "Juan",
    "Valentina", "Mat&iacute;as", "Camila", "Santiago", "In&eacute;s", "Agust&iacute;n",
)  # fmt: skip
LAST_NAMES = (
    "Garc&iacute;a", "P&eacute;rez", "Gonz&aacute;lez", "Rodr&iacute;guez", "Fern&aacute;ndez",
    "L&oacute;pez", "Mart&iacute;nez", "Nu&ntilde;ez", "Su&aacute;rez", "Acu&ntilde;a", "Silva",
)  # fmt: skip
# (share, status) of services and of domains
SERVICE_STATUS = (
    (0.85, "Active"),
    (0.04, "Suspended"),
    (0.05, "Terminated"),
    (0.04, "Cancelled"),
    (0.02, "Pending"),
)
DOMAIN_STATUS = ((0.90, "Active"), (0.05, "Expired"), (0.03, "Cancelled"), (0.02, "Pending"))
BUNDLED_DOMAINS = 0.5  # share of domains ordered with an annual hosting (one invoice, two lines)


# --------------------------------------------------------------------------- money and dates
def money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def add_months(day: dt.date, months: int, anchor: int | None = None) -> dt.date:
    """``day`` moved by whole months, on the ``anchor`` day of month (clamped to the month)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(anchor or day.day, last))


def monthly_cents(code: str) -> dict[str, int]:
    """The catalogue's monthly price of a hostctl product, per currency, in cents."""
    import tomllib

    products = tomllib.loads(CATALOGUE_FILE.read_text(encoding="utf-8"))["product"]
    for product in products:
        if product["code"] == code:
            return {
                cur: round(float(amount) * 100) for cur, amount in product["monthly_price"].items()
            }
    raise KeyError(code)


# --------------------------------------------------------------------------- the WHMCS data
@dataclass(slots=True)
class Billable:
    """A tblhosting or tbldomains row and what its invoices need."""

    kind: str  # "Hosting" or "Domain"
    id: int
    client: int
    months: int
    amount: int  # cents a period, in the client's currency
    status: str
    due: dt.date  # nextduedate: the start of the period not yet paid
    description: str
    periods: int = 0  # paid periods before ``due``
    current: str = ""  # status of the invoice for the period starting at ``due``, "" = none
    product: str = ""  # the hostctl product it maps to
    domain: str = ""


@dataclass(slots=True)
class Invoice:
    client: int
    date: dt.date
    due: dt.date
    status: str
    lines: list[tuple[str, int, str, int, dt.date | None]]  # type relid description cents due
    cancelled: dt.date | None = None
    id: int = 0


@dataclass
class Client:
    id: int
    currency: int
    country: str
    gateways: tuple[tuple[str, int], ...]
    tax: int
    gateway: str = ""
    phone: str = ""
    credit: int = 0
    applied: list[tuple[int, int, dt.date]] = field(default_factory=list)  # invoice, cents, day


@dataclass
class Counts:
    clients: int = 0
    services: int = 0
    domains: int = 0
    invoices: int = 0
    invoice_items: int = 0
    transactions: int = 0
    unpaid_invoices: int = 0
    tickets: int = 0
    affiliates: int = 0


def _pick(rng: random.Random, table: tuple[tuple[float, str], ...]) -> str:
    roll = rng.random()
    for share, value in table:
        if roll < share:
            return value
        roll -= share
    return table[0][1]


def _weighted(rng: random.Random, pairs: Iterable[tuple[Any, int]]) -> Any:
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights)[0]


class Generator:
    """Makes the rows of one WHMCS database, consistent with each other."""

    def __init__(self, clients: int, today: dt.date, seed: int) -> None:
        self.rng = random.Random(seed)
        self.today = today
        self.n_clients = clients
        self.n_services = 3 * clients
        self.n_domains = clients
        self.n_invoices = 10 * clients
        self.n_transactions = 25 * clients // 2
        self.prices = {code: monthly_cents(code) for *_, code, _c, _w in PRODUCTS}
        self.prices[DOMAIN_PRODUCT] = monthly_cents(DOMAIN_PRODUCT)
        self.codes = {c[0]: c[1] for c in CURRENCIES}
        self.clients: list[Client] = []
        self.billables: list[Billable] = []
        self.groups: list[list[Billable]] = []
        self.invoices: list[Invoice] = []

    # ------------------------------------------------------------------ clients
    def make_clients(self) -> Iterator[tuple[Any, ...]]:
        rng = self.rng
        for i in range(1, self.n_clients + 1):
            cur, code, _prefix, _share, tax, gateways = _weighted(
                rng, ((c, round(c[3] * 100)) for c in CURRENCIES)
            )
            country = {"ARS": "AR", "UYU": "UY"}.get(code) or rng.choice(
                ("AR", "UY", "CL", "MX", "ES", "US")
            )
            client = Client(i, cur, country, gateways, tax, rng.choice(gateways)[0])
            if rng.random() < 0.05:
                client.credit = rng.randint(1, 50) * self._unit(cur)
            self.clients.append(client)
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            phone = {
                "AR": f"11 {rng.randint(4000, 6999)}-{rng.randint(0, 9999):04d}",
                "UY": f"09{rng.randint(1, 9)} {rng.randint(100, 999)} {rng.randint(100, 999)}",
                "CL": f"+56 9 {rng.randint(8000, 9999)} {rng.randint(1000, 9999)}",
                "MX": f"+52 55 {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}",
                "ES": f"+34 6{rng.randint(10, 99)} {rng.randint(100, 999)} {rng.randint(100, 999)}",
                "US": f"+1 212 {rng.randint(200, 999)} {rng.randint(1000, 9999)}",
            }[country]
            if rng.random() < 0.02:
                phone = "n/a"  # what people type: not a phone
            client.phone = phone
            created = self.today - dt.timedelta(days=rng.randint(30, 3650))
            status = "Active" if rng.random() < 0.9 else rng.choice(("Inactive", "Closed"))
            yield (
                i,
                f"{i:08x}-0000-4000-8000-{i:012x}",
                first,
                last,
                f"Empresa {i} S.R.L." if rng.random() < 0.3 else "",
                f"client{i:07d}@example.com",
                f"Calle {rng.randint(1, 3000)}",
                rng.choice(("Buenos Aires", "Montevideo", "C&oacute;rdoba", "Rosario")),
                country,
                phone,
                "$2y$10$" + "x" * 53,  # a password hash: never read
                cur,
                client.gateway,
                money(client.credit),
                created,
                status,
                "spanish",
            )

    @staticmethod
    def _unit(currency: int) -> int:
        return {1: 100, 2: 100_000, 3: 4000}[currency]  # one "dollar" in cents of the currency

    # ------------------------------------------------------------------ services and domains
    def _due(self, status: str, months: int) -> tuple[dt.date, str]:
        """(nextduedate, the status of the invoice of the period starting then) by status."""
        rng, today = self.rng, self.today
        if status == "Active":
            span = max(30 * months, INVOICE_DAYS_BEFORE + 3)
            due = today + dt.timedelta(days=rng.randrange(-SUSPEND_AFTER, span - SUSPEND_AFTER))
            invoiced = due < today + dt.timedelta(days=INVOICE_DAYS_BEFORE)  # cron ran yesterday
            return due, "Unpaid" if invoiced else ""
        if status == "Suspended":
            late = rng.randint(SUSPEND_AFTER + 1, TERMINATE_AFTER)
            return today - dt.timedelta(days=late), "Unpaid"
        if status in ("Terminated", "Expired"):
            late = rng.randint(TERMINATE_AFTER + 1, 400)
            return today - dt.timedelta(days=late), "Cancelled"
        if status == "Cancelled":
            late = rng.randint(1, 300)
            return today - dt.timedelta(days=late), "Cancelled" if rng.random() < 0.7 else ""
        # Pending: ordered in the last ten days, its order invoice unpaid (due the day issued)
        return today - dt.timedelta(days=rng.randint(0, 10)), "Unpaid"

    def make_services(self) -> Iterator[tuple[Any, ...]]:
        rng = self.rng
        products = [(p, p[5]) for p in PRODUCTS]
        for sid in range(1, self.n_services + 1):
            client = (
                self.clients[sid - 1]
                if sid <= self.n_clients
                else self.clients[rng.randrange(self.n_clients)]
            )
            pid, _gid, name, code, cycles, _w = _weighted(rng, products)
            cycle = _weighted(rng, cycles.items())
            months = MONTHS[cycle]
            status = _pick(rng, SERVICE_STATUS)
            due, current = self._due(status, months)
            amount = self._price(code, client.currency, months)
            domain = f"sitio{sid}.com.ar" if rng.random() < 0.7 else ""
            label = f"{name} - {domain}" if domain else name
            billable = Billable(
                "Hosting", sid, client.id, months, amount, status, due, label, current=current
            )
            billable.product, billable.domain = code, domain
            self.billables.append(billable)
            yield (
                sid,
                client.id,
                sid,
                pid,
                1 + sid % len(SERVERS),  # tblservers id
                domain,
                client.gateway,
                money(amount),
                money(amount),
                cycle,
                due,
                due,
                due + dt.timedelta(days=TERMINATE_AFTER)
                if status == "Terminated"
                else "0000-00-00",
                status,
                f"u{sid}"[:8],
                "ENCRYPTED:" + "z" * 24,  # service password (encrypted in WHMCS): never read
                "Overdue on Payment" if status == "Suspended" else "",
            )

    def _price(self, code: str, currency: int, months: int) -> int:
        monthly = self.prices[code][self.codes[currency]]
        return round(monthly * months * DISCOUNT[months])

    def make_domains(self) -> Iterator[tuple[Any, ...]]:
        rng = self.rng
        annual_hosting: dict[int, list[Billable]] = {}
        for b in self.billables:
            if b.months == 12 and b.status == "Active":
                annual_hosting.setdefault(b.client, []).append(b)
        bundle_clients = list(annual_hosting)
        bundled: set[int] = set()
        for did in range(1, self.n_domains + 1):
            tld = _weighted(rng, TLDS)
            name = f"dominio{did}{tld}"
            host = None
            if bundle_clients and rng.random() < BUNDLED_DOMAINS:
                cid = rng.choice(bundle_clients)
                free = [h for h in annual_hosting[cid] if h.id not in bundled]
                if free:
                    host = free[0]
                    bundled.add(host.id)
            if host is not None:
                client = self.clients[host.client - 1]
                status, due, current = "Active", host.due, host.current
            else:
                client = self.clients[rng.randrange(self.n_clients)]
                status = _pick(rng, DOMAIN_STATUS)
                due, current = self._due(status, 12)
            amount = self._price(DOMAIN_PRODUCT, client.currency, 12)
            billable = Billable(
                "Domain", did, client.id, 12, amount, status, due, f"Renovaci&oacute;n {name}"
            )
            billable.current, billable.product, billable.domain = current, DOMAIN_PRODUCT, name
            self.billables.append(billable)
            if host is not None:
                self.groups.append([host, billable])
            yield (
                did,
                client.id,
                self.n_services + did,
                "Register",
                name,
                money(amount),
                money(amount),
                "enom",
                1,
                due,
                status,
                due,
                due,
                client.gateway,
                1 if rng.random() < 0.05 else 0,
            )
        in_group = {id(b) for g in self.groups for b in g}
        self.groups += [[b] for b in self.billables if id(b) not in in_group]

    def with_dates(
        self, rows: list[tuple[Any, ...]], billables: list[Billable]
    ) -> Iterator[tuple[Any, ...]]:
        """The rows with their registration day: the start of their first paid period."""
        for row, b in zip(rows, billables, strict=True):
            yield (*row, add_months(b.due, -b.periods * b.months, b.due.day))

    # ------------------------------------------------------------------ invoices
    def plan_periods(self) -> None:
        """How many paid periods each group has before its nextduedate, so that the invoices
        add up to ``n_invoices`` (monthly services have more of them than biennial ones)."""
        rng = self.rng
        current = sum(1 for g in self.groups if g[0].current)
        self.n_drafts = max(1, self.n_invoices // 400)
        budget = self.n_invoices - current - self.n_drafts
        draws = [(g, rng.random()) for g in self.groups]

        def least(group: list[Billable]) -> int:
            return 0 if group[0].status == "Pending" else 1  # else it was paid once

        def periods(group: list[Billable], u: float, years: float) -> int:
            if group[0].status == "Pending":
                return 0
            return max(least(group), int(u * years * 12 / group[0].months))

        low, high = 0.0, 40.0
        for _ in range(40):
            mid = (low + high) / 2
            if sum(periods(g, u, mid) for g, u in draws) < budget:
                low = mid
            else:
                high = mid
        for g, u in draws:
            for b in g:
                b.periods = periods(g, u, low)
        missing = budget - sum(g[0].periods for g in self.groups)
        extendable = [g for g in self.groups if g[0].status != "Pending"]
        while missing:
            g = rng.choice(extendable)
            step = 1 if missing > 0 else -1
            if g[0].periods + step < least(g):
                continue
            for b in g:
                b.periods += step
            missing -= step

    def make_invoices(self) -> None:
        rng, today = self.rng, self.today
        invoices = self.invoices
        for group in self.groups:
            head = group[0]
            anchor = head.due.day
            for j in range(head.periods, -1, -1):
                start = add_months(head.due, -j * head.months, anchor)
                if j == 0:
                    status = head.current
                    if not status:
                        break
                else:
                    status = "Paid"
                    if j == 1 and head.status == "Cancelled" and rng.random() < 0.3:
                        status = "Refunded"
                end = add_months(start, head.months, anchor) - dt.timedelta(days=1)
                lines: list[tuple[str, int, str, int, dt.date | None]] = []
                first = j == head.periods
                for b in group:
                    kind = b.kind
                    if b.kind == "Domain":
                        kind = "DomainRegister" if first else "Domain"
                    text = f"{b.description} ({start:%d/%m/%Y} - {end:%d/%m/%Y})"
                    lines.append((kind, b.id, text, b.amount, start))
                if head.kind == "Hosting" and rng.random() < 0.04:
                    cut = -round(head.amount * 0.1)
                    lines.append(
                        ("PromoHosting", head.id, "C&oacute;digo promo: 10% off", cut, None)
                    )
                # the order's invoice is due the day it is issued; a renewal 15 days before
                issued = start if first else start - dt.timedelta(days=INVOICE_DAYS_BEFORE)
                invoice = Invoice(head.client, issued, start, status, lines)
                if status == "Unpaid" and head.status == "Suspended" and rng.random() < 0.3:
                    fee = self._unit(self.clients[head.client - 1].currency) * 5
                    lines.append(
                        ("LateFee", 0, "Recargo por pago fuera de t&eacute;rmino", fee, None)
                    )
                if status == "Cancelled":
                    invoice.cancelled = min(start + dt.timedelta(days=TERMINATE_AFTER), today)
                invoices.append(invoice)
        for _ in range(self.n_drafts):
            client = self.clients[rng.randrange(self.n_clients)]
            day = today - dt.timedelta(days=rng.randint(0, 30))
            cents = rng.randint(5, 60) * self._unit(client.currency)
            line = ("Item", 0, "Trabajo a medida (borrador)", cents, None)
            invoices.append(Invoice(client.id, day, day, "Draft", [line]))
        invoices.sort(key=lambda inv: (inv.date, inv.client))
        for number, invoice in enumerate(invoices, 1):
            invoice.id = number

    def invoice_rows(self) -> Iterator[tuple[Any, ...]]:
        """tblinvoices, tblinvoiceitems and tblaccounts rows, and tblcredit ones: the invoice
        adds up (total = subtotal + tax − credit) and its payments pay its total."""
        rng, today = self.rng, self.today
        # The money of each invoice first: some paid ones are paid partly by credit (wholly
        # when the credit covers them: then they have no payment).
        money_of: dict[int, tuple[int, int, int, int]] = {}  # subtotal, tax, credit, total
        for inv in self.invoices:
            client = self.clients[inv.client - 1]
            subtotal = sum(line[3] for line in inv.lines)
            tax = round(subtotal * client.tax / 100)
            credit = 0
            if inv.status == "Paid" and rng.random() < 0.02:
                credit = min(subtotal + tax, rng.randint(1, 30) * self._unit(client.currency))
                client.applied.append((inv.id, credit, inv.date))
            money_of[inv.id] = (subtotal, tax, credit, subtotal + tax - credit)
        # How many payments each paid invoice has: the transactions add up to the target.
        paid_ids = [i.id for i in self.invoices if i.status == "Paid" and money_of[i.id][3] > 0]
        refunded = sum(1 for inv in self.invoices if inv.status == "Refunded")
        unpaid = [
            inv.id for inv in self.invoices if inv.status == "Unpaid" and money_of[inv.id][3] > 1
        ]
        partly = set(rng.sample(unpaid, len(unpaid) // 20))
        extra = self.n_transactions - len(paid_ids) - 2 * refunded - len(partly)
        splittable = [iid for iid in paid_ids if money_of[iid][3] > 2]
        split: dict[int, int] = {}
        for iid in rng.sample(splittable, min(max(extra, 0), len(splittable))):
            split[iid] = 2
        extra -= len(split)
        for iid in rng.sample(splittable, min(max(extra, 0), len(splittable))):
            split[iid] = 3
        transid = paid_numbers = 0
        for inv in self.invoices:
            client = self.clients[inv.client - 1]
            gateway = _weighted(rng, client.gateways)
            subtotal, tax, credit, total = money_of[inv.id]
            paid_on = None
            payments: list[tuple[int, dt.date]] = []
            if inv.status in ("Paid", "Refunded"):
                latest = max(inv.date, min(inv.due + dt.timedelta(days=SUSPEND_AFTER), today))
                paid_on = inv.date + dt.timedelta(days=rng.randint(0, (latest - inv.date).days))
                if paid_on >= today:
                    paid_on = today - dt.timedelta(days=1)
                parts = split.get(inv.id, 1)
                if total > 0:
                    cuts = sorted(rng.sample(range(1, total), parts - 1)) if parts > 1 else []
                    edges = [0, *cuts, total]
                    for k in range(parts):
                        day = paid_on - dt.timedelta(days=(parts - 1 - k) * rng.randint(1, 5))
                        payments.append((edges[k + 1] - edges[k], max(day, inv.date)))
            elif inv.id in partly:
                payments.append((total // 2, min(inv.date + dt.timedelta(days=3), today)))
            status = inv.status
            if status == "Unpaid" and rng.random() < 0.005:
                status = "Payment Pending"
            number = ""
            if inv.status in ("Paid", "Refunded"):
                paid_numbers += 1  # WHMCS's sequential paid invoice numbering, "FC-{NUMBER}"
                number = f"FC-{paid_numbers:06d}"
            refunded_on = None
            if inv.status == "Refunded" and paid_on:
                refunded_on = min(paid_on + dt.timedelta(days=rng.randint(1, 20)), today)
            yield (
                "tblinvoices",
                (
                    inv.id,
                    inv.client,
                    number,
                    inv.date,
                    inv.due,
                    paid_on or "0000-00-00 00:00:00",
                    refunded_on or "0000-00-00 00:00:00",
                    inv.cancelled or "0000-00-00 00:00:00",
                    money(subtotal),
                    money(credit),
                    money(tax),
                    "0.00",
                    money(total),
                    f"{client.tax}.000",
                    status,
                    gateway,
                ),
            )
            for kind, relid, text, cents, due in inv.lines:
                yield (
                    "tblinvoiceitems",
                    (inv.id, inv.client, kind, relid, text, money(cents), 1 if client.tax else 0,
                     due or inv.due, gateway),
                )  # fmt: skip
            for cents, day in payments:
                transid += 1
                yield (
                    "tblaccounts",
                    self._payment(transid, inv, client, gateway, day, cents),
                )
            if inv.status == "Refunded" and refunded_on:
                yield ("refund", (inv.id, inv.client, gateway, refunded_on, total))

    def _payment(
        self, n: int, inv: Invoice, client: Client, gateway: str, day: dt.date, cents: int
    ) -> tuple[Any, ...]:
        rng = self.rng
        ref = {
            "paypal": f"{n:08X}{rng.randrange(16**9):09X}",
            "mercadopago": str(1_000_000_000 + n * 7),
            "stripe": f"ch_{n:010d}{rng.randrange(10**6):06d}",
            "prex": f"PX{n:09d}",
            "banktransfer": f"TRF {day:%Y%m%d}-{n % 1000:03d}" if rng.random() < 0.9 else "",
        }[gateway]
        fees = round(cents * 0.054) if gateway in ("paypal", "mercadopago", "stripe") else 0
        when = dt.datetime.combine(day, dt.time(rng.randint(8, 21), rng.randint(0, 59)))
        return (
            inv.client,
            0,  # currency: 0 for a client's transaction (WHMCS takes the client's)
            gateway,
            when,
            f"Invoice Payment (#{inv.id})" if gateway != "banktransfer" else "Pago de factura",
            money(cents),
            money(fees),
            "0.00",
            ref,
            inv.id,
            0,
        )

    # ------------------------------------------------------------------ tickets, affiliates
    def make_tickets(self) -> Iterator[tuple[str, tuple[Any, ...]]]:
        rng, today = self.rng, self.today
        count = max(1, self.n_clients // 100)
        for tid in range(1, count + 1):
            client = rng.randrange(1, self.n_clients + 1)
            opened = dt.datetime.combine(
                today - dt.timedelta(days=rng.randint(0, 20)), dt.time(rng.randint(8, 20))
            )
            status = rng.choice(("Open", "Answered", "Customer-Reply", "Closed"))
            yield (
                "tbltickets",
                (tid, f"{100000 + tid}", 1, client, "", "", opened,
                 f"Consulta n&uacute;mero {tid}", "Mi sitio no carga &lt;urgente&gt;", status,
                 "Medium", opened + dt.timedelta(hours=2)),
            )  # fmt: skip
            for r in range(2):
                yield (
                    "tblticketreplies",
                    (tid, client if r else 0, opened + dt.timedelta(hours=r + 1),
                     f"Respuesta {r + 1}", "" if r else "Soporte"),
                )  # fmt: skip

    def make_affiliates(self) -> Iterator[tuple[str, tuple[Any, ...]]]:
        rng, today = self.rng, self.today
        count = max(1, self.n_clients // 200)
        hosting = [b for b in self.billables if b.kind == "Hosting"]
        for aid in range(1, count + 1):
            client = self.clients[rng.randrange(self.n_clients)]
            balance = rng.randint(0, 40) * self._unit(client.currency)
            yield (
                "tblaffiliates",
                (aid, today - dt.timedelta(days=rng.randint(30, 900)), client.id, "percentage",
                 "10.00", 0, money(balance), "0.00"),
            )  # fmt: skip
            for b in rng.sample(hosting, 3):
                yield ("tblaffiliatesaccounts", (aid, b.id, "0000-00-00"))


# --------------------------------------------------------------------------- MariaDB
def _statements(sql: str) -> list[str]:
    """The statements of schema.sql (as tests/whmcs_db.py splits them)."""
    lines = [line for line in sql.splitlines() if not line.startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def _connect(server: str, database: str | None = None) -> Any:
    import pymysql
    from sqlalchemy.engine import make_url

    url = make_url(server)
    return pymysql.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 3306,
        user=url.username or "root",
        password=url.password or "",
        database=database,
        charset="utf8mb4",
        autocommit=False,
    )


def whmcs_url(server: str, name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(server).set(database=name).render_as_string(hide_password=False)


COLUMNS = {
    "tblclients": "id uuid firstname lastname companyname email address1 city country "
    "phonenumber password currency defaultgateway credit datecreated status language",
    "tblhosting": "id userid orderid packageid server domain paymentmethod firstpaymentamount "
    "amount billingcycle nextduedate nextinvoicedate termination_date domainstatus username "
    "password suspendreason regdate",
    "tbldomains": "id userid orderid type domain firstpaymentamount recurringamount registrar "
    "registrationperiod expirydate status nextduedate nextinvoicedate paymentmethod donotrenew "
    "registrationdate",
    "tblinvoices": "id userid invoicenum date duedate datepaid date_refunded date_cancelled "
    "subtotal credit tax tax2 total taxrate status paymentmethod",
    "tblinvoiceitems": "invoiceid userid type relid description amount taxed duedate paymentmethod",
    "tblaccounts": "userid currency gateway date description amountin fees amountout transid "
    "invoiceid refundid",
    "tblcredit": "clientid date description amount relid",
    "tbltickets": "id tid did userid name email date title message status urgency lastreply",
    "tblticketreplies": "tid userid date message admin",
    "tblaffiliates": "id date clientid paytype payamount onetime balance withdrawn",
    "tblaffiliatesaccounts": "affiliateid relid lastpaid",
}
BATCH = 2000
# tblservers: the services are spread over them (tblhosting.server)
SERVERS = (("web1", "cpanel"), ("web2", "cpanel"), ("cwp1", "cwp7"))


class Loader:
    """Multi-row INSERTs (PyMySQL's executemany), a batch at a time."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.cur = conn.cursor()
        self.pending: dict[str, list[tuple[Any, ...]]] = {}
        self.counts: dict[str, int] = {}

    def sql(self, table: str, columns: str) -> str:
        names = columns.split()
        marks = ", ".join(["%s"] * len(names))
        return f"INSERT INTO `{table}` ({', '.join(f'`{c}`' for c in names)}) VALUES ({marks})"

    def add(self, table: str, row: tuple[Any, ...]) -> None:
        rows = self.pending.setdefault(table, [])
        rows.append(row)
        if len(rows) >= BATCH:
            self.flush(table)

    def many(self, table: str, rows: Iterable[tuple[Any, ...]]) -> None:
        iterator = iter(rows)
        while chunk := list(islice(iterator, BATCH)):
            self.pending.setdefault(table, []).extend(chunk)
            self.flush(table)

    def flush(self, table: str | None = None) -> None:
        for name in [table] if table else list(self.pending):
            rows = self.pending.get(name) or []
            if rows:
                self.cur.executemany(self.sql(name, COLUMNS[name]), rows)
                self.counts[name] = self.counts.get(name, 0) + len(rows)
                self.pending[name] = []

    def raw(self, statement: str, rows: list[tuple[Any, ...]] | None = None) -> None:
        if rows is None:
            self.cur.execute(statement)
        else:
            self.cur.executemany(statement, rows)


def build_whmcs(
    server: str, name: str, clients: int, today: dt.date, seed: int, csv_dir: Path | None = None
) -> Counts:
    """The scratch WHMCS database ``name``, schema and rows; with ``csv_dir``, the same
    business as hostctl's CSV import files there (the reference)."""
    admin = _connect(server)
    with admin.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
        cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    admin.close()
    conn = _connect(server, name)
    load = Loader(conn)
    for statement in _statements(SCHEMA.read_text(encoding="utf-8")):
        load.raw(statement)
    load.raw("SET SESSION sql_mode = ''")  # as WHMCS runs
    load.raw("SET SESSION unique_checks = 0")
    load.raw("SET SESSION foreign_key_checks = 0")
    gen = Generator(clients, today, seed)
    _catalogue(load, gen)
    load.many("tblclients", gen.make_clients())
    services = list(gen.make_services())
    domains = list(gen.make_domains())
    gen.plan_periods()
    load.many("tblhosting", gen.with_dates(services, gen.billables[: len(services)]))
    load.many("tbldomains", gen.with_dates(domains, gen.billables[len(services) :]))
    gen.make_invoices()
    refunds = []
    for table, row in gen.invoice_rows():
        if table == "refund":
            refunds.append(row)
        else:
            load.add(table, row)
    load.flush()
    conn.commit()
    # Refunds: an amountout row whose refundid names the payment it gives back.
    load.cur.execute(
        "SELECT invoiceid, MIN(id) FROM tblaccounts WHERE invoiceid IN "
        "(SELECT id FROM tblinvoices WHERE status = 'Refunded') GROUP BY invoiceid"
    )
    payment_of = dict(load.cur.fetchall())
    load.many(
        "tblaccounts",
        (
            (client, 0, gateway, dt.datetime.combine(day, dt.time(12)), "Refund", "0.00",
             "0.00", money(total), f"R-{invoice}", invoice, payment_of[invoice])
            for invoice, client, gateway, day, total in refunds
            if invoice in payment_of
        ),
    )  # fmt: skip
    load.many("tblcredit", _credit_rows(gen))
    if csv_dir is not None:
        write_reference_csv(gen, csv_dir)
    for table, row in [*gen.make_tickets(), *gen.make_affiliates()]:
        load.add(table, row)
    load.flush()
    conn.commit()
    counts = Counts(
        clients=load.counts.get("tblclients", 0),
        services=load.counts.get("tblhosting", 0),
        domains=load.counts.get("tbldomains", 0),
        invoices=load.counts.get("tblinvoices", 0),
        invoice_items=load.counts.get("tblinvoiceitems", 0),
        transactions=load.counts.get("tblaccounts", 0),
        unpaid_invoices=sum(1 for inv in gen.invoices if inv.status == "Unpaid"),
        tickets=load.counts.get("tbltickets", 0),
        affiliates=load.counts.get("tblaffiliates", 0),
    )
    conn.close()
    return counts


def _catalogue(load: Loader, gen: Generator) -> None:
    load.raw(
        "INSERT INTO tblcurrencies (id, code, prefix, suffix, format, rate, `default`) "
        "VALUES (%s, %s, %s, '', 1, %s, %s)",
        [(cid, code, prefix, rate, int(cid == 1)) for (cid, code, prefix, *_), rate
         in zip(CURRENCIES, ("1.00000", "1000.00000", "40.00000"), strict=True)],
    )  # fmt: skip
    load.raw(
        "INSERT INTO tblpaymentgateways (gateway, setting, value, `order`) VALUES (%s,%s,%s,%s)",
        [
            row
            for order, (module, (label, _method)) in enumerate(GATEWAYS.items(), 1)
            for row in ((module, "name", label, order), (module, "secret", "s3cr3t-api-key", 0))
        ],
    )
    load.raw(
        "INSERT INTO tblproductgroups (id, name, orderfrmtpl, disabledgateways, hidden) "
        "VALUES (%s, %s, '', '', 0)",
        list(GROUPS.items()),
    )
    load.raw(
        "INSERT INTO tblproducts (id, type, gid, name, paytype, hidden, retired, servertype, "
        "configoption1) VALUES (%s, 'hostingaccount', %s, %s, 'recurring', 0, 0, 'cpanel', %s)",
        [(pid, gid, name, code) for pid, gid, name, code, *_ in PRODUCTS],
    )
    load.raw(
        "INSERT INTO tblservers (id, name, hostname, type, username, accesshash, secure, "
        "active, disabled) VALUES (%s, %s, %s, %s, 'root', 'WHM-API-TOKEN', 'on', 1, 0)",
        [(sid, name, f"{name}.example.com", kind) for sid, (name, kind) in enumerate(SERVERS, 1)],
    )
    pricing = []
    columns = {M: "monthly", Q: "quarterly", S: "semiannually", A: "annually", B: "biennially"}
    for pid, _gid, _name, code, cycles, _w in PRODUCTS:
        for cid, *_ in CURRENCIES:
            prices = {
                column: money(gen._price(code, cid, MONTHS[cycle])) if cycle in cycles else "-1.00"
                for cycle, column in columns.items()
            }
            pricing.append((cid, pid, *prices.values()))
    load.raw(
        "INSERT INTO tblpricing (type, currency, relid, msetupfee, qsetupfee, ssetupfee, "
        "asetupfee, bsetupfee, tsetupfee, monthly, quarterly, semiannually, annually, "
        "biennially, triennially) VALUES ('product', %s, %s, 0, 0, 0, 0, 0, 0, "
        "%s, %s, %s, %s, %s, '-1.00')",
        pricing,
    )
    load.raw(
        "INSERT INTO tbldomainpricing (id, extension, autoreg) VALUES (%s, %s, '')",
        [(i, tld) for i, (tld, _w) in enumerate(TLDS, 1)],
    )


def _credit_rows(gen: Generator) -> Iterator[tuple[Any, ...]]:
    """tblcredit, the history of each client's credit: what came in, what invoices took;
    it ends at tblclients.credit."""
    for client in gen.clients:
        if not client.credit and not client.applied:
            continue
        applied = sum(cents for _i, cents, _d in client.applied)
        first = min([d for *_, d in client.applied] or [gen.today]) - dt.timedelta(days=1)
        yield (client.id, first, "Overpayment", money(client.credit + applied), 0)
        for invoice, cents, day in client.applied:
            yield (client.id, day, f"Credit Applied to Invoice #{invoice}", money(-cents), invoice)


HOSTCTL_STATUS = {"Active": "active", "Suspended": "suspended", "Pending": "pending"}
HOSTCTL_CYCLE = {1: "monthly", 3: "quarterly", 6: "semiannual", 12: "annual", 24: "biennial"}


def write_reference_csv(gen: Generator, folder: Path) -> None:
    """The same business for ``client import`` and ``service import``: the same clients
    (currency, country, phone: alerts go by email and WhatsApp) and every live service and
    domain with its product, cycle, status and due date (terminated, cancelled and expired
    ones do nothing a day; no history)."""
    import csv

    import phonenumbers

    def e164(phone: str, country: str) -> str:  # as the import stores it; else none
        try:
            number = phonenumbers.parse(phone, country)
        except phonenumbers.NumberParseException:
            return ""
        if not phonenumbers.is_valid_number(number):
            return ""
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    with (folder / "clients.csv").open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(
            ["name", "email", "phone", "country", "currency", "document", "company", "support_plan"]
        )
        for c in gen.clients:
            email = f"client{c.id:07d}@example.com"
            code = gen.codes[c.currency]
            phone = e164(c.phone, c.country)
            out.writerow([f"Cliente {c.id}", email, phone, c.country, code, "", "", "standard"])
    with (folder / "services.csv").open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["client_email", "product", "cycle", "status", "next_due_date", "domain"])
        for b in gen.billables:
            if b.status in HOSTCTL_STATUS:
                out.writerow(
                    [f"client{b.client:07d}@example.com", b.product, HOSTCTL_CYCLE[b.months],
                     HOSTCTL_STATUS[b.status], b.due.isoformat(), b.domain]
                )  # fmt: skip


def build_and_check(
    server: str, name: str, clients: int, today: dt.date, seed: int, csv_dir: Path | None
) -> tuple[Counts, dict[str, int], float]:
    """Build and check the WHMCS database (in a process of its own: see ``bench``)."""
    began = time.perf_counter()
    counts = build_whmcs(server, name, clients, today, seed, csv_dir)
    seconds = time.perf_counter() - began
    return counts, check_whmcs(server, name), seconds


def drop_whmcs(server: str, name: str) -> None:
    admin = _connect(server)
    with admin.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
    admin.close()


CHECKS = {  # name → SQL returning the number of rows that break it (0 = consistent)
    "items add up to subtotal": "SELECT COUNT(*) FROM tblinvoices i LEFT JOIN (SELECT invoiceid, "
    "SUM(amount) s FROM tblinvoiceitems GROUP BY invoiceid) t ON t.invoiceid = i.id "
    "WHERE COALESCE(t.s, 0) <> i.subtotal",
    "total = subtotal + tax - credit": "SELECT COUNT(*) FROM tblinvoices "
    "WHERE total <> subtotal + tax + tax2 - credit",
    "paid invoices are paid in full": "SELECT COUNT(*) FROM tblinvoices i LEFT JOIN (SELECT "
    "invoiceid, SUM(amountin) s FROM tblaccounts GROUP BY invoiceid) a ON a.invoiceid = i.id "
    "WHERE i.status IN ('Paid', 'Refunded') AND COALESCE(a.s, 0) <> i.total",
    "refunds name a payment of their invoice": "SELECT COUNT(*) FROM tblaccounts r LEFT JOIN "
    "tblaccounts p ON p.id = r.refundid WHERE r.amountout > 0 AND (p.id IS NULL OR "
    "p.invoiceid <> r.invoiceid OR p.amountin < r.amountout)",
    "refunded invoices are refunded in full": "SELECT COUNT(*) FROM tblinvoices i LEFT JOIN "
    "(SELECT invoiceid, SUM(amountout) s FROM tblaccounts GROUP BY invoiceid) a "
    "ON a.invoiceid = i.id WHERE i.status = 'Refunded' AND COALESCE(a.s, 0) <> i.total",
    "unpaid invoices are not overpaid": "SELECT COUNT(*) FROM tblinvoices i JOIN (SELECT "
    "invoiceid, SUM(amountin) s FROM tblaccounts GROUP BY invoiceid) a ON a.invoiceid = i.id "
    "WHERE i.status IN ('Unpaid', 'Payment Pending') AND a.s >= i.total",
    "unpaid renewals bill the service's current period (MIG-6)": "SELECT COUNT(*) FROM "
    "tblinvoices i JOIN tblinvoiceitems t ON t.invoiceid = i.id JOIN tblhosting h "
    "ON t.type = 'Hosting' AND h.id = t.relid WHERE i.status = 'Unpaid' "
    "AND (t.duedate <> i.duedate OR h.nextduedate <> i.duedate)",
    "unpaid domain renewals bill the domain's current period": "SELECT COUNT(*) FROM "
    "tblinvoices i JOIN tblinvoiceitems t ON t.invoiceid = i.id JOIN tbldomains d "
    "ON t.type LIKE 'Domain%%' AND d.id = t.relid WHERE i.status = 'Unpaid' "
    "AND (t.duedate <> i.duedate OR d.nextduedate <> i.duedate)",
    "one unpaid invoice per service": "SELECT COUNT(*) FROM (SELECT t.relid FROM "
    "tblinvoiceitems t JOIN tblinvoices i ON i.id = t.invoiceid WHERE t.type = 'Hosting' "
    "AND i.status IN ('Unpaid', 'Payment Pending') GROUP BY t.relid HAVING COUNT(*) > 1) x",
    "credit history ends at the balance": "SELECT COUNT(*) FROM tblclients c LEFT JOIN (SELECT "
    "clientid, SUM(amount) s FROM tblcredit GROUP BY clientid) h ON h.clientid = c.id "
    "WHERE COALESCE(h.s, 0) <> c.credit",
    "credit applied is in the history": "SELECT (SELECT SUM(credit) FROM tblinvoices) + "
    "(SELECT COALESCE(SUM(amount), 0) FROM tblcredit WHERE amount < 0)",
    "lines point at rows that exist": "SELECT COUNT(*) FROM tblinvoiceitems t LEFT JOIN "
    "tblhosting h ON h.id = t.relid LEFT JOIN tbldomains d ON d.id = t.relid WHERE "
    "(t.type IN ('Hosting', 'PromoHosting') AND h.id IS NULL) OR "
    "(t.type LIKE 'Domain%%' AND d.id IS NULL)",
}


def check_whmcs(server: str, name: str) -> dict[str, int]:
    """How many rows break each rule of consistency (all 0 when the data is right)."""
    conn = _connect(server, name)
    found = {}
    with conn.cursor() as cur:
        for rule, sql in CHECKS.items():
            cur.execute(sql.replace("%%", "%"))
            found[rule] = int(cur.fetchone()[0] or 0)
    conn.close()
    return found


# --------------------------------------------------------------------------- the map
def fill_map(drafted: dict[str, Any]) -> tuple[str, dict[str, int]]:
    """The map file: hostctl's guesses, and what the bench knows for the blanks. Also how many
    entries hostctl guessed, and how many of them were right."""
    products = {str(pid): code for pid, _g, _n, code, _c, _w in PRODUCTS}
    methods = {module: method for module, (_label, method) in GATEWAYS.items()}
    guessed = right = 0
    lines = ["[products]"]
    for p in drafted["products"]:
        want = products.get(str(p["id"]), "")
        guessed += bool(p["guess"])
        right += bool(p["guess"]) and p["guess"] == want
        lines.append(f'"{p["id"]}" = "{want}"')
    lines.append("[domains]")
    for d in drafted["domains"]:
        guessed += bool(d["guess"])
        right += d["guess"] == DOMAIN_PRODUCT
        lines.append(f'"{d["tld"]}" = "{DOMAIN_PRODUCT}"')
    lines.append("[gateways]")
    for g in drafted["gateways"]:
        want = methods.get(g["module"], "")
        guessed += bool(g["guess"])
        right += bool(g["guess"]) and g["guess"] == want
        lines.append(f'"{g["module"]}" = "{want}"')
    entries = len(drafted["products"]) + len(drafted["domains"]) + len(drafted["gateways"])
    return "\n".join(lines) + "\n", {"entries": entries, "guessed": guessed, "right": right}


# --------------------------------------------------------------------------- running
def make_pg(base_url: str, name: str) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(base_url)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def hostctl_database(opts: argparse.Namespace, workdir: Path, name: str) -> str:
    if opts.database_url:
        return make_pg(opts.database_url, name)
    path = workdir / f"{name}.db"
    path.touch()  # hostctl makes no named database that is missing
    return f"sqlite:///{path}"


def _json(step: daily_bench.Step, workdir: Path) -> dict[str, Any]:
    """What the step printed as JSON (its whole output: ``Step.output`` is its tail)."""
    text = (workdir / f"{step.name}.out").read_text(encoding="utf-8", errors="replace")
    if "{" not in text:
        return {}
    try:
        data = json.loads(text[text.index("{") :])
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def bench(opts: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    run = daily_bench.run
    exe = daily_bench.hostctl()
    today = dt.date.fromisoformat(opts.today)
    next_day = (today + dt.timedelta(days=1)).isoformat()
    name = f"whmcs_bench_{os.getpid()}"
    server = opts.whmcs_server
    url = whmcs_url(server, name)
    result: dict[str, Any] = {
        "database": "postgresql" if opts.database_url else "sqlite",
        "clients": opts.clients,
        "today": opts.today,
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
    }
    print(f"building the WHMCS database {name} …", file=sys.stderr)
    # The rows are made in a process of its own: Linux counts the RSS of the process that
    # starts a child in the child's peak (ru_maxrss survives exec), so this one stays small.
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(1) as pool:
        counts, consistency, seconds = pool.apply(
            build_and_check, (server, name, opts.clients, today, opts.seed, workdir)
        )
    result["whmcs"] = asdict(counts) | {"build_seconds": round(seconds, 2)}
    result["whmcs_consistency"] = consistency
    steps: list[daily_bench.Step] = []
    pg_names: list[str] = []
    try:
        if opts.build_only:
            return report(result, steps)
        (workdir / "catalogue.toml").write_text(
            CATALOGUE_FILE.read_text(encoding="utf-8"), encoding="utf-8"
        )
        pg_names.append(f"hostctl_bench_{os.getpid()}_whmcs")
        env = {
            **os.environ,
            "HOSTCTL_DATABASE_URL": hostctl_database(opts, workdir, pg_names[-1]),
            "HOSTCTL_STAFF": "bench",
            "HOSTCTL_TODAY": opts.today,
            "NO_COLOR": "1",
        }
        env.pop("HOSTCTL_NOW", None)
        env.pop("HOSTCTL_WHMCS_URL", None)
        catalogue = [exe, "product", "import", str(workdir / "catalogue.toml")]
        print("catalogue, map, import, daily …", file=sys.stderr)
        steps.append(run("catalogue", catalogue, env, workdir))
        steps.append(run("map", [exe, "whmcs", "map", "--from", url, "--json"], env, workdir))
        drafted = _json(steps[-1], workdir) if not steps[-1].exit_code else {}
        if not drafted:
            return report(result, steps)
        text, result["map_guesses"] = fill_map(drafted)
        (workdir / "map.toml").write_text(text, encoding="utf-8")
        map_file = str(workdir / "map.toml")
        import_args = [exe, "whmcs", "import", "--from", url, "--map", map_file, "--json"]
        steps.append(run("import", import_args, env, workdir))
        imported = _json(steps[-1], workdir)
        result["import"] = {
            "imported": imported.get("imported"),
            "skipped": _skipped(imported.get("skipped") or []),
            "money": imported.get("money"),
        }
        if steps[-1].exit_code:
            return report(result, steps)
        if opts.keep and not opts.database_url:  # the imported database, before any daily
            db_file = Path(env["HOSTCTL_DATABASE_URL"].removeprefix("sqlite:///"))
            daily_bench._copy_db(db_file, workdir / "imported.db")
        for step, day in (("daily_first", opts.today), ("daily_next_day", next_day)):
            args = [exe, "daily", "--date", day, "--no-send", "--json"]
            times = opts.repeat if step == "daily_first" else 1
            steps.append(repeated(step, args, {**env, "HOSTCTL_TODAY": day}, workdir, times))
            if steps[-1].exit_code:
                return report(result, steps)
        if not opts.no_reference:
            print("the reference: the same size made by hostctl …", file=sys.stderr)
            steps += reference(opts, workdir, exe, env, pg_names)
    finally:
        if opts.database_url:
            for pg in pg_names:
                daily_bench.drop_pg(opts.database_url, pg)
        if not opts.keep:
            drop_whmcs(server, name)
        else:
            result["whmcs_url"] = url
    return report(result, steps)


def reference(
    opts: argparse.Namespace,
    workdir: Path,
    exe: str,
    env: dict[str, str],
    pg_names: list[str],
) -> list[daily_bench.Step]:
    """The same business made by hostctl: the same clients and live services and domains
    (product, cycle, status, due date) through ``client import`` and ``service import`` the
    day before the import day, ``daily`` that day (the CSV import's backlog: it has no
    invoices yet), then ``daily`` on the import day itself — an ordinary day of it, the same
    calendar day and due dates as the first ``daily`` after the WHMCS import."""
    run = daily_bench.run
    today = dt.date.fromisoformat(opts.today)
    eve = (today - dt.timedelta(days=1)).isoformat()
    pg_names.append(f"hostctl_bench_{os.getpid()}_ref")
    env = {
        **env,
        "HOSTCTL_DATABASE_URL": hostctl_database(opts, workdir, pg_names[-1]),
        "HOSTCTL_TODAY": eve,
    }
    steps = []
    for name, args in [
        ("ref_catalogue", [exe, "product", "import", str(workdir / "catalogue.toml")]),
        ("ref_client_import", [exe, "client", "import", str(workdir / "clients.csv")]),
        ("ref_service_import", [exe, "service", "import", str(workdir / "services.csv")]),
    ]:
        steps.append(run(name, args, env, workdir))
        if steps[-1].exit_code:
            return steps
    for name, day in (("ref_daily_first_day", eve), ("ref_daily_one_day", opts.today)):
        args = [exe, "daily", "--date", day, "--no-send", "--json"]
        times = opts.repeat if name == "ref_daily_one_day" else 1
        steps.append(repeated(name, args, {**env, "HOSTCTL_TODAY": day}, workdir, times))
        if steps[-1].exit_code:
            break
    return steps


def repeated(
    name: str, args: list[str], env: dict[str, str], workdir: Path, times: int
) -> daily_bench.Step:
    """``args`` run ``times`` times, each on a copy of the SQLite database as it is before
    the first run; the step with the median wall and CPU seconds (and the highest peak).
    The database is left as the last run left it. On PostgreSQL: once."""
    url = env["HOSTCTL_DATABASE_URL"]
    if times <= 1 or not url.startswith("sqlite:///"):
        return daily_bench.run(name, args, env, workdir)
    db_file = Path(url.removeprefix("sqlite:///"))
    before = workdir / f"{name}.before.db"
    daily_bench._copy_db(db_file, before)
    rounds = []
    for number in range(times):
        if number:
            daily_bench._copy_db(before, db_file)
        rounds.append([daily_bench.run(name, args, env, workdir)])
        if rounds[-1][0].exit_code:
            break
    before.unlink()
    return daily_bench._medians(rounds)[0]


def _skipped(rows: list[dict[str, Any]]) -> dict[str, int]:
    """The import's skipped rows counted by table and reason."""
    counted: dict[str, int] = {}
    for row in rows:
        why = re.sub(r"'[^']*'", "'…'", str(row.get("why")))  # one line per kind of reason
        key = f"{row.get('table')}: {why}"
        counted[key] = counted.get(key, 0) + 1
    return dict(sorted(counted.items(), key=lambda kv: -kv[1]))


def report(result: dict[str, Any], steps: list[daily_bench.Step]) -> dict[str, Any]:
    by = {s.name: s for s in steps}

    def ok(name: str) -> daily_bench.Step | None:
        step = by.get(name)
        return step if step is not None and step.exit_code == 0 else None

    imported, first = ok("import"), ok("daily_first")
    ordinary, next_day = ok("ref_daily_one_day"), ok("daily_next_day")
    figures = {
        "import_seconds": imported and imported.seconds,
        "import_peak_mb": imported and imported.peak_mb,
        "first_daily_ratio": first and ordinary and round(first.seconds / ordinary.seconds, 2),
    }
    result["steps"] = [asdict(s) | {"output": s.output if s.exit_code else ""} for s in steps]
    result["work"] = {
        name: daily_bench._summary(by.get(name))
        for name in ("daily_first", "daily_next_day", "ref_daily_first_day", "ref_daily_one_day")
        if name in by
    }
    result["first_daily_vs_next_day"] = (
        round(first.seconds / next_day.seconds, 2) if first and next_day else None
    )
    result["targets"] = {
        k: {"value": v, "target": TARGETS[k], "met": v is not None and v <= TARGETS[k]}
        for k, v in figures.items()
    }
    result["failed"] = [s.name for s in steps if s.exit_code != 0]
    # The floor of every step's peak (see ``bench``): this process's own peak.
    result["bench_process_peak_mb"] = round(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
    )
    return result


def print_table(result: dict[str, Any]) -> None:
    w = result["whmcs"]
    print(
        f"hostctl whmcs import bench: {w['clients']:,} clients, {w['services']:,} services, "
        f"{w['domains']:,} domains, {w['invoices']:,} invoices ({w['invoice_items']:,} lines, "
        f"{w['unpaid_invoices']:,} unpaid), {w['transactions']:,} transactions; "
        f"{result['database']}, {result['cpus']} CPUs, Python {result['python']}"
    )
    print(f"WHMCS built in {w['build_seconds']:.1f} s", end="")
    broken = {k: v for k, v in result["whmcs_consistency"].items() if v}
    print("; consistent" if not broken else f"; INCONSISTENT: {broken}")
    if result.get("whmcs_url"):
        print(f"WHMCS kept at {result['whmcs_url']}")
    if result.get("map_guesses"):
        g = result["map_guesses"]
        print(f"map: {g['entries']} entries, hostctl guessed {g['guessed']}, {g['right']} right")
    if not result["steps"]:
        return
    print(f"{'step':<20}{'seconds':>9}{'cpu s':>8}{'peak MB':>9}  command")
    for s in result["steps"]:
        status = "" if s["exit_code"] == 0 else f"  [exit {s['exit_code']}]"
        command = s["command"] if len(s["command"]) < 70 else s["command"][:67] + "…"
        print(
            f"{s['name']:<20}{s['seconds']:>9.2f}{s['cpu_seconds']:>8.2f}{s['peak_mb']:>9.1f}"
            f"  {command}{status}"
        )
    imported = result.get("import") or {}
    if imported.get("imported"):
        print("imported: " + ", ".join(f"{k} {v:,}" for k, v in imported["imported"].items()))
    for why, count in list((imported.get("skipped") or {}).items())[:8]:
        print(f"  skipped {count:,} × {why}")
    for row in imported.get("money") or []:
        print("  money: " + ", ".join(f"{k} {v}" for k, v in row.items()))
    for name, work in result["work"].items():
        if work:
            print(f"{name}: " + ", ".join(f"{k} {v:,}" for k, v in work.items()))
    print(f"(peak RSS of the bench process itself, a floor of each figure: "
          f"{result['bench_process_peak_mb']} MB)")  # fmt: skip
    if result["first_daily_vs_next_day"] is not None:
        print(f"first daily / next day's daily on the import: {result['first_daily_vs_next_day']}")
    print()
    print(f"{'target':<20}{'value':>9}{'limit':>9}  met")
    for name, t in result["targets"].items():
        value = "-" if t["value"] is None else f"{t['value']:.2f}"
        unit = {"import_seconds": " s", "import_peak_mb": " MB"}.get(name, " ×")
        met = "-" if t["value"] is None else "yes" if t["met"] else "NO"
        print(f"{name:<20}{value:>9}{t['target']:>9.1f}{unit}  {met}")
    for s in result["steps"]:
        if s["exit_code"]:
            print(f"\n{s['name']} failed:\n{s['output']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--clients", type=int, default=20_000, help="scales everything (default 20 000)"
    )
    parser.add_argument("--today", default="2027-01-13", help="the import day (YYYY-MM-DD)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--whmcs-server",
        default=WHMCS_SERVER,
        help="the MariaDB server for the scratch WHMCS database (default: "
        "HOSTCTL_TEST_WHMCS_SERVER or mysql+pymysql://root@127.0.0.1:3306)",
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="a PostgreSQL server URL for hostctl; scratch databases are made and dropped",
    )
    parser.add_argument(
        "--no-reference", action="store_true", help="skip the database made by hostctl"
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="run the two compared days (the first daily, the reference's ordinary day) N "
        "times each on copies of the same database and report the medians (SQLite; default 3)",
    )
    parser.add_argument(
        "--build-only", action="store_true", help="build (and check) the WHMCS database only"
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the WHMCS database and the work directory (imported.db: hostctl's database "
        "right after the import)",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    opts = parser.parse_args(argv)
    return daily_bench.run_bench(opts, "hostctl-whmcs-bench-", bench, print_table)


if __name__ == "__main__":
    sys.exit(main())
