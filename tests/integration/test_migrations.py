from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from backoffice import migrate
from backoffice.db import all_metadata, make_engine


def test_migrations_upgrade_an_empty_database_and_match_the_models(engine: Engine) -> None:
    # The fixture's database was migrated from empty by the same code `cellgate db upgrade` runs.
    assert migrate.current_revision(engine) is not None
    assert "audit_events" in inspect(engine).get_table_names()
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, all_metadata())
    assert differences == [], f"models and migrations differ: {differences}"


def test_upgrade_twice_changes_nothing(engine: Engine) -> None:
    before = migrate.current_revision(engine)
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == before


def test_upgrade_from_nothing_on_a_new_sqlite_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'new.sqlite3'}")
    migrate.upgrade(engine)
    assert {"prisons", "inmates", "staff_users", "devices"} <= set(
        inspect(engine).get_table_names()
    )
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()
