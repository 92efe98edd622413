"""Row helpers shared by the set-based rules (invoices, service states, renewals, ``daily``).

The rules read and write through Core statements on the tables: columns, not ORM objects,
so a day of thousands of services costs a few statements per rule, not one per service. The
one-row paths (a payment, a chargeback, staff at the desk) call the same functions with one id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from hostctl.core.bulk import chunks
from hostctl.models import Client, Invoice, InvoiceLine, Product, Service

SERVICES = Service.__table__  # type: ignore[attr-defined]
CLIENTS = Client.__table__  # type: ignore[attr-defined]
INVOICES = Invoice.__table__  # type: ignore[attr-defined]
LINES = InvoiceLine.__table__  # type: ignore[attr-defined]
CHUNK = 2000  # ids per IN (...) list
# What the alerts, the audit and the actions need of a service.
SERVICE_COLS = (
    SERVICES.c.id,
    SERVICES.c.client_id,
    SERVICES.c.product_code,
    SERVICES.c.domain,
    SERVICES.c.next_due_date,
)


@dataclass(slots=True)
class Action:
    day: dt.date
    action: str  # invoice | reminder | suspend | suspend-client | terminate | end | expire
    client_id: int | None
    service_id: int | None = None
    detail: str = ""


class Actions(Sequence[Action]):
    """The actions of one kind a rule took on a day: the rows it acted on, described as
    ``Action``s only when read (``daily`` without ``--verbose`` only counts them)."""

    __slots__ = ("day", "describe", "kind", "rows")

    def __init__(
        self,
        day: dt.date,
        kind: str,
        rows: Sequence[Any],
        describe: Callable[[Any], tuple[int | None, int | None, str]],
    ) -> None:
        self.day, self.kind, self.rows, self.describe = day, kind, rows, describe

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return Action(self.day, self.kind, *self.describe(self.rows[index]))

    @classmethod
    def counted(cls, day: dt.date, kind: str, count: int, detail: str = "") -> Actions:
        """``count`` actions known only by their number (and a detail for all of them)."""
        return cls(day, kind, range(count), lambda _: (None, None, detail))


def no_index(column: Any) -> Any:
    """``column`` as an expression no index answers (``status || ''``).

    SQLite has no statistics here: given ``status = 'active'`` next to ``client_id IN
    (...)`` it walks the status index over every active service (tens of thousands)
    instead of the client index over the debtors' few. PostgreSQL plans by its statistics
    either way."""
    return column.concat("")


_BY_IDS: dict[tuple[int, ...], Any] = {}


def by_ids(columns: Sequence[Any], table: Any, *, lock: bool = False) -> Any:
    """``SELECT columns FROM table WHERE id IN (:ids)``, built once for each set of columns:
    ``daily`` runs these reads hundreds of times, and a statement built anew each time
    costs SQLAlchemy its construction, its cache key and the coercion of every id of the
    list (an expanding parameter takes the ids as they are). ``lock``: ``FOR UPDATE``.
    Kept by the identity of the columns (a column compared with ``==`` is an expression);
    the statement holds them, so those identities stay theirs."""
    key = (id(table), int(lock), *map(id, columns))
    statement = _BY_IDS.get(key)
    if statement is None:
        statement = sa_select(*columns).where(table.c.id.in_(bindparam("ids", expanding=True)))
        if lock:
            statement = statement.with_for_update()
        _BY_IDS[key] = statement
    return statement


def rows_by_id(
    session: Session, columns: Sequence[Any], ids: Sequence[int], table: Any = SERVICES
) -> list[Any]:
    """The rows of these ids, in the order of ``ids``. The rules select ids first (a few
    bytes each) and read whole rows a chunk at a time: on a first day with tens of
    thousands of services to act on, memory stays flat."""
    position = {row_id: i for i, row_id in enumerate(ids)}
    statement = by_ids(columns, table)
    rows: list[Any] = []
    for chunk in chunks(list(ids), CHUNK):
        rows += session.execute(statement, {"ids": chunk}).all()
    rows.sort(key=lambda row: position[row.id])
    return rows


CONTACT_COLS = (CLIENTS.c.id, CLIENTS.c.phone, CLIENTS.c.email)


def contacts(session: Session, ids: Iterable[int]) -> dict[int, Any]:
    """id → (id, phone, email) of these clients: what an alert needs."""
    result: dict[int, Any] = {}
    statement = by_ids(CONTACT_COLS, CLIENTS)
    for chunk in chunks(sorted(set(ids)), CHUNK):
        result.update((c.id, c) for c in session.execute(statement, {"ids": chunk}).all())
    return result


_PRODUCT_NAMES = sa_select(col(Product.code), col(Product.name))


def product_names(session: Session) -> dict[str, str]:
    return dict(session.execute(_PRODUCT_NAMES).all())


def expire(session: Session, model: type[Any], ids: Iterable[int]) -> None:
    """Forget what the session holds of these rows after a Core statement changed them, so
    an ORM object read before is read again."""
    wanted = set(ids)
    for obj in list(session.identity_map.values()):
        if isinstance(obj, model) and getattr(obj, "id", None) in wanted:
            session.expire(obj)
