"""payment references: a method and reference recorded once, by a unique key

Each payment keeps its reference as compared (``reference_key``: spaces collapsed, lower
case) and whether it was recorded as a deliberate duplicate (``duplicate_ok``, what
`payment add --duplicate-ok` says). One unique index over (method, reference_key) of the
payments that are not deliberate duplicates decides between two agents recording one
reference at the same moment.

A database may already hold the same method and reference more than once (recorded with
--duplicate-ok, or by two agents at once before this revision): the oldest payment of each
is kept as the one that holds the reference, the later ones are marked deliberate duplicates,
so the upgrade never fails on them.

Revision ID: 0007_payment_reference_unique
Revises: 0006_client_search
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_payment_reference_unique"
down_revision = "0006_client_search"
branch_labels = None
depends_on = None

BATCH = 1000
NOT_DUPLICATE = sa.text("NOT duplicate_ok")


def _key(reference: str | None) -> str | None:
    """``hostctl.core.payments.reference_key`` as it was when this revision was written."""
    key = " ".join((reference or "").split()).lower()
    return key or None


def upgrade() -> None:
    # ALTER TABLE … ADD COLUMN, not a batch copy of the table (credit entries and refunds
    # point at payments: dropping the old copy would fail with foreign keys on)
    op.add_column("payments", sa.Column("reference_key", sa.String(), nullable=True))
    op.add_column(
        "payments",
        sa.Column("duplicate_ok", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    conn = op.get_bind()
    payments = sa.table(
        "payments",
        sa.column("id", sa.Integer()),
        sa.column("method", sa.String()),
        sa.column("reference", sa.String()),
        sa.column("reference_key", sa.String()),
        sa.column("duplicate_ok", sa.Boolean()),
    )
    update = (
        payments.update()
        .where(payments.c.id == sa.bindparam("payment_id"))
        .values(reference_key=sa.bindparam("key"))
    )
    last = 0
    while True:  # by id, a batch at a time: memory stays flat on a large base
        rows = conn.execute(
            sa.select(payments.c.id, payments.c.reference)
            .where(payments.c.id > last, payments.c.reference.is_not(None))
            .order_by(payments.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        conn.execute(update, [{"payment_id": r[0], "key": _key(r[1])} for r in rows])
        last = rows[-1][0]
    op.create_index(
        "ix_payments_method_reference_key", "payments", ["method", "reference_key"], unique=False
    )
    # the references already recorded more than once: all but the oldest are deliberate
    earlier = sa.alias(payments, "earlier")
    conn.execute(
        payments.update()
        .where(
            payments.c.reference_key.is_not(None),
            sa.exists().where(
                earlier.c.method == payments.c.method,
                earlier.c.reference_key == payments.c.reference_key,
                earlier.c.id < payments.c.id,
            ),
        )
        .values(duplicate_ok=True)
    )
    op.create_index(
        "uq_payments_method_reference_key",
        "payments",
        ["method", "reference_key"],
        unique=True,
        sqlite_where=NOT_DUPLICATE,
        postgresql_where=NOT_DUPLICATE,
    )


def downgrade() -> None:
    op.drop_index("uq_payments_method_reference_key", table_name="payments")
    op.drop_index("ix_payments_method_reference_key", table_name="payments")
    # ALTER TABLE … DROP COLUMN (SQLite 3.35+), as 0006 does
    op.drop_column("payments", "duplicate_ok")
    op.drop_column("payments", "reference_key")
