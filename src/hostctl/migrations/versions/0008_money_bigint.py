"""money columns 64-bit: every ``*_minor`` column BIGINT on PostgreSQL (it was a 32-bit
integer: 21 474 836.47 at most), and on SQLite, whose INTEGER is 64-bit already, a
``CHECK (typeof(col) = 'integer')`` on each, so that no value can be kept as a real (SQLite
turns an integer overflow in SQL arithmetic into a real instead of failing).

SQLite cannot add a CHECK to a table: each table is made again with the same ``CREATE
TABLE`` text plus the checks, its rows copied, its indexes made again (SQLite's own
procedure for a schema change, https://sqlite.org/lang_altertable.html, section 7). That
needs foreign keys off, which ``hostctl.migrate`` does for the migration's connection; the
foreign keys are checked at the end.

Revision ID: 0008_money_bigint
Revises: 0007_payment_reference_unique
Create Date: 2027-02-01
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial

import sqlalchemy as sa
from alembic import op

revision = "0008_money_bigint"
down_revision = "0007_payment_reference_unique"
branch_labels = None
depends_on = None

# The money columns when this revision was written, by table; None: the column may be NULL.
MONEY: dict[str, tuple[tuple[str, bool], ...]] = {
    "product_prices": (("monthly_minor", False),),
    "clients": (("credit_minor", False),),
    "invoices": (("total_minor", False), ("paid_minor", False)),
    "invoice_lines": (("amount_minor", False),),
    "payments": (
        ("amount_minor", False),
        ("discount_minor", False),
        ("applied_minor", False),
        ("credited_minor", False),
    ),
    "credit_ledger": (("amount_minor", False),),
    "upgrades": (("amount_minor", False),),
    "refunds": (("amount_minor", False),),
    "commissions": (("base_minor", False), ("amount_minor", True)),
    "withdrawals": (("amount_minor", False),),
    "quotes": (("total_minor", False),),
    "quote_lines": (("amount_minor", False),),
    "uptime_credits": (("amount_minor", False),),
}


def _check(table: str, column: str, nullable: bool) -> str:
    allowed = "IN ('integer', 'null')" if nullable else "= 'integer'"
    return f"CONSTRAINT ck_{table}_{column}_integer CHECK (typeof({column}) {allowed})"


def _checks(table: str) -> str:
    return "".join(f", \n\t{_check(table, c, n)}" for c, n in MONEY[table])


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in MONEY:
            _remake(table, partial(_add_checks, table))
        _check_foreign_keys()
        return
    for table, columns in MONEY.items():
        for column, nullable in columns:
            op.alter_column(
                table,
                column,
                type_=sa.BigInteger(),
                existing_type=sa.Integer(),
                existing_nullable=nullable,
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in MONEY:
            _remake(table, partial(_drop_checks, table))
        _check_foreign_keys()
        return
    for table, columns in MONEY.items():  # fails if an amount no longer fits: on purpose
        for column, nullable in columns:
            op.alter_column(
                table,
                column,
                type_=sa.Integer(),
                existing_type=sa.BigInteger(),
                existing_nullable=nullable,
            )


def _add_checks(table: str, sql: str) -> str:
    """``CREATE TABLE … (…)`` with the table's checks before its closing parenthesis."""
    body = sql.rstrip()
    if not body.endswith(")"):
        raise RuntimeError(f"unexpected table definition: {sql!r}")
    return body[:-1].rstrip() + _checks(table) + "\n)"


def _drop_checks(table: str, sql: str) -> str:
    return sql.replace(_checks(table), "", 1)


def _remake(table: str, change: Callable[[str], str]) -> None:
    """SQLite: the table made again from its own ``CREATE TABLE`` text as ``change`` turns
    it, with its rows, indexes and triggers."""
    conn = op.get_bind()
    if conn.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError("migration 0007 needs PRAGMA foreign_keys=OFF (hostctl.migrate)")
    sql = conn.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).scalar_one()
    extras = (
        conn.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') "
            "AND sql IS NOT NULL",
            (table,),
        )
        .scalars()
        .all()
    )
    new = f"_new_{table}"
    head = re.compile(rf'^\s*CREATE\s+TABLE\s+("?){re.escape(table)}\1', re.IGNORECASE)
    if not head.match(sql):
        raise RuntimeError(f"unexpected table definition: {sql!r}")
    changed = change(sql)
    conn.exec_driver_sql(head.sub(f'CREATE TABLE "{new}"', changed, count=1))
    conn.exec_driver_sql(f'INSERT INTO "{new}" SELECT * FROM "{table}"')
    conn.exec_driver_sql(f'DROP TABLE "{table}"')
    conn.exec_driver_sql(f'ALTER TABLE "{new}" RENAME TO "{table}"')
    for statement in extras:
        conn.exec_driver_sql(statement)


def _check_foreign_keys() -> None:
    broken = op.get_bind().exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        raise RuntimeError(f"foreign keys broken by migration 0007: {broken[:5]}")
