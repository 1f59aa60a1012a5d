"""shop: stock is reserved when an order is placed

`shop_products.reserved` counts the units promised to orders placed and not yet packed; what
can still be ordered is `stock - reserved`. Placing adds to it; packing, cancelling and expiry
take it off again. The orders open at the upgrade reserve what they ordered, as if they had
been placed under this rule, so that releasing them later never goes below zero.

A substitute is now charged at its own price (packing checks that it fits the order's hold).
Lines packed before with a dearer substitute were charged, or will be, at the lower of the two
prices: their `substitute_unit_price_cents` becomes that price, so that a delivery or a refund
after the upgrade charges or gives back what was promised then.

A plain ADD COLUMN with the check as a column constraint, on both engines: on SQLite a table
rebuild would drop `shop_products`, which the order lines and the products' wings refer to.

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "ALTER TABLE shop_products ADD COLUMN reserved INTEGER DEFAULT 0 NOT NULL "
        "CONSTRAINT ck_shop_products_reserved_not_negative CHECK (reserved >= 0)"
    )
    op.execute(
        "UPDATE shop_products SET reserved = COALESCE(("
        "SELECT SUM(line.quantity) FROM shop_order_lines AS line "
        "JOIN shop_orders AS o ON o.id = line.order_id "
        "WHERE line.product_id = shop_products.id AND o.status IN ('placed', 'picking')"
        "), 0)"
    )
    op.execute(
        "UPDATE shop_order_lines SET substitute_unit_price_cents = unit_price_cents "
        "WHERE substitute_unit_price_cents > unit_price_cents"
    )


def downgrade() -> None:
    # The substitutes' prices stay as they are: the lower of the two prices, as before.
    # The check is the column's own constraint: it goes with the column (SQLite 3.35 and later).
    op.execute("ALTER TABLE shop_products DROP COLUMN reserved")
