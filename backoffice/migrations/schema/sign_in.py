"""Inmate sign-in: cards, PINs and lockouts, card challenges, inmate sessions; enrolled face
templates, encrypted at rest; tablet sessions, access and refresh tokens bound to one tablet."""

from .columns import big_id, binary, integer, moment, string
from .tables import create, drop


def upgrade() -> None:
    _create_cards_and_sessions()
    _create_faces()
    _create_tablet_sessions()


def downgrade() -> None:
    drop("tablet_sessions", "face_templates", "card_challenges", "inmate_sessions",
         "inmate_credentials", "inmate_cards", "device_throttles")  # fmt: skip


def _create_cards_and_sessions() -> None:

    create(
        "device_throttles",
        integer("device_id", refers="devices"),
        moment("window_started_at"),
        integer("failures"),
        primary_key=("device_id",),
    )
    create(
        "inmate_cards",
        integer("id"),
        integer("inmate_id", refers="inmates"),
        string("card_number", 32),
        binary("key_encrypted"),
        string("status", 16),
        moment("issued_at"),
        moment("ended_at", nullable=True),
        string("end_reason", 200),
        checks={"status": "status IN ('active', 'blocked', 'replaced')"},
        unique=["card_number"],
        indexes=["inmate_id"],
    )

    create(
        "inmate_credentials",
        integer("inmate_id", refers="inmates"),
        string("pin_hash", 255, nullable=True),
        moment("pin_set_at", nullable=True),
        integer("failed_attempts"),
        moment("locked_until", nullable=True),
        primary_key=("inmate_id",),
    )
    create(
        "inmate_sessions",
        big_id("id"),
        integer("inmate_id", refers="inmates"),
        integer("device_id", refers="devices"),
        string("token_hash", 64),
        string("method", 16),
        moment("started_at"),
        moment("last_seen_at"),
        moment("ended_at", nullable=True),
        string("end_reason", 32),
        checks={"method": "method IN ('face', 'card', 'pin')"},
        unique=["token_hash"],
        indexes=["device_id", "ended_at", "inmate_id"],
    )

    create(
        "card_challenges",
        string("id", 32),
        integer("device_id", refers="devices"),
        integer("card_id", refers="inmate_cards"),
        binary("challenge"),
        moment("created_at"),
        moment("expires_at"),
        moment("verified_at", nullable=True),
        moment("closed_at", nullable=True),
        indexes=["card_id", "device_id"],
    )


def _create_faces() -> None:

    create(
        "face_templates",
        integer("id"),
        integer("inmate_id", refers="inmates"),
        binary("template_encrypted"),
        string("source", 16),
        moment("enrolled_at"),
        string("enrolled_by", 200),
        indexes=["inmate_id"],
    )


def _create_tablet_sessions() -> None:
    create(
        "tablet_sessions",
        big_id("id"),
        integer("device_id", refers="devices"),
        integer("inmate_id", refers="inmates"),
        big_id("inmate_session_id", nullable=True, refers="inmate_sessions"),
        string("method", 8),
        string("access_hash", 64),
        moment("access_expires_at"),
        string("refresh_hash", 64),
        string("previous_refresh_hash", 64, nullable=True),
        moment("expires_at"),
        moment("started_at"),
        moment("last_seen_at"),
        moment("ended_at", nullable=True),
        string("end_reason", 32),
        unique=["access_hash", "refresh_hash"],
        indexes=["device_id", "inmate_id", "inmate_session_id", "previous_refresh_hash"],
    )
