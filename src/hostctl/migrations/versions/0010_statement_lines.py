"""statement lines: money coming in from MercadoPago, PayPal and the banks (rules §14)

A statement line is recorded once per source and transaction id, by a unique key; a payment
recorded from one keeps its id (``payments.statement_line_id``).

Revision ID: 0010_statement_lines
Revises: 0009_whmcs
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_statement_lines"
down_revision = "0009_whmcs"
branch_labels = None
depends_on = None


def _money(name: str, *, nullable: bool = False) -> sa.Column[int]:
    return sa.Column(name, sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=nullable)


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    checks = (
        [
            sa.CheckConstraint(
                "typeof(amount_minor) = 'integer'",
                name="amount_minor_integer",
            ),
            sa.CheckConstraint(
                "typeof(fee_minor) IN ('integer', 'null')",
                name="fee_minor_integer",
            ),
        ]
        if sqlite
        else []
    )
    op.create_table(
        "statement_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=120), nullable=False),
        sa.Column("transaction_id", sa.String(length=200), nullable=False),
        sa.Column("format", sa.String(), nullable=False),
        sa.Column("file_name", sa.String(), nullable=False),
        sa.Column("line_date", sa.Date(), nullable=False),
        _money("amount_minor"),
        _money("fee_minor", nullable=True),
        sa.Column("currency", sa.String(), nullable=False),
        sa.Column("method", sa.String(), nullable=False),
        sa.Column("payer", sa.String(), nullable=True),
        sa.Column("payer_email", sa.String(), nullable=True),
        sa.Column("payer_document", sa.String(), nullable=True),
        sa.Column("reference", sa.String(), nullable=True),
        sa.Column("description", sa.String(), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("why", sa.String(), nullable=True),
        sa.Column("matched_by", sa.String(), nullable=True),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("invoice_id", sa.Integer(), nullable=True),
        sa.Column("imported_by", sa.String(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name="fk_statement_lines_client_id_clients"
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name="fk_statement_lines_invoice_id_invoices"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_statement_lines"),
        sa.UniqueConstraint(
            "source", "transaction_id", name="uq_statement_lines_source_transaction_id"
        ),
        *checks,
    )
    op.create_index("ix_statement_lines_status", "statement_lines", ["status"])
    op.add_column("payments", sa.Column("statement_line_id", sa.Integer(), nullable=True))
    op.create_index("ix_payments_statement_line_id", "payments", ["statement_line_id"])


def downgrade() -> None:
    op.drop_index("ix_payments_statement_line_id", table_name="payments")
    with op.batch_alter_table("payments", recreate="never") as batch:
        batch.drop_column("statement_line_id")
    op.drop_index("ix_statement_lines_status", table_name="statement_lines")
    op.drop_table("statement_lines")
