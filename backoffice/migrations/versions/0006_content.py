"""the content library: items, versions, media, targets, engagements, course completions,
notices and their receipts, and the search index

Revision ID: 0006
Revises: 0001
"""

from collections.abc import Sequence

from backoffice.migrations.schema import content

revision: str = "0006"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    content.upgrade()


def downgrade() -> None:
    content.downgrade()
