"""shop: catalogue (stock and what placed orders reserved of it), orders, refunds, bans and
restrictions, and the protocol file's versions put in force by a reload (append-only)."""

import sqlalchemy as sa

from backoffice.migrate import append_only

from .columns import big_id, big_integer, binary, boolean, date, integer, json, moment, string, text
from .tables import create, drop


def upgrade() -> None:
    _create_shop()
    _create_protocol_versions()


def downgrade() -> None:
    drop("shop_protocol_versions", "shop_refunds", "shop_order_lines", "shop_orders",
         "shop_inmate_restrictions", "shop_bans", "shop_schedules", "shop_product_wings",
         "shop_price_changes", "shop_products", "shop_categories")  # fmt: skip


def _create_shop() -> None:
    create(
        "shop_categories",
        integer("id"),
        string("code", 32),
        string("name_et", 100),
        string("name_ru", 100),
        string("name_en", 100),
        integer("sort_order"),
        unique=["code"],
    )
    create(
        "shop_products",
        integer("id"),
        string("sku", 32),
        integer("category_id", refers="shop_categories"),
        string("name_et", 200),
        string("name_ru", 200),
        string("name_en", 200),
        string("unit", 16),
        big_integer("price_cents"),
        integer("vat_basis_points"),
        integer("stock"),
        json("tags"),
        integer("prison_id", nullable=True, refers="prisons"),
        binary("photo", nullable=True),
        string("photo_type", 32),
        boolean("active"),
        # Promised to orders placed and not yet packed.
        sa.Column("reserved", sa.Integer(), server_default=sa.text("0"), nullable=False),
        checks={
            "price_not_negative": "price_cents >= 0",
            "reserved_not_negative": "reserved >= 0",
            "stock_not_negative": "stock >= 0",
            "vat_range": "vat_basis_points BETWEEN 0 AND 10000",
        },
        unique=["sku"],
        indexes=["category_id", "prison_id"],
    )

    create(
        "shop_price_changes",
        big_id("id"),
        integer("product_id", refers="shop_products"),
        big_integer("price_cents"),
        moment("changed_at"),
        string("changed_by", 200),
        indexes=["product_id"],
    )

    create(
        "shop_product_wings",
        integer("product_id", refers="shop_products", ondelete="CASCADE"),
        integer("wing_id", refers="wings"),
        primary_key=("product_id", "wing_id"),
    )
    create(
        "shop_schedules",
        integer("wing_id", refers="wings"),
        integer("opens_weekday"),
        integer("cutoff_weekday"),
        string("cutoff_time", 5),
        integer("delivery_weekday"),
        checks={
            "cutoff_weekday": "cutoff_weekday BETWEEN 0 AND 6",
            "delivery_weekday": "delivery_weekday BETWEEN 0 AND 6",
            "opens_weekday": "opens_weekday BETWEEN 0 AND 6",
        },
        primary_key=("wing_id",),
    )
    create(
        "shop_bans",
        integer("id"),
        integer("inmate_id", refers="inmates"),
        date("starts_on"),
        date("ends_on"),
        string("reason", 500),
        string("created_by", 200),
        moment("created_at"),
        indexes=["inmate_id"],
    )

    create(
        "shop_inmate_restrictions",
        integer("inmate_id", refers="inmates"),
        string("tag", 32),
        string("reason", 500),
        primary_key=("inmate_id", "tag"),
    )
    create(
        "shop_orders",
        big_id("id"),
        string("key", 100),
        string("payload_hash", 64),
        integer("inmate_id", refers="inmates"),
        integer("prison_id", refers="prisons"),
        integer("wing_id", refers="wings"),
        date("delivery_on"),
        string("status", 16),
        boolean("substitution_consent"),
        big_integer("held_cents"),
        big_integer("charged_cents"),
        big_integer("refunded_cents"),
        big_integer("hold_transfer_id", nullable=True),
        moment("placed_at"),
        string("placed_via", 32),
        moment("packed_at", nullable=True),
        string("packed_by", 200),
        moment("delivered_at", nullable=True),
        string("delivered_by", 200),
        moment("cancelled_at", nullable=True),
        checks={
            "status": "status IN ('placed', 'picking', 'packed', 'delivered', 'cancelled', 'expired')"
        },
        unique=["key"],
        indexes=["delivery_on", "inmate_id", "placed_at"],
    )

    create(
        "shop_order_lines",
        big_id("id"),
        big_id("order_id", refers="shop_orders"),
        integer("product_id", refers="shop_products"),
        integer("quantity"),
        big_integer("unit_price_cents"),
        integer("vat_basis_points"),
        integer("packed_quantity", nullable=True),
        integer("substitute_product_id", nullable=True, refers="shop_products"),
        big_integer("substitute_unit_price_cents", nullable=True),
        integer("refunded_quantity"),
        json("details"),
        checks={
            "packed_range": "packed_quantity IS NULL OR packed_quantity BETWEEN 0 AND quantity",
            "quantity_positive": "quantity > 0",
            "refunded_not_negative": "refunded_quantity >= 0",
        },
        indexes=["order_id"],
    )

    create(
        "shop_refunds",
        big_id("id"),
        string("key", 100),
        big_id("order_line_id", refers="shop_order_lines"),
        integer("quantity"),
        big_integer("amount_cents"),
        string("reason", 500),
        big_integer("transfer_id", nullable=True),
        moment("created_at"),
        string("created_by", 200),
        unique=["key"],
        indexes=["order_line_id"],
    )


def _create_protocol_versions() -> None:
    create(
        "shop_protocol_versions",
        integer("id"),
        string("sha256", 64),
        text("content"),
        string("source", 500),
        moment("loaded_at"),
        string("loaded_by", 200),
    )
    append_only("shop_protocol_versions")
