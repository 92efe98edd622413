"""drop the outbox index on event

``daily`` writes tens of thousands of alert rows on a busy day and every index costs each
of them; ``notify list --event`` reads the newest messages first and stops at its limit,
so it does not need one.

Revision ID: 0002_outbox_event_index
Revises: 0001_initial
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0002_outbox_event_index"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_outbox_event", table_name="outbox")


def downgrade() -> None:
    op.create_index("ix_outbox_event", "outbox", ["event"], unique=False)
