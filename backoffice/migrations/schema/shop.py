"""shop: catalogue (stock and what placed orders reserved of it), orders, refunds, bans and
restrictions, and the protocol file's versions put in force by a reload (append-only)."""

import sqlalchemy as sa
from alembic import op

import backoffice.db
from backoffice.migrate import append_only


def upgrade() -> None:
    _create_shop()
    _create_protocol_versions()


def downgrade() -> None:
    _drop_protocol_versions()
    _drop_shop()


def _create_shop() -> None:
    op.create_table(
        "shop_categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name_et", sa.String(length=100), nullable=False),
        sa.Column("name_ru", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=100), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shop_categories")),
        sa.UniqueConstraint("code", name=op.f("uq_shop_categories_code")),
    )
    op.create_table(
        "shop_products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=32), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("name_et", sa.String(length=200), nullable=False),
        sa.Column("name_ru", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("price_cents", sa.BigInteger(), nullable=False),
        sa.Column("vat_basis_points", sa.Integer(), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("prison_id", sa.Integer(), nullable=True),
        sa.Column("photo", sa.LargeBinary(), nullable=True),
        sa.Column("photo_type", sa.String(length=32), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        # Promised to orders placed and not yet packed.
        sa.Column("reserved", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.CheckConstraint("price_cents >= 0", name=op.f("ck_shop_products_price_not_negative")),
        sa.CheckConstraint("reserved >= 0", name=op.f("ck_shop_products_reserved_not_negative")),
        sa.CheckConstraint("stock >= 0", name=op.f("ck_shop_products_stock_not_negative")),
        sa.CheckConstraint(
            "vat_basis_points BETWEEN 0 AND 10000", name=op.f("ck_shop_products_vat_range")
        ),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["shop_categories.id"],
            name=op.f("fk_shop_products_category_id_shop_categories"),
        ),
        sa.ForeignKeyConstraint(
            ["prison_id"], ["prisons.id"], name=op.f("fk_shop_products_prison_id_prisons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shop_products")),
        sa.UniqueConstraint("sku", name=op.f("uq_shop_products_sku")),
    )
    with op.batch_alter_table("shop_products", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_shop_products_category_id"), ["category_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_shop_products_prison_id"), ["prison_id"], unique=False)

    op.create_table(
        "shop_price_changes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("price_cents", sa.BigInteger(), nullable=False),
        sa.Column("changed_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["shop_products.id"],
            name=op.f("fk_shop_price_changes_product_id_shop_products"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shop_price_changes")),
    )
    with op.batch_alter_table("shop_price_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_shop_price_changes_product_id"), ["product_id"], unique=False
        )

    op.create_table(
        "shop_product_wings",
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("wing_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["shop_products.id"],
            name=op.f("fk_shop_product_wings_product_id_shop_products"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["wing_id"], ["wings.id"], name=op.f("fk_shop_product_wings_wing_id_wings")
        ),
        sa.PrimaryKeyConstraint("product_id", "wing_id", name=op.f("pk_shop_product_wings")),
    )
    op.create_table(
        "shop_schedules",
        sa.Column("wing_id", sa.Integer(), nullable=False),
        sa.Column("opens_weekday", sa.Integer(), nullable=False),
        sa.Column("cutoff_weekday", sa.Integer(), nullable=False),
        sa.Column("cutoff_time", sa.String(length=5), nullable=False),
        sa.Column("delivery_weekday", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "cutoff_weekday BETWEEN 0 AND 6", name=op.f("ck_shop_schedules_cutoff_weekday")
        ),
        sa.CheckConstraint(
            "delivery_weekday BETWEEN 0 AND 6", name=op.f("ck_shop_schedules_delivery_weekday")
        ),
        sa.CheckConstraint(
            "opens_weekday BETWEEN 0 AND 6", name=op.f("ck_shop_schedules_opens_weekday")
        ),
        sa.ForeignKeyConstraint(
            ["wing_id"], ["wings.id"], name=op.f("fk_shop_schedules_wing_id_wings")
        ),
        sa.PrimaryKeyConstraint("wing_id", name=op.f("pk_shop_schedules")),
    )
    op.create_table(
        "shop_bans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inmate_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["inmate_id"], ["inmates.id"], name=op.f("fk_shop_bans_inmate_id_inmates")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shop_bans")),
    )
    with op.batch_alter_table("shop_bans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shop_bans_inmate_id"), ["inmate_id"], unique=False)

    op.create_table(
        "shop_inmate_restrictions",
        sa.Column("inmate_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["inmate_id"],
            ["inmates.id"],
            name=op.f("fk_shop_inmate_restrictions_inmate_id_inmates"),
        ),
        sa.PrimaryKeyConstraint("inmate_id", "tag", name=op.f("pk_shop_inmate_restrictions")),
    )
    op.create_table(
        "shop_orders",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("payload_hash", sa.String(length=64), nullable=False),
        sa.Column("inmate_id", sa.Integer(), nullable=False),
        sa.Column("prison_id", sa.Integer(), nullable=False),
        sa.Column("wing_id", sa.Integer(), nullable=False),
        sa.Column("delivery_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("substitution_consent", sa.Boolean(), nullable=False),
        sa.Column("held_cents", sa.BigInteger(), nullable=False),
        sa.Column("charged_cents", sa.BigInteger(), nullable=False),
        sa.Column("refunded_cents", sa.BigInteger(), nullable=False),
        sa.Column("hold_transfer_id", sa.BigInteger(), nullable=True),
        sa.Column("placed_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("placed_via", sa.String(length=32), nullable=False),
        sa.Column("packed_at", backoffice.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("packed_by", sa.String(length=200), nullable=False),
        sa.Column("delivered_at", backoffice.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("delivered_by", sa.String(length=200), nullable=False),
        sa.Column("cancelled_at", backoffice.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('placed', 'picking', 'packed', 'delivered', 'cancelled', 'expired')",
            name=op.f("ck_shop_orders_status"),
        ),
        sa.ForeignKeyConstraint(
            ["inmate_id"], ["inmates.id"], name=op.f("fk_shop_orders_inmate_id_inmates")
        ),
        sa.ForeignKeyConstraint(
            ["prison_id"], ["prisons.id"], name=op.f("fk_shop_orders_prison_id_prisons")
        ),
        sa.ForeignKeyConstraint(
            ["wing_id"], ["wings.id"], name=op.f("fk_shop_orders_wing_id_wings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shop_orders")),
        sa.UniqueConstraint("key", name=op.f("uq_shop_orders_key")),
    )
    with op.batch_alter_table("shop_orders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_shop_orders_delivery_on"), ["delivery_on"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_shop_orders_inmate_id"), ["inmate_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_shop_orders_placed_at"), ["placed_at"], unique=False)

    op.create_table(
        "shop_order_lines",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price_cents", sa.BigInteger(), nullable=False),
        sa.Column("vat_basis_points", sa.Integer(), nullable=False),
        sa.Column("packed_quantity", sa.Integer(), nullable=True),
        sa.Column("substitute_product_id", sa.Integer(), nullable=True),
        sa.Column("substitute_unit_price_cents", sa.BigInteger(), nullable=True),
        sa.Column("refunded_quantity", sa.Integer(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "packed_quantity IS NULL OR packed_quantity BETWEEN 0 AND quantity",
            name=op.f("ck_shop_order_lines_packed_range"),
        ),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_shop_order_lines_quantity_positive")),
        sa.CheckConstraint(
            "refunded_quantity >= 0", name=op.f("ck_shop_order_lines_refunded_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["shop_orders.id"], name=op.f("fk_shop_order_lines_order_id_shop_orders")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["shop_products.id"],
            name=op.f("fk_shop_order_lines_product_id_shop_products"),
        ),
        sa.ForeignKeyConstraint(
            ["substitute_product_id"],
            ["shop_products.id"],
            name=op.f("fk_shop_order_lines_substitute_product_id_shop_products"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shop_order_lines")),
    )
    with op.batch_alter_table("shop_order_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_shop_order_lines_order_id"), ["order_id"], unique=False
        )

    op.create_table(
        "shop_refunds",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column(
            "order_line_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("transfer_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_line_id"],
            ["shop_order_lines.id"],
            name=op.f("fk_shop_refunds_order_line_id_shop_order_lines"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shop_refunds")),
        sa.UniqueConstraint("key", name=op.f("uq_shop_refunds_key")),
    )
    with op.batch_alter_table("shop_refunds", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_shop_refunds_order_line_id"), ["order_line_id"], unique=False
        )


def _create_protocol_versions() -> None:
    op.create_table(
        "shop_protocol_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("loaded_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("loaded_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shop_protocol_versions")),
    )
    append_only("shop_protocol_versions")


def _drop_shop() -> None:
    with op.batch_alter_table("shop_refunds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shop_refunds_order_line_id"))

    op.drop_table("shop_refunds")
    with op.batch_alter_table("shop_order_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shop_order_lines_order_id"))

    op.drop_table("shop_order_lines")
    with op.batch_alter_table("shop_orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shop_orders_placed_at"))
        batch_op.drop_index(batch_op.f("ix_shop_orders_inmate_id"))
        batch_op.drop_index(batch_op.f("ix_shop_orders_delivery_on"))

    op.drop_table("shop_orders")
    op.drop_table("shop_inmate_restrictions")
    with op.batch_alter_table("shop_bans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shop_bans_inmate_id"))

    op.drop_table("shop_bans")
    op.drop_table("shop_schedules")
    op.drop_table("shop_product_wings")
    with op.batch_alter_table("shop_price_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shop_price_changes_product_id"))

    op.drop_table("shop_price_changes")
    with op.batch_alter_table("shop_products", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shop_products_prison_id"))
        batch_op.drop_index(batch_op.f("ix_shop_products_category_id"))

    op.drop_table("shop_products")
    op.drop_table("shop_categories")


def _drop_protocol_versions() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TRIGGER shop_protocol_versions_append_only ON shop_protocol_versions")
    op.drop_table("shop_protocol_versions")
