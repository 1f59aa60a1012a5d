"""ledger: ledgers, accounts with cached balances, the append-only hash-chained journal

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ledger.base
from backoffice.migrate import append_only

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ledger_ledgers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("head_sequence", sa.BigInteger(), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", ledger.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_ledgers")),
        sa.UniqueConstraint("code", name=op.f("uq_ledger_ledgers_code")),
    )
    op.create_table(
        "ledger_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ledger_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("no_overdraft", sa.Boolean(), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("debit_codes", sa.String(length=300), nullable=True),
        sa.Column("posted_debits_cents", sa.BigInteger(), nullable=False),
        sa.Column("posted_credits_cents", sa.BigInteger(), nullable=False),
        sa.Column("pending_debits_cents", sa.BigInteger(), nullable=False),
        sa.Column("pending_credits_cents", sa.BigInteger(), nullable=False),
        sa.Column("created_at", ledger.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "NOT no_overdraft OR posted_credits_cents - posted_debits_cents - pending_debits_cents >= 0",
            name=op.f("ck_ledger_accounts_no_overdraft"),
        ),
        sa.CheckConstraint(
            "posted_debits_cents >= 0 AND posted_credits_cents >= 0 AND pending_debits_cents >= 0 AND pending_credits_cents >= 0",
            name=op.f("ck_ledger_accounts_totals_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["ledger_id"],
            ["ledger_ledgers.id"],
            name=op.f("fk_ledger_accounts_ledger_id_ledger_ledgers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_accounts")),
        sa.UniqueConstraint("ledger_id", "code", name=op.f("uq_ledger_accounts_ledger_id_code")),
    )
    op.create_table(
        "ledger_transfers",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("ledger_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("payload_hash", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("debit_account_id", sa.Integer(), nullable=False),
        sa.Column("credit_account_id", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column(
            "pending_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("created_at", ledger.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", ledger.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("chain_hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint(
            "(pending_id IS NULL) = (kind IN ('single', 'pending'))",
            name=op.f("ck_ledger_transfers_resolution_names_hold"),
        ),
        sa.CheckConstraint(
            "kind IN ('single', 'pending', 'post', 'void', 'expire')",
            name=op.f("ck_ledger_transfers_kind"),
        ),
        sa.CheckConstraint("amount_cents > 0", name=op.f("ck_ledger_transfers_amount_positive")),
        sa.CheckConstraint(
            "debit_account_id <> credit_account_id", name=op.f("ck_ledger_transfers_two_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["credit_account_id"],
            ["ledger_accounts.id"],
            name=op.f("fk_ledger_transfers_credit_account_id_ledger_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["debit_account_id"],
            ["ledger_accounts.id"],
            name=op.f("fk_ledger_transfers_debit_account_id_ledger_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["ledger_id"],
            ["ledger_ledgers.id"],
            name=op.f("fk_ledger_transfers_ledger_id_ledger_ledgers"),
        ),
        sa.ForeignKeyConstraint(
            ["pending_id"],
            ["ledger_transfers.id"],
            name=op.f("fk_ledger_transfers_pending_id_ledger_transfers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_transfers")),
        sa.UniqueConstraint("key", name=op.f("uq_ledger_transfers_key")),
        sa.UniqueConstraint(
            "ledger_id", "sequence", name=op.f("uq_ledger_transfers_ledger_id_sequence")
        ),
        sa.UniqueConstraint("pending_id", name=op.f("uq_ledger_transfers_pending_id")),
    )
    with op.batch_alter_table("ledger_transfers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ledger_transfers_code"), ["code"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_ledger_transfers_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            "ix_ledger_transfers_credit", ["credit_account_id", "sequence"], unique=False
        )
        batch_op.create_index(
            "ix_ledger_transfers_debit", ["debit_account_id", "sequence"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_ledger_transfers_reference"), ["reference"], unique=False
        )

    append_only("ledger_transfers")


def downgrade() -> None:
    op.drop_table("ledger_transfers")
    op.drop_table("ledger_accounts")
    op.drop_table("ledger_ledgers")
