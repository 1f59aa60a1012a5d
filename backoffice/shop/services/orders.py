"""An order read under its lock and moved along TRANSITIONS (audited), its products' rows
locked, its reservation released; an inmate's own orders."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...audit.services import Actor, record
from ...db import lock_by_id
from ...errors import NotFound, Phrase
from ...people.models import Inmate
from ...states import check_move
from ...words import N_
from ..models import TRANSITIONS, Order, OrderLine, OrderStatus, Product


def _order(db: Session, order_id: int, *, lock: bool = True) -> Order:
    if lock:
        order = lock_by_id(db, Order, order_id)
    else:
        order = db.scalar(select(Order).where(Order.id == order_id))
    if order is None:
        raise NotFound("No such order.")
    return order


def _order_of(db: Session, order_id: int, inmate: Inmate | None) -> Order:
    """The order, locked; with `inmate`, only one of his (any other is "No such order.")."""
    order = _order(db, order_id)
    if inmate is not None and order.inmate_id != inmate.id:
        raise NotFound("No such order.")
    return order


def _move(db: Session, actor: Actor, order: Order, to: OrderStatus, **details: object) -> None:
    current = OrderStatus(order.status)
    check_move(TRANSITIONS, current, to, Phrase(N_("Order %(number)s"), number=order.number))
    order.status = to.value
    db.flush()
    record(
        db,
        actor,
        f"shop.order.{to.value}",
        target_type="order",
        target_id=order.id,
        previous=current.value,
        **details,
    )


def order_for_inmate(db: Session, inmate: Inmate, order_id: int) -> Order:
    """An inmate's own order; another inmate's order is 'not found', never shown."""
    order = db.get(Order, order_id)
    if order is None or order.inmate_id != inmate.id:
        raise NotFound("No such order.")
    return order


def orders_of(db: Session, inmate: Inmate, limit: int = 20) -> list[Order]:
    return list(
        db.scalars(
            select(Order).where(Order.inmate_id == inmate.id).order_by(Order.id.desc()).limit(limit)
        )
    )


def _locked_products(db: Session, ids: set[int]) -> dict[int, Product]:
    """Products locked in one fixed order (by id), so that two orders never lose a count or
    deadlock, and re-read under the lock. FOR NO KEY UPDATE, like placing's reservation: an
    order line being written may still refer to them meanwhile."""
    if not ids:
        return {}
    return {
        p.id: p
        for p in db.scalars(
            select(Product)
            .where(Product.id.in_(sorted(ids)))
            .order_by(Product.id)
            .with_for_update(of=Product, key_share=True)
            .execution_options(populate_existing=True)
        )
    }


def _release_reservations(stock: Mapping[int, Product], lines: Sequence[OrderLine]) -> None:
    """The stock an order reserved when it was placed, free for other orders again."""
    for line in lines:
        stock[line.product_id].reserved -= line.quantity


def _give_back_stock(db: Session, orders: Sequence[Order]) -> None:
    """The stock of orders that will not be delivered: what was never packed frees its
    reservation, packed goods go back on the shelf. After their money (placing locks in that
    order too)."""
    packed = [line for o in orders if o.status == OrderStatus.PACKED for line in o.lines]
    unpacked = [line for o in orders if o.status != OrderStatus.PACKED for line in o.lines]
    stock = _locked_products(
        db,
        {line.product_id for line in unpacked}
        | {line.substitute_product_id or line.product_id for line in packed},
    )
    _release_reservations(stock, unpacked)
    for line in packed:
        stock[line.substitute_product_id or line.product_id].stock += line.packed_quantity or 0
