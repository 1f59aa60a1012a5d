"""Placing's fast path: a checked order's ids, its hold, then its stock reserved with the order,
its lines and its audit row written in one hand-written statement on the driver's cursor
(PostgreSQL), or under the write lock (SQLite). `place_order` reaches it through
`_create_order` only; see that function for the figure it buys."""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Sequence as DbSequence
from sqlalchemy import Table, bindparam, func, insert, select, text, update
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from ...audit.models import AuditEvent
from ...audit.services import Actor
from ...db import is_postgresql, run_on_driver, utcnow
from ...settings import Settings
from .. import payments
from ..models import Order, OrderLine, OrderStatus, Product
from ..protocols import CheckResult, DraftLine
from ..rounds import Round
from .buyer import _Buyer


@functools.lru_cache(maxsize=128)
def _new_ids_statement(postgresql: bool, lines: int) -> Any:
    if postgresql:
        # One nextval per line, and no parameter: PostgreSQL plans it once per cart size.
        order = DbSequence("shop_orders_id_seq").next_value()
        line = DbSequence("shop_order_lines_id_seq").next_value()
        return select(order, *(line.label(f"line_{n}") for n in range(lines)))
    return select(
        func.coalesce(select(func.max(Order.id)).scalar_subquery(), 0) + 1,
        func.coalesce(select(func.max(OrderLine.id)).scalar_subquery(), 0) + 1,
    )


def _new_ids(db: Session, lines: int) -> tuple[int, list[int]]:
    """Ids for an order about to be placed and for its lines, taken before the hold so that the
    hold can name the order and no UPDATE has to follow it. PostgreSQL: from their sequences;
    SQLite: the first ones free, under the write lock BEGIN IMMEDIATE took."""
    postgresql = is_postgresql(db)
    order_id, *line_ids = run_on_driver(db, _new_ids_statement(postgresql, lines), {})[0]
    if not postgresql:
        line_ids = list(range(line_ids[0], line_ids[0] + lines))
    return order_id, line_ids


def _table(model: type[Any]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


_PRODUCTS = _table(Product)
_RESERVE_SQLITE = (
    update(_PRODUCTS)
    .where(
        _PRODUCTS.c.id == bindparam("product_id"),
        _PRODUCTS.c.stock - _PRODUCTS.c.reserved >= bindparam("quantity"),
    )
    .values(reserved=_PRODUCTS.c.reserved + bindparam("quantity"))
)
_UNRESERVE_SQLITE = (
    update(_PRODUCTS)
    .where(_PRODUCTS.c.id == bindparam("product_id"))
    .values(reserved=_PRODUCTS.c.reserved - bindparam("quantity"))
)


def _reserve_sqlite(db: Session, draft: Sequence[DraftLine], hold_id: int) -> None:
    """SQLite: the cart's stock reserved, all or none, under the write lock BEGIN IMMEDIATE
    took (so the stock read with the cart is still the stock: the check is a second line)."""
    connection = db.connection()
    done: list[dict[str, int]] = []
    for line in sorted(draft, key=lambda line: line.product.id):
        params = {"product_id": line.product.id, "quantity": line.quantity}
        if connection.execute(_RESERVE_SQLITE, params).rowcount != 1:
            if done:
                connection.execute(_UNRESERVE_SQLITE, done)
            raise _StockTaken(hold_id)
        done.append(params)


_ORDERS = _table(Order)
_ORDER_LINES = _table(OrderLine)
_AUDIT = _table(AuditEvent)


# PostgreSQL: the cart's stock reserved, all of it or none, then the order, its lines (as
# arrays) and its audit row, written only if the stock was, in one statement whose text never
# changes, so the server prepares it once per connection. It runs after the hold, while the
# ledger keeps the prison's shop account locked, so the products' rows are locked only for
# the moment every order of the prison waits for anyway. They are locked in id order (two
# orders never deadlock over them) and read as they are once locked: stock another order
# reserved while this one waited counts. The columns are the models' (the ORM objects
# `_create_order` hands back are built from the same values; a test compares them with the
# rows read back).
_WRITE_ORDER_POSTGRESQL = text(
    """
    WITH wanted AS (
        SELECT id, quantity
        FROM unnest(CAST(:product_ids AS integer[]), CAST(:quantities AS integer[]))
            AS wanted(id, quantity)
    ),
    locked AS (
        SELECT id, stock - reserved AS free FROM shop_products
        WHERE id = ANY(CAST(:product_ids AS integer[]))
        ORDER BY id
        FOR NO KEY UPDATE
    ),
    reserved AS (
        UPDATE shop_products SET reserved = shop_products.reserved + wanted.quantity
        FROM wanted
        WHERE shop_products.id = wanted.id AND NOT EXISTS (
            SELECT FROM locked JOIN wanted AS w ON w.id = locked.id
            WHERE locked.free < w.quantity
        )
        RETURNING shop_products.id
    ),
    placed AS (
        SELECT count(*) = cardinality(CAST(:product_ids AS integer[])) AS ok FROM reserved
    ),
    new_order AS (
        INSERT INTO shop_orders (id, key, payload_hash, inmate_id, prison_id, wing_id,
            delivery_on, status, substitution_consent, held_cents, charged_cents,
            refunded_cents, hold_transfer_id, placed_at, placed_via, packed_at, packed_by,
            delivered_at, delivered_by, cancelled_at)
        SELECT :id, :key, :payload_hash, :inmate_id, :prison_id, :wing_id, :delivery_on,
            :status, :substitution_consent, :held_cents, :charged_cents, :refunded_cents,
            :hold_transfer_id, :placed_at, :placed_via, NULL, :packed_by, NULL, :delivered_by,
            NULL
        FROM placed WHERE placed.ok
    ),
    new_lines AS (
        INSERT INTO shop_order_lines (id, order_id, product_id, quantity, unit_price_cents,
            vat_basis_points, refunded_quantity, details)
        SELECT line.id, :id, line.product_id, line.quantity, line.unit_price_cents,
            line.vat_basis_points, 0, CAST('{}' AS json)
        FROM unnest(CAST(:line_ids AS bigint[]), CAST(:product_ids AS integer[]),
            CAST(:quantities AS integer[]), CAST(:unit_prices AS bigint[]),
            CAST(:vat_rates AS integer[]))
            AS line(id, product_id, quantity, unit_price_cents, vat_basis_points), placed
        WHERE placed.ok
    ),
    new_audit AS (
        INSERT INTO audit_events (occurred_at, actor_kind, actor_id, actor_name, action,
            target_type, target_id, outcome, device_id, remote_addr, details)
        SELECT :audit_occurred_at, :audit_actor_kind, :audit_actor_id, :audit_actor_name,
            :audit_action, :audit_target_type, :audit_target_id, :audit_outcome,
            :audit_device_id, :audit_remote_addr, CAST(:audit_details AS json)
        FROM placed WHERE placed.ok
    )
    SELECT ok FROM placed
    """
)


class _StockTaken(Exception):
    """Another order reserved the stock between the check and the write; the hold was made."""

    def __init__(self, hold_id: int) -> None:
        super().__init__(hold_id)
        self.hold_id = hold_id


def _create_order(
    db: Session,
    actor: Actor,
    buyer: _Buyer,
    accounts: payments.OrderAccounts,
    draft: Sequence[DraftLine],
    result: CheckResult,
    the_round: Round,
    *,
    order_id: int,
    line_ids: Sequence[int],
    key: str,
    payload: str,
    substitution_consent: bool,
    settings: Settings,
    now: datetime,
) -> Order:
    """Hold the money, then write the order, its lines and its audit row (one statement on
    PostgreSQL): the order is written once, already naming its hold, and no savepoint is
    needed, since nothing is written before the hold. From the hold to the commit the ledger
    keeps the prison's shop account locked, so every other order of the prison waits: all
    that can be is made ready before the hold, and only the write comes after it.

    The fast path (with the reads on the driver's cursor in `buyer` and `reading`) is what
    `bench/shop.py` measures: 2,500 orders from 2,500 inmates, 4 workers, PostgreSQL, took
    27.9 s through the ORM before and 5.5 to 12.4 s with it (about 2.0 ms of worker CPU an
    order against 9.5 to 10; the figures and their loads are in backoffice/shop/README.md)."""
    values: dict[str, Any] = {
        "id": order_id,
        "key": key,
        "payload_hash": payload,
        "inmate_id": buyer.id,
        "prison_id": buyer.prison_id,
        "wing_id": buyer.wing_id,
        "delivery_on": the_round.delivery_on,
        "status": OrderStatus.PLACED.value,
        "substitution_consent": substitution_consent,
        "held_cents": result.total_cents,
        "charged_cents": 0,
        "refunded_cents": 0,
        "hold_transfer_id": None,
        "placed_at": now,
        "placed_via": actor.kind,
        "packed_at": None,
        "packed_by": "",
        "delivered_at": None,
        "delivered_by": "",
        "cancelled_at": None,
    }
    line_values: list[dict[str, Any]] = [
        {
            "id": line_id,
            "order_id": order_id,
            "product_id": d.product.id,
            "quantity": d.quantity,
            # The price the inmate saw and agreed to, whatever happens to it later.
            "unit_price_cents": d.product.unit_price_cents,
            "vat_basis_points": d.product.vat_basis_points,
            "packed_quantity": None,
            "substitute_product_id": None,
            "substitute_unit_price_cents": None,
            "refunded_quantity": 0,
            "details": {},
        }
        for line_id, d in zip(line_ids, draft, strict=True)
    ]
    audit = _audit_values(
        actor,
        "shop.order.place",
        target_type="order",
        target_id=order_id,
        inmate_id=buyer.id,
        held_cents=result.total_cents,
        delivery_on=the_round.delivery_on.isoformat(),
        lines=len(line_values),
    )
    # The ORM objects handed back: the rows as written, as if the session had loaded them (no
    # flush, no read back). They join the session before the hold and leave it again if the
    # hold fails; after the hold only the write and the hold's id remain to be done.
    order = _as_loaded(Order, values)
    lines = [_as_loaded(OrderLine, v) for v in line_values]
    set_committed_value(order, "lines", lines)
    for line in lines:
        set_committed_value(line, "order", order)
        make_transient_to_detached(line)
    make_transient_to_detached(order)
    postgresql = is_postgresql(db)
    if postgresql:
        params = {
            **values,
            "line_ids": [v["id"] for v in line_values],
            "product_ids": [v["product_id"] for v in line_values],
            "quantities": [v["quantity"] for v in line_values],
            "unit_prices": [v["unit_price_cents"] for v in line_values],
            "vat_rates": [v["vat_basis_points"] for v in line_values],
            **{f"audit_{name}": value for name, value in audit.items()},
            "audit_details": json.dumps(audit["details"]),
        }
    grace = timedelta(days=settings["shop.hold_grace_days"] + 1)
    zone = ZoneInfo(buyer.timezone)
    expires_local = datetime.combine(the_round.delivery_on + grace, time(0, 0), zone)
    db.add(order)
    try:
        hold_id = payments.hold(
            db,
            actor,
            accounts,
            # The order's id in the key: a hold given back because the stock was taken is
            # never found again by the same order key's next try.
            key=f"shop:{key}:{order_id}:hold",
            amount_cents=result.total_cents,
            order_number=order.number,
            expires_at=expires_local.astimezone(UTC),
        )
        if postgresql:
            params["hold_transfer_id"] = hold_id
            [(written,)] = run_on_driver(db, _WRITE_ORDER_POSTGRESQL, params)
            if not written:
                raise _StockTaken(hold_id)
        else:
            _reserve_sqlite(db, draft, hold_id)
            db.execute(insert(_ORDERS), {**values, "hold_transfer_id": hold_id})
            db.execute(insert(_ORDER_LINES), line_values)
            db.execute(insert(_AUDIT), audit)
    except BaseException:
        db.expunge(order)
        raise
    set_committed_value(order, "hold_transfer_id", hold_id)
    return order


def _as_loaded(model: type[Any], values: dict[str, Any]) -> Any:
    """An instance holding `values` the way the ORM's own loading makes one: straight into its
    __dict__, without the constructor's attribute events (half the cost, on the busiest path).
    `make_transient_to_detached` then gives it its identity."""
    instance = model.__mapper__.class_manager.new_instance()
    instance.__dict__.update(values)
    return instance


def _audit_values(
    actor: Actor,
    action: str,
    *,
    target_type: str,
    target_id: object,
    outcome: str = "ok",
    **details: Any,
) -> dict[str, Any]:
    """The row `audit.services.record` would write, for an insert of our own."""
    return {
        "occurred_at": utcnow(),
        "actor_kind": actor.kind,
        "actor_id": actor.id,
        "actor_name": actor.name,
        "action": action,
        "target_type": target_type,
        "target_id": str(target_id),
        "outcome": outcome,
        "device_id": actor.device_id,
        "remote_addr": actor.remote_addr,
        "details": details,
    }
