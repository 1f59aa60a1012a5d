"""people's lifecycle: inmates temporarily out or deceased, the day they left, closed wings and
cells, the movements (append-only), and the Prisoners' Register's events

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backoffice.db
from backoffice.migrate import append_only

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_STATUSES = "status IN ('active', 'released', 'transferred')"
NEW_STATUSES = "status IN ('active', 'out', 'released', 'transferred', 'deceased')"
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _inmate_statuses(old: str, new: str) -> None:
    """Widen (or narrow back) the CHECK on inmates.status. SQLite cannot alter a constraint,
    and rebuilding the table would delete through every foreign key to it: its schema text is
    edited in place instead, the way SQLite's own documentation describes for CHECKs."""
    if op.get_context().dialect.name == "postgresql":
        op.drop_constraint("ck_inmates_status", "inmates", type_="check")
        op.create_check_constraint("ck_inmates_status", "inmates", new)
        return
    connection = op.get_bind()
    version = connection.exec_driver_sql("PRAGMA schema_version").scalar()
    op.execute("PRAGMA writable_schema=ON")
    connection.exec_driver_sql(
        "UPDATE sqlite_master SET sql = replace(sql, ?, ?) WHERE type = 'table' AND name = 'inmates'",
        (old, new),
    )
    op.execute(f"PRAGMA schema_version={int(version) + 1}")
    op.execute("PRAGMA writable_schema=OFF")


def upgrade() -> None:
    _inmate_statuses(OLD_STATUSES, NEW_STATUSES)
    op.add_column("inmates", sa.Column("released_on", sa.Date(), nullable=True))
    op.add_column(
        "wings", sa.Column("closed_at", backoffice.db.UTCDateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "cells", sa.Column("closed_at", backoffice.db.UTCDateTime(timezone=True), nullable=True)
    )
    op.create_table(
        "inmate_movements",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("inmate_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("occurred_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("from_prison_id", sa.Integer(), nullable=True),
        sa.Column("to_prison_id", sa.Integer(), nullable=True),
        sa.Column("from_cell_id", sa.Integer(), nullable=True),
        sa.Column("to_cell_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("done_by", sa.String(length=200), nullable=False),
        sa.Column("register_event_id", sa.String(length=64), nullable=True),
        sa.Column("effects", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('admitted', 'legal_status', 'moved', 'transferred', 'out', 'returned', "
            "'released', 'deceased')",
            name=op.f("ck_inmate_movements_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["inmate_id"], ["inmates.id"], name=op.f("fk_inmate_movements_inmate_id_inmates")
        ),
        sa.ForeignKeyConstraint(
            ["from_prison_id"],
            ["prisons.id"],
            name=op.f("fk_inmate_movements_from_prison_id_prisons"),
        ),
        sa.ForeignKeyConstraint(
            ["to_prison_id"], ["prisons.id"], name=op.f("fk_inmate_movements_to_prison_id_prisons")
        ),
        sa.ForeignKeyConstraint(
            ["from_cell_id"], ["cells.id"], name=op.f("fk_inmate_movements_from_cell_id_cells")
        ),
        sa.ForeignKeyConstraint(
            ["to_cell_id"], ["cells.id"], name=op.f("fk_inmate_movements_to_cell_id_cells")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inmate_movements")),
    )
    op.create_index(
        op.f("ix_inmate_movements_inmate_id"), "inmate_movements", ["inmate_id"], unique=False
    )
    append_only("inmate_movements")

    op.create_table(
        "register_events",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("prison_number", sa.String(length=32), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("payload_hash", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("received_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("applied_at", backoffice.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind IN ('admission', 'move', 'transfer', 'status_change', 'out', 'return', "
            "'release', 'death')",
            name=op.f("ck_register_events_kind"),
        ),
        sa.CheckConstraint(
            "state IN ('waiting', 'applied')", name=op.f("ck_register_events_state")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_register_events")),
        sa.UniqueConstraint("event_id", name=op.f("uq_register_events_event_id")),
        sa.UniqueConstraint(
            "prison_number", "sequence", name=op.f("uq_register_events_prison_number_sequence")
        ),
    )
    op.create_index(op.f("ix_register_events_state"), "register_events", ["state"], unique=False)
    op.create_table(
        "register_people",
        sa.Column("prison_number", sa.String(length=32), nullable=False),
        sa.Column("applied_sequence", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("prison_number", name=op.f("pk_register_people")),
    )


def downgrade() -> None:
    op.drop_table("register_people")
    op.drop_index(op.f("ix_register_events_state"), table_name="register_events")
    op.drop_table("register_events")
    op.drop_index(op.f("ix_inmate_movements_inmate_id"), table_name="inmate_movements")
    op.drop_table("inmate_movements")
    # Plain DROP COLUMN (SQLite 3.35+): a batch rebuild would delete through the foreign keys.
    for table, column in (
        ("cells", "closed_at"),
        ("wings", "closed_at"),
        ("inmates", "released_on"),
    ):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    _inmate_statuses(NEW_STATUSES, OLD_STATUSES)
