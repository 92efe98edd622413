"""client search: a search key on clients, without case or accents (`client list --search`)

Revision ID: 0006_client_search
Revises: 0005_uptime
Create Date: 2027-01-15
"""

from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0006_client_search"
down_revision = "0005_uptime"
branch_labels = None
depends_on = None

BATCH = 1000


def _fold(text: str | None) -> str:
    decomposed = unicodedata.normalize("NFKD", (text or "").casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def _key(name: str, company: str | None, email: str, phone: str | None, doc: str | None) -> str:
    """``hostctl.core.clients.search_key`` as it was when this revision was written."""
    return "\n".join(
        (
            _fold(name),
            _fold(company),
            _fold(email),
            re.sub(r"\D", "", phone or ""),
            (doc or "").lower(),
        )
    )


def upgrade() -> None:
    with op.batch_alter_table("clients") as batch:
        batch.add_column(sa.Column("search_key", sa.String(), nullable=False, server_default=""))
    conn = op.get_bind()
    clients = sa.table(
        "clients",
        sa.column("id", sa.Integer()),
        sa.column("name", sa.String()),
        sa.column("company", sa.String()),
        sa.column("email", sa.String()),
        sa.column("phone", sa.String()),
        sa.column("document_key", sa.String()),
        sa.column("search_key", sa.String()),
    )
    update = (
        clients.update()
        .where(clients.c.id == sa.bindparam("client_id"))
        .values(search_key=sa.bindparam("key"))
    )
    last = 0
    while True:  # by id, a batch at a time: memory stays flat on a large base
        rows = conn.execute(
            sa.select(
                clients.c.id,
                clients.c.name,
                clients.c.company,
                clients.c.email,
                clients.c.phone,
                clients.c.document_key,
            )
            .where(clients.c.id > last)
            .order_by(clients.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        conn.execute(update, [{"client_id": r[0], "key": _key(*r[1:])} for r in rows])
        last = rows[-1][0]


def downgrade() -> None:
    # ALTER TABLE … DROP COLUMN (SQLite 3.35+), not a batch copy of the table: dropping the
    # old copy of a table other rows point at would fail with foreign keys on.
    op.drop_column("clients", "search_key")
