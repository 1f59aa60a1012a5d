"""The ledger's declarative base, the constraint naming convention shared by every table of
Cellgate, the aware-UTC time type both halves use, and what the ledger's statements ask of the
engine (which one it is, how a long `IN` list is sent)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeDecorator

# Named constraints make Alembic's names the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
_CHUNK = 5000


class LedgerBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on both engines (SQLite forgets the zone otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware UTC time is needed")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def is_postgresql(db: Session) -> bool:
    return db.get_bind().dialect.name == "postgresql"


def matching(db: Session, column: Any, values: list[Any], item_type: Any) -> list[Any]:
    """Conditions that together select `column IN values`: one array parameter on PostgreSQL
    (a statement of constant size, however many values), chunks of IN lists on SQLite."""
    if is_postgresql(db):
        return [column == any_(bindparam(None, values, type_=ARRAY(item_type)))]
    return [column.in_(values[i : i + _CHUNK]) for i in range(0, len(values), _CHUNK)]
