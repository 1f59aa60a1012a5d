"""What every table of the initial revision repeats, written once: `create` names each constraint
and index as the models' naming convention (`ledger.base.NAMING_CONVENTION`) does, so that
Alembic's comparison finds the migrated database and the models the same; `drop` undoes it."""

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from .columns import Refers


def create(
    name: str,
    *columns: sa.Column[Any],
    checks: Mapping[str, str] | None = None,
    primary_key: Sequence[str] = ("id",),
    unique: Sequence[str | tuple[str, ...]] = (),
    indexes: Sequence[str] = (),
    **options: Any,
) -> None:
    """Create the table `name` with its named constraints, then an index on each of `indexes`.

    `checks` maps a check's short name to its condition. The references of the columns (their
    `refers`) follow, in the order of the columns' names. The constraints are made in the order
    the table states them.
    """
    constraints: list[sa.Constraint] = [
        sa.CheckConstraint(condition, name=op.f(f"ck_{name}_{check}"))
        for check, condition in (checks or {}).items()
    ]
    for column, refers in _references(columns):
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


def _references(columns: Sequence[sa.Column[Any]]) -> list[tuple[str, Refers]]:
    """Each referring column and what it refers to, by the column's name."""
    found = [(column.name, column.info["refers"]) for column in columns if "refers" in column.info]
    return sorted(found, key=lambda pair: pair[0])


def drop(*names: str) -> None:
    """Drop the tables `names` in that order; each takes its indexes and triggers with it."""
    for name in names:
        op.drop_table(name)
