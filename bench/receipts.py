"""Benchmark of ``hostctl payment import`` at the size of a real customer base.

Builds a hostctl database as staff would have it on an ordinary morning: N clients (half
in USD, half in ARS; every ARS client with a CUIT ``20-12345678-9``, some USD ones with a
document; emails of every kind) with three live services each, imported through
``client import`` and ``service import``, then one ``daily`` that issues the renewal
invoices: the three services of a client fall due on three different days of the 15-day
notice window, so the run issues one unpaid invoice per service — 3N unpaid invoices
(60 000 for 20 000 clients), made by hostctl's own path (no SQL inserts).

Then two statements of ``--lines`` rows each, written after the formats' documentation,
against those invoices (read back from the database):

* ``paypal.csv``: PayPal's activity download (the 41 columns of "All activity", every field
  quoted, a UTF-8 BOM, newest first, dates ``dd/mm/yyyy``), in USD;
* ``mercadopago.csv``: MercadoPago's release report ("reporte de liquidaciones"), ``;``
  separated, the columns an account chose (``SOURCE_ID``, ``EXTERNAL_REFERENCE``,
  ``RECORD_TYPE``, ``DESCRIPTION``, ``GROSS_AMOUNT``, ``MP_FEE_AMOUNT``, ``PAYER_NAME``,
  ``PAYER_ID_NUMBER`` …), in ARS, with its initial balance and total rows.

Each file mixes (shares in ``MIX``): money in whose invoice number is in the PayPal
``Invoice Number`` field / MercadoPago ``EXTERNAL_REFERENCE`` (some only inside a text:
"Factura 2027-000123"; some partial, some paying more, up to twice); money in with no
number from a client known by email (PayPal) or by document digits (MercadoPago) for the
exact amount of one of their invoices or of all of them together; lines that must wait for
a person (an unknown payer, a known payer with an amount that matches nothing, an invoice
in the other currency, more than twice the amount due, the same invoice paid twice);
money out (withdrawals, affiliate mass payments, refunds, chargebacks, purchases, tax
withholdings, fees) to be kept as ignored; and, in PayPal, rows still ``Pending``, which are
no lines at all. The bench knows what each row should become and prints it beside what the
import reported.

Timed, each a ``hostctl`` process of its own, three days after the invoices were issued:

* ``paypal``: ``payment import paypal.csv --json`` — target ≤ 10 s and ≤ 200 MB (SQLite);
* ``paypal_again``: the same file again (every line already known) — target ≤ 3 s;
* ``mercadopago`` and ``mercadopago_again``: the same for the MercadoPago report.

Wall time and peak RSS are those of each ``hostctl`` process (``os.wait4``). The data and
the statements are made in a process of their own (and the PostgreSQL scratch database
too): Linux counts the RSS of the process that starts a child in the child's peak.

    python bench/receipts.py                  # 20 000 clients, 60 000 invoices, SQLite
    python bench/receipts.py --clients 2000 --lines 5000   # a quick run
    python bench/receipts.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres
    python bench/receipts.py --json           # machine-readable figures
    python bench/receipts.py --keep           # keep the work directory: the files, the
                                              # database, and invoiced.db (before the imports)

With ``--database-url`` a scratch database ``hostctl_bench_<pid>`` is created on that server
and dropped at the end (unless ``--keep``). It is a report: the exit status is 0 whatever
the figures.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import multiprocessing
import os
import random
import resource
import shutil
import string
import sys
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import daily as daily_bench  # noqa: E402  (bench/daily.py: the runner and the catalogue)

TARGETS = {  # seconds or MB, into SQLite (the PostgreSQL figures are shown beside them)
    "paypal_seconds": 10.0,
    "paypal_peak_mb": 200.0,
    "paypal_again_seconds": 3.0,
    "mercadopago_seconds": 10.0,
    "mercadopago_peak_mb": 200.0,
    "mercadopago_again_seconds": 3.0,
}
FILES = ("paypal", "mercadopago")
CURRENCY = {"paypal": "USD", "mercadopago": "ARS"}

# What the rows of a file are, as shares of its rows. "invoice_number" takes what is left.
# Each file pays at most the invoices of its currency (3N/2): at 20 000 clients, 26 000 by
# number and 1 000 clients by payer and amount (their 3 000 invoices) of 30 000.
MIX = {
    "paypal": {
        "payer_amount": 0.02,
        "review": 0.12,
        "money_out": 0.26,
        "pending": 0.08,
    },
    "mercadopago": {
        "payer_amount": 0.02,
        "review": 0.12,
        "money_out": 0.34,
        "pending": 0.0,  # the release report has released money only
    },
}
# Within "invoice_number": the number only inside a text, a part payment, more than due.
IN_TEXT, IN_PARTIAL, IN_MORE = 0.10, 0.03, 0.02
# Within "review": the kinds of line a person must look at, with weights.
REVIEW_KINDS = (
    ("unknown_payer", 40),  # no number, a payer who is no client
    ("no_amount_matches", 25),  # a client's email / document, an amount no invoice has
    ("other_currency", 15),  # the number of an invoice in the other currency
    ("more_than_twice", 10),  # the number of an unpaid invoice, more than twice its due
    ("paid_twice", 10),  # the number of an invoice another line of the file pays
)
SERVICE_WINDOW = 14  # due dates from the day after the daily run, within the notice window
STATEMENT_DAYS = 3  # the statements cover the days from the invoices' day; import after
FIRST_NAMES = (
    "Martín", "Lucía", "José", "María", "Sofía", "Juan", "Valentina", "Matías", "Camila",
    "Santiago", "Inés", "Agustín", "Florencia", "Diego", "Paula", "Nicolás",
)  # fmt: skip
LAST_NAMES = (
    "García", "Pérez", "González", "Rodríguez", "Fernández", "López", "Martínez", "Núñez",
    "Suárez", "Acuña", "Silva", "Romero", "Sosa", "Benítez", "Díaz", "Álvarez",
)  # fmt: skip
MAIL_DOMAINS = ("gmail.com", "hotmail.com", "yahoo.com.ar", "outlook.com", "live.com.ar")
COMPANY = "cobros@hosting.example"  # the company's own PayPal account


@dataclass
class Expected:
    """What the rows of one file should become (SPEC PAY-2 … PAY-4)."""

    rows: int = 0  # data rows in the file (MercadoPago balance and total rows apart)
    lines: int = 0  # rows that are statement lines (PayPal Pending rows are none)
    applied_lines: int = 0
    applied_invoice_number: int = 0
    applied_payer_amount: int = 0
    invoices_paid: int = 0  # a line paying all of a client's invoices pays three
    review: int = 0
    ignored: int = 0
    pending_rows: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    short_of_invoices: int = 0  # invoice-number lines not made: not enough invoices
    bytes: int = 0


# --------------------------------------------------------------------------- the base
def cuit(prefix: int, number: int) -> str:
    """An Argentine CUIT with its check digit: ``20-12345678-6``."""
    digits = f"{prefix:02d}{number:08d}"
    total = sum(int(d) * w for d, w in zip(digits, (5, 4, 3, 2, 7, 6, 5, 4, 3, 2), strict=True))
    check = (11 - total % 11) % 11
    return f"{prefix:02d}-{number:08d}-{9 if check == 10 else check}"


def write_base(workdir: Path, clients: int, start: dt.date, seed: int) -> None:
    """clients.csv (N clients) and services.csv (3N active services, the three of a client
    due on three different days of the notice window): the daily run of ``start`` issues
    one invoice per service."""
    rng = random.Random(seed)
    choices = [(p, c) for p, c, w in daily_bench.MIX for _ in range(w)]
    with (workdir / "clients.csv").open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(
            ["name", "email", "phone", "country", "currency", "document", "company", "support_plan"]
        )
        for i in range(1, clients + 1):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            user = f"{first}.{last}".lower().translate(str.maketrans("áéíóúñ", "aeioun"))
            email = f"{user}{i}@{rng.choice(MAIL_DOMAINS)}"
            if i % 2:  # ARS: Argentina, every one with a CUIT (as written, with or without dashes)
                currency, country = "ARS", "AR"
                document = cuit(rng.choice((20, 23, 27)), 10_000_000 + i)
                if rng.random() < 0.3:
                    document = document.replace("-", "")
            else:
                currency = "USD"
                country = rng.choice(("AR", "UY", "CL", "MX", "ES", "US"))
                document = cuit(30, 10_000_000 + i) if rng.random() < 0.3 else ""
            phone = f"+54911{rng.randrange(2 * 10**7, 9 * 10**7)}" if rng.random() < 0.8 else ""
            company = f"{last} y Asociados SRL" if rng.random() < 0.2 else ""
            plan = rng.choice(("standard", "standard", "standard", "professional", "full"))
            out.writerow(
                [f"{first} {last}", email, phone, country, currency, document, company, plan]
            )
    with (workdir / "services.csv").open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["client_email", "product", "cycle", "status", "next_due_date", "domain"])
        with (workdir / "clients.csv").open(encoding="utf-8") as read:
            emails = [row["email"] for row in csv.DictReader(read)]
        number = 0
        for email in emails:
            for offset in rng.sample(range(1, SERVICE_WINDOW + 1), 3):
                number += 1
                product, cycle = rng.choice(choices)
                due = start + dt.timedelta(days=offset)
                domain = f"sitio{number}.com.ar" if product == "domain-com" or number % 2 else ""
                out.writerow([email, product, cycle, "active", due.isoformat(), domain])
    (workdir / "catalogue.toml").write_text(
        daily_bench.CATALOGUE_FILE.read_text(encoding="utf-8"), encoding="utf-8"
    )


def prepare(opts: argparse.Namespace, workdir: Path) -> tuple[str, str | None, float]:
    """In the helper process: the CSV files and the database (a PostgreSQL scratch database,
    or an empty SQLite file). Returns (url, scratch name, seconds)."""
    began = time.perf_counter()
    write_base(workdir, opts.clients, dt.date.fromisoformat(opts.start), opts.seed)
    if opts.database_url:
        url, name = daily_bench.make_pg(opts.database_url)
        return url, name, time.perf_counter() - began
    (workdir / "bench.db").touch()  # hostctl makes no named database that is missing
    return f"sqlite:///{workdir / 'bench.db'}", None, time.perf_counter() - began


# --------------------------------------------------------------------------- statements
@dataclass(slots=True)
class Inv:
    number: str
    client: int
    cents: int  # amount due


@dataclass(slots=True)
class Payer:
    id: int
    name: str
    email: str
    document: str | None


@dataclass(slots=True)
class Row:
    """One row of a statement before it is written: what it is and what it carries."""

    kind: str  # what it should become (Expected.kinds)
    day: dt.date
    cents: int  # + in, − out
    reference: str = ""  # Invoice Number / EXTERNAL_REFERENCE
    text: str = ""  # Item Title / a text with the number
    name: str = ""
    email: str = ""
    document: str = ""
    type: str = ""  # PayPal Type / MercadoPago DESCRIPTION
    status: str = "Completed"


def read_books(url: str) -> tuple[dict[str, list[Inv]], dict[int, Payer]]:
    """The unpaid invoices by currency and the clients, as the database has them."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    invoices: dict[str, list[Inv]] = {}
    clients = {}
    with engine.connect() as conn:
        for number, client, currency, cents in conn.execute(
            text(
                "SELECT number, client_id, currency, total_minor - paid_minor FROM invoices "
                "WHERE status = 'unpaid' ORDER BY id"
            )
        ):
            invoices.setdefault(currency, []).append(Inv(number, client, int(cents)))
        for cid, name, email, document in conn.execute(
            text("SELECT id, name, email, document FROM clients ORDER BY id")
        ):
            clients[cid] = Payer(cid, name, email, document)
    engine.dispose()
    return invoices, clients


def plan_rows(
    fmt: str,
    rows: int,
    invoices: dict[str, list[Inv]],
    clients: dict[int, Payer],
    start: dt.date,
    rng: random.Random,
) -> tuple[list[Row], Expected]:
    """The rows of one file, in no order yet, and what they should become."""
    currency = CURRENCY[fmt]
    other = next(c for c in invoices if c != currency) if len(invoices) > 1 else None
    mix = MIX[fmt]
    exp = Expected()
    days = [start + dt.timedelta(days=d) for d in range(STATEMENT_DAYS)]
    mine = list(invoices.get(currency, []))
    by_client: dict[int, list[Inv]] = {}
    for inv in mine:
        by_client.setdefault(inv.client, []).append(inv)
    owners = sorted(by_client)
    rng.shuffle(owners)

    n_pa = round(rows * mix["payer_amount"])
    n_review = round(rows * mix["review"])
    n_out = round(rows * mix["money_out"])
    n_pending = round(rows * mix["pending"])
    n_in = rows - n_pa - n_review - n_out - n_pending
    review_kinds = Counter(
        rng.choices([k for k, _ in REVIEW_KINDS], [w for _, w in REVIEW_KINDS], k=n_review)
    )

    def payer_of(client: int, *, by_document: bool) -> dict[str, str]:
        p = clients[client]
        if by_document:
            return {
                "name": p.name,
                "document": "".join(ch for ch in p.document or "" if ch.isdigit()),
            }
        email = p.email.upper() if rng.random() < 0.15 else p.email  # case does not matter
        return {"name": p.name, "email": email}

    def stranger() -> dict[str, str]:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        n = rng.randrange(10**6)
        return {
            "name": f"{first} {last}",
            "email": f"pagos.{n}@{rng.choice(MAIL_DOMAINS)}",
            "document": cuit(27, 90_000_000 + n),  # no client's: theirs are 10 000 000 + id
        }

    by_doc = fmt == "mercadopago"
    out: list[Row] = []
    # Payer and amount: a client with no other line in the file, no number, the exact amount
    # of one invoice whose amount no other of theirs has, or of all of them together.
    used: set[int] = set()
    taken = 0
    for client in owners:
        if taken == n_pa:
            break
        if by_doc and not clients[client].document:
            continue
        owned = by_client[client]
        amounts = Counter(inv.cents for inv in owned)
        unique = [inv for inv in owned if amounts[inv.cents] == 1]
        if unique and rng.random() < 0.6:
            cents, paid = rng.choice(unique).cents, 1
        else:
            cents, paid = sum(inv.cents for inv in owned), len(owned)
        used.add(client)
        taken += 1
        exp.invoices_paid += paid
        row = Row("payer_amount", rng.choice(days), cents, text="Pago de servicios")
        for key, value in payer_of(client, by_document=by_doc).items():
            setattr(row, key, value)
        out.append(row)
    free = [inv for inv in mine if inv.client not in used]
    rng.shuffle(free)
    if len(free) < n_in:  # fewer invoices than the mix asks for: fewer lines by number
        exp.short_of_invoices = n_in - len(free)
        n_in = len(free)
    paying, spare = free[:n_in], free[n_in:]
    # Paid twice: by this line and by a "paid_twice" one, both to the cent, both by strangers
    # (whichever the import takes first pays it, the other waits: PAY-4 rule 1 only).
    twice = paying[: min(review_kinds["paid_twice"], len(paying))]
    for n, inv in enumerate(paying):
        roll = 1.0 if n < len(twice) else rng.random()
        cents = inv.cents
        if roll < IN_PARTIAL:
            cents = max(1, inv.cents * rng.randint(30, 80) // 100)
        elif roll < IN_PARTIAL + IN_MORE:
            cents = inv.cents + max(1, inv.cents * rng.randint(1, 90) // 100)
        in_text = rng.random() < IN_TEXT
        row = Row(
            "invoice_number",
            rng.choice(days),
            cents,
            reference="" if in_text and fmt == "paypal" else inv.number,
            text=f"Factura {inv.number}" if in_text else "Hosting",
        )
        if in_text and fmt == "mercadopago":
            row.reference = f"Factura {inv.number}"
        # The client's own email / document, or someone else's (a part payment or more than
        # due always someone else's: the client's might also match another invoice of theirs
        # by rule 2, and which rule wins then is not what this bench measures).
        own = roll >= IN_PARTIAL + IN_MORE and n >= len(twice) and rng.random() < 0.7
        who = payer_of(inv.client, by_document=by_doc) if own else stranger()
        for key, value in who.items():
            setattr(row, key, value)
        out.append(row)
    exp.invoices_paid += len(paying)
    # Lines for a person.
    others = list(invoices.get(other, [])) if other else []
    rng.shuffle(others)
    known = [c for c in owners if c not in used and (not by_doc or clients[c].document)]
    for kind, count in review_kinds.items():
        for n in range(count):
            who = stranger()
            row = Row(kind, rng.choice(days), 0)
            if kind == "paid_twice" and n < len(twice):
                row.reference, row.cents = twice[n].number, twice[n].cents
            elif kind == "other_currency" and others:
                inv = others[n % len(others)]
                # paid in this file's currency: about 1 000 ARS a dollar
                rate = Decimal(1000) if currency == "ARS" else Decimal("0.001")
                row.reference, row.cents = inv.number, int(inv.cents * rate) + 1
            elif kind == "more_than_twice" and spare:
                inv = spare[n % len(spare)]
                row.reference, row.cents = inv.number, inv.cents * 2 + rng.randint(1, 5000)
            elif kind == "no_amount_matches" and known:
                who = payer_of(rng.choice(known), by_document=by_doc)
            if not row.cents:  # an amount no invoice has: invoices end in 0 cents
                row.cents = rng.randint(5, 400) * (1000 if currency == "ARS" else 1) * 100 + 37
            row.kind = "review"
            row.text = row.text or "Pago"
            for key, value in who.items():
                setattr(row, key, value)
            out.append(row)
    # Money out.
    outs = (
        (("General Withdrawal", 10), ("Mass Pay Payment", 35), ("Payment Refund", 25),
         ("Express Checkout Payment", 15), ("PreApproved Payment Bill User Payment", 10),
         ("Chargeback", 5))
        if fmt == "paypal"
        else (("payout", 10), ("refund", 25), ("chargeback", 5), ("tax_withholding", 35),
              ("mediation", 5), ("fee-release-in-advance", 20))
    )  # fmt: skip
    for kind in rng.choices([k for k, _ in outs], [w for _, w in outs], k=n_out):
        big = kind in ("General Withdrawal", "payout")
        unit = 1000 if currency == "ARS" else 1
        cents = -rng.randint(50, 900) * unit * 100 if big else -rng.randint(1, 150) * unit * 100
        row = Row("money_out", rng.choice(days), cents - rng.randint(0, 99), type=kind)
        if kind in ("refund", "chargeback", "mediation"):
            row.reference = f"{start.year - 1}-{rng.randint(1, 90_000):06d}"  # a paid one
        if kind == "Mass Pay Payment":
            row.email = f"afiliado{rng.randint(1, 800)}@{rng.choice(MAIL_DOMAINS)}"
            row.name = "Afiliado"
        out.append(row)
    # PayPal rows not yet completed: no lines, whatever they carry.
    for _ in range(n_pending):
        inv = rng.choice(paying or mine)
        row = Row("pending", rng.choice(days), inv.cents, reference=inv.number, status="Pending")
        for key, value in payer_of(inv.client, by_document=False).items():
            setattr(row, key, value)
        row.type = rng.choice(("eCheck Received", "Express Checkout Payment"))
        out.append(row)

    exp.rows = len(out)  # fewer than asked when there are too few invoices or documents
    exp.pending_rows = n_pending
    exp.lines = len(out) - n_pending
    exp.applied_invoice_number = n_in
    exp.applied_payer_amount = taken
    exp.applied_lines = n_in + taken
    exp.review = n_review
    exp.ignored = n_out
    exp.kinds = dict(Counter(r.kind for r in out)) | {
        f"review: {k}": v for k, v in sorted(review_kinds.items())
    }
    return out, exp


def _money(cents: int, thousands: bool = False) -> str:
    value = Decimal(cents) / 100
    return f"{value:,.2f}" if thousands else f"{value:.2f}"


PAYPAL_COLUMNS = (
    "Date", "Time", "TimeZone", "Name", "Type", "Status", "Currency", "Gross", "Fee", "Net",
    "From Email Address", "To Email Address", "Transaction ID", "Shipping Address",
    "Address Status", "Item Title", "Item ID", "Shipping and Handling Amount",
    "Insurance Amount", "Sales Tax", "Option 1 Name", "Option 1 Value", "Option 2 Name",
    "Option 2 Value", "Reference Txn ID", "Invoice Number", "Custom Number", "Quantity",
    "Receipt ID", "Balance", "Address Line 1", "Address Line 2/District/Neighborhood",
    "Town/City", "State/Province/Region/County/Territory/Prefecture/Republic",
    "Zip/Postal Code", "Country", "Contact Phone Number", "Subject", "Note", "Country Code",
    "Balance Impact",
)  # fmt: skip
MERCADOPAGO_COLUMNS = (
    "DATE", "SOURCE_ID", "EXTERNAL_REFERENCE", "RECORD_TYPE", "DESCRIPTION",
    "NET_CREDIT_AMOUNT", "NET_DEBIT_AMOUNT", "GROSS_AMOUNT", "MP_FEE_AMOUNT",
    "FINANCING_FEE_AMOUNT", "SHIPPING_FEE_AMOUNT", "TAXES_AMOUNT", "COUPON_AMOUNT",
    "INSTALLMENTS", "PAYMENT_METHOD", "TAX_DETAIL", "CURRENCY", "TRANSACTION_APPROVAL_DATE",
    "ORDER_ID", "PAYER_NAME", "PAYER_ID_TYPE", "PAYER_ID_NUMBER", "BALANCE_AMOUNT",
)  # fmt: skip


def _paypal_id(rng: random.Random, seen: set[str]) -> str:
    while True:
        tid = "".join(rng.choices(string.digits + string.ascii_uppercase, k=17))
        if tid not in seen:
            seen.add(tid)
            return tid


def _opening(nets: Iterable[int]) -> int:
    """An opening balance that the day's money out never takes below about 1 000."""
    lowest = running = 0
    for net in nets:
        running += net
        lowest = min(lowest, running)
    return 1000_00 - lowest


def write_paypal(path: Path, rows: list[Row], rng: random.Random) -> None:
    """PayPal's activity download: every field quoted, a BOM, the newest row first."""
    seen: set[str] = set()
    stamped = sorted(((r.day, rng.randrange(86_400), r) for r in rows), key=lambda t: (t[0], t[1]))
    fees = [-(r.cents * 54 // 1000 + 30) if r.cents > 0 else 0 for _, _, r in stamped]
    balance = _opening(
        r.cents + fee
        for (_, _, r), fee in zip(stamped, fees, strict=True)
        if r.status == "Completed"
    )
    lines = []
    for (day, second, r), fee in zip(stamped, fees, strict=True):
        gross = r.cents
        incoming = gross > 0
        completed = r.status == "Completed"
        if completed:
            balance += gross + fee
        kind = r.type or rng.choice(
            ("Express Checkout Payment", "Website Payment", "General Payment", "Mobile Payment")
        )
        tid = _paypal_id(rng, seen)
        name = (
            {
                "General Withdrawal": "Banco de Galicia y Buenos Aires",
                "Express Checkout Payment": "OVHcloud",
                "PreApproved Payment Bill User Payment": "Namecheap, Inc.",
            }.get(kind, r.name)
            if not incoming
            else r.name
        )
        lines.append(
            {
                "Date": day.strftime("%d/%m/%Y"),
                "Time": f"{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}",
                "TimeZone": "America/Buenos_Aires",
                "Name": name,
                "Type": kind,
                "Status": r.status,
                "Currency": "USD",
                "Gross": _money(gross, True),
                "Fee": _money(fee, True),
                "Net": _money(gross + fee, True),
                "From Email Address": (r.email or "") if incoming else COMPANY,
                "To Email Address": COMPANY if incoming else (r.email or ""),
                "Transaction ID": tid,
                "Shipping Address": "",
                "Address Status": "Non-Confirmed" if incoming else "",
                "Item Title": r.text if incoming else "",
                "Item ID": "",
                "Shipping and Handling Amount": "0.00",
                "Insurance Amount": "",
                "Sales Tax": "0.00",
                "Option 1 Name": "",
                "Option 1 Value": "",
                "Option 2 Name": "",
                "Option 2 Value": "",
                "Reference Txn ID": _paypal_id(rng, seen) if kind == "Payment Refund" else "",
                "Invoice Number": r.reference if incoming else "",
                "Custom Number": "",
                "Quantity": "1" if incoming else "0",
                "Receipt ID": f"{rng.randrange(10**15):04d}" if incoming else "",
                "Balance": _money(balance, True) if completed else "",
                "Address Line 1": "",
                "Address Line 2/District/Neighborhood": "",
                "Town/City": "",
                "State/Province/Region/County/Territory/Prefecture/Republic": "",
                "Zip/Postal Code": "",
                "Country": "",
                "Contact Phone Number": "",
                "Subject": r.text if incoming else "",
                "Note": "",
                "Country Code": "AR" if incoming else "",
                "Balance Impact": ("Credit" if incoming else "Debit") if completed else "Memo",
            }
        )
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        out = csv.DictWriter(handle, PAYPAL_COLUMNS, quoting=csv.QUOTE_ALL)
        out.writeheader()
        out.writerows(reversed(lines))


def write_mercadopago(path: Path, rows: list[Row], start: dt.date, rng: random.Random) -> None:
    """MercadoPago's release report, ``;`` separated, oldest first, between the initial
    balance row and the total row."""
    stamped = sorted(((r.day, rng.randrange(86_400), r) for r in rows), key=lambda t: (t[0], t[1]))
    amounts = []
    for _, _, r in stamped:
        fee = -(r.cents * 76 // 1000) if r.cents > 0 else 0
        taxes = -(r.cents * 25 // 1000) if r.cents > 0 and rng.random() < 0.5 else 0
        amounts.append((fee, taxes))
    opening = balance = _opening(
        r.cents + f + t for (_, _, r), (f, t) in zip(stamped, amounts, strict=True)
    )
    source = 130_000_000_000 + rng.randrange(10**9)
    credit = debit = 0

    def when(day: dt.date, second: int) -> str:
        return f"{day}T{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}.000-03:00"

    blank = dict.fromkeys(MERCADOPAGO_COLUMNS, "")
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.DictWriter(handle, MERCADOPAGO_COLUMNS, delimiter=";", lineterminator="\r\n")
        out.writeheader()
        out.writerow(
            blank
            | {
                "DATE": when(start, 0),
                "RECORD_TYPE": "initial_available_balance",
                "NET_CREDIT_AMOUNT": _money(opening),
                "NET_DEBIT_AMOUNT": "0.00",
                "BALANCE_AMOUNT": _money(opening),
            }
        )
        paid: list[tuple[int, str]] = []  # the payments so far: SOURCE_ID, reference
        for (day, second, r), (fee, taxes) in zip(stamped, amounts, strict=True):
            source += rng.randint(1, 40_000)
            source_id, reference = source, r.reference
            if r.type in ("refund", "chargeback", "mediation") and paid and rng.random() < 0.3:
                # The refund of a payment of these days: that payment's SOURCE_ID and
                # reference (an invoice number), once.
                source_id, reference = paid.pop(rng.randrange(len(paid)))
            elif r.cents > 0:
                paid.append((source, r.reference))
            gross = r.cents
            net = gross + fee + taxes
            balance += net
            credit += max(net, 0)
            debit += max(-net, 0)
            method = (
                rng.choice(("account_money", "visa", "master", "debvisa", "pagofacil", "rapipago"))
                if gross > 0
                else ""
            )
            out.writerow(
                blank
                | {
                    "DATE": when(day, second),
                    "SOURCE_ID": str(source_id),
                    "EXTERNAL_REFERENCE": reference,
                    "RECORD_TYPE": "release",
                    "DESCRIPTION": r.type or "payment",
                    "NET_CREDIT_AMOUNT": _money(max(net, 0)),
                    "NET_DEBIT_AMOUNT": _money(max(-net, 0)),
                    "GROSS_AMOUNT": _money(gross),
                    "MP_FEE_AMOUNT": _money(fee),
                    "FINANCING_FEE_AMOUNT": "0.00",
                    "SHIPPING_FEE_AMOUNT": "0.00",
                    "TAXES_AMOUNT": _money(taxes),
                    "COUPON_AMOUNT": "0.00",
                    "INSTALLMENTS": "1" if gross > 0 else "",
                    "PAYMENT_METHOD": method,
                    "TAX_DETAIL": "tax_withholding_iibb" if taxes else "",
                    "CURRENCY": "ARS",
                    "TRANSACTION_APPROVAL_DATE": when(day - dt.timedelta(days=1), second)
                    if gross > 0
                    else "",
                    "ORDER_ID": str(rng.randrange(10**10, 10**11)) if gross > 0 else "",
                    "PAYER_NAME": r.name if gross > 0 else "",
                    "PAYER_ID_TYPE": "CUIT" if r.document else "",
                    "PAYER_ID_NUMBER": "".join(c for c in r.document if c.isdigit()),
                    "BALANCE_AMOUNT": _money(balance),
                }
            )
        out.writerow(
            blank
            | {
                "DATE": when(start + dt.timedelta(days=STATEMENT_DAYS - 1), 86_399),
                "RECORD_TYPE": "total",
                "NET_CREDIT_AMOUNT": _money(opening + credit),
                "NET_DEBIT_AMOUNT": _money(debit),
                "BALANCE_AMOUNT": _money(balance),
            }
        )


def write_statements(
    url: str, workdir: Path, rows: int, start: dt.date, seed: int
) -> tuple[dict[str, Any], float]:
    """In the helper process: both files, from the database's unpaid invoices; what each
    row should become."""
    began = time.perf_counter()
    invoices, clients = read_books(url)
    books = {
        "unpaid_invoices": sum(len(v) for v in invoices.values()),
        "by_currency": {k: len(v) for k, v in sorted(invoices.items())},
        "clients": len(clients),
    }
    expected = {}
    for n, fmt in enumerate(FILES):
        rng = random.Random(seed * 1000 + n)
        planned, exp = plan_rows(fmt, rows, invoices, clients, start, rng)
        path = workdir / f"{fmt}.csv"
        if fmt == "paypal":
            write_paypal(path, planned, rng)
        else:
            write_mercadopago(path, planned, start, rng)
        exp.bytes = path.stat().st_size
        expected[fmt] = asdict(exp)
    return {"books": books, "expected": expected}, time.perf_counter() - began


def snapshot(workdir: Path) -> None:
    """In the helper process: invoiced.db, the database before any import (to profile one)."""
    daily_bench._checkpoint(workdir / "bench.db")
    shutil.copy(workdir / "bench.db", workdir / "invoiced.db")


# --------------------------------------------------------------------------- running
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


def counts(data: dict[str, Any]) -> dict[str, Any]:
    """The figures of a ``payment import --json`` report."""
    if not data:
        return {}
    applied = data.get("applied") or []  # one entry per invoice a line paid
    ignored = data.get("ignored") or []
    by_line = {a.get("line_id") or a.get("transaction_id"): a.get("by") for a in applied}
    return {
        "lines": data.get("lines"),
        "new": data.get("new"),
        "already_imported": data.get("already_imported"),
        "applied": len(by_line),
        "applied_entries": len(applied),
        "applied_by": dict(Counter(by_line.values())),
        "review": len(data.get("review") or []),
        "ignored": len(ignored),
        "ignored_why": dict(Counter(str(i.get("why")) for i in ignored).most_common(8)),
    }


def bench(opts: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    run = daily_bench.run
    exe = daily_bench.hostctl()
    start = dt.date.fromisoformat(opts.start)
    import_day = (start + dt.timedelta(days=STATEMENT_DAYS)).isoformat()
    result: dict[str, Any] = {
        "database": "postgresql" if opts.database_url else "sqlite",
        "clients": opts.clients,
        "lines_per_file": opts.lines,
        "start": opts.start,
        "import_day": import_day,
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
    }
    # The data are made in a process of their own: Linux counts the RSS of the process that
    # starts a child in the child's peak (ru_maxrss survives exec), so this one stays small.
    spawn = multiprocessing.get_context("spawn")
    print("writing the clients and services …", file=sys.stderr)
    with spawn.Pool(1) as pool:
        url, pg_name, seconds = pool.apply(prepare, (opts, workdir))
    result["base_generation_seconds"] = round(seconds, 2)
    env = {
        **os.environ,
        "HOSTCTL_DATABASE_URL": url,
        "HOSTCTL_STAFF": "bench",
        "HOSTCTL_TODAY": opts.start,
        "NO_COLOR": "1",
    }
    env.pop("HOSTCTL_NOW", None)
    steps: list[daily_bench.Step] = []
    try:
        print("catalogue, clients, services, daily …", file=sys.stderr)
        for name, args in [
            ("catalogue", [exe, "product", "import", str(workdir / "catalogue.toml")]),
            ("client_import", [exe, "client", "import", str(workdir / "clients.csv")]),
            ("service_import", [exe, "service", "import", str(workdir / "services.csv")]),
            ("daily", [exe, "daily", "--date", opts.start, "--no-send", "--json"]),
        ]:
            steps.append(run(name, args, env, workdir))
            if steps[-1].exit_code:
                return report(result, steps, workdir)
        print("writing the statements …", file=sys.stderr)
        with spawn.Pool(1) as pool:
            made, seconds = pool.apply(
                write_statements, (url, workdir, opts.lines, start, opts.seed)
            )
            if opts.keep and not opts.database_url:  # the database before any import
                pool.apply(snapshot, (workdir,))
        result |= made
        result["statements_generation_seconds"] = round(seconds, 2)
        env["HOSTCTL_TODAY"] = import_day
        for fmt in FILES:
            print(f"payment import {fmt}.csv …", file=sys.stderr)
            args = [exe, "payment", "import", str(workdir / f"{fmt}.csv"), "--json"]
            for name in (fmt, f"{fmt}_again"):
                steps.append(run(name, args, env, workdir))
                if steps[-1].exit_code:
                    break
        result["bench_process_peak_mb"] = _own_peak()  # before dropping PostgreSQL's database
    finally:
        if pg_name and opts.database_url and not opts.keep:
            daily_bench.drop_pg(opts.database_url, pg_name)
        elif pg_name:
            result["kept_database"] = url
    return report(result, steps, workdir)


def _own_peak() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def report(result: dict[str, Any], steps: list[daily_bench.Step], workdir: Path) -> dict[str, Any]:
    by = {s.name: s for s in steps}

    def ok(name: str) -> daily_bench.Step | None:
        step = by.get(name)
        return step if step is not None and step.exit_code == 0 else None

    figures: dict[str, float | None] = {}
    for fmt in FILES:
        first, again = ok(fmt), ok(f"{fmt}_again")
        figures[f"{fmt}_seconds"] = first and first.seconds
        figures[f"{fmt}_peak_mb"] = first and first.peak_mb
        figures[f"{fmt}_again_seconds"] = again and again.seconds
    result["steps"] = [asdict(s) | {"output": s.output if s.exit_code else ""} for s in steps]
    # The floor of every step's peak (see ``bench``): this process's own peak, before it reads
    # the reports (large: they are read after every step ran).
    result.setdefault("bench_process_peak_mb", _own_peak())
    result["reported"] = {
        name: counts(_json(step, workdir)) for name, step in by.items() if name.startswith(FILES)
    }
    result["daily"] = daily_bench._summary(by.get("daily"))
    result["targets"] = {
        k: {
            "value": v,
            "target": TARGETS[k],
            "ratio": None if v is None else round(v / TARGETS[k], 2),
            "met": v is not None and v <= TARGETS[k],
        }
        for k, v in figures.items()
    }
    result["failed"] = [s.name for s in steps if s.exit_code != 0]
    return result


def print_table(result: dict[str, Any]) -> None:
    books = result.get("books") or {}
    print(
        f"hostctl payment import bench: {result['clients']:,} clients, "
        f"{books.get('unpaid_invoices', 0):,} unpaid invoices "
        f"({', '.join(f'{v:,} {k}' for k, v in (books.get('by_currency') or {}).items())}), "
        f"{result['lines_per_file']:,} rows a file; {result['database']}, "
        f"{result['cpus']} CPUs, Python {result['python']}"
    )
    print(
        f"generated in {result.get('base_generation_seconds', 0):.1f} s (clients, services) + "
        f"{result.get('statements_generation_seconds', 0):.1f} s (statements); invoices issued "
        f"{result['start']}, imported {result['import_day']}"
    )
    if result.get("kept_database"):
        print(f"database kept at {result['kept_database']}")
    print(f"{'step':<20}{'seconds':>9}{'cpu s':>8}{'peak MB':>9}  command")
    for s in result["steps"]:
        status = "" if s["exit_code"] == 0 else f"  [exit {s['exit_code']}]"
        command = s["command"] if len(s["command"]) < 70 else "…" + s["command"][-67:]
        print(
            f"{s['name']:<20}{s['seconds']:>9.2f}{s['cpu_seconds']:>8.2f}{s['peak_mb']:>9.1f}"
            f"  {command}{status}"
        )
    if result.get("daily"):
        print("daily: " + ", ".join(f"{k} {v:,}" for k, v in result["daily"].items()))
    expected = result.get("expected") or {}
    keys = ("lines", "new", "already_imported", "applied", "review", "ignored")
    if expected:
        print()
        print(f"{'import':<20}" + "".join(f"{k:>18}" for k in keys))
    for fmt in FILES:
        exp = expected.get(fmt)
        if not exp:
            continue
        want = {
            "lines": exp["lines"],
            "new": exp["lines"],
            "already_imported": 0,
            "applied": exp["applied_lines"],
            "review": exp["review"],
            "ignored": exp["ignored"],
        }
        again = {"lines": exp["lines"], "new": 0, "already_imported": exp["lines"],
                 "applied": 0, "review": 0, "ignored": 0}  # fmt: skip
        print(
            f"{fmt + ' (expected)':<20}" + "".join(f"{want[k]:>18,}" for k in keys)
            + f"   ({exp['rows']:,} rows, {exp['pending_rows']:,} pending, "
            f"{exp['bytes'] / 2**20:.1f} MiB)"
        )  # fmt: skip
        for name, wanted in ((fmt, want), (f"{fmt}_again", again)):
            got = (result.get("reported") or {}).get(name)
            if not got:
                continue
            cells = []
            for k in keys:
                value = got.get(k)
                mark = "" if value == wanted[k] else "*"
                cells.append(f"{'-' if value is None else f'{value:,}'}{mark:1}")
            print(f"{name:<20}" + "".join(f"{c:>18}" for c in cells))
        got = (result.get("reported") or {}).get(fmt) or {}
        if got:
            print(
                f"  applied by {got.get('applied_by')} (expected invoice-number "
                f"{exp['applied_invoice_number']:,}, payer-amount "
                f"{exp['applied_payer_amount']:,}); {got.get('applied_entries'):,} invoices paid "
                f"(expected {exp['invoices_paid']:,})"
            )
            if got.get("ignored_why"):
                print(f"  ignored: {got['ignored_why']}")
        if exp.get("short_of_invoices"):
            print(f"  {exp['short_of_invoices']:,} invoice-number rows fewer: too few invoices")
    if expected:
        print("  (* differs from what the rows should become)")
    print(
        f"(peak RSS of the bench process itself, a floor of each figure: "
        f"{result['bench_process_peak_mb']} MB)"
    )
    print()
    print(f"{'target':<26}{'value':>9}{'limit':>12}{'ratio':>8}  met")
    for name, t in result["targets"].items():
        value = "-" if t["value"] is None else f"{t['value']:.2f}"
        ratio = "-" if t["ratio"] is None else f"{t['ratio']:.2f}"
        unit = " MB" if name.endswith("_mb") else " s"
        met = "-" if t["value"] is None else "yes" if t["met"] else "NO"
        print(f"{name:<26}{value:>9}{t['target']:>9.1f}{unit:<3}{ratio:>8}  {met}")
    for s in result["steps"]:
        if s["exit_code"]:
            print(f"\n{s['name']} failed:\n{s['output']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20_000, help="default 20 000")
    parser.add_argument("--lines", type=int, default=50_000, help="rows a file (default 50 000)")
    parser.add_argument("--start", default="2027-03-01", help="the invoices' day (YYYY-MM-DD)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--database-url",
        default=None,
        help="a PostgreSQL server URL; a scratch database is made and dropped",
    )
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    opts = parser.parse_args(argv)
    return daily_bench.run_bench(opts, "hostctl-receipts-bench-", bench, print_table)


if __name__ == "__main__":
    sys.exit(main())
