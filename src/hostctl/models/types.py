"""The column types of hostctl's tables, without the ORM: the UTC timestamp and the money
column. ``models/base.py`` builds the table classes with them; the Core tables of
``models/core_tables.py`` use them too, so a read through Core (``client show``) imports
neither SQLModel nor pydantic's models."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator

from hostctl.core.money import LARGEST_STORED_MINOR, SMALLEST_STORED_MINOR
from hostctl.errors import ValidationError
from hostctl.i18n import _


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite and PostgreSQL alike."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class MinorUnits(TypeDecorator[int]):
    """A money column: integer minor units, 64-bit (BIGINT on PostgreSQL; SQLite's INTEGER
    is 64-bit already). A value beyond 64 bits, which a sum in Python can reach, is refused
    in one sentence before the driver sees it; a float is a bug, refused here and, on
    SQLite, by the column's ``CHECK (typeof(…) = 'integer')`` (``money_checks``)."""

    impl = sa.BigInteger
    cache_ok = True

    def load_dialect_impl(self, dialect: Any) -> Any:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.Integer())
        return dialect.type_descriptor(sa.BigInteger())

    def process_bind_param(self, value: int | None, dialect: Any) -> int | None:
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError(f"a money column takes integer minor units, not {value!r}")
        if not SMALLEST_STORED_MINOR <= value <= LARGEST_STORED_MINOR:
            raise too_large(value)
        return value


def too_large(minor: int) -> ValidationError:
    """The refusal of an amount no money column keeps (beyond 64 bits)."""
    return ValidationError(
        _(
            "An amount of {minor} minor units is too large to keep (the largest is "
            "{largest}); nothing was changed."
        ).format(minor=minor, largest=LARGEST_STORED_MINOR)
    )
