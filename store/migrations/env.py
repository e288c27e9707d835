"""Alembic environment: runs on the connection envadmin hands over, or on ENVADMIN_DATABASE_URL."""
from alembic import context

from config.settings import load_settings
from store.engine import make_engine
from store.tables import metadata

config = context.config


def run_migrations_offline() -> None:
    context.configure(url=load_settings().effective_database_url, target_metadata=metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        with make_engine(load_settings().effective_database_url).connect() as connection:
            _run(connection)
    else:
        _run(connection)


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
