"""Packing with substitutes: the order as it would be packed checked against the rules."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from ...errors import InvalidInput
from ...settings import Settings
from ..messages import render
from ..models import Order, Product
from ..protocols import BalanceRule, DraftLine, ProductInfo, Protocols, evaluate
from .buyer import _buyer_and_cart
from .reading import _context, _read


def _sold_to(product: Product, prison_id: int, wing_id: int | None) -> bool:
    if not product.active:
        return False
    if product.prison_id is not None and product.prison_id != prison_id:
        return False
    return not product.wings or any(w.wing_id == wing_id for w in product.wings)


def _as_drafted(product: Product, unit_price_cents: int, available: bool) -> ProductInfo:
    """A product as the protocols see it in a draft (the stock left out: packing counts the
    shelf itself, under its lock)."""
    category = product.category
    return ProductInfo(
        id=product.id,
        sku=product.sku,
        category=category.code,
        names=product.names,
        unit_price_cents=unit_price_cents,
        tags=frozenset(product.tags),
        available=available,
        category_names={"et": category.name_et, "ru": category.name_ru, "en": category.name_en},
        vat_basis_points=product.vat_basis_points,
    )


def _check_substitutes(
    db: Session,
    order: Order,
    quantities: Mapping[int, int],
    chosen: Mapping[int, Product],
    protocols: Protocols,
    settings: Settings,
    language: str,
) -> None:
    """Consent to a substitute is consent to a similar item, not to what he may not have nor to
    paying more than was held. The order as it would be packed is checked by the same
    protocols as placing: with the inmate as he is now (level, age, restrictions), his other
    orders of the periods this one was placed in (quantities, caps), and without the rules
    about the moment of ordering (the window, a ban, the money: it is held already). What the
    substitutes add to what the order as ordered would break is refused, in `language`; and
    the packed order may not cost more than its hold."""
    buyer, _ = _buyer_and_cart(db, order.inmate_id, {}, lock=False)
    placed_local = order.placed_at.astimezone(ZoneInfo(buyer.timezone))
    found = _read(db, buyer, protocols, placed_local)
    # The reading counts this very order among his earlier ones: take it out again.
    found.orders.append((-order.held_cents, order.placed_at))
    for line in order.lines:
        found.lines.append(
            (line.product.sku, line.product.category.code, -line.quantity, order.placed_at)
        )
    ctx = replace(
        _context(
            buyer,
            found,
            order.held_cents,
            settings,
            placed_local,
            buyer.round(settings, order.placed_at),
        ),
        language=language,
        ban=None,
        window_open=True,
    )
    rules = replace(
        protocols, rules=tuple(r for r in protocols.rules if not isinstance(r, BalanceRule))
    )
    as_ordered, substituted = [], []
    # Each substitute's SKU -> the product it stands in for, to name both in a refusal.
    originals: dict[str, Product] = {}
    for line in order.lines:
        quantity = quantities[line.id]
        if not quantity:
            continue
        # Sold to him when he ordered it, at the price he agreed to.
        ordered = DraftLine(_as_drafted(line.product, line.unit_price_cents, True), quantity)
        as_ordered.append(ordered)
        substitute = chosen.get(line.id)
        if substitute is None:
            substituted.append(ordered)
            continue
        originals.setdefault(substitute.sku, line.product)
        sold = _sold_to(substitute, buyer.prison_id, buyer.wing_id)
        substituted.append(
            DraftLine(_as_drafted(substitute, substitute.price_cents, sold), quantity)
        )
    known = {(v.code, v.rule, v.sku) for v in evaluate(rules, as_ordered, ctx).violations}
    result = evaluate(rules, substituted, ctx)
    reasons = []
    for violation in result.violations:
        if (violation.code, violation.rule, violation.sku) in known:
            continue
        original = originals.get(violation.sku)
        if original is None:
            # A rule over the whole order (a cap, the order's size) or a category.
            reasons.append(render("substitutes_refused", language, {"reason": violation.message}))
            continue
        substitute = next(s for s in chosen.values() if s.sku == violation.sku)
        numbers = {
            "item": substitute.names,
            "original": original.names,
            "reason": violation.message,
        }
        reasons.append(render("substitute_refused", language, numbers))
    if result.total_cents > order.held_cents:
        numbers = {"total_cents": result.total_cents, "held_cents": order.held_cents}
        reasons.append(render("substitutes_over_hold", language, numbers))
    if reasons:
        said = " ".join(reasons)  # each reason is said already (the packer's words)
        raise InvalidInput(said, order=order.number)
