"""What every table of the initial revision repeats, written once: `create` names each constraint
and index as the models' naming convention (`ledger.base.NAMING_CONVENTION`) does, so that
Alembic's comparison finds the migrated database and the models the same; `drop` undoes it."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from alembic import op


@dataclass(frozen=True)
class Refers:
    """A reference to another table's id that is more than a plain one (`references` below):
    `ondelete`, or `together_with` columns of the same name in both tables (an account in the
    transfer's own ledger)."""

    table: str
    ondelete: str | None = None
    together_with: tuple[str, ...] = ()


def create(
    name: str,
    *columns: sa.Column[Any],
    checks: Mapping[str, str] | None = None,
    references: Mapping[str, str | Refers] | None = None,
    primary_key: Sequence[str] = ("id",),
    unique: Sequence[str | tuple[str, ...]] = (),
    indexes: Sequence[str] = (),
    **options: Any,
) -> None:
    """Create the table `name` with its named constraints, then an index on each of `indexes`.

    `checks` maps a check's short name to its condition; `references` maps a column to the
    table whose id it refers to. The constraints are made in the order a table states them.
    """
    constraints: list[sa.Constraint] = [
        sa.CheckConstraint(condition, name=op.f(f"ck_{name}_{check}"))
        for check, condition in (checks or {}).items()
    ]
    for column, target in (references or {}).items():
        refers = target if isinstance(target, Refers) else Refers(target)
        constraints.append(
            sa.ForeignKeyConstraint(
                [column, *refers.together_with],
                [f"{refers.table}.{other}" for other in ("id", *refers.together_with)],
                name=op.f(f"fk_{name}_{column}_{refers.table}"),
                ondelete=refers.ondelete,
            )
        )
    constraints.append(sa.PrimaryKeyConstraint(*primary_key, name=op.f(f"pk_{name}")))
    for key in unique:
        columns_of_key = (key,) if isinstance(key, str) else key
        constraints.append(
            sa.UniqueConstraint(*columns_of_key, name=op.f(f"uq_{name}_{'_'.join(columns_of_key)}"))
        )
    op.create_table(name, *columns, *constraints, **options)
    for column in indexes:
        op.create_index(op.f(f"ix_{name}_{column}"), name, [column], unique=False)


def drop(*names: str) -> None:
    """Drop the tables `names` in that order; each takes its indexes and triggers with it."""
    for name in names:
        op.drop_table(name)
