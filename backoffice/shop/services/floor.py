"""The shop floor: a wing's round, its pick list, the day's totals and delivery days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from ...people.models import Inmate
from ..models import OPEN_STATUSES, Order, OrderLine, OrderStatus, Product


@dataclass(frozen=True)
class PickLine:
    product: Product
    quantity: int
    orders: int


def orders_for_round(db: Session, wing_id: int, delivery_on: date) -> list[Order]:
    """A wing's round with everything the round page and the packing slips show, loaded in a
    fixed handful of queries however many orders there are."""
    return list(
        db.scalars(
            select(Order)
            .options(
                selectinload(Order.inmate).selectinload(Inmate.cell),
                selectinload(Order.lines).selectinload(OrderLine.substitute),
            )
            .where(Order.wing_id == wing_id, Order.delivery_on == delivery_on)
            .order_by(Order.id)
        )
    )


def pick_list(db: Session, wing_id: int, delivery_on: date) -> list[PickLine]:
    """What the shop walks the shelves with: every product of a wing's round, summed, over the
    orders being picked. A placed order is not on it: its inmate may still cancel it, so the
    shop starts picking (which ends cancelling) before it prints the list."""
    rows = db.execute(
        select(OrderLine.product_id, func.sum(OrderLine.quantity), func.count(Order.id))
        .join(Order)
        .where(
            Order.wing_id == wing_id,
            Order.delivery_on == delivery_on,
            Order.status == OrderStatus.PICKING.value,
        )
        .group_by(OrderLine.product_id)
    ).all()
    products = {
        p.id: p for p in db.scalars(select(Product).where(Product.id.in_([r[0] for r in rows])))
    }
    picks = [PickLine(products[pid], int(qty), int(n)) for pid, qty, n in rows]
    return sorted(picks, key=lambda p: (p.product.category.sort_order, p.product.name_en))


@dataclass(frozen=True)
class RoundTotals:
    orders: int
    held_cents: int
    charged_cents: int
    refunded_cents: int
    by_status: dict[str, int]


def round_totals(
    db: Session, wing_id: int | None, delivery_on: date, *, prison_id: int | None = None
) -> RoundTotals:
    """The day's money and counts for one wing's round, or every wing (of one prison)."""
    stmt = select(
        Order.status,
        func.count(Order.id),
        func.coalesce(func.sum(Order.held_cents), 0),
        func.coalesce(func.sum(Order.charged_cents), 0),
        func.coalesce(func.sum(Order.refunded_cents), 0),
    ).where(Order.delivery_on == delivery_on)
    if wing_id is not None:
        stmt = stmt.where(Order.wing_id == wing_id)
    if prison_id is not None:
        stmt = stmt.where(Order.prison_id == prison_id)
    rows = db.execute(stmt.group_by(Order.status)).all()
    open_statuses = {s.value for s in OPEN_STATUSES}
    return RoundTotals(
        orders=sum(int(r[1]) for r in rows),
        held_cents=sum(int(r[2]) for r in rows if r[0] in open_statuses),
        charged_cents=sum(int(r[3]) for r in rows),
        refunded_cents=sum(int(r[4]) for r in rows),
        by_status={r[0]: int(r[1]) for r in rows},
    )


def delivery_days(db: Session, wing_id: int) -> list[date]:
    return list(
        db.scalars(
            select(Order.delivery_on)
            .where(Order.wing_id == wing_id)
            .distinct()
            .order_by(Order.delivery_on.desc())
            .limit(20)
        )
    )
