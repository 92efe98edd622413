"""moving over from WHMCS: what each object was in WHMCS, and an affiliate's opening balance

Clients, services and invoices brought over from WHMCS keep their WHMCS id (``whmcs_id``;
NULL for what hostctl made). A service made from a WHMCS domain keeps the ``tbldomains`` id.
An affiliate's balance brought over from WHMCS is a commission of no invoice and no
referred client: ``commissions.invoice_id`` and ``referred_id`` may now be NULL.

SQLite cannot drop a NOT NULL: ``commissions`` is made again from its own ``CREATE TABLE``
text without the two NOT NULLs (as revision 0008 did, foreign keys off for the migration's
connection and checked at the end).

Revision ID: 0009_whmcs
Revises: 0008_money_bigint
Create Date: 2026-12-05
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "0009_whmcs"
down_revision = "0008_money_bigint"
branch_labels = None
depends_on = None

TABLES = ("clients", "services", "invoices")
NULLABLE = ("invoice_id", "referred_id")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("whmcs_id", sa.Integer(), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        _remake_commissions(nullable=True)
        return
    for column in NULLABLE:
        op.alter_column("commissions", column, existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _remake_commissions(nullable=False)
    else:
        for column in NULLABLE:
            op.alter_column("commissions", column, existing_type=sa.Integer(), nullable=False)
    for table in TABLES:
        with op.batch_alter_table(table, recreate="never") as batch:
            batch.drop_column("whmcs_id")


def _remake_commissions(*, nullable: bool) -> None:
    conn = op.get_bind()
    if conn.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError("migration 0009 needs PRAGMA foreign_keys=OFF (hostctl.migrate)")
    sql = conn.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'commissions'"
    ).scalar_one()
    extras = (
        conn.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'commissions' "
            "AND type IN ('index', 'trigger') AND sql IS NOT NULL"
        )
        .scalars()
        .all()
    )
    for column in NULLABLE:
        old, new = (
            (f"{column} INTEGER NOT NULL,", f"{column} INTEGER,")
            if nullable
            else (f"{column} INTEGER,", f"{column} INTEGER NOT NULL,")
        )
        if old not in sql:
            raise RuntimeError(f"unexpected table definition: {sql!r}")
        sql = sql.replace(old, new, 1)
    head = re.compile(r'^\s*CREATE\s+TABLE\s+("?)commissions\1', re.IGNORECASE)
    conn.exec_driver_sql(head.sub('CREATE TABLE "_new_commissions"', sql, count=1))
    conn.exec_driver_sql('INSERT INTO "_new_commissions" SELECT * FROM "commissions"')
    conn.exec_driver_sql('DROP TABLE "commissions"')
    conn.exec_driver_sql('ALTER TABLE "_new_commissions" RENAME TO "commissions"')
    for statement in extras:
        conn.exec_driver_sql(statement)
    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        raise RuntimeError(f"foreign keys broken by migration 0009: {broken[:5]}")
