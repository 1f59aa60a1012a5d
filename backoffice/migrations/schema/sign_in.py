"""Inmate sign-in: cards, PINs and lockouts, card challenges, inmate sessions; enrolled face
templates, encrypted at rest; tablet sessions, access and refresh tokens bound to one tablet."""

import sqlalchemy as sa
from alembic import op

import backoffice.db


def upgrade() -> None:
    _create_cards_and_sessions()
    _create_faces()
    _create_tablet_sessions()


def downgrade() -> None:
    _drop_tablet_sessions()
    _drop_faces()
    _drop_cards_and_sessions()


def _create_cards_and_sessions() -> None:

    op.create_table(
        "device_throttles",
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("window_started_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"], ["devices.id"], name=op.f("fk_device_throttles_device_id_devices")
        ),
        sa.PrimaryKeyConstraint("device_id", name=op.f("pk_device_throttles")),
    )
    op.create_table(
        "inmate_cards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inmate_id", sa.Integer(), nullable=False),
        sa.Column("card_number", sa.String(length=32), nullable=False),
        sa.Column("key_encrypted", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("issued_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", backoffice.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=200), nullable=False),
        sa.CheckConstraint(
            "status IN ('active', 'blocked', 'replaced')", name=op.f("ck_inmate_cards_status")
        ),
        sa.ForeignKeyConstraint(
            ["inmate_id"], ["inmates.id"], name=op.f("fk_inmate_cards_inmate_id_inmates")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inmate_cards")),
        sa.UniqueConstraint("card_number", name=op.f("uq_inmate_cards_card_number")),
    )
    with op.batch_alter_table("inmate_cards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inmate_cards_inmate_id"), ["inmate_id"], unique=False)

    op.create_table(
        "inmate_credentials",
        sa.Column("inmate_id", sa.Integer(), nullable=False),
        sa.Column("pin_hash", sa.String(length=255), nullable=True),
        sa.Column("pin_set_at", backoffice.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", backoffice.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["inmate_id"], ["inmates.id"], name=op.f("fk_inmate_credentials_inmate_id_inmates")
        ),
        sa.PrimaryKeyConstraint("inmate_id", name=op.f("pk_inmate_credentials")),
    )
    op.create_table(
        "inmate_sessions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("inmate_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("started_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", backoffice.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=32), nullable=False),
        sa.CheckConstraint(
            "method IN ('face', 'card', 'pin')", name=op.f("ck_inmate_sessions_method")
        ),
        sa.ForeignKeyConstraint(
            ["device_id"], ["devices.id"], name=op.f("fk_inmate_sessions_device_id_devices")
        ),
        sa.ForeignKeyConstraint(
            ["inmate_id"], ["inmates.id"], name=op.f("fk_inmate_sessions_inmate_id_inmates")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inmate_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_inmate_sessions_token_hash")),
    )
    with op.batch_alter_table("inmate_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inmate_sessions_device_id"), ["device_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_inmate_sessions_ended_at"), ["ended_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_inmate_sessions_inmate_id"), ["inmate_id"], unique=False
        )

    op.create_table(
        "card_challenges",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("challenge", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("verified_at", backoffice.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", backoffice.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["card_id"], ["inmate_cards.id"], name=op.f("fk_card_challenges_card_id_inmate_cards")
        ),
        sa.ForeignKeyConstraint(
            ["device_id"], ["devices.id"], name=op.f("fk_card_challenges_device_id_devices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_challenges")),
    )
    with op.batch_alter_table("card_challenges", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_card_challenges_card_id"), ["card_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_card_challenges_device_id"), ["device_id"], unique=False
        )


def _create_faces() -> None:

    op.create_table(
        "face_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inmate_id", sa.Integer(), nullable=False),
        sa.Column("template_encrypted", sa.LargeBinary(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("enrolled_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("enrolled_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["inmate_id"], ["inmates.id"], name=op.f("fk_face_templates_inmate_id_inmates")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_face_templates")),
    )
    with op.batch_alter_table("face_templates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_face_templates_inmate_id"), ["inmate_id"], unique=False
        )


def _create_tablet_sessions() -> None:
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


def _drop_cards_and_sessions() -> None:

    with op.batch_alter_table("card_challenges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_card_challenges_device_id"))
        batch_op.drop_index(batch_op.f("ix_card_challenges_card_id"))

    op.drop_table("card_challenges")
    with op.batch_alter_table("inmate_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inmate_sessions_inmate_id"))
        batch_op.drop_index(batch_op.f("ix_inmate_sessions_ended_at"))
        batch_op.drop_index(batch_op.f("ix_inmate_sessions_device_id"))

    op.drop_table("inmate_sessions")
    op.drop_table("inmate_credentials")
    with op.batch_alter_table("inmate_cards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inmate_cards_inmate_id"))

    op.drop_table("inmate_cards")
    op.drop_table("device_throttles")


def _drop_faces() -> None:

    with op.batch_alter_table("face_templates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_face_templates_inmate_id"))

    op.drop_table("face_templates")


def _drop_tablet_sessions() -> None:
    op.drop_table("tablet_sessions")
