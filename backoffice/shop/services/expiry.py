"""Orders never delivered within the grace period: their holds and stock given back."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...audit.services import Actor
from ...db import utcnow
from ...settings import Settings
from .. import payments
from ..models import OPEN_STATUSES, Order, OrderStatus
from .orders import _locked_products, _move, _release_reservations


def expire_stale_orders(
    db: Session, actor: Actor, settings: Settings, now: datetime | None = None
) -> list[Order]:
    """Release the holds of orders never delivered within the grace period, and their stock."""
    now = now or utcnow()
    cutoff = now.date() - timedelta(days=settings["shop.hold_grace_days"])
    stale = db.scalars(
        select(Order)
        .where(Order.status.in_([s.value for s in OPEN_STATUSES]), Order.delivery_on < cutoff)
        .order_by(Order.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    packed = [line for order in stale if order.status == OrderStatus.PACKED for line in order.lines]
    unpacked = [
        line for order in stale if order.status != OrderStatus.PACKED for line in order.lines
    ]
    for order in stale:
        payments.release_order(db, actor, order, step="expire", why="not delivered in time")
        _move(db, actor, order, OrderStatus.EXPIRED)
    # The money first, then the stock (placing locks in that order too): what was never
    # packed frees its reservation, packed goods nobody collected go back on the shelf.
    stock = _locked_products(
        db,
        {line.product_id for line in unpacked}
        | {line.substitute_product_id or line.product_id for line in packed},
    )
    _release_reservations(stock, unpacked)
    for line in packed:
        stock[line.substitute_product_id or line.product_id].stock += line.packed_quantity or 0
    return list(stale)
