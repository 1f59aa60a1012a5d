"""ledger: no commit waits for another's seal; both accounts of a transfer are in its ledger

At COMMIT a transfer takes its ledger's chain head without waiting (`SKIP LOCKED`). When the
head is free it seals the transfers waiting for it and then itself, as before. When another
commit holds it, the transfer puts its id in one of the ledger's waiting places and commits at
once; the next commit that gets the head seals it (`cellgate jobs` seals what a quiet moment
leaves). Before this revision every commit of a ledger queued on the head, each holding it
until its WAL was flushed.

The unique index on `pending_id` leaves out the transfers that name no hold (most of them).

The transfer's `ledger_id` no longer refers to the ledger row itself: that check took a share
lock on the one row every commit updates. Instead each side refers to its account in the
transfer's ledger (`debit_account_id, ledger_id` to `ledger_accounts (id, ledger_id)`), which
also makes the database refuse a transfer between two ledgers.

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from backoffice.migrate import append_only

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Waiting places per ledger: more than the commits that are ever in flight together.
SEAL_PLACES = 16

# A link of a ledger's hash chain, exactly as journal.chain_link makes it. Declared as
# volatile as its parts (convert_to is STABLE), so the planner writes it into each statement
# that calls it instead of calling a function per row.
_CHAIN_LINK_FUNCTION = r"""
CREATE FUNCTION ledger_chain_link(previous text, ledger integer, seq bigint, content text)
RETURNS text LANGUAGE sql STABLE STRICT AS $$
    SELECT encode(sha256(convert_to(
        previous || E'\n' || ledger::text || E'\n' || seq::text || E'\n' || content,
        'UTF8')), 'hex')
$$
"""
# A ledger's waiting places, opened once (again: nothing happens).
_OPEN_PLACES_FUNCTION = rf"""
CREATE FUNCTION ledger_open_seal_places(ledger integer) RETURNS void LANGUAGE sql AS $$
    INSERT INTO ledger_seal_waiting (ledger_id, place, transfer_ids)
    SELECT ledger, place, '{{}}' FROM generate_series(0, {SEAL_PLACES - 1}) AS place
    ON CONFLICT DO NOTHING
$$
"""
_NEW_LEDGER_FUNCTION = r"""
CREATE FUNCTION ledger_ledgers_open_seal_places() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM ledger_open_seal_places(NEW.id);
    RETURN NULL;
END $$
"""
# Seals the transfers waiting for the head, in id order. The caller holds the head. Places
# locked by a commit still in flight are passed over: the next seal takes them.
_SEAL_WAITING_FUNCTION = r"""
CREATE FUNCTION ledger_seal_waiting(ledger integer) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    waiting bigint[];
    waiting_id bigint;
    seq bigint;
    link text;
    sealed_seq bigint;
    sealed_link text;
    sealed integer := 0;
BEGIN
    WITH taken AS (
        SELECT place, transfer_ids FROM ledger_seal_waiting
        WHERE ledger_id = ledger AND transfer_ids <> '{}'
        FOR UPDATE SKIP LOCKED
    ), emptied AS (
        UPDATE ledger_seal_waiting AS w SET transfer_ids = '{}' FROM taken
        WHERE w.ledger_id = ledger AND w.place = taken.place
    )
    SELECT array_agg(id ORDER BY id) INTO waiting FROM taken, unnest(taken.transfer_ids) AS id;
    IF waiting IS NULL THEN
        RETURN 0;
    END IF;
    -- New statements, so new snapshots: a place may have come to us in its latest version,
    -- committed after the snapshot above, and its transfers are seen only from here on. One
    -- update by key a transfer, so that no plan ever scans the journal.
    SELECT head_sequence, head_hash INTO seq, link FROM ledger_ledgers WHERE id = ledger;
    FOREACH waiting_id IN ARRAY waiting LOOP
        UPDATE ledger_transfers
        SET sequence = seq + 1, chain_hash = ledger_chain_link(link, ledger, seq + 1, content_hash)
        WHERE id = waiting_id AND chain_hash IS NULL
        RETURNING sequence, chain_hash INTO sealed_seq, sealed_link;
        IF FOUND THEN
            seq := sealed_seq;
            link := sealed_link;
            sealed := sealed + 1;
        END IF;
    END LOOP;
    IF sealed > 0 THEN
        UPDATE ledger_ledgers SET head_sequence = seq, head_hash = link WHERE id = ledger;
    END IF;
    RETURN sealed;
END $$
"""
# The seal at COMMIT (the deferred trigger of 0011), which never waits for the head: a commit
# that gets it seals its transfer and then those waiting; one that does not leaves its transfer
# waiting in a free place (trying first a place of its own, so that commits in flight rarely
# try the same one), or, with every place taken, behind one.
_SEAL_FUNCTION = rf"""
CREATE OR REPLACE FUNCTION ledger_seal() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    LOOP
        PERFORM FROM ledger_ledgers WHERE id = NEW.ledger_id FOR NO KEY UPDATE SKIP LOCKED;
        IF FOUND THEN
            WITH head AS (
                UPDATE ledger_ledgers
                SET head_sequence = head_sequence + 1, head_hash = ledger_chain_link(
                    head_hash, NEW.ledger_id, head_sequence + 1, NEW.content_hash)
                WHERE id = NEW.ledger_id
                RETURNING head_sequence, head_hash
            )
            UPDATE ledger_transfers SET sequence = head.head_sequence, chain_hash = head.head_hash
            FROM head WHERE ledger_transfers.id = NEW.id;
            IF EXISTS (
                SELECT FROM ledger_seal_waiting
                WHERE ledger_id = NEW.ledger_id AND transfer_ids <> '{{}}'
            ) THEN
                PERFORM ledger_seal_waiting(NEW.ledger_id);
            END IF;
            RETURN NULL;
        END IF;
        -- Our own place first: one row, no sort.
        UPDATE ledger_seal_waiting SET transfer_ids = transfer_ids || NEW.id
        WHERE (ledger_id, place) = (
            SELECT ledger_id, place FROM ledger_seal_waiting
            WHERE ledger_id = NEW.ledger_id AND place = pg_backend_pid() % {SEAL_PLACES}
            FOR UPDATE SKIP LOCKED
        );
        IF FOUND THEN
            RETURN NULL;
        END IF;
        UPDATE ledger_seal_waiting SET transfer_ids = transfer_ids || NEW.id
        WHERE (ledger_id, place) = (
            SELECT ledger_id, place FROM ledger_seal_waiting WHERE ledger_id = NEW.ledger_id
            ORDER BY (place + pg_backend_pid()) % {SEAL_PLACES}
            LIMIT 1 FOR UPDATE SKIP LOCKED
        );
        IF FOUND THEN
            RETURN NULL;
        END IF;
        UPDATE ledger_seal_waiting SET transfer_ids = transfer_ids || NEW.id
        WHERE ledger_id = NEW.ledger_id AND place = pg_backend_pid() % {SEAL_PLACES};
        IF FOUND THEN
            RETURN NULL;
        END IF;
        -- The ledger has no waiting places (it was made with triggers off): open them.
        PERFORM ledger_open_seal_places(NEW.ledger_id);
    END LOOP;
END $$
"""


def upgrade() -> None:
    postgresql_here = op.get_context().dialect.name == "postgresql"
    # A unique index rather than a constraint: SQLite adds it without rebuilding the table.
    op.create_index("uq_ledger_accounts_id_ledger_id", "ledger_accounts", ["id", "ledger_id"],
                    unique=True)  # fmt: skip
    if not postgresql_here:
        op.execute("DROP TRIGGER ledger_transfers_no_update")
        op.execute("DROP TRIGGER ledger_transfers_no_delete")
    with op.batch_alter_table("ledger_transfers", schema=None) as batch_op:
        for name in ("ledger_id_ledger_ledgers", "debit_account_id_ledger_accounts",
                     "credit_account_id_ledger_accounts"):  # fmt: skip
            batch_op.drop_constraint(batch_op.f(f"fk_ledger_transfers_{name}"), type_="foreignkey")
        # Only resolutions name a hold: the others (most transfers) stay out of the index.
        batch_op.drop_constraint(batch_op.f("uq_ledger_transfers_pending_id"), type_="unique")
        batch_op.create_index(
            "uq_ledger_transfers_pending_id",
            ["pending_id"],
            unique=True,
            postgresql_where=sa.text("pending_id IS NOT NULL"),
            sqlite_where=sa.text("pending_id IS NOT NULL"),
        )
        for side in ("debit", "credit"):
            batch_op.create_foreign_key(
                batch_op.f(f"fk_ledger_transfers_{side}_account_id_ledger_accounts"),
                "ledger_accounts",
                [f"{side}_account_id", "ledger_id"],
                ["id", "ledger_id"],
            )
    op.create_table(
        "ledger_seal_waiting",
        sa.Column("ledger_id", sa.Integer(), nullable=False),
        sa.Column("place", sa.SmallInteger(), nullable=False),
        sa.Column(
            "transfer_ids",
            postgresql.ARRAY(sa.BigInteger()).with_variant(sa.Text(), "sqlite"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["ledger_id"],
            ["ledger_ledgers.id"],
            name=op.f("fk_ledger_seal_waiting_ledger_id_ledger_ledgers"),
        ),
        sa.PrimaryKeyConstraint("ledger_id", "place", name=op.f("pk_ledger_seal_waiting")),
        postgresql_with={"fillfactor": 10},
    )
    if not postgresql_here:
        append_only("ledger_transfers")
        return
    for function in (_CHAIN_LINK_FUNCTION, _OPEN_PLACES_FUNCTION, _NEW_LEDGER_FUNCTION,
                     _SEAL_WAITING_FUNCTION, _SEAL_FUNCTION):  # fmt: skip
        op.execute(function)
    op.execute(
        "CREATE TRIGGER ledger_ledgers_seal_places AFTER INSERT ON ledger_ledgers "
        "FOR EACH ROW EXECUTE FUNCTION ledger_ledgers_open_seal_places()"
    )
    op.execute("SELECT ledger_open_seal_places(id) FROM ledger_ledgers")


def downgrade() -> None:
    raise NotImplementedError(
        "0012 follows 0011, which cannot be undone; restore the backup taken before the upgrade"
    )
