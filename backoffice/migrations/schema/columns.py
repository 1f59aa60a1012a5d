"""The kinds of column the initial revision's tables are made of. NOT NULL is the default here
(the migrations state it for every column), not SQLAlchemy's nullable one."""

from typing import Any

import sqlalchemy as sa

from ledger.base import UTCDateTime

# A 64-bit key for tables that grow without end; SQLite only auto-increments INTEGER keys.
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def integer(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.Integer(), nullable=nullable)


def big_id(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    """A key of (or a reference to) a table that grows without end."""
    return sa.Column(name, BIG_ID, nullable=nullable)


def big_integer(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    """Whole cents, sequence numbers, and ids of ledger transfers kept outside the ledger."""
    return sa.Column(name, sa.BigInteger(), nullable=nullable)


def string(name: str, length: int, *, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.String(length=length), nullable=nullable)


def text(name: str) -> sa.Column[Any]:
    return sa.Column(name, sa.Text(), nullable=False)


def boolean(name: str) -> sa.Column[Any]:
    return sa.Column(name, sa.Boolean(), nullable=False)


def date(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.Date(), nullable=nullable)


def moment(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    """An aware UTC time (`*_at`)."""
    return sa.Column(name, UTCDateTime(timezone=True), nullable=nullable)


def json(name: str) -> sa.Column[Any]:
    return sa.Column(name, sa.JSON(), nullable=False)


def binary(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.LargeBinary(), nullable=nullable)
