"""plan changes and endings (rules §5, §6)

* ``upgrades``: a plan change asked for a service, applied when its invoice is paid;
* ``refunds``: money returned within the 30-day guarantee, one row per payment returned;
* ``products.free_domain``: the domain product a hosting includes free;
* ``services.deleted_on``: when an expired domain was removed from the registry.

Revision ID: 0003_plan_changes
Revises: 0002_daily_indexes
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_plan_changes"
down_revision = "0002_daily_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("products") as batch:
        batch.add_column(sa.Column("free_domain", sa.String(), nullable=True))
    with op.batch_alter_table("services") as batch:
        batch.add_column(sa.Column("deleted_on", sa.Date(), nullable=True))
    op.create_table(
        "upgrades",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("service_id", sa.Integer(), sa.ForeignKey("services.id"), nullable=False),
        sa.Column("invoice_id", sa.Integer(), sa.ForeignKey("invoices.id"), nullable=True),
        sa.Column("from_product", sa.String(), nullable=False),
        sa.Column("to_product", sa.String(), nullable=False),
        sa.Column("policy", sa.String(), nullable=False),
        sa.Column("amount_minor", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("forced", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("requested_on", sa.Date(), nullable=False),
        sa.Column("applied_on", sa.Date(), nullable=True),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_upgrades_service_id", "upgrades", ["service_id"])
    op.create_index("ix_upgrades_invoice_id", "upgrades", ["invoice_id"])
    op.create_table(
        "refunds",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("invoice_id", sa.Integer(), sa.ForeignKey("invoices.id"), nullable=False),
        sa.Column("payment_id", sa.Integer(), sa.ForeignKey("payments.id"), nullable=False),
        sa.Column("client_id", sa.Integer(), sa.ForeignKey("clients.id"), nullable=False),
        sa.Column("service_id", sa.Integer(), sa.ForeignKey("services.id"), nullable=False),
        sa.Column("currency", sa.String(), nullable=False),
        sa.Column("amount_minor", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(), nullable=False),
        sa.Column("refunded_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_refunds_invoice_id", "refunds", ["invoice_id"])
    op.create_index("ix_refunds_payment_id", "refunds", ["payment_id"])
    op.create_index("ix_refunds_client_id", "refunds", ["client_id"])


def downgrade() -> None:
    op.drop_table("refunds")
    op.drop_table("upgrades")
    with op.batch_alter_table("services") as batch:
        batch.drop_column("deleted_on")
    with op.batch_alter_table("products") as batch:
        batch.drop_column("free_domain")
