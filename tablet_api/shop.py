"""The shop on the tablet: catalogue, the rules' dry run, orders and their life."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from backoffice.errors import Conflict, ServiceError
from backoffice.requests import services as requests
from backoffice.shop import services as shop
from backoffice.shop.models import Order, OrderLine, OrderStatus
from backoffice.shop.protocols import CheckResult, Protocols, Violation
from backoffice.surface import equipment, get_db

from . import http
from .api import bp
from .catalogue import VERSION as CATALOGUE_VERSION
from .catalogue import answer as catalogue_answer
from .openapi import INMATE, Routes
from .problems import Problem, language, said_by_service
from .requests import case_json
from .requests import rules as request_rules
from .schemas import PAGE_QUERY, Invalid
from .schemas.shop import CATALOGUE_QUERY

route = Routes(bp, tag="shop", auth=INMATE)

CART_EXAMPLE = {"lines": [{"product_id": 1, "quantity": 2}], "substitution_consent": False}


def protocols() -> Protocols:
    """The rules in force (a reload reaches this worker on its next call)."""
    return equipment().shop_rules.current(get_db())


def _key(raw: str) -> str:
    # Keys are unique across every inmate in the shop's tables: scope them to this inmate, so
    # one inmate's key can neither collide with nor find another's.
    return f"tablet:{http.inmate().id}:{raw}"


def _cart() -> list[shop.CartLine]:
    return [shop.CartLine(line["product_id"], line["quantity"]) for line in http.body()["lines"]]


def violation_json(violation: Violation) -> dict[str, Any]:
    return http.attributes(violation, "code", "rule", "message", "sku")


def check_json(result: CheckResult) -> dict[str, Any]:
    return {
        **http.attributes(result, "ok", "total_cents"),
        "violations": [violation_json(v) for v in result.violations],
        "left_cents": dict(result.left_cents),
    }


def order_json(
    order: Order, language: str, names: Mapping[int, str] | None = None
) -> dict[str, Any]:
    """The order as the tablet shows it; `names` (product id -> name, read beforehand) saves
    loading each line's product."""

    def name(line: OrderLine) -> str:
        known = names.get(line.product_id) if names is not None else None
        return known if known is not None else line.product.name(language)

    def substitute_name(line: OrderLine) -> str | None:
        return None if line.substitute is None else line.substitute.name(language)

    return {
        **http.attributes(
            order,
            "id",
            "number",
            "status",
            "held_cents",
            "charged_cents",
            "refunded_cents",
            "substitution_consent",
        ),
        "placed_at": order.placed_at.isoformat(),
        "delivery_on": order.delivery_on.isoformat(),
        "can_cancel": order.status == OrderStatus.PLACED,
        # Packed, and its delivery day has come (only a packed order reads the prison's clock).
        "can_acknowledge": order.status == OrderStatus.PACKED
        and shop.may_acknowledge(get_db(), order),
        "lines": [
            {
                **http.attributes(
                    line,
                    "id",
                    "product_id",
                    "quantity",
                    "unit_price_cents",
                    "packed_quantity",
                    "refunded_quantity",
                    # What was packed in its place, if anything, and what one of it costs him.
                    "substitute_product_id",
                    "substitute_unit_price_cents",
                    "charged_unit_cents",
                ),
                "name": name(line),
                "substitute_name": substitute_name(line),
            }
            for line in order.lines
        ],
    }


@route(
    "/catalogue",
    "GET",
    response="Catalogue",
    query=CATALOGUE_QUERY,
    etag=True,
    beside=(CATALOGUE_VERSION,),
)
def catalogue() -> Any:
    """Products sold to this inmate (his prison and wing), names in his language"""
    (version,) = http.beside()
    return catalogue_answer(get_db(), http.inmate(), http.query().get("category"), version)


@route(
    "/cart/check",
    "POST",
    body="Cart",
    response="CartCheck",
    errors=(403, 404),
    example=CART_EXAMPLE,
)
def check_cart() -> Any:
    """Dry run: what placing this cart would say, without placing it"""
    result = shop.check_cart(
        get_db(), http.inmate(), _cart(), protocols=protocols(), settings=http.settings()
    )
    return http.json_response(check_json(result))


@route(
    "/orders",
    "POST",
    body="Cart",
    status=201,
    response="Order",
    idempotency_key=True,
    errors=(403, 404, 409),
    example=CART_EXAMPLE,
)
def place_order() -> Any:
    """Place an order: checked against the shop's rules, its price held on the balance

    A retry with the same Idempotency-Key and the same cart returns the first order; the same key
    with another cart is refused (409). A refusal by the rules is 422 `order-refused` with every
    broken rule in `violations`."""
    db = get_db()
    person = http.inmate()
    cart = _cart()
    # The names the answer shows, read by placing with the cart (an order's lines are the
    # cart's products, a retry's too: the same key with another cart is refused).
    names: dict[int, Mapping[str, str]] = {}
    try:
        order = shop.place_order(
            db,
            http.actor(),
            person,
            cart,
            key=_key(http.idempotency_key()),
            protocols=protocols(),
            settings=http.settings(),
            substitution_consent=http.body().get("substitution_consent", False),
            names=names,
        )
    except shop.OrderRefused as refused:
        db.commit()  # keep the audit record of the refusal
        raise Problem(
            "order-refused",
            params={"message": " ".join(v.message for v in refused.violations)},
            extra={"violations": [violation_json(v) for v in refused.violations]},
        ) from None
    except Conflict:
        raise Problem("idempotency-key-reused") from None
    # Nothing between the hold and this commit: the ledger keeps the shop's account locked
    # until then, so every statement here would be one every other order waits for.
    db.commit()
    language = person.language
    shown = {product_id: n.get(language) or n["en"] for product_id, n in names.items()}
    return http.json_response(order_json(order, language, shown), status=201)


@route("/orders", "GET", response="OrderPage", query=PAGE_QUERY, etag=True)
def list_orders() -> Any:
    """The inmate's orders, newest first, in pages"""
    q = http.query()
    person = http.inmate()
    stmt = select(Order).where(Order.inmate_id == person.id)
    if (cursor := http.cursor_id(q)) is not None:
        stmt = stmt.where(Order.id < cursor)
    rows = list(get_db().scalars(stmt.order_by(Order.id.desc()).limit(q["limit"] + 1)))
    return http.json_response(
        http.paged(rows, q["limit"], lambda o: o.id, lambda o: order_json(o, person.language))
    )


@route("/orders/<int:order_id>", "GET", response="Order", etag=True)
def get_order(order_id: int) -> Any:
    """One of the inmate's orders"""
    person = http.inmate()
    order = shop.order_for_inmate(get_db(), person, order_id)
    return http.json_response(order_json(order, person.language))


def _order_action(order_id: int, action: Any, refusal: str) -> Any:
    db = get_db()
    person = http.inmate()
    order = shop.order_for_inmate(db, person, order_id)
    try:
        order = action(db, http.actor(), order_id, inmate=person)
    except shop.BeforeDeliveryDay as early:
        params = {"number": order.number, "day": early.delivery_on.isoformat()}
        raise Problem("order-not-due", params=params) from None
    except Conflict:
        raise Problem(refusal, params={"number": order.number}) from None
    db.commit()
    return http.json_response(order_json(order, person.language))


@route("/orders/<int:order_id>/cancel", "POST", response="Order", errors=(409,))
def cancel_order(order_id: int) -> Any:
    """Cancel an order while the shop has not started packing it; the hold is released"""
    return _order_action(order_id, shop.cancel_order, "order-not-cancellable")


@route("/orders/<int:order_id>/acknowledge", "POST", response="Order", errors=(409,))
def acknowledge_order(order_id: int) -> Any:
    """Acknowledge delivery: what was packed is charged, the rest of the hold released

    Only a packed order, and not before its delivery day in the prison's time: 409
    `order-not-packed` or `order-not-due` (`can_acknowledge` says when it may be sent)."""
    return _order_action(order_id, shop.deliver_order, "order-not-packed")


@route(
    "/orders/<int:order_id>/missing",
    "POST",
    body="MissingItem",
    status=201,
    response="Request",
    errors=(409,),
    example={"line_id": 1, "quantity": 1, "reason": "The bag had no coffee in it."},
)
def report_missing(order_id: int) -> Any:
    """Report an item missing or damaged after delivery: files a shop claim (a request) that staff
    check; the money comes back when they refund it"""
    # An inmate's word alone never moves money: the claim goes to staff, who refund in the
    # back office after checking (the shop's refund_line), within the claim's deadline.
    db = get_db()
    person = http.inmate()
    data = http.body()
    order = shop.order_for_inmate(db, person, order_id)
    if order.status != OrderStatus.DELIVERED:
        raise Problem("order-not-delivered", params={"number": order.number})
    line = next((line for line in order.lines if line.id == data["line_id"]), None)
    if line is None:
        raise Problem("not-found")
    left = (line.packed_quantity or 0) - line.refunded_quantity
    if data["quantity"] > left:
        # The schema allows up to 99; how many this line still has is the order's to say.
        errors = Invalid([("quantity", "maximum", {"n": left})]).localized(language())
        raise Problem(
            "refused",
            params={"message": f"quantity {errors[0]['reason']}"},
            extra={"errors": errors},
        )
    fields = {
        "order": order.number,
        "item": f"{line.product.name(person.language)} x {data['quantity']} (line {line.id})",
        "details": data["reason"],
    }
    try:
        case = requests.submit(db, http.actor(), request_rules(), person, "shop_claim", fields)
    except ServiceError as refused:
        db.rollback()
        raise said_by_service(refused) from None
    db.commit()
    return http.json_response(case_json(case), status=201)
