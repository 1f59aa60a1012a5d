"""people's lifecycle: inmates temporarily out or deceased, the day they left, closed wings and
cells, the movements (append-only), and the Prisoners' Register's events

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

from alembic import op

from backoffice.migrate import append_only
from backoffice.migrations.schema.columns import big_id, date, integer, json, moment, string
from backoffice.migrations.schema.tables import create, drop

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_STATUSES = "status IN ('active', 'released', 'transferred')"
NEW_STATUSES = "status IN ('active', 'out', 'released', 'transferred', 'deceased')"


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
    op.add_column("inmates", date("released_on", nullable=True))
    op.add_column("wings", moment("closed_at", nullable=True))
    op.add_column("cells", moment("closed_at", nullable=True))
    create(
        "inmate_movements",
        big_id("id"),
        integer("inmate_id", refers="inmates"),
        string("kind", 16),
        date("effective_on"),
        moment("occurred_at"),
        string("from_status", 16, nullable=True),
        string("to_status", 16),
        integer("from_prison_id", nullable=True, refers="prisons"),
        integer("to_prison_id", nullable=True, refers="prisons"),
        integer("from_cell_id", nullable=True, refers="cells"),
        integer("to_cell_id", nullable=True, refers="cells"),
        string("reason", 500),
        string("done_by", 200),
        string("register_event_id", 64, nullable=True),
        json("effects"),
        checks={
            "kind": "kind IN ('admitted', 'legal_status', 'moved', 'transferred', 'out', "
            "'returned', 'released', 'deceased')"
        },
        indexes=["inmate_id"],
    )
    append_only("inmate_movements")
    create(
        "register_events",
        big_id("id"),
        string("event_id", 64),
        string("prison_number", 32),
        integer("sequence"),
        string("kind", 16),
        json("payload"),
        string("payload_hash", 64),
        string("state", 16),
        string("reason", 500),
        string("source", 32),
        moment("received_at"),
        moment("applied_at", nullable=True),
        checks={
            "kind": "kind IN ('admission', 'move', 'transfer', 'status_change', 'out', 'return', "
            "'release', 'death')",
            "state": "state IN ('waiting', 'applied')",
        },
        unique=["event_id", ("prison_number", "sequence")],
        indexes=["state"],
    )
    create(
        "register_people",
        string("prison_number", 32),
        integer("applied_sequence"),
        primary_key=("prison_number",),
    )


def downgrade() -> None:
    drop("register_people", "register_events", "inmate_movements")
    # Plain DROP COLUMN (SQLite 3.35+): a batch rebuild would delete through the foreign keys.
    for table, column in (
        ("cells", "closed_at"),
        ("wings", "closed_at"),
        ("inmates", "released_on"),
    ):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    _inmate_statuses(NEW_STATUSES, OLD_STATUSES)
