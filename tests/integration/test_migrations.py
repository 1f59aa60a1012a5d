from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from backoffice import migrate
from backoffice.db import all_metadata, make_engine
from tests.conftest import ENGINES

HEAD = "0006"


def test_migrations_upgrade_an_empty_database_and_match_the_models(engine: Engine) -> None:
    # The fixture's database was migrated from empty by the same code `cellgate db upgrade` runs.
    assert migrate.current_revision(engine) is not None
    assert "audit_events" in inspect(engine).get_table_names()
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": migrate.compared}
        )
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


def test_a_database_at_a_revision_before_the_squash_is_refused_plainly(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)"))
        conn.execute(text("INSERT INTO alembic_version VALUES ('0016')"))
    with pytest.raises(migrate.UnknownRevision, match=r"delete it .* var/"):
        migrate.upgrade(engine)
    assert migrate.current_revision(engine) == "0016"
    engine.dispose()


@pytest.fixture(params=ENGINES)
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database of this test's own with no tables, on each engine."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    return str(request.getfixturevalue("unmigrated_postgres"))


def test_upgrade_from_empty_and_downgrade_to_empty(empty_database: str) -> None:
    engine = make_engine(empty_database)
    try:
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == HEAD
        tables = set(inspect(engine).get_table_names())
        assert {t.name for metadata in all_metadata() for t in metadata.sorted_tables} <= tables
        migrate.downgrade(engine, "base")
        assert migrate.current_revision(engine) is None
        assert inspect(engine).get_table_names() == ["alembic_version"]
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                left = conn.execute(text("SELECT proname FROM pg_proc WHERE pronamespace = "
                                         "'public'::regnamespace")).all()  # fmt: skip
            else:
                left = conn.execute(text("SELECT name FROM sqlite_master "
                                         "WHERE tbl_name <> 'alembic_version'")).all()  # fmt: skip
        assert left == [], f"left after the downgrade: {left}"
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == HEAD
    finally:
        engine.dispose()
