"""Alembic environment: run against the connection hostctl hands over."""

from __future__ import annotations

from alembic import context

from hostctl.models import load_all

target_metadata = load_all()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:  # e.g. `alembic revision --autogenerate` from a shell
        from hostctl.db import make_engine
        from hostctl.db_url import database_url

        engine = make_engine(database_url())
        with engine.connect() as conn:
            context.configure(
                connection=conn, target_metadata=target_metadata, render_as_batch=True
            )
            with context.begin_transaction():
                context.run_migrations()
        return
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    context.run_migrations()


run_migrations_online()
