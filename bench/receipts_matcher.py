"""Speed check of the statement-line matcher (``core/receipts/matcher.py``) alone.

Builds a fresh database (SQLite in a temporary folder, or ``--database-url``) with N clients
(email and document number) and 3N unpaid invoices, then matches 50 000 statement lines in
batches of 2 000, as ``payment import`` passes them: 40 % name an invoice number in a
description that also holds a date and an amount, 25 % come from a payer's email with one
invoice's amount due, 20 % from a payer's document (written with dashes) with the amount of
all the client's invoices together, 15 % from nobody hostctl knows. Prints the time of the
matching only (not of building the data: wall time, and the CPU time of this process, which
leaves out the database server's on PostgreSQL) and how the lines ended.

    python bench/receipts_matcher.py                 # 20 000 clients, 50 000 lines, SQLite
    python bench/receipts_matcher.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres

It is a report: the exit status is 0 whatever the figures.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import os
import random
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from hostctl import db
from hostctl.core.bulk import batched, chunks
from hostctl.core.receipts.lines import ParsedLine
from hostctl.core.receipts.matcher import Match, match_lines
from hostctl.models import Client, Invoice


def build(url: str, clients: int, rng: random.Random) -> list[list[tuple[int, str, int]]]:
    """The clients and their invoices; per client its invoices as (id, number, due minor)."""
    now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    today = now.date()
    client_rows = [
        {
            "id": n + 1,
            "name": f"Client {n}",
            "email": f"client{n}@example.com",
            "email_key": f"client{n}@example.com",
            "currency": "USD",
            "document": f"20-{n:08d}-1",
            "document_key": f"20{n:08d}1",
            "support_plan": "standard",
            "credit_minor": 0,
            "verified": False,
            "status": "active",
            "search_key": "",
            "created_on": today,
            "created_at": now,
            "updated_at": now,
        }
        for n in range(clients)
    ]
    owed: list[list[tuple[int, str, int]]] = [[] for _ in range(clients)]
    invoice_rows = []
    seq = 0
    for n in range(clients):
        for k in range(3):
            seq += 1
            total = rng.randrange(500, 50_000)
            number = f"2026-{seq:06d}"
            invoice_rows.append(
                {
                    "id": seq,
                    "number": number,
                    "year": 2026,
                    "seq": seq,
                    "client_id": n + 1,
                    "kind": "renewal",
                    "status": "unpaid",
                    "issue_date": today,
                    "due_date": today + dt.timedelta(days=k * 30 + rng.randrange(30)),
                    "currency": "USD",
                    "total_minor": total,
                    "paid_minor": 0,
                    "reminders_sent": 0,
                    "created_at": now,
                }
            )
            owed[n].append((seq, number, total))
    engine = db.get_engine(url, create=True)
    with engine.begin() as conn:
        for part in chunks(client_rows, 5000):
            conn.execute(sa.insert(Client.__table__), list(part))  # type: ignore[attr-defined]
        for part in chunks(invoice_rows, 5000):
            conn.execute(sa.insert(Invoice.__table__), list(part))  # type: ignore[attr-defined]
    return owed


def lines(
    owed: list[list[tuple[int, str, int]]], count: int, rng: random.Random
) -> list[ParsedLine]:
    made = []
    for t in range(count):
        n = rng.randrange(len(owed))
        invoices = owed[n]
        kind = rng.random()
        email = document = description = None
        if kind < 0.40:
            _id, number, due = rng.choice(invoices)
            amount = Decimal(due) / 100
            description = f"Pago 05/12/2026 factura {number} por 1.234,56 ref 2026"
        elif kind < 0.65:
            _id, _number, due = rng.choice(invoices)
            amount = Decimal(due) / 100
            email = f"Client{n}@Example.com"
        elif kind < 0.85:
            amount = Decimal(sum(due for _i, _n, due in invoices)) / 100
            document = f"20-{n:08d}-1"
        else:
            amount = Decimal(rng.randrange(100, 99_999)) / 100
            email = f"stranger{t}@example.net"
            description = f"Transferencia {rng.randrange(10**9)}"
        made.append(
            ParsedLine(
                transaction_id=f"T{t}",
                date=dt.date(2026, 12, 5),
                amount=amount,
                currency="USD",
                payer_email=email,
                payer_document=document,
                description=description,
            )
        )
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20_000)
    parser.add_argument("--lines", type=int, default=50_000)
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    rng = random.Random(23)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        scratch = f"hostctl_matcher_bench_{os.getpid()}"
        if args.database_url:  # a scratch database of its own, dropped at the end
            admin = sa.create_engine(args.database_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{scratch}"'))
            url = make_url(args.database_url).set(database=scratch).render_as_string(False)
        owed = build(url, args.clients, rng)
        parsed = lines(owed, args.lines, rng)
        outcome: collections.Counter[str] = collections.Counter()
        start, cpu = time.perf_counter(), time.process_time()
        with db.unit_of_work(url=url, readonly=True) as session:
            for batch in batched(parsed, args.batch):
                for result in match_lines(session, batch):
                    outcome[result.by if isinstance(result, Match) else "review"] += 1
        took, cpu = time.perf_counter() - start, time.process_time() - cpu
        db.dispose_all()
        if args.database_url:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
            admin.dispose()
    print(
        f"{args.lines} lines against {args.clients} clients / {3 * args.clients} unpaid "
        f"invoices, batches of {args.batch}: {took:.2f} s ({cpu:.2f} s CPU in this process); "
        f"{dict(sorted(outcome.items()))}"
    )


if __name__ == "__main__":
    main()
