"""An inmate's open orders when he moves or leaves: what was not packed yet is cancelled (its
hold voided, its stock free again); what was packed follows him to his new wing, or, when he
leaves the prison, is cancelled with the reason and its goods go back on the shelf."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...audit.services import Actor, record
from .. import payments
from ..models import OPEN_STATUSES, Order, OrderStatus
from .orders import _give_back_stock, _move


def _open_orders(db: Session, inmate_id: int) -> list[Order]:
    return list(
        db.scalars(
            select(Order)
            .where(Order.inmate_id == inmate_id, Order.status.in_([s.value for s in OPEN_STATUSES]))
            .order_by(Order.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).all()
    )


def _cancel(db: Session, actor: Actor, orders: list[Order], reason: str, now: datetime) -> None:
    for order in orders:
        payments.release_order(db, actor, order, step="void", why=reason)
    _give_back_stock(db, orders)
    for order in orders:
        order.cancelled_at = now
        _move(db, actor, order, OrderStatus.CANCELLED, reason=reason)


def cancel_open_orders(
    db: Session, actor: Actor, inmate_id: int, reason: str, now: datetime
) -> list[str]:
    """He leaves the prison: every open order is cancelled, packed ones too. Their numbers."""
    orders = _open_orders(db, inmate_id)
    _cancel(db, actor, orders, reason, now)
    return [o.number for o in orders]


def follow_to_wing(
    db: Session, actor: Actor, inmate_id: int, wing_id: int, reason: str, now: datetime
) -> tuple[list[str], list[str]]:
    """He moves to another wing: orders not yet packed are cancelled (they were for the old
    wing's round), packed ones are delivered on the new wing. (cancelled, followed) numbers."""
    orders = [o for o in _open_orders(db, inmate_id) if o.wing_id != wing_id]
    unpacked = [o for o in orders if o.status != OrderStatus.PACKED]
    packed = [o for o in orders if o.status == OrderStatus.PACKED]
    _cancel(db, actor, unpacked, reason, now)
    for order in packed:
        previous, order.wing_id = order.wing_id, wing_id
        db.flush()
        record(
            db,
            actor,
            "shop.order.followed",
            target_type="order",
            target_id=order.id,
            from_wing_id=previous,
            to_wing_id=wing_id,
            reason=reason,
        )
    return [o.number for o in unpacked], [o.number for o in packed]
