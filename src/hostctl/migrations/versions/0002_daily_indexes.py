"""indexes for the daily run

* drop the outbox index on event: ``daily`` writes tens of thousands of alert rows on a
  busy day and every index costs each of them; ``notify list --event`` reads the newest
  messages first and stops at its limit, so it does not need one.
* a partial index on the due date of the services that end instead of renewing (not
  renewing, or cancelled at the end of the period): the rule that ends them reads a
  handful of rows a day instead of every overdue service.

Revision ID: 0002_daily_indexes
Revises: 0001_initial
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_daily_indexes"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

# The same text as hostctl.models.services.ENDING_WHERE (SQLite uses a partial index only
# for a query that repeats its condition).
ENDING_SQLITE = "auto_renew IS 0 OR cancellation IS NOT NULL"
ENDING_POSTGRESQL = "auto_renew IS false OR cancellation IS NOT NULL"


def upgrade() -> None:
    op.drop_index("ix_outbox_event", table_name="outbox")
    op.create_index(
        "ix_services_ending",
        "services",
        ["next_due_date"],
        unique=False,
        sqlite_where=sa.text(ENDING_SQLITE),
        postgresql_where=sa.text(ENDING_POSTGRESQL),
    )


def downgrade() -> None:
    op.drop_index("ix_services_ending", table_name="services")
    op.create_index("ix_outbox_event", "outbox", ["event"], unique=False)
