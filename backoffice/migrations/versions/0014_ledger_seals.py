"""ledger: a transfer's seal is a row of its own; nothing in the journal is ever updated

Until now a transfer's place in its ledger's hash chain (`sequence`, `chain_hash`) were two
columns of the journal, written by an UPDATE after the insert (allowed once by a trigger).
On PostgreSQL most of those updates found no room on the row's page and wrote a new copy
and an entry in each of the journal's indexes. The seal is now an insert into
`ledger_seals`, and the journal refuses every UPDATE and DELETE, as the audit log does.

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from backoffice.migrate import append_only

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    postgresql = op.get_context().dialect.name == "postgresql"
    op.create_table(
        "ledger_seals",
        sa.Column(
            "transfer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
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
    op.execute(
        "INSERT INTO ledger_seals (transfer_id, ledger_id, sequence, chain_hash) "
        "SELECT id, ledger_id, sequence, chain_hash FROM ledger_transfers "
        "WHERE chain_hash IS NOT NULL"
    )
    if postgresql:
        # 0011's guards name the seal's columns; SQLite's refuse every UPDATE already.
        for trigger in ("append_only", "sealed_once", "no_delete"):
            op.execute(f"DROP TRIGGER ledger_transfers_{trigger} ON ledger_transfers")
    # A plain DROP COLUMN (SQLite 3.35 and later too): no table rebuild, triggers kept.
    op.execute("ALTER TABLE ledger_transfers DROP COLUMN sequence")
    op.execute("ALTER TABLE ledger_transfers DROP COLUMN chain_hash")
    if postgresql:
        op.execute("ALTER TABLE ledger_transfers RESET (fillfactor)")
        append_only("ledger_transfers")
    append_only("ledger_seals")


def downgrade() -> None:
    raise NotImplementedError(
        "0014 follows 0011, which cannot be undone; restore the backup taken before the upgrade"
    )
