"""The floor of ``hostctl daily`` on SQLite: a plain-``sqlite3`` program that writes exactly
the rows ``daily`` writes, with nothing else around it (no ORM, no SQLAlchemy, no CLI).

    python bench/floor.py DATABASE --until 2027-01-31

Like ``hostctl daily --no-send`` it runs every day from the one after the last finished run
(``daily_runs``) up to ``--until``, each day one transaction, and writes what
``core/lifecycle.run_day`` writes for it: renewal invoices with their lines (one invoice
per client and due date, period and volume discounts, DSC-8), the reminders, the D+25
terminations with their invoices cancelled and the client's other services reactivated
when no overdue debt is left, the D+2 and 5th-business-day suspensions, quote and
transfer expiry; the outbox rows (one per channel) and audit entries of each; the
``daily_runs`` row and the lease in ``locks``. ``bench/daily.py`` runs it on a copy of the
database beside hostctl's own run and compares every row both wrote, so this floor cannot
do less than hostctl does.

What the bench's data never holds is refused rather than imitated (exit 2 and a sentence):
services set not to renew, client credit, credit paid back on a cancelled invoice, a
product without a price in the client's currency, expired domains to delete, event hooks.
It reads the stdlib only (``sqlite3``, ``json``, ``zoneinfo``), and the holiday table from
hostctl's own cache file (what hostctl reads too), else from the ``holidays`` package.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sqlite3
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

COMPANY_TZ = ZoneInfo("America/Argentina/Buenos_Aires")
STAFF = "daily"
CHUNK = 2000  # ids per IN (...) list, as hostctl
REMINDERS = (("first", 10, 1), ("second", 5, 2), ("final", 1, 3))
PERIOD_DISCOUNT = {"monthly": 0, "quarterly": 0, "semiannual": 6, "annual": 20, "biennial": 33}
VOLUME_TIERS = ((30, 50), (10, 40), (5, 25), (3, 10))
CYCLE_MONTHS = {"monthly": 1, "quarterly": 3, "semiannual": 6, "annual": 12, "biennial": 24}
CYCLE_NAMES_ES = {
    "monthly": "mensual",
    "quarterly": "trimestral",
    "semiannual": "semestral",
    "annual": "anual",
    "biennial": "bienal",
}
MINOR_DIGITS = {"CLP": 0, "PYG": 0}  # every other currency hostctl bills in has 2
DOMAIN_DELETE_AFTER_DAYS = 30
DEFAULTS = {
    "billing.renewal_days_before": "15",
    "billing.termination_days_after": "25",
    "billing.apply_credit": "true",
    "calendar.holidays_country": "AR",
}
dumps = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode


class Unsupported(Exception):
    """Data this floor does not imitate (the bench never makes it)."""


# --------------------------------------------------------------------------- values
def utc_text(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def real_now() -> str:
    return utc_text(dt.datetime.now(dt.UTC))


def money(minor: int, currency: str) -> str:
    digits = MINOR_DIGITS.get(currency, 2)
    if not digits:
        return str(minor)
    units, cents = divmod(abs(minor), 10**digits)
    return f"{'-' if minor < 0 else ''}{units}.{cents:0{digits}d}"


def percent(minor: int, pct: int) -> int:
    """``pct`` % of a non-negative amount, rounded half-up to the minor unit."""
    whole, rest = divmod(minor * pct, 100)
    return whole + (1 if rest * 2 >= 100 else 0)


def pct_text(value: int) -> str:
    return f"{Decimal(value).normalize():f} %"


def add_months(day: dt.date, months: int, anchor: int | None) -> dt.date:
    import calendar

    anchor = anchor or day.day
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return dt.date(year, month + 1, min(anchor, calendar.monthrange(year, month + 1)[1]))


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def marks(n: int) -> str:
    return ",".join("?" * n)


# --------------------------------------------------------------------------- calendar
def holidays_of(country: str, year: int) -> set[dt.date]:
    """The country's holidays of ``year``: hostctl's cache file if it has them."""
    from importlib.util import find_spec

    spec = find_spec("holidays")
    folder = os.environ.get("HOSTCTL_CACHE_DIR")
    if not folder:
        from platformdirs import user_cache_dir

        folder = user_cache_dir("hostctl", appauthor=False)
    if spec and spec.origin:
        path = Path(folder) / f"holidays-{os.stat(spec.origin).st_mtime_ns}.json"
        try:
            table = json.loads(path.read_text(encoding="utf-8"))["tables"][f"{country}:{year}:"]
            return {dt.date.fromisoformat(d) for d in table}
        except (OSError, ValueError, KeyError, TypeError):
            pass
    import holidays

    return {d for d in holidays.country_holidays(country, years=year) if d.year == year}


class Calendar:
    def __init__(self, country: str) -> None:
        self.country = country
        self.years: dict[int, set[dt.date]] = {}

    def business(self, day: dt.date) -> bool:
        if day.weekday() >= 5:
            return False
        if day.year not in self.years:
            self.years[day.year] = holidays_of(self.country, day.year)
        return day not in self.years[day.year]

    def add_business_days(self, day: dt.date, n: int) -> dt.date:
        while n:
            day += dt.timedelta(days=1)
            if self.business(day):
                n -= 1
        return day

    def debtor_cutoff(self, day: dt.date) -> dt.date:
        candidate = day
        while self.add_business_days(candidate, 5) > day:
            candidate -= dt.timedelta(days=1)
        return candidate


# --------------------------------------------------------------------------- the run
class Floor:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.db = conn
        raw = dict(DEFAULTS)
        raw.update(conn.execute("SELECT key, value FROM settings").fetchall())
        if raw.get("hooks.dir"):
            raise Unsupported("hooks.dir is set")
        self.notice = int(raw["billing.renewal_days_before"])
        self.termination = int(raw["billing.termination_days_after"])
        self.apply_credit = raw["billing.apply_credit"].strip().lower() in {
            "true",
            "yes",
            "on",
            "1",
        }
        self.calendar = Calendar(raw["calendar.holidays_country"].strip().upper())
        self.products = {
            code: (name, bool(period))
            for code, name, period in conn.execute(
                "SELECT code, name, period_discount FROM products"
            )
        }
        self.prices = {
            (code, cur): minor
            for code, cur, minor in conn.execute(
                "SELECT product_code, currency, monthly_minor FROM product_prices"
            )
        }
        self.names = {code: name for code, (name, _) in self.products.items()}

    # ----------------------------------------------------------------- writers
    def outbox(self, rows: Iterable[tuple[Any, ...]]) -> None:
        """rows: (event, client_id, phone, email, invoice_id, service_id, stage, data)."""
        today, now = self.today, self.now

        def expand() -> Iterator[tuple[Any, ...]]:
            for event, client_id, phone, email, invoice_id, service_id, stage, data in rows:
                payload = dumps(data)
                for channel, reach in (("whatsapp", phone), ("email", email)):
                    if reach:
                        yield (
                            event,
                            channel,
                            client_id,
                            invoice_id,
                            service_id,
                            stage,
                            payload,
                            today,
                            now,
                        )

        self.db.executemany(
            "INSERT INTO outbox (event, channel, client_id, invoice_id, service_id, stage, "
            "payload, status, attempts, effective_date, created_at, next_attempt_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, NULL)",
            expand(),
        )

    def audit(self, rows: Iterable[tuple[str, str, Any, str, str | None]]) -> None:
        """rows: (action, entity_type, entity_id, changes JSON, note)."""
        at, today = real_now(), self.today
        self.db.executemany(
            "INSERT INTO audit_log (at, effective_date, staff, action, entity_type, entity_id, "
            "changes, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            ((at, today, STAFF, a, t, str(i), c, n) for a, t, i, c, n in rows),
        )

    def update_ids(self, table: str, setting: str, values: tuple[Any, ...], ids: list[int]) -> None:
        for chunk in chunks(ids):
            self.db.execute(
                f"UPDATE {table} SET {setting} WHERE id IN ({marks(len(chunk))})",
                (*values, *chunk),
            )

    def contacts(self, ids: Iterable[int]) -> dict[int, tuple[Any, Any]]:
        found: dict[int, tuple[Any, Any]] = {}
        for chunk in chunks(sorted(set(ids))):
            for cid, phone, email in self.db.execute(
                f"SELECT id, phone, email FROM clients WHERE id IN ({marks(len(chunk))})", chunk
            ):
                found[cid] = (phone, email)
        return found

    def service_alerts(self, event: str, rows: list[Any], reason: str) -> None:
        who = self.contacts(r[1] for r in rows)
        self.outbox(
            (
                event,
                r[1],
                *who[r[1]],
                None,
                r[0],
                None,
                {
                    "service_id": r[0],
                    "product": r[2],
                    "product_name": self.names.get(r[2], r[2]),
                    "domain": r[3],
                    "reason": reason,
                },
            )
            for r in rows
        )

    # ----------------------------------------------------------------- one day
    def day(self, day: dt.date) -> dict[str, int]:
        self.today = day.isoformat()
        self.now = utc_text(dt.datetime.combine(day, dt.time(0, 5), tzinfo=COMPANY_TZ))
        counts: dict[str, int] = {}

        def count(key: str, n: int) -> None:
            if n:
                counts[key] = counts.get(key, 0) + n

        ending = self.db.execute(
            "SELECT count(*) FROM services WHERE (auto_renew IS 0 OR cancellation IS NOT NULL) "
            "AND status IN ('active', 'suspended') AND next_due_date <= ?",
            (self.today,),
        ).fetchone()[0]
        if ending:
            raise Unsupported("services set not to renew")
        count("invoices_created", self.renewals(day))
        count("reminders", self.reminders(day))
        count("terminated", self.terminate(day))
        count("suspended", self.suspend_overdue(day))
        count("suspended", self.suspend_debtors(day))
        expired = self.db.execute(
            "SELECT count(*) FROM services WHERE status = 'expired' AND deleted_on IS NULL "
            "AND ended_on <= ?",
            ((day - dt.timedelta(days=DOMAIN_DELETE_AFTER_DAYS)).isoformat(),),
        ).fetchone()[0]
        if expired:
            raise Unsupported("expired domains to delete")
        count(
            "quotes_expired",
            self.db.execute(
                "UPDATE quotes SET status = 'expired', decided_on = ? "
                "WHERE status = 'pending' AND valid_until < ?",
                (self.today, self.today),
            ).rowcount,
        )
        transfers = self.db.execute(
            "UPDATE transfers SET status = 'expired', ended_on = ? "
            "WHERE status = 'pending' AND expires_on < ? RETURNING id, expires_on",
            (self.today, self.today),
        ).fetchall()
        self.audit(
            (
                "transfer.expire",
                "transfer",
                tid,
                dumps({"status": ["pending", "expired"]}),
                f"not confirmed by both holders by {expires}",
            )
            for tid, expires in transfers
        )
        count("expired", len(transfers))
        return counts

    # ----------------------------------------------------------------- D−15
    def renewals(self, day: dt.date) -> int:
        horizon = (day + dt.timedelta(days=self.notice)).isoformat()
        groups: dict[tuple[int, str], list[tuple[Any, ...]]] = {}
        for row in self.db.execute(
            "SELECT s.id, s.client_id, s.next_due_date, s.product_code, s.cycle, s.anchor_day, "
            "s.domain FROM services s WHERE s.status IN ('active', 'suspended') "
            "AND s.auto_renew IS 1 AND s.cancellation IS NULL "
            "AND s.next_due_date IS NOT NULL AND s.next_due_date <= ? AND NOT EXISTS ("
            "SELECT 1 FROM invoice_lines l, invoices i WHERE l.service_id = s.id "
            "AND l.period_start = s.next_due_date AND l.kind = 'item' "
            "AND l.invoice_id = i.id AND i.status != 'cancelled')",
            (horizon,),
        ):
            groups.setdefault((row[1], row[2]), []).append(row)
        if not groups:
            return 0
        keys = sorted(groups)
        client_ids = sorted({cid for cid, _ in keys})
        clients: dict[int, tuple[Any, ...]] = {}
        facts: dict[int, tuple[int, bool]] = {}
        for chunk in chunks(client_ids):
            for row in self.db.execute(
                "SELECT id, currency, credit_minor, phone, email FROM clients "
                f"WHERE id IN ({marks(len(chunk))})",
                chunk,
            ):
                if row[2] and self.apply_credit:
                    raise Unsupported("client credit")
                clients[row[0]] = row
            for cid, active, blocked in self.db.execute(
                "SELECT client_id, sum(status = 'active'), "
                "sum(status = 'suspended' AND suspension_reason = 'non-payment') "
                f"FROM services WHERE client_id IN ({marks(len(chunk))}) GROUP BY client_id",
                chunk,
            ):
                facts[cid] = (active, bool(blocked))
        year = day.year
        self.db.execute(
            "INSERT INTO invoice_counters (year, last) VALUES (?, 0) ON CONFLICT DO NOTHING",
            (year,),
        )
        last = self.db.execute(
            "UPDATE invoice_counters SET last = last + ? WHERE year = ? RETURNING last",
            (len(keys), year),
        ).fetchone()[0]
        first_id = self.db.execute("SELECT coalesce(max(id), 0) + 1 FROM invoices").fetchone()[0]
        invoices, lines, alerts, audits = [], [], [], []
        seq = last - len(keys)
        for invoice_id, (cid, due) in enumerate(keys, start=first_id):
            seq += 1
            number = f"{year}-{seq:06d}"
            _, currency, _, phone, email = clients[cid]
            active, blocked = facts.get(cid, (0, False))
            services = sorted(groups[(cid, due)])
            due_date = dt.date.fromisoformat(due)
            items = []
            by_rate: dict[int, int] = {}
            cycles: dict[int, set[str]] = {}
            subtotal = 0
            for sid, _, _, code, cycle, anchor, domain in services:
                name, period = self.products[code]
                price = self.prices.get((code, currency))
                if price is None:
                    raise Unsupported(f"no {currency} price of {code}")
                amount = price * CYCLE_MONTHS[cycle]
                end = add_months(due_date, CYCLE_MONTHS[cycle], anchor) - dt.timedelta(days=1)
                text = f"{name} — {CYCLE_NAMES_ES[cycle]}" + (f" ({domain})" if domain else "")
                items.append(text)
                lines.append(
                    (invoice_id, len(items), "item", None, text, sid, due, end.isoformat(), amount)
                )
                subtotal += amount
                rate = PERIOD_DISCOUNT[cycle]
                cycles.setdefault(rate, set()).add(cycle)
                if rate and period:
                    by_rate[rate] = by_rate.get(rate, 0) + amount
            total = subtotal
            position = len(items)
            if not blocked:
                for rate, base in sorted(by_rate.items()):
                    names = "/".join(CYCLE_NAMES_ES[c] for c in sorted(cycles[rate]))
                    position += 1
                    off = percent(base, rate)
                    total -= off
                    lines.append(
                        (
                            invoice_id,
                            position,
                            "discount",
                            "period",
                            f"Descuento por pago {names} {pct_text(rate)}",
                            None,
                            None,
                            None,
                            -off,
                        )
                    )
                rate = next((pct for least, pct in VOLUME_TIERS if active >= least), 0)
                if rate:
                    position += 1
                    off = percent(subtotal, rate)
                    total -= off
                    lines.append(
                        (
                            invoice_id,
                            position,
                            "discount",
                            "volume",
                            f"Descuento por volumen {pct_text(rate)} ({active} servicios activos)",
                            None,
                            None,
                            None,
                            -off,
                        )
                    )
            invoices.append((number, year, seq, cid, self.today, due, currency, total, self.now))
            total_text = money(total, currency)
            alerts.append(
                (
                    "invoice.created",
                    cid,
                    phone,
                    email,
                    invoice_id,
                    None,
                    None,
                    {
                        "invoice_number": number,
                        "total": total_text,
                        "amount_due": total_text,
                        "currency": currency,
                        "issue_date": self.today,
                        "due_date": due,
                        "items": items,
                    },
                )
            )
            audits.append(
                (
                    "invoice.create",
                    "invoice",
                    invoice_id,
                    dumps(
                        {
                            "number": number,
                            "client_id": cid,
                            "kind": "renewal",
                            "total": total_text,
                            "due_date": due,
                        }
                    ),
                    None,
                )
            )
        self.db.executemany(
            "INSERT INTO invoices (number, year, seq, client_id, kind, status, issue_date, "
            "due_date, currency, total_minor, paid_minor, reminders_sent, paid_on, "
            "cancelled_on, note, created_at) "
            "VALUES (?, ?, ?, ?, 'renewal', 'unpaid', ?, ?, ?, ?, 0, 0, NULL, NULL, NULL, ?)",
            invoices,
        )
        self.db.executemany(
            "INSERT INTO invoice_lines (invoice_id, position, kind, code, description, "
            "service_id, period_start, period_end, amount_minor) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            lines,
        )
        self.outbox(alerts)
        self.audit(audits)
        return len(keys)

    # ----------------------------------------------------------------- D−10, D−5, D−1
    def reminders(self, day: dt.date) -> int:
        sent = 0
        for stage, days_before, level in REMINDERS:
            due = (day + dt.timedelta(days=days_before)).isoformat()
            rows = self.db.execute(
                "SELECT invoices.id, invoices.number, invoices.total_minor, invoices.paid_minor, "
                "invoices.currency, invoices.issue_date, invoices.due_date, clients.id, "
                "clients.phone, clients.email FROM invoices "
                "JOIN clients ON clients.id = invoices.client_id "
                "WHERE invoices.status = 'unpaid' AND invoices.kind = 'renewal' "
                "AND invoices.due_date = ? AND invoices.reminders_sent < ?",
                (due, level),
            ).fetchall()
            if not rows:
                continue
            self.update_ids("invoices", "reminders_sent = ?", (level,), [r[0] for r in rows])
            self.outbox(
                (
                    "invoice.reminder",
                    cid,
                    phone,
                    email,
                    iid,
                    None,
                    stage,
                    {
                        "invoice_number": number,
                        "total": money(total, cur),
                        "amount_due": money(total - paid, cur),
                        "currency": cur,
                        "issue_date": issued,
                        "due_date": due_on,
                        "items": [],
                    },
                )
                for iid, number, total, paid, cur, issued, due_on, cid, phone, email in rows
            )
            changes = dumps({"stage": stage})
            self.audit(("invoice.reminder", "invoice", r[0], changes, None) for r in rows)
            sent += len(rows)
        return sent

    # ----------------------------------------------------------------- D+25
    def locked(self, ids: Sequence[int]) -> list[Any]:
        """(id, client_id, product_code, domain, next_due_date, status, reason), in ids order."""
        where = {sid: i for i, sid in enumerate(ids)}
        rows = self.db.execute(
            "SELECT id, client_id, product_code, domain, next_due_date, status, "
            f"suspension_reason FROM services WHERE id IN ({marks(len(ids))})",
            tuple(ids),
        ).fetchall()
        rows.sort(key=lambda r: where[r[0]])
        return rows

    def terminate(self, day: dt.date) -> int:
        cutoff = (day - dt.timedelta(days=self.termination)).isoformat()
        ids = [
            r[0]
            for r in self.db.execute(
                "SELECT services.id FROM services WHERE services.status IN ('active', "
                "'suspended') AND services.auto_renew IS 1 AND services.cancellation IS NULL "
                "AND services.next_due_date <= ?",
                (cutoff,),
            )
        ]
        if not ids:
            return 0
        changes = dumps({"status": "terminated", "rule": "D+25"})
        done: list[Any] = []
        for chunk in chunks(ids):
            rows = [r for r in self.locked(chunk) if r[5] in ("active", "suspended", "pending")]
            self.update_ids(
                "services",
                "status = 'terminated', ended_on = ?, updated_at = ?",
                (self.today, self.now),
                [r[0] for r in rows],
            )
            self.service_alerts("service.terminated", rows, "non-payment")
            self.audit(("service.terminate", "service", r[0], changes, None) for r in rows)
            done += rows
        # their unpaid renewal invoices cancelled
        invoice_ids: set[int] = set()
        for chunk in chunks([r[0] for r in done]):
            invoice_ids.update(
                i
                for (i,) in self.db.execute(
                    "SELECT DISTINCT invoice_id FROM invoice_lines WHERE service_id IN "
                    f"({marks(len(chunk))}) AND kind = 'item'",
                    chunk,
                )
            )
        cancelled: list[Any] = []
        for chunk in chunks(sorted(invoice_ids)):
            cancelled += [
                r
                for r in self.db.execute(
                    "SELECT id, number, client_id, kind, status, total_minor, paid_minor, "
                    f"currency, issue_date, due_date FROM invoices WHERE id IN "
                    f"({marks(len(chunk))})",
                    chunk,
                )
                if r[4] == "unpaid" and r[3] in ("renewal", "restoration")
            ]
        if cancelled:
            cancelled.sort(key=lambda r: (r[9], r[0]))
            items: dict[int, list[str]] = {r[0]: [] for r in cancelled}
            for chunk in chunks([r[0] for r in cancelled]):
                for iid, kind, text in self.db.execute(
                    "SELECT invoice_id, kind, description FROM invoice_lines WHERE invoice_id "
                    f"IN ({marks(len(chunk))}) AND kind IN ('item', 'credit') "
                    "ORDER BY invoice_id, position",
                    chunk,
                ):
                    if kind == "credit":
                        raise Unsupported("credit to give back on a cancelled invoice")
                    items[iid].append(text)
            if any(r[6] for r in cancelled):
                raise Unsupported("paid amounts to give back on a cancelled invoice")
            self.update_ids(
                "invoices",
                "status = 'cancelled', cancelled_on = ?",
                (self.today,),
                [r[0] for r in cancelled],
            )
            self.audit(
                (
                    "invoice.cancel",
                    "invoice",
                    r[0],
                    dumps({"status": ["unpaid", "cancelled"], "to_credit": money(0, r[7])}),
                    "service terminated for non-payment",
                )
                for r in cancelled
            )
            who = self.contacts(r[2] for r in cancelled)
            self.outbox(
                (
                    "invoice.cancelled",
                    r[2],
                    *who[r[2]],
                    r[0],
                    None,
                    None,
                    {
                        "invoice_number": r[1],
                        "total": money(r[5], r[7]),
                        "amount_due": money(r[5] - r[6], r[7]),
                        "currency": r[7],
                        "issue_date": r[8],
                        "due_date": r[9],
                        "items": items[r[0]],
                    },
                )
                for r in cancelled
            )
        # BIL-6: the clients' other services come back if no overdue debt is left
        back: list[Any] = []
        for chunk in chunks(sorted({r[1] for r in done})):
            back += self.db.execute(
                "SELECT id, client_id, product_code, domain, next_due_date FROM services "
                f"WHERE client_id IN ({marks(len(chunk))}) AND status || '' = 'suspended' "
                "AND suspension_reason = 'non-payment' "
                "AND (next_due_date IS NULL OR next_due_date >= ?) AND NOT EXISTS ("
                "SELECT 1 FROM invoices WHERE invoices.client_id = services.client_id "
                "AND invoices.status || '' = 'unpaid' AND invoices.kind IN ('renewal', 'fee') "
                "AND invoices.due_date < ?)",
                (*chunk, self.today, self.today),
            ).fetchall()
        if back:
            back.sort(key=lambda r: (r[1], r[4] is not None, r[4] or "", r[0]))
            self.update_ids(
                "services",
                "status = 'active', suspension_reason = NULL, suspended_on = NULL, updated_at = ?",
                (self.now,),
                [r[0] for r in back],
            )
            plain = dumps({"status": ["suspended", "active"]})
            self.audit(("service.reactivate", "service", r[0], plain, None) for r in back)
            self.service_alerts("service.reactivated", back, "payment")
        return len(done)

    # ----------------------------------------------------------------- D+2, 5th business day
    def suspend(self, ids: list[int], rule: str) -> int:
        done = 0
        for chunk in chunks(ids):
            rows = [
                r
                for r in self.locked(chunk)
                if r[5] in ("active", "suspended")
                and not (r[5] == "suspended" and r[6] == "non-payment")
            ]
            if not rows:
                continue
            self.update_ids(
                "services",
                "status = 'suspended', suspension_reason = 'non-payment', suspended_on = ?, "
                "updated_at = ?",
                (self.today, self.now),
                [r[0] for r in rows],
            )
            self.service_alerts("service.suspended", rows, "non-payment")
            changes = {
                status: dumps(
                    {
                        "status": [status, "suspended"],
                        "suspension_reason": "non-payment",
                        "rule": rule,
                    }
                )
                for status in ("active", "suspended")
            }
            self.audit(("service.suspend", "service", r[0], changes[r[5]], None) for r in rows)
            done += len(rows)
        return done

    def suspend_overdue(self, day: dt.date) -> int:
        cutoff = (day - dt.timedelta(days=2)).isoformat()
        ids = [
            r[0]
            for r in self.db.execute(
                "SELECT id FROM services WHERE status = 'active' AND auto_renew IS 1 "
                "AND cancellation IS NULL AND next_due_date <= ? ORDER BY next_due_date, id",
                (cutoff,),
            )
        ]
        return self.suspend(ids, "D+2")

    def suspend_debtors(self, day: dt.date) -> int:
        cutoff = self.calendar.debtor_cutoff(day).isoformat()
        found = self.db.execute(
            "SELECT id, next_due_date FROM services WHERE client_id IN ("
            "SELECT client_id FROM services WHERE status IN ('active', 'suspended') "
            "AND auto_renew IS 1 AND cancellation IS NULL AND next_due_date <= ?) "
            "AND status || '' = 'active'",
            (cutoff,),
        ).fetchall()
        found.sort(key=lambda r: (r[1] is not None, r[1] or "", r[0]))
        return self.suspend([r[0] for r in found], "5th business day")


def run(path: Path, until: dt.date) -> dict[str, Any]:
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in (
        "journal_mode=WAL",
        "busy_timeout=5000",
        "foreign_keys=ON",
        "synchronous=NORMAL",
        "cache_size=-6000",  # hostctl's bulk_writes
        "wal_autocheckpoint=4000",
    ):
        conn.execute(f"PRAGMA {pragma}")
    floor = Floor(conn)
    holder = f"floor-{os.getpid()}"
    conn.execute("BEGIN IMMEDIATE")
    taken = conn.execute(
        "INSERT INTO locks (name, holder, acquired_at, heartbeat_at) VALUES ('daily', ?, ?, ?) "
        "ON CONFLICT DO NOTHING",
        (holder, real_now(), real_now()),
    ).rowcount
    conn.execute("COMMIT")
    if not taken:
        raise Unsupported("the daily lock is held")
    last = conn.execute("SELECT max(day) FROM daily_runs WHERE finished_at IS NOT NULL").fetchone()[
        0
    ]
    days = [until]
    if last is not None:
        first = dt.date.fromisoformat(last) + dt.timedelta(days=1)
        days = [first + dt.timedelta(days=n) for n in range((until - first).days + 1)]
    totals: dict[str, int] = {}
    try:
        for day in days:
            conn.execute("BEGIN IMMEDIATE")
            try:
                counts = floor.day(day)
                conn.execute(
                    "UPDATE locks SET heartbeat_at = ? WHERE name = 'daily' AND holder = ?",
                    (real_now(), holder),
                )
                conn.execute(
                    "INSERT INTO daily_runs (day, started_at, finished_at, summary) "
                    "VALUES (?, ?, ?, ?)",
                    (day.isoformat(), real_now(), real_now(), json.dumps(counts)),
                )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            for key, n in counts.items():
                totals[key] = totals.get(key, 0) + n
    finally:
        conn.execute("DELETE FROM locks WHERE name = 'daily' AND holder = ?", (holder,))
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        conn.close()
    return totals | {"days": len(days)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database", type=Path, help="the SQLite file hostctl uses")
    parser.add_argument("--until", required=True, help="the last day to run (YYYY-MM-DD)")
    opts = parser.parse_args(argv)
    began = time.perf_counter()
    try:
        totals = run(opts.database, dt.date.fromisoformat(opts.until))
    except Unsupported as exc:
        print(f"floor: the data holds what this floor does not imitate: {exc}.", file=sys.stderr)
        return 2
    print(json.dumps(totals | {"seconds": round(time.perf_counter() - began, 3)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
