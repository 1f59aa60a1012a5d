"""staff language: each member of staff reads the back office in Estonian, Russian or English,
Estonian unless they choose otherwise

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

from alembic import op

from backoffice.migrations.schema.columns import string

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LANGUAGE = "language IN ('et', 'ru', 'en')"


def upgrade() -> None:
    column = string("language", 2)
    with op.batch_alter_table("staff_users") as batch_op:
        batch_op.alter_column(
            column.name, existing_type=column.type, existing_nullable=False, server_default="et"
        )
        batch_op.create_check_constraint(op.f("ck_staff_users_language"), LANGUAGE)


def downgrade() -> None:
    column = string("language", 2)
    # SQLite's batch mode copies the table without the CHECK it cannot reflect by name: the
    # copy is the drop there.
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("staff_users", recreate="always" if sqlite else "auto") as batch_op:
        if not sqlite:
            batch_op.drop_constraint(op.f("ck_staff_users_language"), type_="check")
        batch_op.alter_column(
            column.name, existing_type=column.type, existing_nullable=False, server_default=None
        )
