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
from .orders import _give_back_stock, _move


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
    for order in stale:
        payments.release_order(db, actor, order, step="expire", why="not delivered in time")
    # The stock is read as the orders stand before they move on.
    _give_back_stock(db, stale)
    for order in stale:
        _move(db, actor, order, OrderStatus.EXPIRED)
    return list(stale)
