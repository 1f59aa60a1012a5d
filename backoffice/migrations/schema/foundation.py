"""People, staff, devices and the audit log (append-only)."""

from backoffice.migrate import append_only

from .columns import big_id, boolean, date, integer, json, moment, string
from .tables import create, drop

ROLES = "'admin', 'shop', 'accountant', 'officer', 'requests', 'visits'"


def upgrade() -> None:
    create(
        "audit_events",
        big_id("id"),
        moment("occurred_at"),
        string("actor_kind", 16),
        integer("actor_id", nullable=True),
        string("actor_name", 200),
        string("action", 64),
        string("target_type", 64),
        string("target_id", 64),
        string("outcome", 16),
        integer("device_id", nullable=True),
        string("remote_addr", 64),
        json("details"),
        indexes=["action", "actor_id", "occurred_at", "target_id"],
    )
    create(
        "prisons",
        integer("id"),
        string("code", 16),
        string("name", 200),
        string("timezone", 64),
        unique=["code"],
    )
    create(
        "staff_users",
        integer("id"),
        string("username", 64),
        string("full_name", 200),
        string("password_hash", 255),
        integer("prison_id", nullable=True, refers="prisons"),
        string("language", 2),
        boolean("active"),
        integer("failed_sign_ins"),
        moment("locked_until", nullable=True),
        moment("last_sign_in_at", nullable=True),
        integer("session_version"),
        moment("created_at"),
        unique=["username"],
        indexes=["prison_id"],
    )
    create(
        "wings",
        integer("id"),
        integer("prison_id", refers="prisons"),
        string("code", 16),
        string("name", 200),
        unique=[("prison_id", "code")],
        indexes=["prison_id"],
    )
    create(
        "cells",
        integer("id"),
        integer("wing_id", refers="wings"),
        string("number", 16),
        integer("capacity"),
        unique=[("wing_id", "number")],
        indexes=["wing_id"],
    )
    create(
        "staff_roles",
        integer("staff_user_id", refers="staff_users", ondelete="CASCADE"),
        string("role", 16),
        checks={"role": f"role IN ({ROLES})"},
        primary_key=("staff_user_id", "role"),
    )
    create(
        "devices",
        integer("id"),
        string("kind", 16),
        string("name", 100),
        integer("prison_id", refers="prisons"),
        integer("wing_id", nullable=True, refers="wings"),
        integer("cell_id", nullable=True, refers="cells"),
        string("location", 200),
        string("key_id", 32),
        string("secret_hash", 255),
        moment("registered_at"),
        moment("revoked_at", nullable=True),
        checks={
            "placement": "(kind = 'kiosk' AND wing_id IS NOT NULL AND cell_id IS NULL) OR (kind = 'tablet' AND cell_id IS NOT NULL)",
            "kind": "kind IN ('kiosk', 'tablet')",
        },
        unique=["key_id", "name"],
        indexes=["cell_id", "prison_id", "wing_id"],
    )
    create(
        "inmates",
        integer("id"),
        string("prison_number", 32),
        string("first_name", 100),
        string("last_name", 100),
        date("date_of_birth"),
        string("language", 2),
        string("legal_status", 16),
        string("regime_level", 32),
        integer("prison_id", refers="prisons"),
        integer("wing_id", nullable=True, refers="wings"),
        integer("cell_id", nullable=True, refers="cells"),
        date("admitted_on"),
        date("expected_release_on", nullable=True),
        string("status", 16),
        moment("created_at"),
        checks={
            "language": "language IN ('et', 'ru', 'en')",
            "legal_status": "legal_status IN ('remand', 'convicted')",
            "status": "status IN ('active', 'released', 'transferred')",
        },
        unique=["prison_number"],
        indexes=["cell_id", "prison_id", "wing_id"],
    )
    append_only("audit_events")


def downgrade() -> None:
    drop("inmates", "devices", "staff_roles", "cells", "wings", "staff_users", "prisons",
         "audit_events")  # fmt: skip
