"""The inmate's side of an order: the cart's dry run (`check_cart`), placing, cancelling."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

import ledger

from ...audit.services import Actor, record
from ...db import utcnow
from ...errors import Conflict, Forbidden, InvalidInput, NotFound
from ...people.models import Inmate, InmateStatus
from ...settings import Settings
from .. import payments
from ..messages import render
from ..models import Order, OrderStatus
from ..protocol_versions import start_file
from ..protocols import CheckResult, DraftLine, ProductInfo, Protocols, Violation, evaluate
from .buyer import _buyer_and_cart
from .fast_path import _create_order, _new_ids, _StockTaken
from .orders import _locked_products, _move, _order_of, _release_reservations
from .reading import _context, _order_accounts, _read


class OrderRefused(InvalidInput):
    """The protocols refuse the order; `violations` says every reason, in the inmate's words."""

    code = "order-refused"

    def __init__(self, violations: Sequence[Violation]) -> None:
        super().__init__(" ".join(v.message for v in violations))
        self.violations = tuple(violations)


@dataclass(frozen=True)
class CartLine:
    product_id: int
    quantity: int


def protocols_from(settings: Settings) -> Protocols:
    """The configured file's rules, checked as an app's start checks them. The apps apply the
    rules in force instead (protocol_versions.RuleBook), which a reload changes."""
    return start_file(settings).protocols


def _merged(lines: Sequence[CartLine]) -> dict[int, int]:
    """One quantity per product. A line of less than one keeps its bad number, so the protocols
    report it instead of it being summed away."""
    merged: dict[int, int] = defaultdict(int)
    bad: dict[int, int] = {}
    for line in lines:
        merged[line.product_id] += line.quantity
        if line.quantity < 1:
            bad[line.product_id] = min(line.quantity, bad.get(line.product_id, line.quantity))
    merged.update(bad)
    return dict(merged)


def _draft(products: dict[int, ProductInfo], merged: dict[int, int]) -> list[DraftLine]:
    if len(products) != len(merged):
        raise NotFound("The cart names a product that does not exist; start a new cart.")
    return [DraftLine(products[product_id], quantity) for product_id, quantity in merged.items()]


def check_cart(
    db: Session,
    inmate: Inmate,
    lines: Sequence[CartLine],
    *,
    protocols: Protocols,
    settings: Settings,
    now: datetime | None = None,
) -> CheckResult:
    """The protocols' dry run: the same answer placing would give, and nothing is changed."""
    return check_cart_and_stops(
        db, inmate, lines, (), protocols=protocols, settings=settings, now=now
    ).check


@dataclass(frozen=True)
class CartStops:
    check: CheckResult  # the cart's dry run, as check_cart answers it
    # Per product of which one more would be refused: the refusals adding it would bring.
    refused: dict[int, tuple[Violation, ...]]


def check_cart_and_stops(
    db: Session,
    inmate: Inmate,
    lines: Sequence[CartLine],
    candidates: Sequence[int],
    *,
    protocols: Protocols,
    settings: Settings,
    now: datetime | None = None,
) -> CartStops:
    """check_cart, and for each product of `candidates` that one more of would be refused, the
    refusals adding it would bring (those the cart has not got already): the screen stops its
    "+" there and says why, before the inmate taps. The database is read once, for the cart and
    the candidates together; the rules run in memory for each candidate. A product the shop
    does not sell is not answered for."""
    now = now or utcnow()
    merged = _merged(lines)
    buyer, products = _buyer_and_cart(
        db, inmate.id, {**dict.fromkeys(candidates, 1), **merged}, lock=False
    )
    draft = _draft({k: products[k] for k in merged if k in products}, merged)
    if buyer.wing_id is None:
        raise Forbidden("You are not placed on a wing, so the shop cannot deliver to you.")
    local_now = now.astimezone(ZoneInfo(buyer.timezone))
    found = _read(db, buyer, protocols, local_now)
    _, available = _order_accounts(db, inmate, buyer, found)
    ctx = _context(buyer, found, available, settings, local_now, buyer.round(settings, now))
    check = evaluate(protocols, draft, ctx)
    known = {(v.code, v.sku) for v in check.violations}
    refused: dict[int, tuple[Violation, ...]] = {}
    for product_id in dict.fromkeys(candidates):
        if product_id not in products:
            continue
        more = {**merged, product_id: merged.get(product_id, 0) + 1}
        result = evaluate(protocols, _draft({k: products[k] for k in more}, more), ctx)
        new = tuple(v for v in result.violations if (v.code, v.sku) not in known)
        if new:
            refused[product_id] = new
    return CartStops(check, refused)


# --- placing --------------------------------------------------------------------------------


def _payload_hash(inmate_id: int, merged: dict[int, int], consent: bool) -> str:
    canonical = json.dumps(
        {"inmate": inmate_id, "lines": sorted(merged.items()), "consent": consent},
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _refusal(
    result: CheckResult, code: str, rule: str, language: str, numbers: dict[str, Any]
) -> CheckResult:
    """The check's result with one refusal the rules could not see, in the inmate's words."""
    violation = Violation(code, rule, render(code, language, numbers), numbers)
    return replace(result, violations=(violation,))


def place_order(
    db: Session,
    actor: Actor,
    inmate: Inmate,
    lines: Sequence[CartLine],
    *,
    key: str,
    protocols: Protocols,
    settings: Settings,
    substitution_consent: bool = False,
    now: datetime | None = None,
    names: dict[int, Mapping[str, str]] | None = None,
) -> Order:
    """Check the order against the protocols, hold its price and reserve its stock. The same
    key again returns the first order; the same key with other lines is refused.

    `names`, when given, is filled with the cart's products' names (product id -> language ->
    name) as read with the cart, so an answer can show the order without reading them again.

    A refusal raises OrderRefused after flushing its audit row and nothing else (an order that
    lost its stock to another at the same moment: and its hold given back), so the entry point
    should commit (not roll back) to keep the record of what was refused and why.

    The busiest path: its reads (`buyer`, `reading`) and its write (`fast_path._create_order`,
    whose docstring names the figure they buy) go to the driver's cursor."""
    now = now or utcnow()
    key = key.strip()
    if not 8 <= len(key) <= 100:
        raise InvalidInput("Order key: send a unique key of 8 to 100 characters with each order.")
    merged = _merged(lines)
    payload = _payload_hash(inmate.id, merged, substitution_consent)
    buyer, products = _buyer_and_cart(db, inmate.id, merged, lock=True)
    if names is not None:
        names.update((product_id, product.names) for product_id, product in products.items())
    # The key, the money and the earlier orders are read in a statement of their own, after
    # the lock is ours: inside the locking statement PostgreSQL may read them before waiting,
    # and miss an order made by a double press that held the lock meanwhile.
    local_now = now.astimezone(ZoneInfo(buyer.timezone))
    found = _read(db, buyer, protocols, local_now, key=key)
    if found.existing is not None:
        order_id, inmate_id, first_payload = found.existing
        if inmate_id != inmate.id or first_payload != payload:
            raise Conflict(
                "This order key was already used for a different order; "
                "send the new order with a new key."
            )
        existing = db.get(Order, order_id)
        assert existing is not None
        return existing
    if buyer.status != InmateStatus.ACTIVE:
        raise Forbidden("Only inmates held here can order from the shop.")
    if buyer.wing_id is None:
        raise Forbidden("You are not placed on a wing, so the shop cannot deliver to you.")
    draft = _draft(products, merged)
    the_round = buyer.round(settings, now)
    accounts, available = _order_accounts(db, inmate, buyer, found)
    ctx = _context(buyer, found, available, settings, local_now, the_round)
    result = evaluate(protocols, draft, ctx)
    if result.ok:
        order_id, line_ids = _new_ids(db, len(draft))
        try:
            return _create_order(
                db,
                actor,
                buyer,
                accounts,
                draft,
                result,
                the_round,
                order_id=order_id,
                line_ids=line_ids,
                key=key,
                payload=payload,
                substitution_consent=substitution_consent,
                settings=settings,
                now=now,
            )
        except _StockTaken as taken:
            # Another order reserved the stock between our read and our write (this one
            # waited for its commit): the hold goes back, and the inmate is told the stock
            # as it is now.
            payments.release(
                db,
                actor,
                key=f"shop:{key}:{order_id}:unplaced",
                hold_id=taken.hold_id,
                order_number=f"S{order_id:06d}",
                why="the stock was taken by another order",
            )
            _, products = _buyer_and_cart(db, inmate.id, merged, lock=False)
            result = evaluate(protocols, _draft(products, merged), ctx)
            if result.ok:
                # Gone and back again meanwhile (a delivery came in): the inmate may try again.
                result = _refusal(result, "stock_changed", "catalogue", buyer.language, {})
        except ledger.InsufficientFunds:
            # Money left by another route (not a shop order) between our check and the hold.
            # Nothing of the order was written before the hold and the ledger refuses before
            # it writes, so there is nothing to undo: only the refusal below is kept.
            found = _read(db, buyer, protocols, local_now)
            _, available = _order_accounts(db, inmate, buyer, found)
            ctx = _context(buyer, found, available, settings, local_now, the_round)
            result = evaluate(protocols, draft, ctx)
            if result.ok:
                # The rules see no problem (e.g. no balance rule) but the ledger does: say so
                # with the ledger's own figure.
                numbers = {
                    "total_cents": result.total_cents,
                    "available_cents": max(ctx.available_cents, 0),
                }
                result = _refusal(
                    result, "insufficient_balance", "balance", buyer.language, numbers
                )
    record(
        db,
        actor,
        "shop.order.refused",
        target_type="inmate",
        target_id=inmate.id,
        outcome="refused",
        codes=[v.code for v in result.violations],
        total_cents=result.total_cents,
    )
    raise OrderRefused(result.violations)


# --- cancelling ----------------------------------------------------------------------------


def cancel_order(
    db: Session, actor: Actor, order_id: int, *, inmate: Inmate | None = None
) -> Order:
    """Cancel before picking starts and release the hold. `inmate` limits it to his orders."""
    order = _order_of(db, order_id, inmate)
    if order.status == OrderStatus.CANCELLED:
        return order
    if order.status != OrderStatus.PLACED:
        raise Conflict(
            "Order %(number)s is already being packed and cannot be cancelled;"
            " refuse it at delivery or ask the shop.",
            number=order.number,
        )
    payments.release_order(db, actor, order, step="void", why="cancelled")
    # The money first, then the stock: placing locks in that order too.
    _release_reservations(_locked_products(db, {li.product_id for li in order.lines}), order.lines)
    order.cancelled_at = utcnow()
    _move(db, actor, order, OrderStatus.CANCELLED)
    return order
