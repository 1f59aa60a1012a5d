"""Alembic environment. Run by `cellgate db upgrade` (backoffice.migrate), never by an app."""

from alembic import context

# Import every model module so that the metadata is complete.
from backoffice import models  # noqa: F401
from backoffice.db import all_metadata, make_engine
from backoffice.migrate import compared

config = context.config
target_metadata = all_metadata()


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=compared,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
