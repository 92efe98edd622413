"""The WHMCS import (MIG-1 … MIG-7): a WHMCS database brought into an empty hostctl database
in one transaction, so that the first ``daily`` afterwards is an ordinary day.

What is read comes from a ``Source`` (``adapters/whmcs.py``: one read-only snapshot, rows
streamed, WHMCS's traps undone there); what is written goes straight to the driver through
the bulk path of the imports and ``daily`` (``bulk.insert_rows``), a batch at a time, so
memory does not grow with the size of WHMCS. Clients, services and invoices keep their WHMCS
ids (the database had none), which also makes the links between them free.

MIG-6 lives in three places: an unpaid invoice's line keeps the period it bills (its WHMCS
due date, which is the service's next due date while the period is unpaid), which is what
``renewals`` looks for before issuing a period again; the reminders whose day is before the
import day are marked sent; and the day before the import day is recorded as the last
finished ``daily``, so the first run walks no earlier day.

The servers come first (SRV-1): one hostctl server per WHMCS server, with its panel when
its module is cPanel's or CWP's, given a panel from the import day (nothing is sent for
anything before the switch-over); each service brings its server's name and its account's
username there, each product the panel package its WHMCS products use (SRV-2).

The money is reconciled at the end (MIG-5): per currency, WHMCS's unpaid total and credit,
summed from WHMCS's own figures as they were read, against the same sums over what was
written to hostctl; the import fails, saying where, if they differ by a cent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session

from hostctl.core import audit, validate
from hostctl.core.bulk import batched, db_value, dumps, insert_rows
from hostctl.core.cancellations import DOMAIN_DELETE_AFTER_DAYS
from hostctl.core.clients import CLIENT_COLUMNS
from hostctl.core.context import Context
from hostctl.core.cycles import period_end
from hostctl.core.invoices import INVOICE_COLUMNS, LINE_COLUMNS
from hostctl.core.money import MINOR_DIGITS, Money, money_json
from hostctl.core.payments import reference_key
from hostctl.core.rows import CLIENTS, INVOICES, LINES, SERVICES
from hostctl.core.whmcs_map import WhmcsMap
from hostctl.errors import BusinessRuleError, ValidationError
from hostctl.i18n import _
from hostctl.models import (
    Client,
    Contact,
    CreditEntry,
    DailyRun,
    InvoiceCounter,
    Payment,
    Product,
    Refund,
    Server,
    Service,
)

STAFF = "whmcs"  # who the payments and refunds brought over were recorded by
BATCH = 2000  # rows written at a time
MAX_SKIPPED_SHOWN = 20  # rows of `skipped` the table view lists (JSON lists every one)

# MIG-4: WHMCS's words → hostctl's
SERVICE_STATUS = {
    "Pending": "pending",
    "Active": "active",
    "Suspended": "suspended",
    "Terminated": "terminated",
    "Cancelled": "cancelled",
    "Fraud": "cancelled",
}
DOMAIN_STATUS = {
    "Pending": "pending",
    "Pending Registration": "pending",
    "Pending Transfer": "pending",
    "Active": "active",
    "Grace": "expired",
    "Redemption": "expired",
    "Expired": "expired",
    "Cancelled": "cancelled",
    "Transferred Away": "cancelled",
    "Fraud": "cancelled",
}
CYCLES = {
    "monthly": "monthly",
    "quarterly": "quarterly",
    "semi-annually": "semiannual",
    "annually": "annual",
    "biennially": "biennial",
}
DOMAIN_YEARS = {1: "annual", 2: "biennial"}
# MIG-5
INVOICE_STATUS = {
    "Paid": "paid",
    "Unpaid": "unpaid",
    "Payment Pending": "unpaid",
    "Collections": "unpaid",
    "Overdue": "unpaid",
    "Cancelled": "cancelled",
    "Refunded": "refunded",
}
DOMAIN_ITEM_TYPES = frozenset(
    {
        "Domain",
        "DomainRegister",
        "DomainTransfer",
        "DomainRenew",
        "DomainAddonDNS",
        "DomainAddonEMF",
        "DomainAddonIDP",
        "DomainGraceFee",
        "DomainRedemptionFee",
    }
)
CLIENT_STATUS = {"Active": "active", "Inactive": "active", "Closed": "closed"}
SUSPENDED_FOR_DEBT = ("overdue", "payment", "pago", "vencid", "deuda")


class Source(Protocol):
    """What the import reads of WHMCS (``adapters.whmcs.WhmcsReader``)."""

    def rows(self, table: str) -> Iterator[dict[str, Any]]: ...

    def invoices(self) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]: ...

    def orphans(self, table: str, column: str, parent: str) -> Iterator[tuple[int, Any]]: ...

    def servers(self) -> Iterator[dict[str, Any]]: ...

    def packages(self) -> dict[int, str]: ...


class Skipped:
    """What was left out, with its WHMCS table, id and why (MIG-2)."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def add(self, table: str, row_id: Any, why: str) -> None:
        self.rows.append({"table": table, "id": row_id, "why": why})


@dataclass
class Report:
    dry_run: bool = False
    imported: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(
            (
                "clients",
                "services",
                "domains",
                "invoices",
                "payments",
                "tickets",
                "affiliates",
                "servers",
            ),
            0,
        )
    )
    skipped: list[dict[str, Any]] = field(default_factory=list)
    money: list[dict[str, Any]] = field(default_factory=list)
    # each server brought: name, panel, url, user, and the variable its token goes in
    servers: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "imported": self.imported,
            "skipped": self.skipped,
            "money": self.money,
            "servers": self.servers,
        }


Progress = Callable[[str, int], None]  # (table, rows read so far)


# --------------------------------------------------------------------------- small pieces
def minor(amount: Any, currency: str) -> int:
    """A WHMCS decimal in minor units of ``currency``, exactly (a WHMCS amount has two
    decimals; a currency of none takes it rounded half up, as ``Money.of`` does)."""
    return Money.of(Decimal(amount or 0), currency).minor


def _said(exc: ValidationError) -> str:
    """A refusal's sentence as a reason inside the report: no capital, no full stop."""
    text = exc.message.rstrip(".")
    return text[:1].lower() + text[1:]


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return None


def _ids(session: Session, table: Any) -> bool:
    return session.execute(sa_select(table.c.id).limit(1)).first() is not None


def check_empty(session: Session) -> None:
    """MIG-1: the import fills a database with no clients, services or invoices."""
    for table in (CLIENTS, SERVICES, INVOICES):
        if _ids(session, table):
            raise BusinessRuleError(
                _(
                    "This hostctl database already has clients, services or invoices; the "
                    "WHMCS import fills an empty one (make one with hostctl db upgrade)."
                )
            )


# --------------------------------------------------------------------------- the import
class _Import:
    def __init__(
        self,
        session: Session,
        ctx: Context,
        source: Source,
        mapping: WhmcsMap,
        progress: Progress | None,
    ) -> None:
        self.session, self.ctx, self.source, self.map = session, ctx, source, mapping
        self.progress = progress or (lambda _table, _count: None)
        self.report = Report()
        self.skipped = Skipped()
        self.report.skipped = self.skipped.rows
        self.convert = db_value(session)
        self.now = self.convert(ctx.now)
        self.today = ctx.today
        # what later tables need of earlier ones
        self.clients: dict[int, str] = {}  # client id → currency
        self.services: dict[int, tuple[int, str, dt.date | None]] = {}  # → client, cycle, due
        self.service_clients: dict[int, int] = {}  # tblhosting id → client id
        self.domains: dict[int, int] = {}  # tbldomains id → hostctl service id
        self.invoices: dict[int, tuple[int, str, int | None]] = {}  # → client, cur, service
        self.whmcs_unpaid: dict[str, int] = {}
        self.whmcs_credit: dict[str, int] = {}
        self.counters: dict[int, int] = {}  # year → largest hostctl-shaped number imported
        self.balances: dict[int, tuple[str, int]] = {}  # client → WHMCS credit balance
        # credit entries of the invoices: client, currency, amount, reason, invoice, day
        self.ledger: list[tuple[int, str, int, str, int | None, dt.date]] = []
        self.unbalanced: dict[str, list[int]] = {}  # currency → invoices hostctl sees otherwise
        self.server_names: dict[int, str] = {}  # tblservers id → hostctl server name
        self.accounts: dict[tuple[str, str], int] = {}  # (server, user) → its live service

    def _rows(self, table: str) -> Iterator[dict[str, Any]]:
        count = 0
        for row in self.source.rows(table):
            count += 1
            if not count % BATCH:
                self.progress(table, count)
            yield row
        self.progress(table, count)

    def _write(self, model: Any, columns: tuple[str, ...], rows: Iterator[tuple[Any, ...]]) -> int:
        table = model.__table__
        written = 0
        for batch in batched(rows, BATCH):
            written += insert_rows(self.session, table, columns, batch)
        return written

    # ------------------------------------------------------------------ clients
    def clients_and_credit(self) -> None:
        from hostctl.core.clients import _ImportEmailCheck, _ImportPhoneCheck, search_key

        currencies: dict[int, str] = {}
        default = ""
        for row in self._rows("tblcurrencies"):
            code = str(row["code"] or "").strip().upper()
            currencies[row["id"]] = code
            if row["default"] and not default:
                default = code
        check_email, check_phone = _ImportEmailCheck(), _ImportPhoneCheck()
        seen_emails: set[str] = set()
        seen_documents: set[str] = set()
        credits: list[tuple[int, str, int]] = []
        c = self.convert

        def rows() -> Iterator[tuple[Any, ...]]:
            for row in self._rows("tblclients"):
                made = self._client(
                    row,
                    currencies,
                    default,
                    check_email,
                    check_phone,
                    seen_emails,
                    seen_documents,
                )
                if made is None:
                    continue
                values, credit = made
                if credit:
                    credits.append((row["id"], values[8], credit))
                yield values

        columns = ("id", "whmcs_id", *CLIENT_COLUMNS)

        def full_rows() -> Iterator[tuple[Any, ...]]:
            for v in rows():
                (
                    cid,
                    name,
                    company,
                    email,
                    email_key,
                    phone,
                    country,
                    doc_key,
                    currency,
                    document,
                    credit,
                    status,
                    created,
                ) = v
                yield (
                    cid,
                    cid,
                    name,
                    company,
                    email,
                    email_key,
                    phone,
                    country,
                    currency,
                    document,
                    doc_key,
                    "standard",
                    credit,
                    c(False),
                    status,
                    search_key(name, company, email, phone, doc_key),
                    c(created),
                    self.now,
                    self.now,
                )

        self.report.imported["clients"] = self._write(Client, columns, full_rows())
        self.balances = {cid: (cur, amount) for cid, cur, amount in credits}

    def credit_ledger(self) -> None:
        """The credit ledger of each client adds up to its WHMCS balance: the credit WHMCS
        applied to the invoices brought (and gave back on the cancelled ones), as hostctl
        records its own, then the opening balance that makes the sum."""
        c = self.convert
        net: dict[int, int] = {}
        for client, _cur, amount, _reason, _iid, _day in self.ledger:
            net[client] = net.get(client, 0) + amount
        opening = []
        for client in sorted({*self.balances, *net}):
            currency, balance = self.balances.get(client, (self.clients[client], 0))
            if balance - net.get(client, 0):
                opening.append(
                    (
                        client,
                        currency,
                        balance - net.get(client, 0),
                        "opening balance from WHMCS",
                        None,
                        self.today,
                    )
                )
        self._write(
            CreditEntry,
            (
                "client_id",
                "currency",
                "amount_minor",
                "reason",
                "invoice_id",
                "effective_date",
                "created_at",
            ),
            (
                (client, cur, amount, reason, iid, c(day), self.now)
                for client, cur, amount, reason, iid, day in [*self.ledger, *opening]
            ),
        )

    def _client(
        self,
        row: dict[str, Any],
        currencies: dict[int, str],
        default: str,
        check_email: Any,
        check_phone: Any,
        seen_emails: set[str],
        seen_documents: set[str],
    ) -> tuple[tuple[Any, ...], int] | None:
        table, cid = "tblclients", row["id"]
        currency = currencies.get(row["currency"]) or default
        if currency not in MINOR_DIGITS:
            self.skipped.add(
                table,
                cid,
                _("its currency {currency!r} is not one hostctl knows").format(currency=currency),
            )
            return None
        try:
            email, email_key = check_email(row["email"] or "")
        except ValidationError as exc:
            self.skipped.add(table, cid, _said(exc))
            return None
        if email_key in seen_emails:
            self.skipped.add(
                table, cid, _("another client has the same email {email}").format(email=email)
            )
            return None
        company = " ".join(str(row["companyname"] or "").split()) or None
        name = " ".join(f"{row['firstname'] or ''} {row['lastname'] or ''}".split())
        name = name or company or email
        try:
            name = validate.name(name)
            company = validate.name(company) if company else None
        except ValidationError as exc:
            self.skipped.add(table, cid, _said(exc))
            return None
        country = None
        if row["country"]:
            try:
                country = validate.country(row["country"])
            except ValidationError:
                country = None
        phone = None
        if row["phonenumber"]:
            try:
                phone = check_phone(str(row["phonenumber"]), country)
            except ValidationError as exc:
                self.skipped.add(table, cid, _("phone left empty: {why}").format(why=_said(exc)))
        document = doc_key = None
        if row["tax_id"] and str(row["tax_id"]).strip():
            try:
                doc_key = validate.document_key(str(row["tax_id"]))
                document = str(row["tax_id"]).strip()
            except ValidationError:
                doc_key = None
            if doc_key in seen_documents:
                self.skipped.add(
                    table,
                    cid,
                    _("document left empty: another client has {document}").format(
                        document=document
                    ),
                )
                document = doc_key = None
            if doc_key:
                seen_documents.add(doc_key)
        try:
            credit = minor(row["credit"], currency)
        except (InvalidOperation, ValueError):
            credit = -1
        if credit < 0:
            self.skipped.add(
                table,
                cid,
                _("its credit {credit} is not an amount of money").format(credit=row["credit"]),
            )
            return None
        seen_emails.add(email_key)
        self.clients[cid] = currency
        if credit:
            self.whmcs_credit[currency] = self.whmcs_credit.get(currency, 0) + credit
        status = CLIENT_STATUS.get(str(row["status"] or "Active"), "active")
        created = _date(row["datecreated"]) or self.today
        return (
            cid,
            name,
            company,
            email,
            email_key,
            phone,
            country,
            doc_key,
            currency,
            document,
            credit,
            status,
            created,
        ), credit

    def contacts(self) -> None:
        from hostctl.core.clients import _ImportEmailCheck, _ImportPhoneCheck

        check_email, check_phone = _ImportEmailCheck(), _ImportPhoneCheck()

        def rows() -> Iterator[tuple[Any, ...]]:
            for row in self._rows("tblcontacts"):
                if row["userid"] not in self.clients:
                    self.skipped.add("tblcontacts", row["id"], _("its client was not imported"))
                    continue
                try:
                    email, _key = check_email(row["email"] or "")
                    name = validate.name(
                        " ".join(f"{row['firstname'] or ''} {row['lastname'] or ''}".split())
                        or email
                    )
                except ValidationError as exc:
                    self.skipped.add("tblcontacts", row["id"], _said(exc))
                    continue
                phone = None
                if row["phonenumber"]:
                    try:
                        phone = check_phone(str(row["phonenumber"]), row["country"] or None)
                    except ValidationError:
                        phone = None
                yield row["userid"], name, email, phone, "", self.now

        self._write(
            Contact, ("client_id", "name", "email", "phone", "rights", "created_at"), rows()
        )

    # ------------------------------------------------------------------ servers
    def servers(self) -> None:
        """A hostctl server per WHMCS server (SRV-1), its name kept: with a panel for the
        cPanel and CWP modules, driven from the import day; a name hostctl refuses, or one
        another WHMCS server took, is left out (its services come without a server); a name
        hostctl already has is that server (its services are put on it)."""
        from hostctl.core.servers import DEFAULT_PORTS, check_server, check_url, token_variable

        table = "tblservers"
        taken = set(self.session.execute(sa_select(_SERVERS.c.name)).scalars())
        brought: set[str] = set()
        rows: list[tuple[Any, ...]] = []
        for row in self.source.servers():
            sid = row["id"]
            try:  # WHMCS names often have spaces ("Server 1"): they become dashes
                name = check_server("-".join(str(row["name"] or "").split()))
            except ValidationError as exc:
                self.skipped.add(
                    table,
                    sid,
                    _("{why}; its services come without a server").format(why=_said(exc)),
                )
                continue
            if name in brought:
                self.skipped.add(
                    table,
                    sid,
                    _(
                        "another WHMCS server is also named {name}; its services come without "
                        "a server"
                    ).format(name=name),
                )
                continue
            brought.add(name)
            self.server_names[sid] = name
            if name in taken:
                self.skipped.add(
                    table,
                    sid,
                    _("hostctl already has a server {name}; its services are put on it").format(
                        name=name
                    ),
                )
                continue
            panel, url, user = row["panel"], None, None
            if panel:
                try:
                    if not row["host"]:
                        raise ValidationError(_("It has no hostname or IP address."))
                    url = check_url(f"https://{row['host']}:{row['port'] or DEFAULT_PORTS[panel]}")
                except ValidationError as exc:
                    self.skipped.add(
                        table, sid, _("its panel left out: {why}").format(why=_said(exc))
                    )
                    panel = None
                else:
                    user = (row["user"] or "root") if panel == "whm" else None
            since = self.today if panel else None
            rows.append((name, panel, url, user, self.convert(since), self.now))
            self.report.servers.append(
                {
                    "name": name,
                    "panel": panel,
                    "url": url,
                    "user": user,
                    "token_variable": token_variable(name) if panel else None,
                }
            )
        self.report.imported["servers"] = insert_rows(
            self.session,
            _SERVERS,
            ("name", "panel", "url", "api_user", "panel_since", "created_at"),
            rows,
        )

    def packages(self) -> None:
        """Each hostctl product the panel package of the WHMCS products mapped to it (SRV-2),
        when they agree and the product has no other one already."""
        from hostctl.core.catalogue import check_package

        table = "tblproducts"
        by_code: dict[str, dict[str, list[int]]] = {}
        for pid, raw in self.source.packages().items():
            code = self.map.products.get(pid)
            if not code:
                continue  # its services are not brought
            try:
                package = check_package(raw)
            except ValidationError as exc:
                self.skipped.add(
                    table, pid, _("its package left out: {why}").format(why=_said(exc))
                )
                continue
            if package:
                by_code.setdefault(code, {}).setdefault(package, []).append(pid)
        if not by_code:
            return
        has = dict(
            self.session.execute(
                sa_select(_PRODUCTS.c.code, _PRODUCTS.c.panel_package).where(
                    _PRODUCTS.c.code.in_(sorted(by_code))
                )
            ).all()
        )
        changes = []
        for code, found in sorted(by_code.items()):
            if len(found) > 1:
                packages = ", ".join(sorted(found))
                for package, pids in found.items():
                    for pid in pids:
                        self.skipped.add(
                            table,
                            pid,
                            _(
                                "its package {package} was not given to {code}: the WHMCS "
                                "products mapped to it use {packages}"
                            ).format(package=package, code=code, packages=packages),
                        )
                continue
            ((package, pids),) = found.items()
            current = has.get(code)
            if current and current != package:
                for pid in pids:
                    self.skipped.add(
                        table,
                        pid,
                        _(
                            "its package {package} was not given to {code}, which has {current}"
                        ).format(package=package, code=code, current=current),
                    )
            elif current is None:
                changes.append({"key": code, "package": package})
        if changes:
            from sqlalchemy import bindparam

            self.session.connection().execute(
                _PRODUCTS.update()
                .where(_PRODUCTS.c.code == bindparam("key"))
                .values(panel_package=bindparam("package"), updated_at=self.ctx.now),
                changes,
            )

    def _account(self, row: dict[str, Any], status: str) -> tuple[str | None, str | None]:
        """A service's server (by name) and its account's username there (SRV-2); the
        username is left empty, saying why, when hostctl refuses it or another live service
        of the same server has it."""
        from hostctl.core.servers import check_username

        server = self.server_names.get(row["server"])
        if server is None or not str(row["username"] or "").strip():
            return server, None
        try:
            user = check_username(str(row["username"]))
        except ValidationError as exc:
            self.skipped.add(
                "tblhosting", row["id"], _("username left empty: {why}").format(why=_said(exc))
            )
            return server, None
        if status in ("pending", "active", "suspended"):
            other = self.accounts.setdefault((server, user.lower()), row["id"])
            if other != row["id"]:
                self.skipped.add(
                    "tblhosting",
                    row["id"],
                    _(
                        "username left empty: account {username} on {server} is service {other}'s"
                    ).format(username=user, server=server, other=other),
                )
                return server, None
        return server, user

    # ------------------------------------------------------------------ services
    def hosting(self) -> None:
        missing: set[int] = set()
        c = self.convert

        def rows() -> Iterator[tuple[Any, ...]]:
            for row in self._rows("tblhosting"):
                sid = row["id"]
                self.last_hosting = sid
                if row["packageid"] not in self.map.products:
                    missing.add(row["packageid"])
                    continue
                why = self._service_problem(row)
                if why:
                    self.skipped.add("tblhosting", sid, why)
                    continue
                status = SERVICE_STATUS[row["domainstatus"]]
                cycle = CYCLES[str(row["billingcycle"]).lower()]
                due = _date(row["nextduedate"])
                reason = None
                if status == "suspended":
                    said = str(row["suspendreason"] or "").lower()
                    debt = not said or any(word in said for word in SUSPENDED_FOR_DEBT)
                    reason = "non-payment" if debt else "abuse"
                domain = None
                if row["domain"]:
                    try:
                        domain = validate.domain(str(row["domain"]))
                    except ValidationError:
                        domain = None
                client = row["userid"]
                self.services[sid] = (client, cycle, due)
                self.service_clients[sid] = client
                regdate = _date(row["regdate"])
                ended = (
                    _date(row["termination_date"])
                    if status in ("terminated", "cancelled")
                    else None
                )
                server, username = self._account(row, status)
                yield (
                    sid,
                    sid,
                    client,
                    self.map.products[row["packageid"]],
                    cycle,
                    status,
                    reason,
                    c(due),
                    due.day if due else None,
                    domain,
                    c(True),
                    c(regdate),
                    c(regdate if status != "pending" else None),
                    c(ended),
                    None,
                    c(regdate or self.today),
                    self.now,
                    self.now,
                    server,
                    username,
                )

        self.last_hosting = 0
        self.report.imported["services"] = self._write(Service, _SERVICE_COLUMNS, rows())
        if missing:
            ids = ", ".join(str(i) for i in sorted(missing))
            raise BusinessRuleError(
                _(
                    "The map does not say what WHMCS product {ids} becomes; add it under "
                    '[products] (a product code, or "" to leave its services out).'
                ).format(ids=ids)
            )

    def _service_problem(self, row: dict[str, Any]) -> str | None:
        if row["userid"] not in self.clients:
            return _("its client {client} was not imported").format(client=row["userid"])
        code = self.map.products[row["packageid"]]
        if not code:
            return _("product {product} is mapped to nothing").format(product=row["packageid"])
        if row["domainstatus"] not in SERVICE_STATUS:
            return _("its status {status!r} is not one hostctl knows").format(
                status=row["domainstatus"]
            )
        if str(row["billingcycle"] or "").lower() not in CYCLES:
            return _("hostctl has no {cycle!r} cycle").format(cycle=row["billingcycle"])
        if SERVICE_STATUS[row["domainstatus"]] in ("active", "suspended") and not _date(
            row["nextduedate"]
        ):
            return _("it has no next due date")
        return None

    def domain_services(self) -> None:
        missing: set[str] = set()
        c = self.convert
        base = self.last_hosting

        def rows() -> Iterator[tuple[Any, ...]]:
            for row in self._rows("tbldomains"):
                did = row["id"]
                code = self.map.domain_product(str(row["domain"] or ""))
                if code is None:
                    tail = str(row["domain"] or "").partition(".")[2]
                    missing.add("." + tail.lower())
                    continue
                why = self._domain_problem(row, code)
                if why:
                    self.skipped.add("tbldomains", did, why)
                    continue
                status = DOMAIN_STATUS[row["status"]]
                cycle = DOMAIN_YEARS[int(row["registrationperiod"] or 1)]
                due = _date(row["nextduedate"])
                client = row["userid"]
                sid = base + did
                self.domains[did] = sid
                self.services[sid] = (client, cycle, due)
                regdate = _date(row["registrationdate"])
                ended = deleted = None
                if status == "expired":
                    ended = _date(row["expirydate"]) or due or self.today
                    # CAN-4's removal from the registry, when its day was before the import:
                    # done then, never announced on the first day
                    removal = ended + dt.timedelta(days=DOMAIN_DELETE_AFTER_DAYS)
                    deleted = removal if removal < self.today else None
                yield (
                    sid,
                    did,
                    client,
                    code,
                    cycle,
                    status,
                    None,
                    c(due),
                    due.day if due else None,
                    validate.domain(str(row["domain"])),
                    c(not row["donotrenew"]),
                    c(regdate),
                    c(regdate if status != "pending" else None),
                    c(ended),
                    c(deleted),
                    c(regdate or self.today),
                    self.now,
                    self.now,
                    None,
                    None,
                )

        self.report.imported["domains"] = self._write(Service, _SERVICE_COLUMNS, rows())
        if missing:
            raise BusinessRuleError(
                _(
                    "The map does not say which domain product {tlds} becomes; add it under "
                    '[domains], or a "*" for every other TLD.'
                ).format(tlds=", ".join(sorted(missing)))
            )

    def _domain_problem(self, row: dict[str, Any], code: str) -> str | None:
        if row["userid"] not in self.clients:
            return _("its client {client} was not imported").format(client=row["userid"])
        if not code:
            return _("its TLD is mapped to nothing")
        if row["status"] not in DOMAIN_STATUS:
            return _("its status {status!r} is not one hostctl knows").format(status=row["status"])
        if int(row["registrationperiod"] or 1) not in DOMAIN_YEARS:
            return _("hostctl has no {years}-year cycle").format(years=row["registrationperiod"])
        try:
            validate.domain(str(row["domain"] or ""))
        except ValidationError as exc:
            return _said(exc)
        if DOMAIN_STATUS[row["status"]] == "active" and not _date(row["nextduedate"]):
            return _("it has no next due date")
        return None

    # ------------------------------------------------------------------ invoices
    def invoices_and_lines(self) -> None:
        from hostctl.core.lifecycle import REMINDERS

        c = self.convert
        numbers: set[str] = set()
        lines: list[tuple[Any, ...]] = []
        count = 0

        def rows() -> Iterator[tuple[Any, ...]]:
            nonlocal count, lines
            for invoice, items in self.source.invoices():
                count += 1
                if not count % BATCH:
                    self.progress("tblinvoices", count)
                made = self._invoice(invoice, items, numbers, REMINDERS)
                if made is None:
                    continue
                values, invoice_lines = made
                lines += invoice_lines
                yield values
            self.progress("tblinvoices", count)

        columns = ("id", "whmcs_id", *INVOICE_COLUMNS)
        written = 0
        for batch in batched(rows(), BATCH):
            written += insert_rows(
                self.session,
                INVOICES,
                columns,
                [
                    (*v[:8], c(v[8]), c(v[9]), *v[10:14], c(v[14]), c(v[15]), *v[16:], self.now)
                    for v in batch
                ],
            )
            insert_rows(self.session, LINES, LINE_COLUMNS, lines)
            lines = []
        self.report.imported["invoices"] = written
        for item_id, invoice_id in self.source.orphans(
            "tblinvoiceitems", "invoiceid", "tblinvoices"
        ):
            self.skipped.add(
                "tblinvoiceitems",
                item_id,
                _("it belongs to no invoice")
                if not invoice_id
                else _("its invoice {invoice} does not exist").format(invoice=invoice_id),
            )

    def _invoice(
        self,
        row: dict[str, Any],
        items: list[dict[str, Any]],
        numbers: set[str],
        reminders: tuple[tuple[str, int, int], ...],
    ) -> tuple[tuple[Any, ...], list[tuple[Any, ...]]] | None:
        table, iid = "tblinvoices", row["id"]
        status = INVOICE_STATUS.get(str(row["status"]))
        if row["status"] == "Draft":
            self.skipped.add(table, iid, _("it is a draft"))
            return None
        if status is None:
            self.skipped.add(
                table,
                iid,
                _("its status {status!r} is not one hostctl knows").format(status=row["status"]),
            )
            return None
        client = row["userid"]
        if client not in self.clients:
            self.skipped.add(
                table, iid, _("its client {client} was not imported").format(client=client)
            )
            return None
        currency = self.clients[client]
        issue = _date(row["date"])
        due = _date(row["duedate"]) or issue
        if issue is None or due is None:
            self.skipped.add(table, iid, _("it has no date"))
            return None
        made: list[list[Any]] = []
        first_service: int | None = None
        only_fees = bool(items)
        c = self.convert
        for position, item in enumerate(items, start=1):
            amount = minor(item["amount"], currency)
            service = None
            if item["type"] == "Hosting" and item["relid"] in self.service_clients:
                service = item["relid"]
            elif item["type"] in DOMAIN_ITEM_TYPES and item["relid"] in self.domains:
                service = self.domains[item["relid"]]
            if service is not None and self.services[service][0] != client:
                service = None  # a line of another client's service: kept, not linked
            only_fees = only_fees and item["type"] == "LateFee"
            start = end = None
            if service is not None:
                first_service = first_service or service
                start = _date(item["duedate"]) or due
                end = period_end(start, self.services[service][1])
            kind = "discount" if amount < 0 else "item"
            description = " ".join(str(item["description"] or "").split()) or "-"
            made.append([iid, position, kind, None, description, service, c(start), c(end), amount])
        tax = minor(row["tax"], currency) + minor(row["tax2"], currency)
        if tax:
            made.append([iid, len(made) + 1, "fee", "tax", "Impuestos", None, None, None, tax])
        credit = minor(row["credit"], currency)
        if credit:
            made.append(
                [
                    iid,
                    len(made) + 1,
                    "credit",
                    "credit",
                    "Crédito a favor aplicado",
                    None,
                    None,
                    None,
                    -credit,
                ]
            )
        total = minor(row["total"], currency)
        lines_total = sum(line[-1] for line in made)
        if lines_total != total:
            self.skipped.add(
                table,
                iid,
                _("its lines add up to {lines}, its total is {total}").format(
                    lines=money_json(lines_total, currency), total=money_json(total, currency)
                ),
            )
            return None
        if total < 0:
            self.skipped.add(table, iid, _("its total is negative"))
            return None
        net_paid = minor(row["paid_in"], currency) - minor(row["paid_out"], currency)
        paid = {"paid": total, "refunded": total, "cancelled": 0}.get(
            status, max(0, min(net_paid, total))
        )
        if status == "unpaid":
            owed = total - net_paid
            self.whmcs_unpaid[currency] = self.whmcs_unpaid.get(currency, 0) + owed
            if owed != total - paid:  # paid more than its total, or took out more than in
                self.unbalanced.setdefault(currency, []).append(iid)
        kind = "renewal" if first_service else ("fee" if only_fees else "order")
        sent = 0
        if status == "unpaid" and kind == "renewal":
            sent = max(
                (
                    level
                    for _s, days, level in reminders
                    if due - dt.timedelta(days=days) < self.today
                ),
                default=0,
            )
        number = str(row["invoicenum"] or "").strip() or str(iid)
        if number in numbers:
            number = f"{number}/{iid}"
        numbers.add(number)
        year, _dash, seq = number.partition("-")
        if len(year) == 4 and year.isdigit() and len(seq) == 6 and seq.isdigit():
            self.counters[int(year)] = max(self.counters.get(int(year), 0), int(seq))
        paid_on = _date(row["datepaid"]) if status in ("paid", "refunded") else None
        cancelled_on = _date(row["date_cancelled"]) if status == "cancelled" else None
        self.invoices[iid] = (client, currency, first_service)
        if credit:
            self.ledger.append((client, currency, -credit, "applied to invoice", iid, issue))
            if status == "cancelled":
                back = cancelled_on or issue
                self.ledger.append((client, currency, credit, "cancelled invoice", iid, back))
        return (
            (
                iid,
                iid,
                number,
                issue.year,
                -iid,
                client,
                kind,
                status,
                issue,
                due,
                currency,
                total,
                paid,
                sent,
                paid_on,
                cancelled_on,
                None,
            ),
            [tuple(line) for line in made],
        )

    # ------------------------------------------------------------------ payments
    def payments_and_refunds(self) -> None:
        missing: set[str] = set()
        c = self.convert
        methods: dict[int, str] = {}  # payment id → its method
        seen: set[tuple[str, str]] = set()
        refunds: list[tuple[Any, ...]] = []

        def rows() -> Iterator[tuple[Any, ...]]:
            for row in self._rows("tblaccounts"):
                aid, iid = row["id"], row["invoiceid"]
                amount_in = Decimal(row["amountin"] or 0)
                amount_out = Decimal(row["amountout"] or 0)
                if amount_in <= 0 and amount_out <= 0:
                    continue
                if iid not in self.invoices:
                    self.skipped.add("tblaccounts", aid, _("its invoice was not imported"))
                    continue
                client, currency, service = self.invoices[iid]
                if amount_out > 0:
                    refunds.append((aid, row, client, currency, service))
                    continue
                gateway = str(row["gateway"] or "").lower()
                if gateway not in self.map.gateways:
                    missing.add(gateway)
                    continue
                method = self.map.gateways[gateway]
                if not method:
                    self.skipped.add(
                        "tblaccounts",
                        aid,
                        _("gateway {gateway} is mapped to nothing").format(gateway=gateway),
                    )
                    continue
                amount = minor(amount_in, currency)
                reference = str(row["transid"] or "").strip() or None
                key = reference_key(reference)
                duplicate = False
                if key:
                    duplicate = (method, key) in seen
                    seen.add((method, key))
                methods[aid] = method
                paid_on = _date(row["date"]) or self.today
                yield (
                    aid,
                    iid,
                    client,
                    currency,
                    amount,
                    0,
                    amount,
                    0,
                    method,
                    reference,
                    key,
                    c(duplicate),
                    c(paid_on),
                    "received",
                    STAFF,
                    self.now,
                )

        self.report.imported["payments"] = self._write(Payment, _PAYMENT_COLUMNS, rows())
        if missing:
            raise BusinessRuleError(
                _(
                    "The map does not say which payment method WHMCS gateway {gateways} "
                    'becomes; add it under [gateways] (a method, or "" to leave its payments '
                    "out)."
                ).format(gateways=", ".join(sorted(g or '""' for g in missing)))
            )

        def refund_rows() -> Iterator[tuple[Any, ...]]:
            for aid, row, client, currency, service in refunds:
                paid = row["refundid"]
                if not paid or paid not in methods:
                    self.skipped.add(
                        "tblaccounts", aid, _("money out that refunds no imported payment")
                    )
                    continue
                if service is None:
                    self.skipped.add(
                        "tblaccounts", aid, _("a refund of an invoice that bills no service")
                    )
                    continue
                yield (
                    row["invoiceid"],
                    paid,
                    client,
                    service,
                    currency,
                    minor(row["amountout"], currency),
                    methods[paid],
                    c(_date(row["date"]) or self.today),
                    " ".join(str(row["description"] or "").split()) or None,
                    STAFF,
                    self.now,
                )

        self._write(Refund, _REFUND_COLUMNS, refund_rows())

    # ------------------------------------------------------------------ support and trade
    def support(self) -> None:
        from hostctl.core import whmcs_support

        clients = set(self.clients)
        self.report.imported["tickets"] = whmcs_support.import_tickets(
            self.session, self.ctx, self.source, clients, self.skipped
        )
        self.report.imported["affiliates"] = whmcs_support.import_affiliates(
            self.session, self.ctx, self.source, clients, self.service_clients, self.skipped
        )

    # ------------------------------------------------------------------ the end
    def finish(self) -> None:
        session = self.session
        session.flush()
        self._counters()
        self._sequences()
        # MIG-6: the first `daily` runs the import day, never an earlier one
        runs = DailyRun.__table__  # type: ignore[attr-defined]
        session.execute(runs.delete().where(runs.c.day >= self.today - dt.timedelta(days=1)))
        session.execute(
            runs.insert().values(
                day=self.today - dt.timedelta(days=1),
                started_at=self.ctx.now,
                finished_at=self.ctx.now,
                summary=dumps({"whmcs_import": True}),
            )
        )
        self.report.money = self._reconcile()
        audit.record(
            session,
            self.ctx,
            "whmcs.import",
            "database",
            "*",
            {"imported": self.report.imported, "skipped": len(self.report.skipped)},
        )

    def _counters(self) -> None:
        """hostctl's own numbers continue after the imported ones of the same shape."""
        table = InvoiceCounter.__table__  # type: ignore[attr-defined]
        for year, last in sorted(self.counters.items()):
            current = self.session.execute(
                sa_select(table.c.last).where(table.c.year == year)
            ).scalar()
            if current is None:
                self.session.execute(table.insert().values(year=year, last=last))
            elif current < last:
                self.session.execute(table.update().where(table.c.year == year).values(last=last))

    def _sequences(self) -> None:
        """PostgreSQL: the id sequences past the ids given here."""
        if self.session.get_bind().dialect.name != "postgresql":
            return
        for name in ("clients", "services", "invoices", "payments"):
            self.session.connection().exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {name}), 0) + 1, false)"
            )

    def _reconcile(self) -> list[dict[str, Any]]:
        invoices, clients = INVOICES, CLIENTS
        unpaid = dict(
            self.session.execute(
                sa_select(
                    invoices.c.currency, func.sum(invoices.c.total_minor - invoices.c.paid_minor)
                )
                .where(invoices.c.status == "unpaid")
                .group_by(invoices.c.currency)
            ).all()
        )
        credit = dict(
            self.session.execute(
                sa_select(clients.c.currency, func.sum(clients.c.credit_minor)).group_by(
                    clients.c.currency
                )
            ).all()
        )
        money = []
        differ = []
        currencies = sorted({*self.whmcs_unpaid, *self.whmcs_credit, *unpaid, *credit})
        for cur in currencies:
            row = {
                "currency": cur,
                "whmcs_unpaid": money_json(self.whmcs_unpaid.get(cur, 0), cur),
                "hostctl_unpaid": money_json(int(unpaid.get(cur) or 0), cur),
                "whmcs_credit": money_json(self.whmcs_credit.get(cur, 0), cur),
                "hostctl_credit": money_json(int(credit.get(cur) or 0), cur),
            }
            money.append(row)
            for what, whmcs, hostctl in (
                (_("unpaid"), self.whmcs_unpaid.get(cur, 0), int(unpaid.get(cur) or 0)),
                (_("credit"), self.whmcs_credit.get(cur, 0), int(credit.get(cur) or 0)),
            ):
                if whmcs != hostctl:
                    differ.append(
                        _("{currency} {what}: WHMCS {whmcs}, hostctl {hostctl}, by {by}").format(
                            currency=cur,
                            what=what,
                            whmcs=money_json(whmcs, cur),
                            hostctl=money_json(hostctl, cur),
                            by=money_json(hostctl - whmcs, cur),
                        )
                        + _where(self.unbalanced.get(cur, []) if what == _("unpaid") else [])
                    )
        if differ:
            raise BusinessRuleError(
                _(
                    "The money does not reconcile with WHMCS, so nothing was imported: {where}."
                ).format(where="; ".join(differ))
            )
        return money


def _where(invoices: list[int]) -> str:
    """The invoices behind a difference, when the import knows them."""
    if not invoices:
        return ""
    shown = ", ".join(str(i) for i in invoices[:10]) + (", …" if len(invoices) > 10 else "")
    return " " + _("(WHMCS invoices {ids}: paid more than their total)").format(ids=shown)


_SERVICE_COLUMNS = (
    "id",
    "whmcs_id",
    "client_id",
    "product_code",
    "cycle",
    "status",
    "suspension_reason",
    "next_due_date",
    "anchor_day",
    "domain",
    "auto_renew",
    "requirements_met_on",
    "activated_on",
    "ended_on",
    "deleted_on",
    "created_on",
    "created_at",
    "updated_at",
    "server",
    "panel_username",
)
_SERVERS = Server.__table__  # type: ignore[attr-defined]
_PRODUCTS = Product.__table__  # type: ignore[attr-defined]
_PAYMENT_COLUMNS = (
    "id",
    "invoice_id",
    "client_id",
    "currency",
    "amount_minor",
    "discount_minor",
    "applied_minor",
    "credited_minor",
    "method",
    "reference",
    "reference_key",
    "duplicate_ok",
    "paid_on",
    "status",
    "created_by",
    "created_at",
)
_REFUND_COLUMNS = (
    "invoice_id",
    "payment_id",
    "client_id",
    "service_id",
    "currency",
    "amount_minor",
    "method",
    "refunded_on",
    "reason",
    "created_by",
    "created_at",
)


def import_whmcs(
    session: Session,
    ctx: Context,
    source: Source,
    mapping: WhmcsMap,
    *,
    progress: Progress | None = None,
) -> Report:
    """Bring WHMCS into this (empty) database in the caller's transaction; the report of
    what came, what was left out and the money reconciled. Refused (``BusinessRuleError``)
    when the database is not empty, the map lacks an entry WHMCS needs, or the money does
    not reconcile: the caller rolls back. Two imports at the same moment: on PostgreSQL the
    second waits for the first's transaction (an advisory lock), on SQLite for its write lock
    (``BEGIN IMMEDIATE``); then it finds the database filled, and is refused."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection().exec_driver_sql(
            "SELECT pg_advisory_xact_lock(hashtext('hostctl whmcs import'))"
        )
    check_empty(session)
    job = _Import(session, ctx, source, mapping, progress)
    job.clients_and_credit()
    job.contacts()
    job.servers()
    job.packages()
    job.hosting()
    job.domain_services()
    job.invoices_and_lines()
    job.credit_ledger()
    job.payments_and_refunds()
    job.support()
    job.finish()
    return job.report
