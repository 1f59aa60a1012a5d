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

from .columns import Refers, big_id, big_integer, boolean, integer, moment, string
from .tables import create, drop


def upgrade() -> None:
    create(
        "ledger_ledgers",
        integer("id"),
        string("code", 32),
        string("currency", 3),
        big_integer("head_sequence"),
        string("head_hash", 64),
        moment("created_at"),
        unique=["code"],
        # Every seal moves its ledger's head: room on the head's page keeps those updates in
        # place (HOT), where a full page made each one a new index entry and slowed them all.
        postgresql_with={"fillfactor": 10},
    )
    create(
        "ledger_accounts",
        integer("id"),
        integer("ledger_id", refers="ledger_ledgers"),
        string("code", 64),
        string("name", 200),
        string("kind", 32),
        boolean("no_overdraft"),
        boolean("closed"),
        string("debit_codes", 300, nullable=True),
        big_integer("posted_debits_cents"),
        big_integer("posted_credits_cents"),
        big_integer("pending_debits_cents"),
        big_integer("pending_credits_cents"),
        moment("created_at"),
        checks={
            "no_overdraft": "NOT no_overdraft OR posted_credits_cents - posted_debits_cents "
            "- pending_debits_cents >= 0",
            "totals_not_negative": "posted_debits_cents >= 0 AND posted_credits_cents >= 0 "
            "AND pending_debits_cents >= 0 AND pending_credits_cents >= 0",
        },
        unique=[("ledger_id", "code")],
    )
    # What a transfer's two sides refer to: an account and its ledger.
    op.create_index(
        "uq_ledger_accounts_id_ledger_id", "ledger_accounts", ["id", "ledger_id"], unique=True
    )
    _create_transfers()
    create(
        "ledger_seals",
        big_id("transfer_id", refers="ledger_transfers"),
        integer("ledger_id"),
        big_integer("sequence"),
        string("chain_hash", 64),
        primary_key=("transfer_id",),
        unique=[("ledger_id", "sequence")],
    )
    append_only("ledger_seals")
    create(
        "ledger_seal_queue",
        big_id("transfer_id"),
        integer("ledger_id"),
        sa.Column("queued_at", UTCDateTime(), server_default=sa.func.now(), nullable=False),
        primary_key=("transfer_id",),
    )


# Each side of a transfer is an account in the transfer's own ledger.
IN_TRANSFERS_LEDGER = Refers("ledger_accounts", together_with=("ledger_id",))


def _create_transfers() -> None:
    create(
        "ledger_transfers",
        big_id("id"),
        integer("ledger_id"),
        string("key", 200),
        string("payload_hash", 64),
        string("kind", 8),
        string("code", 32),
        integer("debit_account_id", refers=IN_TRANSFERS_LEDGER),
        integer("credit_account_id", refers=IN_TRANSFERS_LEDGER),
        big_integer("amount_cents"),
        big_id("pending_id", nullable=True, refers="ledger_transfers"),
        string("requested_by", 200),
        string("reason", 500),
        string("reference", 100),
        moment("created_at"),
        moment("expires_at", nullable=True),
        string("content_hash", 64),
        checks={
            "resolution_names_hold": "(pending_id IS NULL) = (kind IN ('single', 'pending'))",
            "kind": "kind IN ('single', 'pending', 'post', 'void', 'expire')",
            "amount_positive": "amount_cents > 0",
            "two_accounts": "debit_account_id <> credit_account_id",
        },
        unique=["key"],
        indexes=["code", "created_at", "reference"],
    )
    op.create_index("ix_ledger_transfers_credit", "ledger_transfers", ["credit_account_id", "id"])
    op.create_index("ix_ledger_transfers_debit", "ledger_transfers", ["debit_account_id", "id"])
    # Only resolutions name a hold: the others (most transfers) stay out of the index.
    op.create_index(
        "uq_ledger_transfers_pending_id",
        "ledger_transfers",
        ["pending_id"],
        unique=True,
        postgresql_where=sa.text("pending_id IS NOT NULL"),
        sqlite_where=sa.text("pending_id IS NOT NULL"),
    )
    append_only("ledger_transfers")


def downgrade() -> None:
    drop("ledger_seal_queue", "ledger_seals", "ledger_transfers", "ledger_accounts",
         "ledger_ledgers")  # fmt: skip
