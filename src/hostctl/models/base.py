"""What every table shares: the base class, the metadata, its column helpers (the column
types themselves are in ``models/types.py``)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from hostctl.core.money import LARGEST_STORED_MINOR, SMALLEST_STORED_MINOR
from hostctl.models.types import MinorUnits as MinorUnits  # re-exported: the table classes'
from hostctl.models.types import UTCDateTime as UTCDateTime  # types live in models/types.py
from hostctl.models.types import too_large as too_large


def money_checked(
    table: sa.Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> Iterable[Sequence[Any]]:
    """``rows`` (in ``columns`` order) as they come, each money value checked as
    ``MinorUnits`` checks it: for the bulk writes that bypass SQLAlchemy's processing."""
    money = [i for i, name in enumerate(columns) if isinstance(table.c[name].type, MinorUnits)]
    if not money:
        return rows
    return _checked(rows, money)


def _checked(rows: Iterable[Sequence[Any]], money: list[int]) -> Iterator[Sequence[Any]]:
    low, high = SMALLEST_STORED_MINOR, LARGEST_STORED_MINOR
    for row in rows:
        for i in money:
            value = row[i]
            if value is not None and not low <= value <= high:
                if isinstance(value, float):
                    raise TypeError(f"a money column takes integer minor units, not {value!r}")
                raise too_large(value)
        yield row


def money_field(default: int | None = None, *, nullable: bool = False) -> Any:
    """A money column (``*_minor``); without ``default`` a value is required."""
    if default is None and not nullable:
        return Field(sa_type=MinorUnits, nullable=False)
    return Field(default=default, sa_type=MinorUnits, nullable=nullable)


def money_checks(*columns: str, nullable: tuple[str, ...] = ()) -> tuple[sa.CheckConstraint, ...]:
    """SQLite: a money column holds an integer, never a real (an integer overflow in SQL
    arithmetic gives a real there). Named ``ck_<table>_<column>_integer``; PostgreSQL's
    BIGINT refuses anything else by itself."""
    checks = [
        sa.CheckConstraint(f"typeof({c}) = 'integer'", name=f"{c}_integer") for c in columns
    ] + [
        sa.CheckConstraint(f"typeof({c}) IN ('integer', 'null')", name=f"{c}_integer")
        for c in nullable
    ]
    return tuple(check.ddl_if(dialect="sqlite") for check in checks)


class Table(SQLModel):
    """Base of every table: pydantic's schema is built only if a model is ever validated
    (table models never are), which keeps ``import hostctl.models`` cheap at start-up."""

    model_config = {"defer_build": True}


metadata = SQLModel.metadata
metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _ts(nullable: bool = False, index: bool = False) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)
