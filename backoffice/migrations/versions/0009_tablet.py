"""tablet sessions: access and refresh tokens bound to one tablet

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backoffice.db

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tablet_sessions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("inmate_id", sa.Integer(), nullable=False),
        sa.Column(
            "inmate_session_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        ),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("access_hash", sa.String(length=64), nullable=False),
        sa.Column("access_expires_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("refresh_hash", sa.String(length=64), nullable=False),
        sa.Column("previous_refresh_hash", sa.String(length=64), nullable=True),
        sa.Column("expires_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", backoffice.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"], ["devices.id"], name=op.f("fk_tablet_sessions_device_id_devices")
        ),
        sa.ForeignKeyConstraint(
            ["inmate_session_id"],
            ["inmate_sessions.id"],
            name=op.f("fk_tablet_sessions_inmate_session_id_inmate_sessions"),
        ),
        sa.ForeignKeyConstraint(
            ["inmate_id"], ["inmates.id"], name=op.f("fk_tablet_sessions_inmate_id_inmates")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tablet_sessions")),
        sa.UniqueConstraint("access_hash", name=op.f("uq_tablet_sessions_access_hash")),
        sa.UniqueConstraint("refresh_hash", name=op.f("uq_tablet_sessions_refresh_hash")),
    )
    with op.batch_alter_table("tablet_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tablet_sessions_device_id"), ["device_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_tablet_sessions_inmate_id"), ["inmate_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_tablet_sessions_inmate_session_id"), ["inmate_session_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_tablet_sessions_previous_refresh_hash"),
            ["previous_refresh_hash"],
            unique=False,
        )


def downgrade() -> None:
    op.drop_table("tablet_sessions")
