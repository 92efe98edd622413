"""servers and their panels: the servers hostctl drives, a service's account there, a
product's panel package (rules §15, SRV-1, SRV-2)

``servers`` holds a server's name (the one ``service set-server`` and outages use), its
panel (``whm``, ``cwp`` or NULL), API address, WHM user, the CA file to trust and the day it
was given a panel (``panel_since``: nothing is sent for events before it). Its API token is
never stored here. ``services.panel_username`` is the account's username on the panel;
``products.panel_package`` the panel package of the product's services.

Revision ID: 0011_servers
Revises: 0010_statement_lines
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_servers"
down_revision = "0010_statement_lines"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "servers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("panel", sa.String(), nullable=True),
        sa.Column("url", sa.String(), nullable=True),
        sa.Column("api_user", sa.String(), nullable=True),
        sa.Column("ca_file", sa.String(), nullable=True),
        sa.Column("panel_since", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_servers"),
        sa.UniqueConstraint("name", name="uq_servers_name"),
    )
    op.add_column("services", sa.Column("panel_username", sa.String(), nullable=True))
    op.add_column("products", sa.Column("panel_package", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("products", recreate="never") as batch:
        batch.drop_column("panel_package")
    with op.batch_alter_table("services", recreate="never") as batch:
        batch.drop_column("panel_username")
    op.drop_table("servers")
