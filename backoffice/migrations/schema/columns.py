"""The kinds of column the initial revision's tables are made of. NOT NULL is the default here
(the migrations state it for every column), not SQLAlchemy's nullable one."""

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from ledger.base import UTCDateTime

# A 64-bit key for tables that grow without end; SQLite only auto-increments INTEGER keys.
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


@dataclass(frozen=True)
class Refers:
    """What a column refers to: the `id` of `table`, and with `together_with` also the columns
    of those names (an account in the transfer's own ledger). `tables.create` makes the
    constraint."""

    table: str
    ondelete: str | None = None
    together_with: tuple[str, ...] = ()


def integer(
    name: str,
    *,
    nullable: bool = False,
    refers: str | Refers | None = None,
    ondelete: str = "",
    server_default: str | None = None,
) -> sa.Column[Any]:
    column = sa.Column(name, sa.Integer(), nullable=nullable, server_default=server_default)
    return _referring(column, refers, ondelete)


def big_id(
    name: str, *, nullable: bool = False, refers: str | Refers | None = None, ondelete: str = ""
) -> sa.Column[Any]:
    """A key of (or a reference to) a table that grows without end."""
    return _referring(sa.Column(name, BIG_ID, nullable=nullable), refers, ondelete)


def _referring(
    column: sa.Column[Any], refers: str | Refers | None, ondelete: str
) -> sa.Column[Any]:
    """`refers`: the table whose id the column refers to (or a `Refers`); `ondelete`: what a
    row does when the row it refers to goes ("CASCADE": it goes too)."""
    if isinstance(refers, str):
        refers = Refers(refers, ondelete=ondelete or None)
    if refers is not None:
        column.info["refers"] = refers
    return column


def big_integer(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    """Whole cents, sequence numbers, and ids of ledger transfers kept outside the ledger."""
    return sa.Column(name, sa.BigInteger(), nullable=nullable)


def string(
    name: str, length: int, *, nullable: bool = False, server_default: str | None = None
) -> sa.Column[Any]:
    """`server_default`: what rows that exist when the column is added get."""
    return sa.Column(
        name, sa.String(length=length), nullable=nullable, server_default=server_default
    )


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
