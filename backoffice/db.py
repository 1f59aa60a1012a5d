"""Database plumbing: the declarative base, engines that behave the same on SQLite and PostgreSQL,
and session factories. Sessions are opened and committed by entry points, never by services."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, TypeVar

from psycopg.pq import TransactionStatus
from sqlalchemy import BigInteger, Engine, Integer, MetaData, create_engine, event, select
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

# UTCDateTime and utcnow live beside the ledger (which may import nothing of ours) and are
# re-exported here for every other table; so is `matching`, a long IN list as one array
# parameter on PostgreSQL.
from ledger.base import NAMING_CONVENTION, LedgerBase
from ledger.base import UTCDateTime as UTCDateTime
from ledger.base import matching as matching
from ledger.base import utcnow as utcnow
from ledger.transfers import execute_on_driver

from .settings import ROOT

T = TypeVar("T")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# A 64-bit key for tables that grow without end; SQLite only auto-increments INTEGER keys.
BIG_ID = BigInteger().with_variant(Integer(), "sqlite")


def all_metadata() -> list[MetaData]:
    """Every table of Cellgate: what Alembic migrates and compares."""
    return [Base.metadata, LedgerBase.metadata]


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`. SQLite gets foreign keys, WAL and BEGIN IMMEDIATE transactions."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not Path(database).is_absolute():
            database = str(ROOT / database)
            parsed = parsed.set(database=database)
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": 30}, **kwargs)
        _make_sqlite_behave(engine)
        return engine
    # No pool_pre_ping: it costs a round trip on every checkout, that is on every request and
    # every transfer. After a database restart each pooled connection fails one request
    # (nothing is committed) and is then replaced: one request per sync gunicorn worker, which
    # holds one connection.
    return create_engine(parsed, **kwargs)


def _make_sqlite_behave(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below emit BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the write lock at BEGIN, so two writers never deadlock on an upgrade.
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_session_factory(engine: Engine) -> sessionmaker[Any]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def lock_by_id(db: Session, model: type[T], row_id: int) -> T | None:
    """The row with this id locked FOR UPDATE and read again (a copy already in the session
    may be stale); None when there is none."""
    stmt = (
        select(model)
        .where(model.id == row_id)  # type: ignore[attr-defined]
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return db.scalars(stmt).first()


def is_postgresql(engine_or_session: Any) -> bool:
    bind = getattr(engine_or_session, "bind", engine_or_session)
    return bool(bind.dialect.name == "postgresql")


def run_on_driver(
    db: Session, stmt: Any, params: dict[str, Any], *, rows: bool = True
) -> list[tuple[Any, ...]]:
    """Run a statement of the busiest paths (a tablet's every call, placing an order) with
    named parameters; `rows`: it returns some. On PostgreSQL its compiled text goes to the
    driver's cursor as the ledger's transfers do (`ledger.transfers.execute_on_driver`), and
    each value of a SELECT through its column type's result processor. Elsewhere SQLAlchemy
    runs it as usual."""
    if db.get_bind().dialect.name != "postgresql":
        result = db.connection().execute(stmt, params)
        return [tuple(row) for row in result] if rows else []
    sql, processors = _on_driver(stmt, db.get_bind().dialect)
    found = execute_on_driver(db, sql, params, rows=rows)
    if not any(processors):
        return found
    return [
        tuple(v if p is None else p(v) for v, p in zip(row, processors, strict=True))
        for row in found
    ]


def read_on_driver(db: Session, stmt: Any, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    """`run_on_driver` for a SELECT that needs no transaction of its own (a tablet's every
    call, the catalogue): while the session's connection has none open, on PostgreSQL it runs
    outside one, so no BEGIN goes first and, when the call reads nothing more, no ROLLBACK or
    COMMIT after it (the driver sends neither for a connection without a transaction): two
    round trips of a signed-in GET's few. Reading committed rows, each statement sees its own
    snapshot inside a transaction too, and a SELECT holds no lock, so the answer is the same.
    Inside an open transaction it runs in it, as `run_on_driver`."""
    if db.get_bind().dialect.name != "postgresql":
        return run_on_driver(db, stmt, params)
    connection = db.connection()
    driver = connection.connection.dbapi_connection
    if (
        driver is None
        or driver.autocommit
        or driver.info.transaction_status != TransactionStatus.IDLE
    ):
        return run_on_driver(db, stmt, params)
    driver.autocommit = True
    try:
        return run_on_driver(db, stmt, params)
    finally:
        if driver.info.transaction_status == TransactionStatus.IDLE:
            driver.autocommit = False
        elif not connection.invalidated:
            # Lost mid-statement (the database restarted): the driver cannot be told to
            # leave autocommit, so the connection must never serve a transaction again.
            connection.invalidate()


# One entry per statement of those paths (placing has one per cart size): a few hundred.
@functools.lru_cache(maxsize=512)
def _on_driver(stmt: Any, dialect: Dialect) -> tuple[str, list[Any]]:
    columns = getattr(stmt, "selected_columns", ())
    processors = [c.type.result_processor(dialect, None) for c in columns]
    return str(stmt.compile(dialect=dialect)), processors
