"""People, staff, devices and the audit log (append-only)."""

import sqlalchemy as sa
from alembic import op

import backoffice.db
from backoffice.migrate import append_only


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("occurred_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target_type", sa.String(length=64), nullable=False),
        sa.Column("target_id", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=True),
        sa.Column("remote_addr", sa.String(length=64), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_events_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_events_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_audit_events_occurred_at"), ["occurred_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_audit_events_target_id"), ["target_id"], unique=False)

    op.create_table(
        "prisons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prisons")),
        sa.UniqueConstraint("code", name=op.f("uq_prisons_code")),
    )
    op.create_table(
        "staff_users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("prison_id", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_sign_ins", sa.Integer(), nullable=False),
        sa.Column("locked_until", backoffice.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_sign_in_at", backoffice.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("session_version", sa.Integer(), nullable=False),
        sa.Column("created_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["prison_id"], ["prisons.id"], name=op.f("fk_staff_users_prison_id_prisons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_users")),
        sa.UniqueConstraint("username", name=op.f("uq_staff_users_username")),
    )
    with op.batch_alter_table("staff_users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_users_prison_id"), ["prison_id"], unique=False)

    op.create_table(
        "wings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prison_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["prison_id"], ["prisons.id"], name=op.f("fk_wings_prison_id_prisons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wings")),
        sa.UniqueConstraint("prison_id", "code", name=op.f("uq_wings_prison_id_code")),
    )
    with op.batch_alter_table("wings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_wings_prison_id"), ["prison_id"], unique=False)

    op.create_table(
        "cells",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wing_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=16), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["wing_id"], ["wings.id"], name=op.f("fk_cells_wing_id_wings")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cells")),
        sa.UniqueConstraint("wing_id", "number", name=op.f("uq_cells_wing_id_number")),
    )
    with op.batch_alter_table("cells", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cells_wing_id"), ["wing_id"], unique=False)

    op.create_table(
        "staff_roles",
        sa.Column("staff_user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.CheckConstraint(
            "role IN ('admin', 'shop', 'accountant', 'officer', 'requests', 'visits')",
            name=op.f("ck_staff_roles_role"),
        ),
        sa.ForeignKeyConstraint(
            ["staff_user_id"],
            ["staff_users.id"],
            name=op.f("fk_staff_roles_staff_user_id_staff_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("staff_user_id", "role", name=op.f("pk_staff_roles")),
    )
    op.create_table(
        "devices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("prison_id", sa.Integer(), nullable=False),
        sa.Column("wing_id", sa.Integer(), nullable=True),
        sa.Column("cell_id", sa.Integer(), nullable=True),
        sa.Column("location", sa.String(length=200), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("secret_hash", sa.String(length=255), nullable=False),
        sa.Column("registered_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", backoffice.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(kind = 'kiosk' AND wing_id IS NOT NULL AND cell_id IS NULL) OR (kind = 'tablet' AND cell_id IS NOT NULL)",
            name=op.f("ck_devices_placement"),
        ),
        sa.CheckConstraint("kind IN ('kiosk', 'tablet')", name=op.f("ck_devices_kind")),
        sa.ForeignKeyConstraint(["cell_id"], ["cells.id"], name=op.f("fk_devices_cell_id_cells")),
        sa.ForeignKeyConstraint(
            ["prison_id"], ["prisons.id"], name=op.f("fk_devices_prison_id_prisons")
        ),
        sa.ForeignKeyConstraint(["wing_id"], ["wings.id"], name=op.f("fk_devices_wing_id_wings")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_devices")),
        sa.UniqueConstraint("key_id", name=op.f("uq_devices_key_id")),
        sa.UniqueConstraint("name", name=op.f("uq_devices_name")),
    )
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_devices_cell_id"), ["cell_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_devices_prison_id"), ["prison_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_devices_wing_id"), ["wing_id"], unique=False)

    op.create_table(
        "inmates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prison_number", sa.String(length=32), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("legal_status", sa.String(length=16), nullable=False),
        sa.Column("regime_level", sa.String(length=32), nullable=False),
        sa.Column("prison_id", sa.Integer(), nullable=False),
        sa.Column("wing_id", sa.Integer(), nullable=True),
        sa.Column("cell_id", sa.Integer(), nullable=True),
        sa.Column("admitted_on", sa.Date(), nullable=False),
        sa.Column("expected_release_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("language IN ('et', 'ru', 'en')", name=op.f("ck_inmates_language")),
        sa.CheckConstraint(
            "legal_status IN ('remand', 'convicted')", name=op.f("ck_inmates_legal_status")
        ),
        sa.CheckConstraint(
            "status IN ('active', 'released', 'transferred')", name=op.f("ck_inmates_status")
        ),
        sa.ForeignKeyConstraint(["cell_id"], ["cells.id"], name=op.f("fk_inmates_cell_id_cells")),
        sa.ForeignKeyConstraint(
            ["prison_id"], ["prisons.id"], name=op.f("fk_inmates_prison_id_prisons")
        ),
        sa.ForeignKeyConstraint(["wing_id"], ["wings.id"], name=op.f("fk_inmates_wing_id_wings")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inmates")),
        sa.UniqueConstraint("prison_number", name=op.f("uq_inmates_prison_number")),
    )
    with op.batch_alter_table("inmates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inmates_cell_id"), ["cell_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_inmates_prison_id"), ["prison_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_inmates_wing_id"), ["wing_id"], unique=False)

    append_only("audit_events")


def downgrade() -> None:
    with op.batch_alter_table("inmates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inmates_wing_id"))
        batch_op.drop_index(batch_op.f("ix_inmates_prison_id"))
        batch_op.drop_index(batch_op.f("ix_inmates_cell_id"))

    op.drop_table("inmates")
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_devices_wing_id"))
        batch_op.drop_index(batch_op.f("ix_devices_prison_id"))
        batch_op.drop_index(batch_op.f("ix_devices_cell_id"))

    op.drop_table("devices")
    op.drop_table("staff_roles")
    with op.batch_alter_table("cells", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cells_wing_id"))

    op.drop_table("cells")
    with op.batch_alter_table("wings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wings_prison_id"))

    op.drop_table("wings")
    with op.batch_alter_table("staff_users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_users_prison_id"))

    op.drop_table("staff_users")
    op.drop_table("prisons")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_target_id"))
        batch_op.drop_index(batch_op.f("ix_audit_events_occurred_at"))
        batch_op.drop_index(batch_op.f("ix_audit_events_actor_id"))
        batch_op.drop_index(batch_op.f("ix_audit_events_action"))

    op.drop_table("audit_events")
