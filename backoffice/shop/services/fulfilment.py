"""The shop's side of an order: picking, packing, delivery and refunds."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...audit.services import Actor, record
from ...db import utcnow
from ...errors import Conflict, InvalidInput, NotFound
from ...people.models import Inmate, Prison
from ...settings import Settings
from ...words import N_, word
from .. import payments
from ..models import Order, OrderStatus, Product, ShopRefund
from ..protocols import Protocols
from .orders import _locked_products, _move, _order, _order_of, _release_reservations
from .substitutes import _check_substitutes


class BeforeDeliveryDay(Conflict):
    """The inmate confirms receipt of an order before the day it is brought to him."""

    code = "order-not-due"

    def __init__(self, order: Order) -> None:
        super().__init__(
            N_(
                "Order %(number)s is brought on %(delivery_on)s; its delivery can be confirmed "
                "from that day."
            ),
            number=order.number,
            delivery_on=order.delivery_on,
        )
        self.delivery_on = order.delivery_on


def start_picking(db: Session, actor: Actor, wing_id: int, delivery_on: date) -> int:
    """Close a wing's round for packing: its placed orders can no longer be cancelled."""
    orders = db.scalars(
        select(Order)
        .where(
            Order.wing_id == wing_id,
            Order.delivery_on == delivery_on,
            Order.status == OrderStatus.PLACED.value,
        )
        .order_by(Order.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    for order in orders:
        _move(db, actor, order, OrderStatus.PICKING)
    return len(orders)


def pack_order(
    db: Session,
    actor: Actor,
    order_id: int,
    packed: dict[int, int],
    substitutes: dict[int, int] | None = None,
    *,
    protocols: Protocols | None = None,
    settings: Settings | None = None,
    language: str = "en",
) -> Order:
    """Record what was packed per line (shortfalls as smaller numbers), take it from stock and
    end the order's reservation (a shortfall's too). Substitutes are allowed only where the
    inmate consented when ordering, and only within the rules: `protocols` and `settings` are
    needed for them, and a refusal says why in `language` (the packer's)."""
    substitutes = substitutes or {}
    order = _order(db, order_id)
    if order.status == OrderStatus.PACKED:
        same = all(
            line.packed_quantity == packed.get(line.id, line.quantity) for line in order.lines
        )
        if same:
            return order
        raise Conflict(
            "Order %(number)s is packed already with other quantities.", number=order.number
        )
    if order.status not in (OrderStatus.PLACED, OrderStatus.PICKING):
        raise Conflict(
            "Order %(number)s is %(status)s; it cannot be packed.",
            number=order.number,
            status=word(order.status),
        )
    if order.status == OrderStatus.PLACED:
        _move(db, actor, order, OrderStatus.PICKING)
    lines = {line.id: line for line in order.lines}
    unknown = (set(packed) | set(substitutes)) - set(lines)
    if unknown:
        raise InvalidInput(
            "Order %(number)s has no line %(line)s.", number=order.number, line=sorted(unknown)[0]
        )
    if substitutes and not order.substitution_consent:
        raise InvalidInput("The inmate did not agree to substitutes: pack less instead.")
    stock = _locked_products(
        db, {line.product_id for line in lines.values()} | set(substitutes.values())
    )
    quantities = {}
    for line_id, line in lines.items():
        quantity = packed.get(line_id, line.quantity)
        if not 0 <= quantity <= line.quantity:
            raise InvalidInput(
                "%(product)s: pack between 0 and %(most)s.",
                product=line.product.names,
                most=line.quantity,
            )
        quantities[line_id] = quantity
    chosen: dict[int, Product] = {}
    for line_id, product_id in substitutes.items():
        if product_id not in stock:
            raise NotFound("No such product to substitute.")
        # The product itself, or nothing packed, is no substitute.
        if product_id != lines[line_id].product_id and quantities[line_id] > 0:
            chosen[line_id] = stock[product_id]
    if chosen:
        if protocols is None or settings is None:
            raise TypeError("pack_order checks substitutes against the protocols: pass both")
        _check_substitutes(db, order, quantities, chosen, protocols, settings, language)
    # The whole reservation ends here, whatever was packed; then the shelf gives what was.
    _release_reservations(stock, order.lines)
    shortfalls = {}
    for line_id, line in lines.items():
        quantity = quantities[line_id]
        substitute = chosen.get(line_id)
        product = substitute or stock[line.product_id]
        # A substitute comes out of what no other order has reserved; the product ordered
        # out of what is on the shelf (its own reservation is part of that).
        on_hand = product.free_stock if substitute else product.stock
        if quantity > on_hand:
            if substitute:
                raise InvalidInput(
                    "%(product)s: only %(on_hand)s in stock that no other order has reserved; "
                    "pack fewer or correct the stock first.",
                    product=product.names,
                    on_hand=on_hand,
                )
            raise InvalidInput(
                "%(product)s: only %(on_hand)s in stock; pack fewer or correct the stock first.",
                product=product.names,
                on_hand=on_hand,
            )
        product.stock -= quantity
        line.packed_quantity = quantity
        if substitute is not None:
            line.substitute_product_id = substitute.id
            line.substitute_unit_price_cents = substitute.price_cents
        if quantity < line.quantity:
            shortfalls[line.product.sku] = line.quantity - quantity
    order.packed_at = utcnow()
    order.packed_by = actor.name
    _move(
        db,
        actor,
        order,
        OrderStatus.PACKED,
        shortfalls=shortfalls,
        substitutes={
            lines[line_id].product.sku: substitute.sku for line_id, substitute in chosen.items()
        },
    )
    return order


def delivery_day_come(db: Session, order: Order, now: datetime | None = None) -> bool:
    """Whether the order's delivery day has begun, in its prison's local time."""
    prison = db.get(Prison, order.prison_id)
    assert prison is not None
    local_now = (now or utcnow()).astimezone(ZoneInfo(prison.timezone))
    return local_now.date() >= order.delivery_on


def may_acknowledge(db: Session, order: Order, now: datetime | None = None) -> bool:
    """Whether the inmate may confirm the order's delivery now: packed, and its day has come."""
    return order.status == OrderStatus.PACKED and delivery_day_come(db, order, now)


def deliver_order(
    db: Session,
    actor: Actor,
    order_id: int,
    *,
    inmate: Inmate | None = None,
    now: datetime | None = None,
) -> Order:
    """Delivery acknowledged (by the inmate, or by an officer): charge what was delivered and
    release the rest of the hold. `inmate`: he confirms it himself, so it is his order and
    not before its delivery day (an officer hands an order over when it comes)."""
    order = _order_of(db, order_id, inmate)
    if order.status == OrderStatus.DELIVERED:
        return order
    if order.status != OrderStatus.PACKED:
        raise Conflict(
            "Order %(number)s is %(status)s; only a packed order can be delivered.",
            number=order.number,
            status=word(order.status),
        )
    if inmate is not None and not delivery_day_come(db, order, now):
        raise BeforeDeliveryDay(order)
    amount = sum(line.delivered_cents for line in order.lines)
    assert order.hold_transfer_id is not None and amount <= order.held_cents
    payments.capture(
        db,
        actor,
        key=f"shop:{order.key}:capture",
        hold_id=order.hold_transfer_id,
        amount_cents=amount,
        order_number=order.number,
    )
    order.charged_cents = amount
    order.delivered_at = utcnow()
    order.delivered_by = actor.name
    _move(
        db,
        actor,
        order,
        OrderStatus.DELIVERED,
        charged_cents=amount,
        released_cents=order.held_cents - amount,
        acknowledged_by=actor.kind,
    )
    return order


def refund_line(
    db: Session,
    actor: Actor,
    order_id: int,
    line_id: int,
    quantity: int,
    *,
    reason: str,
    key: str,
    inmate: Inmate | None = None,
) -> ShopRefund:
    """A missing or damaged item after delivery: money back to the inmate at once."""
    order = _order_of(db, order_id, inmate)
    # Looked for under the order's lock: the same refund sent twice at once is made once.
    existing = db.scalar(select(ShopRefund).where(ShopRefund.key == key))
    if existing is not None:
        if existing.order_line_id != line_id or existing.quantity != quantity:
            raise Conflict("This refund key was used for another refund.")
        return existing
    if order.status != OrderStatus.DELIVERED:
        raise Conflict(
            "Order %(number)s is not delivered; cancel or repack instead.", number=order.number
        )
    line = next((line for line in order.lines if line.id == line_id), None)
    if line is None:
        raise NotFound("No such line on this order.")
    left = (line.packed_quantity or 0) - line.refunded_quantity
    if not 1 <= quantity <= left:
        raise InvalidInput(
            "Quantity: between 1 and %(left)s can still be refunded on this line.", left=left
        )
    if not reason.strip():
        raise InvalidInput("Reason: say what was missing or damaged.")
    amount = quantity * line.charged_unit_cents
    transfer_id = payments.refund(
        db,
        actor,
        order.inmate,
        key=f"shop:refund:{key}",
        amount_cents=amount,
        order_number=order.number,
        why=reason,
    )
    line.refunded_quantity += quantity
    order.refunded_cents += amount
    refund = ShopRefund(
        key=key,
        order_line_id=line.id,
        quantity=quantity,
        amount_cents=amount,
        reason=reason.strip(),
        transfer_id=transfer_id,
        created_by=actor.name,
    )
    db.add(refund)
    db.flush()
    record(
        db,
        actor,
        "shop.order.refund",
        target_type="order",
        target_id=order.id,
        line_id=line.id,
        quantity=quantity,
        amount_cents=amount,
        reason=reason,
    )
    return refund
