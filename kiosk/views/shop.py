"""The shop: the catalogue, the cart checked against the rules in force, and placing the
order."""

from __future__ import annotations

import secrets
from typing import Any

from flask import (
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import select

from backoffice.errors import ServiceError
from backoffice.people.models import Inmate
from backoffice.shop import messages as shop_messages
from backoffice.shop import services as shop_services
from backoffice.shop.models import Product
from backoffice.shop.protocols import Protocols
from backoffice.surface import equipment, get_db

from .screen import actor_for, bp, format_money, kiosk_settings, language, signed_in
from .screen import said as said_refusal

CART = "cart"
ORDER_KEY = "order_key"


def protocols() -> Protocols:
    """The rules in force (a reload reaches this worker on its next call)."""
    return equipment().shop_rules.current(get_db())


def cart_lines() -> list[shop_services.CartLine]:
    raw = session.get(CART, {})
    return [shop_services.CartLine(int(pid), int(qty)) for pid, qty in raw.items() if int(qty) > 0]


def save_cart(lines: dict[int, int]) -> None:
    session[CART] = {str(pid): qty for pid, qty in lines.items() if qty > 0}


def said(violation: Any) -> str:
    """A refusal in the language on screen (the protocols speak the inmate's stored one)."""
    try:
        return shop_messages.render(violation.code, language(), violation.numbers)
    except (KeyError, IndexError, ValueError):
        return str(violation.message)


def order_key() -> str:
    """One key per cart: pressing 'Place order' twice makes one order."""
    if ORDER_KEY not in session:
        session[ORDER_KEY] = "kiosk-" + secrets.token_urlsafe(18)
    return str(session[ORDER_KEY])


@bp.get("/shop")
@signed_in
def shop(inmate: Inmate) -> Any:
    db = get_db()
    category = request.args.get("category", "")
    all_categories = shop_services.categories(db)
    codes = {c.code for c in all_categories}
    products = shop_services.catalogue_for(db, inmate, category if category in codes else None)
    dry_run = shop_services.check_cart_and_stops(
        db,
        inmate,
        cart_lines(),
        [p.id for p in products],
        protocols=protocols(),
        settings=kiosk_settings(),
    )
    in_cart = {line.product_id: line.quantity for line in cart_lines()}
    return render_template(
        "kiosk/shop.html",
        categories=all_categories,
        category=category,
        products=products,
        in_cart=in_cart,
        stopped=stopped_at(dry_run, {p.id: p.price_cents for p in products}),
        check=dry_run.check,
        money=format_money,
        lang=language(),
    )


def stopped_at(dry_run: shop_services.CartStops, prices: dict[int, int]) -> dict[int, str]:
    """The products whose "+" stops, each with why in the language on screen: one more of it
    would be refused. `prices` are those of the products on screen."""
    cart_cents = dry_run.check.total_cents
    return {
        product_id: " ".join(stop_words(v, prices[product_id], cart_cents) for v in violations)
        for product_id, violations in dry_run.refused.items()
    }


def stop_words(violation: Any, price_cents: int, cart_cents: int) -> str:
    """Why one more of an item cannot go into the cart, said about that item with the numbers
    the inmate can act on (what is left to spend, how many are allowed), not about the cart it
    would make."""
    numbers = violation.numbers
    price = format_money(price_cents)
    if violation.code == "insufficient_balance":
        left = format_money(max(numbers["available_cents"] - cart_cents, 0))
        return _("This costs %(price)s; you can spend %(left)s more.", price=price, left=left)
    if violation.code == "spending_cap":
        left = format_money(max(numbers["left_cents"] - cart_cents, 0))
        return _("This costs %(price)s; your shop limit has %(left)s left.", price=price, left=left)
    if violation.code == "not_enough_stock":
        return _("No more in stock: the cart has all %(stock)s.", stock=numbers["stock"])
    return said(violation)


@bp.get("/shop/photo/<int:product_id>")
@signed_in
def product_photo(inmate: Inmate, product_id: int) -> Any:
    product = get_db().get(Product, product_id)
    if product is None or not product.photo:
        abort(404)
    response = make_response(product.photo)
    response.headers["Content-Type"] = product.photo_type or "image/jpeg"
    return response


@bp.post("/shop/cart")
@signed_in
def cart_change(inmate: Inmate) -> Any:
    """Add or take away one of a product. An addition the shop's rules would refuse is not
    made, and the screen says why in the inmate's language."""
    db = get_db()
    try:
        product_id = int(request.form.get("product_id", ""))
    except ValueError:
        abort(400)
    change = 1 if request.form.get("change") == "add" else -1
    current = {line.product_id: line.quantity for line in cart_lines()}
    wanted = dict(current)
    wanted[product_id] = max(0, wanted.get(product_id, 0) + change)
    back = request.form.get("back") == "cart"
    target = (
        url_for("kiosk.cart")
        if back
        else url_for("kiosk.shop", category=request.form.get("category", ""))
    )
    if change > 0:
        config = kiosk_settings()
        before = shop_services.check_cart(
            db,
            inmate,
            [shop_services.CartLine(p, q) for p, q in current.items()],
            protocols=protocols(),
            settings=config,
        )
        after = shop_services.check_cart(
            db,
            inmate,
            [shop_services.CartLine(p, q) for p, q in wanted.items() if q],
            protocols=protocols(),
            settings=config,
        )
        known = {(v.code, v.sku) for v in before.violations}
        new = [v for v in after.violations if (v.code, v.sku) not in known]
        if new:
            product = db.get(Product, product_id)
            price = product.price_cents if product is not None else 0
            for violation in new:
                flash(stop_words(violation, price, before.total_cents), "error")
            return redirect(target)
    save_cart(wanted)
    session.pop(ORDER_KEY, None)
    return redirect(target)


@bp.get("/shop/cart")
@signed_in
def cart(inmate: Inmate) -> Any:
    db = get_db()
    lines = cart_lines()
    dry_run = shop_services.check_cart_and_stops(
        db,
        inmate,
        lines,
        [line.product_id for line in lines],
        protocols=protocols(),
        settings=kiosk_settings(),
    )
    check = dry_run.check
    products = (
        {
            p.id: p
            for p in db.scalars(
                select(Product).where(Product.id.in_([line.product_id for line in lines]))
            )
        }
        if lines
        else {}
    )
    return render_template(
        "kiosk/cart.html",
        lines=[
            (products[line.product_id], line.quantity)
            for line in lines
            if line.product_id in products
        ],
        check=check,
        stopped=stopped_at(dry_run, {p.id: p.price_cents for p in products.values()}),
        refusals=[said(v) for v in check.violations],
        key=order_key(),
        money=format_money,
        lang=language(),
    )


@bp.post("/shop/order")
@signed_in
def place_order(inmate: Inmate) -> Any:
    db = get_db()
    key = request.form.get("key", "")
    if key != session.get(ORDER_KEY):
        flash(_("The cart changed. Check it and press “Place order” again."), "error")
        return redirect(url_for("kiosk.cart"))
    try:
        order = shop_services.place_order(
            db,
            actor_for(inmate),
            inmate,
            cart_lines(),
            key=key,
            protocols=protocols(),
            settings=kiosk_settings(),
            substitution_consent=request.form.get("substitutes") == "yes",
        )
    except shop_services.OrderRefused as refused:
        db.commit()  # the refusal is audited
        for violation in refused.violations:
            flash(said(violation), "error")
        return redirect(url_for("kiosk.cart"))
    except ServiceError as error:
        db.rollback()
        flash(said_refusal(error), "error")
        return redirect(url_for("kiosk.cart"))
    db.commit()
    session.pop(CART, None)
    session.pop(ORDER_KEY, None)
    flash(_("Thank you! Your order is placed. The money is held until delivery."), "ok")
    return redirect(url_for("kiosk.order", order_id=order.id))
