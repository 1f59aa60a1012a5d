"""ledger: a single transfer commits with no seal at all; a sealer seals the queue in batches

The everyday single transfer on PostgreSQL used to seal itself at COMMIT (0011, 0012): a
deferred trigger of four statements for every transfer, most of the cost of a transfer. Now
the transfer's own statement also puts its id in `ledger_seal_queue`, and the sealer
(`cellgate ledger seal --every 1`, `journal.seal_waiting`) takes the whole queue at once
under the chain head's lock and seals it in id order: a few statements for hundreds of
transfers. Batches, resolutions of holds and everything on SQLite are sealed in their own
transaction, as before.

The transfers that waited in `ledger_seal_waiting` move to the queue, and the commit-time seal
(trigger, functions, waiting places) goes.

The queue refers to nothing: each entry is written by the statement that writes its transfer,
and a reference to the ledger row would share-lock the row the sealer locks.

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ledger.base import UTCDateTime

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ledger_seal_queue",
        sa.Column(
            "transfer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("ledger_id", sa.Integer(), nullable=False),
        sa.Column("queued_at", UTCDateTime(), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("transfer_id", name=op.f("pk_ledger_seal_queue")),
    )
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TRIGGER ledger_transfers_seal ON ledger_transfers")
        op.execute("DROP TRIGGER ledger_ledgers_seal_places ON ledger_ledgers")
        for function in ("ledger_seal()", "ledger_seal_waiting(integer)",
                         "ledger_ledgers_open_seal_places()", "ledger_open_seal_places(integer)",
                         "ledger_chain_link(text, integer, bigint, text)"):  # fmt: skip
            op.execute(f"DROP FUNCTION {function}")
        # What waited for its seal waits in the queue (on SQLite nothing ever waited).
        op.execute(
            "INSERT INTO ledger_seal_queue (transfer_id, ledger_id) "
            "SELECT id, ledger_id FROM ledger_transfers WHERE chain_hash IS NULL"
        )
    op.drop_table("ledger_seal_waiting")


def downgrade() -> None:
    raise NotImplementedError(
        "0013 follows 0011, which cannot be undone; restore the backup taken before the upgrade"
    )
