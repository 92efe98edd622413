"""The values Tab offers for an option (``--status``, ``--cycle``, ``--product`` …): the
real choices, taken from the core constants that check them, and the catalogue's products
and currencies read from the database when it can be read.

Imported by ``completion`` only when the shell asks for an option's value, never for a noun
or verb, so ``hostctl <TAB>`` stays cheap. The database is read without side effects: an
SQLite file only if it exists, opened read-only through ``sqlite3`` (no engine, no schema
upgrade, no lock wait); another database with a connect timeout of 2 s. Anything that fails
there gives no products (and the shell falls back to file names as before).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

Choices = list[tuple[str, str | None]]  # (value, help shown beside it, or None)

_CONNECT_TIMEOUT_S = 2


def _plain(values: Iterable[str]) -> Choices:
    return [(value, None) for value in values]


# ------------------------------------------------------------------ the database, read-only
def _database_url() -> str | None:
    url = os.environ.get("HOSTCTL_DATABASE_URL")
    if url:
        return url
    from platformdirs import user_data_dir  # as db.default_database_url, without making it

    return f"sqlite:///{Path(user_data_dir('hostctl', appauthor=False)) / 'hostctl.db'}"


def _query(sql: str, **params: Any) -> list[tuple[Any, ...]]:
    """The rows of ``sql`` (with ``:name`` parameters) on the database, or none when it
    cannot be read now."""
    url = _database_url()
    if not url:
        return []
    try:
        if url.startswith("sqlite:///"):
            import sqlite3

            path = Path(url.removeprefix("sqlite:///").split("?", 1)[0])
            if not path.is_file():
                return []
            lite = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=0.5)
            try:
                return list(lite.execute(sql, params).fetchall())
            finally:
                lite.close()
        from sqlalchemy import create_engine, text

        engine = create_engine(url, connect_args={"connect_timeout": _CONNECT_TIMEOUT_S})
        try:
            with engine.connect() as conn:
                return [tuple(row) for row in conn.execute(text(sql), params)]
        finally:
            engine.dispose()
    except Exception:  # completion never fails: no database, no values
        return []


def _products(category: str | None = None) -> Choices:
    rows = _query("SELECT code, name, category FROM products ORDER BY code")
    return [(code, name) for code, name, cat in rows if category in (None, cat)]


def _products_with_cycles() -> Choices:
    """``CODE:CYCLE`` for ``quote create --product``."""
    rows = _query("SELECT code, name, cycles FROM products ORDER BY code")
    return [
        (f"{code}:{cycle.strip()}", name)
        for code, name, cycles in rows
        for cycle in str(cycles or "").split(",")
        if cycle.strip()
    ]


def _billed_currencies() -> Choices:
    """The catalogue's currencies (those a client may be billed in), or every currency
    hostctl knows while there is no catalogue to read."""
    rows = _query("SELECT DISTINCT currency FROM product_prices ORDER BY currency")
    return _plain(row[0] for row in rows) if rows else _currencies()


def _currencies() -> Choices:
    from hostctl.core.money import MINOR_DIGITS

    return _plain(sorted(MINOR_DIGITS))


def _payment_methods() -> Choices:
    from hostctl.core.settings import DEFAULT_PAYMENT_METHODS

    rows = _query("SELECT value FROM settings WHERE key = 'payment.methods'")
    listed = str(rows[0][0]) if rows else DEFAULT_PAYMENT_METHODS
    return _plain(m.strip() for m in listed.split(",") if m.strip())


# ------------------------------------------------------------------ the constants
def _cycles(params: dict[str, Any] | None = None) -> Choices:
    """Every cycle; those of the product already on the line (``--product``), when the
    database says which."""
    from hostctl.core.cycles import CYCLE_MONTHS

    product = (params or {}).get("product")
    if isinstance(product, str) and product:
        rows = _query("SELECT cycles FROM products WHERE code = :code", code=product.lower())
        if rows:
            return _plain(c.strip() for c in str(rows[0][0] or "").split(",") if c.strip())
    return _plain(CYCLE_MONTHS)


def _invoice_statuses() -> Choices:
    from hostctl.core.invoices import LISTED_STATUSES

    return _plain(LISTED_STATUSES)


def _service_statuses() -> Choices:
    from hostctl.core.services import SERVICE_STATUSES

    return _plain(SERVICE_STATUSES)


def _ticket(name: str) -> Callable[[], Choices]:
    def values() -> Choices:
        from hostctl.core import tickets

        return _plain(getattr(tickets, name))

    return values


def _quote_statuses() -> Choices:
    from hostctl.core.quotes import STATUSES

    return _plain(STATUSES)


def _transfer_statuses() -> Choices:
    from hostctl.core.transfers import STATUSES

    return _plain(STATUSES)


def _notify_statuses() -> Choices:
    from hostctl.commands.notify import STATUSES

    return _plain(STATUSES)


def _events() -> Choices:
    from hostctl.core.outbox import EVENTS

    return _plain(EVENTS)


def _product_categories() -> Choices:
    from hostctl.core.catalogue import CATEGORIES

    return _plain(CATEGORIES)


def _activations() -> Choices:
    from hostctl.core.catalogue import ACTIVATIONS

    return _plain(ACTIVATIONS)


def _support_plans() -> Choices:
    from hostctl.core.validate import SUPPORT_PLANS

    return _plain(SUPPORT_PLANS)


def _rights() -> Choices:
    from hostctl.core.validate import CONTACT_RIGHTS

    return _plain(CONTACT_RIGHTS)


def _cancel_whens() -> Choices:
    from hostctl.core.cancellations import WHENS

    return _plain(WHENS)


def _withdraw_to() -> Choices:
    from hostctl.core.affiliates import WITHDRAW_TO

    return _plain(WITHDRAW_TO)


def _suspend_reasons() -> Choices:
    return _plain(("abuse",))


def _domain_products() -> Choices:
    return _products("domain")


CLIENT_LIMIT = 50  # client ids offered at most for one Tab


def _folded(text: str) -> str:
    """``text`` as ``search_key`` holds it (``core.clients.fold``): no case, no accents."""
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _like(word: str) -> str:
    """``word`` as a LIKE pattern's literal text (``!`` escapes)."""
    return word.replace("!", "!!").replace("%", "!%").replace("_", "!_")


def client_ids(incomplete: str = "") -> Choices:
    """Client ids with the client's name beside each: those whose id starts with the digits
    typed; for letters typed, the clients whose name, company or email has every word typed
    as a prefix (``client list --search``'s rule, on its ``search_key``), so Tab turns "perez"
    into the id. At most ``CLIENT_LIMIT``, lowest ids first."""
    typed = incomplete.strip()
    if not typed or typed.isdigit():
        rows = _query(
            "SELECT id, name FROM clients WHERE CAST(id AS VARCHAR(20)) LIKE :prefix "
            "ORDER BY id LIMIT :limit",
            prefix=f"{typed}%",
            limit=CLIENT_LIMIT,
        )
    else:
        words = [_like(word) for word in _folded(typed).split()]
        where = " AND ".join(
            f"(search_key LIKE :a{n} ESCAPE '!' OR search_key LIKE :b{n} ESCAPE '!' "
            f"OR search_key LIKE :c{n} ESCAPE '!')"
            for n in range(len(words))
        )
        params: dict[str, Any] = {}
        for n, word in enumerate(words):  # at the start of the name, company, email; or a word
            params.update({f"a{n}": f"{word}%", f"b{n}": f"% {word}%", f"c{n}": f"%\n{word}%"})
        rows = _query(
            f"SELECT id, name FROM clients WHERE {where} ORDER BY id LIMIT :limit",
            limit=CLIENT_LIMIT,
            **params,
        )
    return [(str(client_id), name) for client_id, name in rows]


# (command path without "hostctl", option name) → its values; "*" for any command.
VALUES: dict[tuple[str, str], Callable[[], Choices]] = {
    ("invoice list", "status"): _invoice_statuses,
    ("service list", "status"): _service_statuses,
    ("ticket list", "status"): _ticket("STATUSES"),
    ("quote list", "status"): _quote_statuses,
    ("transfer list", "status"): _transfer_statuses,
    ("notify list", "status"): _notify_statuses,
    ("notify list", "event"): _events,
    ("ticket open", "category"): _ticket("CATEGORIES"),
    ("ticket reclassify", "category"): _ticket("RECLASSIFY_TO"),
    ("ticket open", "priority"): _ticket("PRIORITIES"),
    ("ticket reply", "by"): _ticket("AUTHORS"),
    ("ticket sla-report", "by"): _ticket("REPORT_GROUPS"),
    ("product add", "category"): _product_categories,
    ("product list", "category"): _product_categories,
    ("product add", "currency"): _currencies,
    ("product edit", "currency"): _currencies,
    ("service upgrade", "to"): _products,
    ("service suspend", "reason"): _suspend_reasons,
    ("service cancel", "when"): _cancel_whens,
    ("affiliate withdraw", "to"): _withdraw_to,
    ("quote create", "product"): _products_with_cycles,
    ("*", "product"): _products,
    ("*", "upgrade_to"): _products,
    ("*", "free_domain"): _domain_products,
    ("*", "cycle"): _cycles,  # takes the line's options: the product's cycles
    ("*", "cycles"): _cycles,
    ("*", "currency"): _billed_currencies,
    ("*", "method"): _payment_methods,
    ("*", "support_plan"): _support_plans,
    ("*", "activation"): _activations,
    ("*", "rights"): _rights,
}


# (command path, parameter name) of the options and arguments that take a client id.
CLIENT_PARAMS = frozenset(
    {
        ("*", "client"),
        ("*", "client_id"),
        ("promo referral", "referrer"),
        ("promo referral", "referred"),
        ("transfer request", "to"),
    }
)


def takes_client(command_path: str, name: str) -> bool:
    return (command_path, name) in CLIENT_PARAMS or ("*", name) in CLIENT_PARAMS


def option_values(
    command_path: str, option: str, params: dict[str, Any] | None = None, incomplete: str = ""
) -> Choices | None:
    """The values of ``option`` (its parameter name) of the command ``command_path``
    ("invoice list") that fit ``incomplete``, given the options already on the line
    (``params``), or None when it has no fixed set (a date, an amount, a file)."""
    if takes_client(command_path, option):
        return client_ids(incomplete)
    values = VALUES.get((command_path, option)) or VALUES.get(("*", option))
    if values is None:
        return None
    found = _cycles(params) if values is _cycles else values()
    return [(value, help_text) for value, help_text in found if value.startswith(incomplete)]
