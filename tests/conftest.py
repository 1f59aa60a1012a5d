"""Fixtures shared by every tier.

Database tests run on both engines: `database_url` is parametrised over SQLite (a copy of a
migrated template file per test) and PostgreSQL (one migrated database per test session,
created and dropped here, emptied after each test). With CI=true an unreachable PostgreSQL
fails the run instead of skipping its half.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from backoffice import migrate
from backoffice.audit.services import Actor
from backoffice.db import all_metadata, make_engine, make_session_factory
from backoffice.people.models import Cell, Inmate, Prison, Wing
from backoffice.settings import Settings, load_settings
from backoffice.staff.models import StaffUser
from backoffice.staff.services import create_staff_user
from backoffice.web import create_app

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
ENGINES = ["sqlite", "postgresql"]
TEST_PASSWORD = "correct-horse-battery"


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    # PostgreSQL-only tests (row locks, many connections) skip their SQLite half.
    for item in items:
        callspec = getattr(item, "callspec", None)
        if (
            item.get_closest_marker("postgres_only")
            and callspec is not None
            and callspec.params.get("database_url") == "sqlite"
        ):
            item.add_marker(pytest.mark.skip(reason="PostgreSQL only"))


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    url = os.environ.get("CELLGATE_TEST_DATABASE_URL", DEFAULT_POSTGRES)
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect():
            pass
    except OperationalError as error:
        message = f"PostgreSQL is unreachable at {url}: {error.orig}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message} (CI=true: the PostgreSQL suite is mandatory)")
        pytest.skip(message)
    finally:
        engine.dispose()
    return url


@pytest.fixture(scope="session")
def postgres_database(postgres_admin_url: str) -> Iterator[str]:
    with _new_postgres_database(postgres_admin_url) as url:
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        yield url


@pytest.fixture
def unmigrated_postgres(postgres_admin_url: str) -> Iterator[str]:
    """A new PostgreSQL database of this test's own, with no tables: for migration tests."""
    with _new_postgres_database(postgres_admin_url) as url:
        yield url


@contextmanager
def _new_postgres_database(admin_url: str) -> Iterator[str]:
    name = f"cellgate_test_{os.getpid()}_{secrets.token_hex(4)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def redis_storage() -> Iterator[dict[str, str]]:
    """Settings that keep what workers share in the machine's Redis, under a key prefix of this
    test's own (parallel runs never count each other's calls); its keys are deleted after. With
    CI=true an unreachable Redis fails the test instead of skipping it."""
    url = os.environ.get("CELLGATE_TEST_REDIS_URL", DEFAULT_REDIS)
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.ConnectionError as error:
        client.close()
        message = f"Redis is unreachable at {url}: {error}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message} (CI=true: the Redis tests are mandatory)")
        pytest.skip(message)
    prefix = f"cellgate-test-{os.getpid()}-{secrets.token_hex(4)}"
    yield {"server.shared_storage": url, "server.shared_storage_prefix": prefix}
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)
    client.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "cellgate.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()  # closing the last connection folds the WAL into the file we copy
    return path


_EMPTYING: dict[str, str] = {}


def _empty_postgres(url: str) -> None:
    """Delete every row and restart every id, as TRUNCATE ... RESTART IDENTITY would, but
    without TRUNCATE's new files for each table: much faster for the few rows a test leaves.
    Triggers (the append-only ones, foreign keys) are off for this one transaction."""
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as conn:
        if url not in _EMPTYING:
            tables = [t.name for metadata in all_metadata() for t in metadata.sorted_tables]
            # And the tables no model describes (the library's search index).
            tables += list(migrate.UNMODELLED_PREFIXES)
            sequences = conn.execute(
                text(
                    "SELECT relname FROM pg_class WHERE relkind = 'S' AND relnamespace = "
                    "'public'::regnamespace"
                )
            ).scalars()
            _EMPTYING[url] = "".join(
                ["SET LOCAL session_replication_role = replica;"]
                + [f'DELETE FROM "{table}";' for table in tables]
                + [f'ALTER SEQUENCE "{sequence}" RESTART;' for sequence in sequences]
            )
        conn.exec_driver_sql(_EMPTYING[url])
    engine.dispose()


@pytest.fixture(params=ENGINES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path / "cellgate.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("postgres_database")
    yield url
    _empty_postgres(url)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return test_settings(database_url)


def test_settings(database_url: str, **overrides: Any) -> Settings:
    # The environment of whoever runs the tests must not change them.
    return load_settings({}).with_overrides(
        {"mode": "test", "database_url": database_url, **overrides}
    )


test_settings.__test__ = False  # type: ignore[attr-defined]


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    with make_session_factory(engine)() as session:
        yield session


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    """The back office on this test's database (a test module may define its own `app`)."""
    app = create_app(settings)
    yield app
    app.extensions["cellgate"]["engine"].dispose()


@pytest.fixture
def system() -> Actor:
    return Actor.system("test")


def _make_prison(db: Session, code: str, name: str) -> Prison:
    prison = Prison(code=code, name=name)
    db.add(prison)
    db.flush()
    for wing_code in ("A", "B"):
        wing = Wing(prison=prison, code=wing_code, name=f"Wing {wing_code}")
        db.add(wing)
        for n in range(1, 4):
            db.add(
                Cell(
                    wing=wing,
                    number=f"{code}-{wing_code}{n}" if code != "TST" else f"{wing_code}{n}",
                )
            )
    db.commit()
    return prison


@pytest.fixture
def prison(db: Session) -> Prison:
    return _make_prison(db, "TST", "Test Prison")


@pytest.fixture
def other_prison(db: Session) -> Prison:
    """A second prison of the installation, with the same wings; its cells are VIR-A1 and so
    on (cell numbers are looked up by number in some tests)."""
    return _make_prison(db, "VIR", "Viru Prison")


def wing_of(db: Session, prison: Prison, code: str) -> Wing:
    return next(w for w in prison.wings if w.code == code)


@pytest.fixture
def make_inmate(db: Session, prison: Prison) -> Callable[..., Inmate]:
    counter = iter(range(1, 10_000))

    def make(
        wing: str = "A", cell: str | None = None, *, held_in: Prison | None = None, **fields: Any
    ) -> Inmate:
        n = next(counter)
        where = held_in or prison
        the_wing = wing_of(db, where, wing)
        the_cell = next(c for c in the_wing.cells if c.number.endswith(cell or f"{wing}1"))
        values: dict[str, Any] = {
            "prison_number": f"{where.code}{n:04d}",
            "first_name": f"First{n}",
            "last_name": f"Last{n}",
            "date_of_birth": date(1990, 1, 1),
            "language": "en",
            "legal_status": "convicted",
            "prison_id": where.id,
            "wing_id": the_wing.id,
            "cell_id": the_cell.id,
            "admitted_on": date(2026, 1, 1),
        }
        values.update(fields)
        inmate = Inmate(**values)
        db.add(inmate)
        db.commit()
        return inmate

    return make


@pytest.fixture
def make_staff(db: Session, system: Actor) -> Callable[..., StaffUser]:
    def make(
        username: str, *roles: str, password: str = TEST_PASSWORD, language: str = "en"
    ) -> StaffUser:
        # English, the language the tests' expectations are written in (staff default to et).
        user = create_staff_user(
            db,
            system,
            username=username,
            full_name=username.title(),
            password=password,
            roles=list(roles) or ["officer"],
            min_password_length=12,
            language=language,
        )
        db.commit()
        return user

    return make
