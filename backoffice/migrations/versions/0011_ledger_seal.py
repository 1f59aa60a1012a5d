"""ledger: transfers are sealed into the hash chain at commit, not under a lock held throughout

Each transfer now carries `content_hash` (SHA-256 of its contents) from its insert; its place in
the chain (`sequence`) and `chain_hash` are written when the transaction commits, by a deferred
trigger on PostgreSQL. The chain is re-computed in the new form for the transfers already made.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from backoffice.migrate import append_only
from ledger.base import UTCDateTime
from ledger.journal import chain_link, content_hash_of

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The seal: the next place in the ledger's chain, linked exactly as journal.chain_link does.
_SEAL_FUNCTION = r"""
CREATE FUNCTION ledger_seal() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    WITH head AS (
        UPDATE ledger_ledgers
        SET head_sequence = head_sequence + 1,
            head_hash = encode(sha256(convert_to(
                head_hash || E'\n' || NEW.ledger_id || E'\n' || (head_sequence + 1) || E'\n'
                || NEW.content_hash, 'UTF8')), 'hex')
        WHERE id = NEW.ledger_id
        RETURNING head_sequence, head_hash
    )
    UPDATE ledger_transfers SET sequence = head.head_sequence, chain_hash = head.head_hash
    FROM head WHERE ledger_transfers.id = NEW.id;
    RETURN NULL;
END $$
"""
# Nothing in the journal changes, except that a transfer not yet sealed is sealed once. The
# guards name columns rather than compare whole rows, so that a seal costs no comparison;
# tests/integration/test_ledger.py tries every column, so a column added later must be
# named here too.
_SEALED = ("sequence", "chain_hash")
_CONTENTS = (
    "id", "ledger_id", "key", "payload_hash", "content_hash", "kind", "code",
    "debit_account_id", "credit_account_id", "amount_cents", "pending_id", "requested_by",
    "reason", "reference", "created_at", "expires_at",
)  # fmt: skip


def upgrade() -> None:
    postgresql = op.get_context().dialect.name == "postgresql"
    if postgresql:
        op.execute("DROP TRIGGER ledger_transfers_append_only ON ledger_transfers")
    else:
        op.execute("DROP TRIGGER ledger_transfers_no_update")
        op.execute("DROP TRIGGER ledger_transfers_no_delete")
    op.add_column("ledger_transfers", sa.Column("content_hash", sa.String(length=64)))
    _rechain()
    with op.batch_alter_table("ledger_transfers", schema=None) as batch_op:
        batch_op.alter_column("content_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("sequence", existing_type=sa.BigInteger(), nullable=True)
        batch_op.alter_column("chain_hash", existing_type=sa.String(length=64), nullable=True)
        batch_op.drop_constraint("uq_ledger_transfers_ledger_id_sequence", type_="unique")
        batch_op.drop_index("ix_ledger_transfers_debit")
        batch_op.drop_index("ix_ledger_transfers_credit")
        batch_op.create_index("ix_ledger_transfers_debit", ["debit_account_id", "id"])
        batch_op.create_index("ix_ledger_transfers_credit", ["credit_account_id", "id"])
    if not postgresql:
        append_only("ledger_transfers")
        return
    op.execute("ALTER TABLE ledger_transfers SET (fillfactor = 85)")
    # Every commit moves its ledger's head: room on the head's page keeps those updates
    # in place (HOT), where a full page made each one a new index entry and slowed them all.
    op.execute("ALTER TABLE ledger_ledgers SET (fillfactor = 10)")
    op.execute(
        f"CREATE TRIGGER ledger_transfers_append_only BEFORE UPDATE OF {', '.join(_CONTENTS)} "
        "ON ledger_transfers FOR EACH ROW EXECUTE FUNCTION cellgate_refuse_change()"
    )
    op.execute(
        f"CREATE TRIGGER ledger_transfers_sealed_once BEFORE UPDATE OF {', '.join(_SEALED)} "
        "ON ledger_transfers FOR EACH ROW WHEN (OLD.chain_hash IS NOT NULL) "
        "EXECUTE FUNCTION cellgate_refuse_change()"
    )
    op.execute(
        "CREATE TRIGGER ledger_transfers_no_delete BEFORE DELETE ON ledger_transfers "
        "FOR EACH ROW EXECUTE FUNCTION cellgate_refuse_change()"
    )
    op.execute(_SEAL_FUNCTION)
    op.execute(
        "CREATE CONSTRAINT TRIGGER ledger_transfers_seal AFTER INSERT ON ledger_transfers "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.chain_hash IS NULL) "
        "EXECUTE FUNCTION ledger_seal()"
    )


def _rechain() -> None:
    """Every transfer made before this revision: its content hash, and the chain anew."""
    bind = op.get_bind()
    columns = (
        "id, key, kind, code, debit_account_id, credit_account_id, amount_cents, pending_id, "
        "requested_by, reason, reference, created_at, expires_at"
    )
    transfers = sa.table(
        "ledger_transfers",
        sa.column("id"),
        sa.column("content_hash"),
        sa.column("chain_hash"),
    )
    ledgers = bind.execute(sa.text("SELECT id FROM ledger_ledgers ORDER BY id")).scalars().all()
    for ledger_id in ledgers:
        rows = bind.execute(
            sa.text(
                f"SELECT {columns} FROM ledger_transfers WHERE ledger_id = :ledger_id "
                "ORDER BY sequence"
            ).columns(created_at=UTCDateTime(), expires_at=UTCDateTime()),
            {"ledger_id": ledger_id},
        ).mappings()
        link = "0" * 64
        updates = []
        for sequence, row in enumerate(rows, start=1):
            content_hash = content_hash_of(dict(row))
            link = chain_link(link, ledger_id, sequence, content_hash)
            updates.append({"_id": row["id"], "content_hash": content_hash, "chain_hash": link})
        if updates:
            bind.execute(
                transfers.update()
                .where(transfers.c.id == sa.bindparam("_id"))
                .values(
                    content_hash=sa.bindparam("content_hash"), chain_hash=sa.bindparam("chain_hash")
                ),
                updates,
            )
        bind.execute(
            sa.text("UPDATE ledger_ledgers SET head_hash = :link WHERE id = :ledger_id"),
            {"link": link, "ledger_id": ledger_id},
        )


def downgrade() -> None:
    raise NotImplementedError(
        "0011 re-computes the journal's hash chain in a new form and cannot be undone; "
        "restore the backup taken before the upgrade"
    )
