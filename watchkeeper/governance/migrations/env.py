"""Alembic's environment: migrations run on the connection Watchkeeper hands over, or on the URL (through
the same engine and single transaction as Watchkeeper's own, so a command-line downgrade that refuses
part-way changes nothing)."""

from __future__ import annotations

from alembic import context

from watchkeeper.governance.db import make_engine, migrating
from watchkeeper.governance.schema import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    try:
        with migrating(engine) as connection:
            context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


run_migrations_online()
