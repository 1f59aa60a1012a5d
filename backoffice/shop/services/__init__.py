"""Shop services: the catalogue, the dry-run check, placing, picking, packing, delivering,
cancelling and refunding orders. Each takes the session and the acting person and only flushes.

One module per use case; the names below are the package's, as `services.X` everywhere:
`catalogue` (products, prices, stock, photos), `sanctions` (bans, restrictions), `ordering`
(`check_cart`, `place_order`, `cancel_order`) with what it reads (`buyer`, `reading`) and the
fast path that writes a placed order (`fast_path`), `fulfilment` (picking, packing, delivery,
refunds) with `substitutes`, `expiry`, `floor` (a round's orders, pick list and totals) and
`orders` (an order locked and moved along its state machine).
"""

from .catalogue import (
    PHOTO_MAX_BYTES,
    PHOTO_TYPES,
    CatalogueRows,
    catalogue_for,
    catalogue_rows,
    catalogue_version,
    categories,
    change_price,
    create_product,
    price_history,
    set_active,
    set_photo,
    set_stock,
    substitutes_for,
)
from .expiry import expire_stale_orders
from .floor import PickLine, RoundTotals, delivery_days, orders_for_round, pick_list, round_totals
from .fulfilment import (
    BeforeDeliveryDay,
    deliver_order,
    delivery_day_come,
    may_acknowledge,
    pack_order,
    refund_line,
    start_picking,
)
from .ordering import (
    CartLine,
    CartStops,
    OrderRefused,
    cancel_order,
    check_cart,
    check_cart_and_stops,
    place_order,
    protocols_from,
)
from .orders import order_for_inmate, orders_of
from .sanctions import ban_from_shop, restrict

__all__ = [
    "PHOTO_MAX_BYTES",
    "PHOTO_TYPES",
    "BeforeDeliveryDay",
    "CartLine",
    "CartStops",
    "CatalogueRows",
    "OrderRefused",
    "PickLine",
    "RoundTotals",
    "ban_from_shop",
    "cancel_order",
    "catalogue_for",
    "catalogue_rows",
    "catalogue_version",
    "categories",
    "change_price",
    "check_cart",
    "check_cart_and_stops",
    "create_product",
    "deliver_order",
    "delivery_day_come",
    "delivery_days",
    "expire_stale_orders",
    "may_acknowledge",
    "order_for_inmate",
    "orders_for_round",
    "orders_of",
    "pack_order",
    "pick_list",
    "place_order",
    "price_history",
    "protocols_from",
    "refund_line",
    "restrict",
    "round_totals",
    "set_active",
    "set_photo",
    "set_stock",
    "start_picking",
    "substitutes_for",
]
