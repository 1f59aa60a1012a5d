"""ledger: ledgers, accounts with cached balances, the append-only journal, its seals and the
queue of transfers waiting for their seal.

A transfer carries `content_hash` (SHA-256 of its contents) from its insert. Its place in its
ledger's hash chain is a row of `ledger_seals`, written by the sealer; the journal and the seals
refuse every UPDATE and DELETE, as the audit log does. On PostgreSQL a single transfer's own
statement also puts its id in `ledger_seal_queue`, and the sealer (`cellgate ledger seal`) takes
the whole queue at once under the chain head's lock. The queue refers to nothing: a reference to
the ledger row would share-lock the row the sealer locks.

The transfer's `ledger_id` does not refer to the ledger row itself either (that check took a
share lock on the one row every commit updates): each side refers to its account in the
transfer's ledger, which also makes the database refuse a transfer between two ledgers.
"""

import sqlalchemy as sa
from alembic import op

from backoffice.migrate import append_only
from ledger.base import UTCDateTime

# The id of a transfer, of a hold it resolves, of a sealed or queued transfer.
TRANSFER_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "ledger_ledgers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("head_sequence", sa.BigInteger(), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_ledgers")),
        sa.UniqueConstraint("code", name=op.f("uq_ledger_ledgers_code")),
        # Every seal moves its ledger's head: room on the head's page keeps those updates in
        # place (HOT), where a full page made each one a new index entry and slowed them all.
        postgresql_with={"fillfactor": 10},
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
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "NOT no_overdraft OR posted_credits_cents - posted_debits_cents "
            "- pending_debits_cents >= 0",
            name=op.f("ck_ledger_accounts_no_overdraft"),
        ),
        sa.CheckConstraint(
            "posted_debits_cents >= 0 AND posted_credits_cents >= 0 "
            "AND pending_debits_cents >= 0 AND pending_credits_cents >= 0",
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
    # What a transfer's two sides refer to: an account and its ledger.
    op.create_index(
        "uq_ledger_accounts_id_ledger_id", "ledger_accounts", ["id", "ledger_id"], unique=True
    )
    _create_transfers()
    op.create_table(
        "ledger_seals",
        sa.Column("transfer_id", TRANSFER_ID, nullable=False),
        sa.Column("ledger_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("chain_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["transfer_id"],
            ["ledger_transfers.id"],
            name=op.f("fk_ledger_seals_transfer_id_ledger_transfers"),
        ),
        sa.PrimaryKeyConstraint("transfer_id", name=op.f("pk_ledger_seals")),
        sa.UniqueConstraint(
            "ledger_id", "sequence", name=op.f("uq_ledger_seals_ledger_id_sequence")
        ),
    )
    append_only("ledger_seals")
    op.create_table(
        "ledger_seal_queue",
        sa.Column("transfer_id", TRANSFER_ID, nullable=False),
        sa.Column("ledger_id", sa.Integer(), nullable=False),
        sa.Column("queued_at", UTCDateTime(), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("transfer_id", name=op.f("pk_ledger_seal_queue")),
    )


def _create_transfers() -> None:
    op.create_table(
        "ledger_transfers",
        sa.Column("id", TRANSFER_ID, nullable=False),
        sa.Column("ledger_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("payload_hash", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("debit_account_id", sa.Integer(), nullable=False),
        sa.Column("credit_account_id", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("pending_id", TRANSFER_ID, nullable=True),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
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
        *(
            sa.ForeignKeyConstraint(
                [f"{side}_account_id", "ledger_id"],
                ["ledger_accounts.id", "ledger_accounts.ledger_id"],
                name=op.f(f"fk_ledger_transfers_{side}_account_id_ledger_accounts"),
            )
            for side in ("debit", "credit")
        ),
        sa.ForeignKeyConstraint(
            ["pending_id"],
            ["ledger_transfers.id"],
            name=op.f("fk_ledger_transfers_pending_id_ledger_transfers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_transfers")),
        sa.UniqueConstraint("key", name=op.f("uq_ledger_transfers_key")),
    )
    with op.batch_alter_table("ledger_transfers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ledger_transfers_code"), ["code"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_ledger_transfers_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index("ix_ledger_transfers_credit", ["credit_account_id", "id"])
        batch_op.create_index("ix_ledger_transfers_debit", ["debit_account_id", "id"])
        batch_op.create_index(
            batch_op.f("ix_ledger_transfers_reference"), ["reference"], unique=False
        )
        # Only resolutions name a hold: the others (most transfers) stay out of the index.
        batch_op.create_index(
            "uq_ledger_transfers_pending_id",
            ["pending_id"],
            unique=True,
            postgresql_where=sa.text("pending_id IS NOT NULL"),
            sqlite_where=sa.text("pending_id IS NOT NULL"),
        )
    append_only("ledger_transfers")


def downgrade() -> None:
    for table in ("ledger_seal_queue", "ledger_seals", "ledger_transfers", "ledger_accounts",
                  "ledger_ledgers"):  # fmt: skip
        op.drop_table(table)
