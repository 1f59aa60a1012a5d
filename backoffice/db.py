"""Database plumbing: the declarative base, engines that behave the same on SQLite and PostgreSQL,
and session factories. Sessions are opened and committed by entry points, never by services."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import BigInteger, Engine, Integer, MetaData, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, sessionmaker

# UTCDateTime and utcnow live beside the ledger (which may import nothing of ours) and are
# re-exported here for every other table.
from ledger.base import NAMING_CONVENTION, LedgerBase
from ledger.base import UTCDateTime as UTCDateTime
from ledger.base import utcnow as utcnow

from .settings import ROOT


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
    # every transfer. After a database restart each process answers one request with an error
    # (nothing is committed), and SQLAlchemy then replaces the whole pool.
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


def is_postgresql(engine_or_session: Any) -> bool:
    bind = getattr(engine_or_session, "bind", engine_or_session)
    return bool(bind.dialect.name == "postgresql")
