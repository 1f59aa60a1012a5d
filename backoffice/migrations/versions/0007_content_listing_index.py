"""content listing: an index of the items an inmate's library can list (published, top level),
in the order it lists them (newest id first)

Revision ID: 0007
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The same words as `library.shown_to` (its status written as a literal, so that the planner
# sees the index fits every inmate's page).
SHOWN = "status = 'published' AND parent_id IS NULL"


def upgrade() -> None:
    # Without it a page walks the primary key back past every newer draft, episode and lesson.
    op.create_index(
        "ix_content_items_shown", "content_items", ["id"],
        postgresql_where=sa.text(SHOWN), sqlite_where=sa.text(SHOWN),
    )  # fmt: skip


def downgrade() -> None:
    op.drop_index("ix_content_items_shown", table_name="content_items")
