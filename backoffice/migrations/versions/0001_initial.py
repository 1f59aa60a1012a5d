"""initial schema: every feature's tables, their constraints, indexes and triggers

Revision ID: 0001
Revises:
"""

from collections.abc import Sequence

from alembic import op

from backoffice.migrations.schema import (
    accounts,
    foundation,
    requests,
    shop,
    sign_in,
    visits,
)
from backoffice.migrations.schema import ledger as ledger_schema

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# In the order their references need: each refers only to those before it.
FEATURES = (foundation, ledger_schema, sign_in, shop, requests, visits, accounts)


def upgrade() -> None:
    for feature in FEATURES:
        feature.upgrade()


def downgrade() -> None:
    for feature in reversed(FEATURES):
        feature.downgrade()
    if op.get_context().dialect.name == "postgresql":
        # Made by the first append-only table (`backoffice.migrate.append_only`).
        op.execute("DROP FUNCTION cellgate_refuse_change()")
