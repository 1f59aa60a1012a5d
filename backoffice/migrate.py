"""Schema migrations through Alembic, configured in code (no alembic.ini to keep in step)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command, op
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from .migrations.schema.content import SEARCH_TABLE

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Tables the migrations make that no model describes: the content library's search index
# (on SQLite an FTS5 table with its shadow tables), kept by the content services.
UNMODELLED_PREFIXES = (SEARCH_TABLE,)


def compared(name: str | None, type_: str, _parents: Any) -> bool:
    """Alembic's `include_name`: what a comparison of models and database looks at."""
    return not (type_ == "table" and name is not None and name.startswith(UNMODELLED_PREFIXES))


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


class UnknownRevision(Exception):
    """The database says a revision these migrations do not have (one made before the squash)."""


def upgrade(engine: Engine, revision: str = "head") -> None:
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        _refuse_unknown_revision(config, connection)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Back to `revision`, for the migrations that can be undone (tests walk them both ways)."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def _refuse_unknown_revision(config: Config, connection: Connection) -> None:
    current = MigrationContext.configure(connection).get_current_revision()
    known = {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}
    if current is None or current in known:
        return
    where = connection.engine.url.render_as_string(hide_password=True)
    raise UnknownRevision(
        f"the database {where} is at schema revision {current!r}, which this version does not "
        "know: the migrations were squashed into one before the first release. A demo or "
        "development database cannot be upgraded: delete it (for the demo, the var/ "
        "directory) and run `make demo` again, which creates and seeds a new one."
    )


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def append_only(table: str) -> None:
    """Refuse UPDATE and DELETE on a table, on both engines: a second line of defence."""
    if op.get_context().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION cellgate_refuse_change() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION "
            "'% is append-only: % refused', TG_TABLE_NAME, TG_OP; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION cellgate_refuse_change()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {verb} refused'); END"
            )
