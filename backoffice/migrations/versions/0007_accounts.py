"""money: inmates' debts (the ledger's accounts are opened by the services)

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ledger.base

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inmate_debts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inmate_id", sa.Integer(), nullable=False),
        sa.Column("creditor", sa.String(length=32), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("registered_by", sa.String(length=200), nullable=False),
        sa.Column("registered_at", ledger.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_cents > 0", name=op.f("ck_inmate_debts_amount_positive")),
        sa.CheckConstraint(
            "creditor IN ('court_fines', 'victim_compensation')",
            name=op.f("ck_inmate_debts_creditor"),
        ),
        sa.ForeignKeyConstraint(
            ["inmate_id"], ["inmates.id"], name=op.f("fk_inmate_debts_inmate_id_inmates")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inmate_debts")),
    )
    with op.batch_alter_table("inmate_debts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inmate_debts_inmate_id"), ["inmate_id"], unique=False)


def downgrade() -> None:
    op.drop_table("inmate_debts")
