"""The WHMCS reader: rows of a WHMCS 7.x/8.x MySQL/MariaDB database, read and never written.

One connection, one ``START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY`` for the whole
reading (MIG-1): every table is read as of the same moment, and the server itself refuses a
write. Rows are streamed (a server-side cursor), so a large WHMCS is never held in memory;
one stream must be read to its end before the next one starts.

The reader knows WHMCS's traps and undoes them here, where the format is known:

* ``0000-00-00`` dates (and ``0000-00-00 00:00:00``) are absent dates: None;
* text is stored HTML-escaped (``P&eacute;rez``): it is unescaped;
* a price of ``-1.00`` in ``tblpricing`` is a cycle that is off: None.

Only the columns the import needs are read (``TABLES``): passwords, hashes, card and bank
data, security answers and gateway settings are never selected (MIG-3), nor a server's
``password`` or ``accesshash`` (its API token), nor the module settings of a product other
than the package of a cPanel or CWP product (another module may keep an API key there).
"""

from __future__ import annotations

import html
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from hostctl.errors import HostctlError, UsageError
from hostctl.i18n import _

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from hostctl.core.whmcs_map import MapFacts

URL_VARIABLE = "HOSTCTL_WHMCS_URL"
NO_PRICE = Decimal("-1.00")
# tblpricing's price columns: cycle → (price column, setup fee column)
CYCLE_COLUMNS = {
    "monthly": ("monthly", "msetupfee"),
    "quarterly": ("quarterly", "qsetupfee"),
    "semiannually": ("semiannually", "ssetupfee"),
    "annually": ("annually", "asetupfee"),
    "biennially": ("biennially", "bsetupfee"),
    "triennially": ("triennially", "tsetupfee"),
}
# WHMCS server modules (tblservers.type, tblproducts.servertype) → hostctl's panel. cPanel's
# module keeps the WHM package in configoption1 ("WHM Package Name"); so do the CWP modules
# (CWP's own ``cwp7``, "PACKAGE-NUMBER", and the public ones that kept its name, "CWP
# Package"). ``cwp`` is the name some installations gave it.
PANEL_MODULES = {"cpanel": "whm", "cwp7": "cwp", "cwp": "cwp"}


@dataclass(frozen=True)
class Table:
    """What is read of one WHMCS table: its columns, and which rows."""

    columns: tuple[str, ...]
    where: str = ""
    order_by: str = "id"


def _cols(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Every table the import reads, with only the columns it needs (never a secret).
TABLES: dict[str, Table] = {
    "tblcurrencies": Table(_cols("id code prefix suffix rate default")),
    "tblclients": Table(
        _cols(
            "id firstname lastname companyname email address1 address2 city state postcode "
            "country phonenumber tax_id currency defaultgateway credit datecreated status "
            "language"
        )
    ),
    "tblcontacts": Table(
        _cols("id userid firstname lastname companyname email country phonenumber")
    ),
    "tblproductgroups": Table(_cols("id name hidden")),
    "tblproducts": Table(_cols("id type gid name paytype hidden retired")),
    "tblpricing": Table(
        _cols("id type currency relid") + tuple(c for pair in CYCLE_COLUMNS.values() for c in pair)
    ),
    "tbldomainpricing": Table(_cols("id extension")),
    "tblhosting": Table(
        _cols(
            "id userid packageid regdate domain paymentmethod firstpaymentamount amount "
            "billingcycle nextduedate nextinvoicedate termination_date domainstatus username "
            "suspendreason promoid server"
        )
    ),
    "tbldomains": Table(
        _cols(
            "id userid type registrationdate domain firstpaymentamount recurringamount "
            "registrationperiod expirydate status nextduedate nextinvoicedate paymentmethod "
            "donotrenew"
        )
    ),
    "tblinvoices": Table(
        _cols(
            "id userid invoicenum date duedate datepaid date_refunded date_cancelled subtotal "
            "credit tax tax2 total status paymentmethod"
        )
    ),
    "tblinvoiceitems": Table(
        _cols("id invoiceid userid type relid description amount duedate paymentmethod")
    ),
    "tblaccounts": Table(
        _cols(
            "id userid currency gateway date description amountin fees amountout rate transid "
            "invoiceid refundid"
        )
    ),
    "tblcredit": Table(_cols("id clientid date description amount relid")),
    "tblaffiliates": Table(_cols("id date clientid paytype payamount onetime balance withdrawn")),
    "tblaffiliatesaccounts": Table(_cols("id affiliateid relid lastpaid")),
    "tblaffiliateswithdrawals": Table(_cols("id affiliateid date amount")),
    "tbltickets": Table(
        _cols("id tid did userid name email date title message status urgency lastreply")
    ),
    "tblticketreplies": Table(_cols("id tid userid name email date message admin")),
    # Never `password` nor `accesshash`: the server's API secret stays in WHMCS.
    "tblservers": Table(_cols("id name hostname ipaddress type username port")),
    # Gateway modules by their display name only: their other settings hold API secrets.
    "tblpaymentgateways": Table(
        _cols("gateway value"), where="setting = 'name'", order_by="gateway"
    ),
}


def whmcs_url(given: str | None) -> str:
    """The WHMCS database URL: ``--from``, else ``HOSTCTL_WHMCS_URL``."""
    url = given or os.environ.get(URL_VARIABLE) or ""
    if not url.strip():
        raise UsageError(
            _("Say which WHMCS database to read: --from URL or {variable}.").format(
                variable=URL_VARIABLE
            )
        )
    return url.strip()


def clean(value: Any) -> Any:
    """A WHMCS value in hostctl's terms: zero dates absent, text unescaped."""
    if isinstance(value, str):
        if value.startswith("0000-00-00"):
            return None  # a zero date the driver could not turn into a date
        return html.unescape(value)
    if isinstance(value, bytes):
        return clean(value.decode("utf-8", errors="replace"))
    return value


def price(value: Any) -> Decimal | None:
    """A tblpricing price: None when the cycle is off (-1.00)."""
    if value is None:
        return None
    amount = Decimal(value)
    return None if amount == NO_PRICE else amount


class WhmcsReader:
    """Streams rows of the tables in ``TABLES``, all from one read-only snapshot."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def rows(self, table: str) -> Iterator[dict[str, Any]]:
        """The rows of ``table`` (a key of ``TABLES``), cleaned, in id order, streamed."""
        spec = TABLES[table]
        columns = ", ".join(f"`{c}`" for c in spec.columns)
        where = f" WHERE {spec.where}" if spec.where else ""
        sql = f"SELECT {columns} FROM `{table}`{where} ORDER BY `{spec.order_by}`"
        result = self._execute(table, sql, stream=True)
        try:
            for row in result.mappings():
                yield {key: clean(value) for key, value in row.items()}
        finally:
            result.close()

    def servers(self) -> Iterator[dict[str, Any]]:
        """The rows of ``tblservers`` in hostctl's terms: ``id``, ``name``, ``panel`` (``whm``,
        ``cwp``, or None for a module hostctl does not drive), ``host`` (the hostname, else
        the IP address; None without either), ``port`` (None: the panel's own) and ``user``."""
        for row in self.rows("tblservers"):
            host, port = _address(str(row["hostname"] or "") or str(row["ipaddress"] or ""))
            yield {
                "id": row["id"],
                "name": str(row["name"] or ""),
                "panel": PANEL_MODULES.get(str(row["type"] or "").strip().lower()),
                "host": host,
                "port": int(row["port"] or 0) or port,
                "user": str(row["username"] or "").strip() or None,
            }

    def packages(self) -> dict[int, str]:
        """The panel package of each product of a cPanel or CWP module (its
        ``configoption1``), by product id; no other module's settings are selected."""
        modules = ", ".join(f"'{m}'" for m in PANEL_MODULES)
        sql = (
            "SELECT `id`, `configoption1` FROM `tblproducts` "
            f"WHERE LOWER(`servertype`) IN ({modules}) ORDER BY `id`"
        )
        found: dict[int, str] = {}
        for row_id, package in self._execute("tblproducts", sql):
            text = " ".join(str(clean(package) or "").split())
            if text:
                found[int(row_id)] = text
        return found

    def invoices(self) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
        """Each invoice (``tblinvoices``, in id order) with its lines (``tblinvoiceitems``)
        and what its transactions brought in and took out (``paid_in``, ``paid_out``):
        one streamed join, so neither the invoices nor their lines are held in memory."""
        invoice_cols = TABLES["tblinvoices"].columns
        item_cols = TABLES["tblinvoiceitems"].columns
        columns = ", ".join(
            [f"i.`{c}` AS `i_{c}`" for c in invoice_cols]
            + [f"t.`{c}` AS `t_{c}`" for c in item_cols]
            + ["a.paid_in AS a_paid_in", "a.paid_out AS a_paid_out"]
        )
        sql = (
            f"SELECT {columns} FROM `tblinvoices` i "
            "LEFT JOIN `tblinvoiceitems` t ON t.`invoiceid` = i.`id` "
            "LEFT JOIN (SELECT `invoiceid`, SUM(`amountin`) AS paid_in, "
            "SUM(`amountout`) AS paid_out FROM `tblaccounts` WHERE `invoiceid` > 0 "
            "GROUP BY `invoiceid`) a ON a.`invoiceid` = i.`id` "
            "ORDER BY i.`id`, t.`id`"
        )
        result = self._execute("tblinvoices", sql, stream=True)
        current: dict[str, Any] | None = None
        items: list[dict[str, Any]] = []
        try:
            for row in result:
                values = row._mapping
                if current is None or values["i_id"] != current["id"]:
                    if current is not None:
                        yield current, items
                    current = {c: clean(values[f"i_{c}"]) for c in invoice_cols}
                    current["paid_in"] = values["a_paid_in"] or Decimal(0)
                    current["paid_out"] = values["a_paid_out"] or Decimal(0)
                    items = []
                if values["t_id"] is not None:
                    items.append({c: clean(values[f"t_{c}"]) for c in item_cols})
            if current is not None:
                yield current, items
        finally:
            result.close()

    def orphans(self, table: str, column: str, parent: str) -> Iterator[tuple[int, Any]]:
        """(id, ``column``) of the rows of ``table`` whose ``column`` names no row of
        ``parent`` (an invoice line of invoice 0, or of an invoice that is gone)."""
        if table not in TABLES or column not in TABLES[table].columns or parent not in TABLES:
            raise KeyError((table, column, parent))
        sql = (
            f"SELECT t.`id`, t.`{column}` FROM `{table}` t LEFT JOIN `{parent}` p "
            f"ON p.`id` = t.`{column}` WHERE p.`id` IS NULL ORDER BY t.`id`"
        )
        result = self._execute(table, sql, stream=True)
        try:
            for row_id, value in result:
                yield int(row_id), value
        finally:
            result.close()

    def counts(self, table: str, column: str) -> dict[Any, int]:
        """How many rows of ``table`` have each value of ``column`` (e.g. services per
        product)."""
        if table not in TABLES or column not in TABLES[table].columns:
            raise KeyError((table, column))
        sql = f"SELECT `{column}`, COUNT(*) FROM `{table}` GROUP BY `{column}`"
        return {clean(k): int(n) for k, n in self._execute(table, sql)}

    def _execute(self, table: str, sql: str, *, stream: bool = False) -> Any:
        from sqlalchemy import text
        from sqlalchemy.exc import DBAPIError

        options = {"stream_results": True} if stream else {}
        try:
            return self.connection.execute(text(sql), execution_options=options)
        except DBAPIError as exc:  # not a WHMCS database, or an unknown version of it
            raise HostctlError(
                _("Cannot read {table} of the WHMCS database: {why}.").format(
                    table=table, why=_why(exc)
                )
            ) from None


def _driver() -> None:
    import importlib

    try:
        importlib.import_module("pymysql")
    except ImportError:
        raise HostctlError(
            _(
                "Reading WHMCS needs the PyMySQL driver, which is not installed: "
                "pip install 'hostctl[whmcs]'."
            )
        ) from None


def _engine(url: str) -> Any:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError
    from sqlalchemy.pool import NullPool

    try:
        parsed = make_url(url)
    except ArgumentError:
        raise UsageError(
            _("The WHMCS URL is not a database URL: mysql+pymysql://user@host/whmcs.")
        ) from None
    if parsed.get_backend_name() not in {"mysql", "mariadb"}:
        raise UsageError(
            _("A WHMCS database is MySQL or MariaDB: mysql+pymysql://user@host/whmcs.")
        )
    if parsed.get_driver_name() != "pymysql":
        parsed = parsed.set(drivername=f"{parsed.get_backend_name()}+pymysql")
    if "charset" not in parsed.query:
        parsed = parsed.update_query_dict({"charset": "utf8mb4"})
    _driver()
    return create_engine(parsed, poolclass=NullPool)


@contextmanager
def open_whmcs(url: str) -> Iterator[WhmcsReader]:
    """A reader over the WHMCS database at ``url``: one connection, one read-only consistent
    snapshot, ended (rolled back: nothing was written) when the block ends."""
    from sqlalchemy.exc import DBAPIError

    from hostctl.db_url import shown_url

    engine = _engine(url)
    try:
        connection = engine.connect()
    except DBAPIError as exc:
        raise HostctlError(
            _("Cannot read the WHMCS database {url}: {why}.").format(
                url=shown_url(url), why=_why(exc)
            )
        ) from None
    try:
        connection.exec_driver_sql("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
        yield WhmcsReader(connection)
    finally:
        connection.rollback()
        connection.close()
        engine.dispose()


def _why(exc: Any) -> str:
    """The server's or the network's words, without the SQL or the password."""
    args: tuple[Any, ...] = tuple(getattr(exc.orig, "args", ()))
    words = str(args[1]) if len(args) > 1 else str(exc.orig)
    return words.rstrip(".")


def map_facts(reader: WhmcsReader) -> MapFacts:
    """What the map needs from WHMCS: its products with their prices and services, the TLDs
    of its domains and domain pricing, its gateway modules and how many invoices use each."""
    from hostctl.core.whmcs_map import MapFacts, WhmcsGateway, WhmcsProduct, WhmcsTld

    currencies = {row["id"]: row["code"] for row in reader.rows("tblcurrencies")}
    groups = {row["id"]: row["name"] for row in reader.rows("tblproductgroups")}
    products = list(reader.rows("tblproducts"))
    onetime = {p["id"] for p in products if p["paytype"] == "onetime"}
    prices: dict[int, dict[str, dict[str, Decimal]]] = {}
    for row in reader.rows("tblpricing"):
        if row["type"] != "product" or row["currency"] not in currencies:
            continue
        for cycle, (column, _setup) in CYCLE_COLUMNS.items():
            amount = price(row[column])
            if amount is None:
                continue
            if row["relid"] in onetime:
                if cycle != "monthly":
                    continue
                cycle = "onetime"
            by_cycle = prices.setdefault(row["relid"], {})
            by_cycle.setdefault(cycle, {})[currencies[row["currency"]]] = amount
    services = reader.counts("tblhosting", "packageid")
    tlds: dict[str, int] = {}
    for row in reader.rows("tbldomainpricing"):
        tlds.setdefault(_tld(row["extension"]), 0)
    for row in reader.rows("tbldomains"):
        if row["domain"] and "." in row["domain"]:
            tld = _tld(row["domain"].split(".", 1)[1])
            tlds[tld] = tlds.get(tld, 0) + 1
    names = {row["gateway"]: row["value"] for row in reader.rows("tblpaymentgateways")}
    used = reader.counts("tblinvoices", "paymentmethod")
    modules = sorted({*names, *(m for m in used if m)})
    return MapFacts(
        products=[
            WhmcsProduct(
                id=p["id"],
                name=p["name"],
                group=groups.get(p["gid"], ""),
                services=services.get(p["id"], 0),
                prices=prices.get(p["id"], {}),
            )
            for p in products
        ],
        tlds=[WhmcsTld(tld, count) for tld, count in sorted(tlds.items())],
        gateways=[WhmcsGateway(m, names.get(m) or m, used.get(m, 0)) for m in modules],
    )


def _address(text: str) -> tuple[str | None, int | None]:
    """A tblservers hostname (or IP) as a host and a port: staff type ``web3.example.com``,
    ``https://web3.example.com:2087/`` or an IPv6 address; None for what is no address."""
    import urllib.parse

    value = text.strip()
    if not value:
        return None, None
    if "://" not in value:
        if not value.startswith("[") and value.count(":") > 1:  # a bare IPv6 address
            return f"[{value}]", None
        value = "//" + value
    try:
        parts = urllib.parse.urlsplit(value)
        host, port = parts.hostname, parts.port
    except ValueError:
        return None, None
    if not host:
        return None, None
    return (f"[{host}]" if ":" in host else host), port


def _tld(text: str) -> str:
    return "." + text.strip().strip(".").lower()
