"""The shop staff's back office: rounds per wing and delivery day, the pick list, packing
slips, packing with shortfalls, delivery, refunds, the day's totals, the catalogue, and an
inmate's shop page (orders, bans, restrictions).

Each view parses the form, calls one service, commits once, and turns a ServiceError into a
message on the page it came from. Staff of one prison see only that prison's wings and orders.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import fields as dataclass_fields
from datetime import date
from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    make_response,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import InvalidInput
from ..money.amounts import AmountError, parse_cents
from ..people.models import Inmate, Wing
from ..staff.models import Role
from ..surface import form_id, get_db, settings
from ..web.access import ACCESS, ANY_STAFF, staff_actor
from ..web.handling import perform
from . import services
from .messages import money
from .models import InmateRestriction, Order, OrderStatus, Product, ShopBan
from .protocol_versions import APP_KEY as SHOP_RULES
from .protocol_versions import RuleBook
from .protocols import Rule

bp = Blueprint(
    "shop",
    __name__,
    url_prefix="/shop",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

SHOP_STAFF = frozenset({Role.SHOP})
# No product costs more; a larger price is a typing mistake (and order totals must stay far
# inside the ledger's cents).
MAX_PRICE_CENTS = 1_000_000
# Officers hand orders over on the wing and may confirm the delivery themselves.
DELIVERY = frozenset({Role.SHOP, Role.OFFICER})
# Bans are disciplinary sanctions and restrictions come from the wing or the doctor: officers
# set them as well as the shop.
SANCTIONS = frozenset({Role.SHOP, Role.OFFICER})

SHOP_ACCESS: dict[str, frozenset[str]] = {
    "shop.static": ANY_STAFF,
    "shop.index": DELIVERY,
    "shop.day": SHOP_STAFF,
    "shop.round_view": DELIVERY,
    "shop.start_picking": SHOP_STAFF,
    "shop.pick_list": SHOP_STAFF,
    "shop.packing_slips": DELIVERY,
    "shop.order_view": DELIVERY,
    "shop.pack": SHOP_STAFF,
    "shop.deliver": DELIVERY,
    "shop.cancel": SHOP_STAFF,
    "shop.refund": SHOP_STAFF,
    "shop.products": SHOP_STAFF,
    "shop.product_create": SHOP_STAFF,
    "shop.product_view": SHOP_STAFF,
    "shop.product_update": SHOP_STAFF,
    "shop.product_photo": SHOP_STAFF,
    "shop.product_photo_upload": SHOP_STAFF,
    "shop.inmate_view": SANCTIONS,
    "shop.ban": SANCTIONS,
    "shop.restrict": SANCTIONS,
    # Read-only: the shop applies them, the accounts office answers for what they let through.
    "shop.rules_in_force": frozenset({Role.SHOP, Role.ACCOUNTANT}),
}


def init_app(app: Flask) -> None:
    """Open the shop's pages to shop staff (access.py refuses unnamed endpoints) and mount them."""
    ACCESS.update(SHOP_ACCESS)
    app.register_blueprint(bp)


@bp.app_template_filter("cents")
def cents_filter(value: int) -> str:
    return money(int(value or 0), "en")


# --- helpers ---------------------------------------------------------------------------------


def _my_prison() -> int | None:
    """The signed-in member of staff's prison; None for national staff (every prison)."""
    return current_user.user.prison_id  # type: ignore[no-any-return]


def _visible(prison_id: int | None) -> bool:
    mine = _my_prison()
    return mine is None or prison_id is None or prison_id == mine


def _wing(db: Session, wing_id: int) -> Wing:
    wing = db.get(Wing, wing_id)
    if wing is None or not _visible(wing.prison_id):
        abort(404)
    return wing


def _order(db: Session, order_id: int) -> Order:
    order = db.get(Order, order_id)
    if order is None or not _visible(order.prison_id):
        abort(404)
    return order


def _product(db: Session, product_id: int) -> Product:
    product = db.get(Product, product_id)
    if product is None or not _visible(product.prison_id):
        abort(404)
    return product


def _inmate(db: Session, inmate_id: int) -> Inmate:
    inmate = db.get(Inmate, inmate_id)
    if inmate is None or not _visible(inmate.prison_id):
        abort(404)
    return inmate


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        abort(404)


def _form_day(name: str) -> date:
    try:
        return date.fromisoformat(request.form.get(name, "").strip())
    except ValueError:
        raise InvalidInput(
            f"{name.replace('_', ' ').capitalize()}: a date like 2026-12-01, please."
        ) from None


def _int(name: str, default: int | None = None) -> int:
    raw = request.form.get(name, "").strip()
    if raw == "" and default is not None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise InvalidInput(
            f"{name.replace('_', ' ').capitalize()}: a whole number, please."
        ) from None


def _cents(name: str) -> int:
    try:
        return parse_cents(request.form.get(name, ""), zero=True, most_cents=MAX_PRICE_CENTS)
    except AmountError as error:
        label = name.replace("_", " ").capitalize()
        if error.kind == "too_large":
            raise InvalidInput(f"{label}: {error.message}.") from None
        raise InvalidInput(f"{label}: an amount like 2.50, please.") from None


# --- rounds ----------------------------------------------------------------------------------


@bp.get("/")
def index() -> Any:
    db = get_db()
    stmt = select(Wing).order_by(Wing.prison_id, Wing.code)
    if _my_prison() is not None:
        stmt = stmt.where(Wing.prison_id == _my_prison())
    wings = list(db.scalars(stmt))
    rounds = {wing.id: services.delivery_days(db, wing.id) for wing in wings}
    days = sorted({day for wing_days in rounds.values() for day in wing_days}, reverse=True)
    return render_template("shop/index.html", wings=wings, rounds=rounds, days=days)


@bp.get("/day/<day>")
def day(day: str) -> Any:
    db = get_db()
    delivery_on = _day(day)
    stmt = select(Wing).order_by(Wing.prison_id, Wing.code)
    if _my_prison() is not None:
        stmt = stmt.where(Wing.prison_id == _my_prison())
    wings = list(db.scalars(stmt))
    per_wing = [(wing, services.round_totals(db, wing.id, delivery_on)) for wing in wings]
    per_wing = [(wing, totals) for wing, totals in per_wing if totals.orders]
    return render_template(
        "shop/day.html",
        delivery_on=delivery_on,
        per_wing=per_wing,
        totals=services.round_totals(db, None, delivery_on, prison_id=_my_prison()),
    )


@bp.get("/round/<int:wing_id>/<day>")
def round_view(wing_id: int, day: str) -> Any:
    db = get_db()
    wing = _wing(db, wing_id)
    delivery_on = _day(day)
    return render_template(
        "shop/round.html",
        wing=wing,
        delivery_on=delivery_on,
        orders=services.orders_for_round(db, wing_id, delivery_on),
        totals=services.round_totals(db, wing_id, delivery_on),
    )


@bp.post("/round/<int:wing_id>/<day>/picking")
def start_picking(wing_id: int, day: str) -> Any:
    _wing(get_db(), wing_id)
    delivery_on = _day(day)

    def action(db: Session) -> str:
        count = services.start_picking(db, staff_actor(), wing_id, delivery_on)
        return f"{count} orders are now being picked; inmates can no longer cancel them."

    return perform(action, "", url_for("shop.round_view", wing_id=wing_id, day=day))


@bp.get("/round/<int:wing_id>/<day>/pick-list")
def pick_list(wing_id: int, day: str) -> Any:
    db = get_db()
    wing = _wing(db, wing_id)
    delivery_on = _day(day)
    return render_template(
        "shop/pick_list.html",
        wing=wing,
        delivery_on=delivery_on,
        picks=services.pick_list(db, wing_id, delivery_on),
    )


@bp.get("/round/<int:wing_id>/<day>/slips")
def packing_slips(wing_id: int, day: str) -> Any:
    db = get_db()
    wing = _wing(db, wing_id)
    delivery_on = _day(day)
    orders = [
        o
        for o in services.orders_for_round(db, wing_id, delivery_on)
        if o.status not in (OrderStatus.CANCELLED, OrderStatus.EXPIRED)
    ]
    return render_template("shop/slips.html", wing=wing, delivery_on=delivery_on, orders=orders)


# --- one order -------------------------------------------------------------------------------


@bp.get("/orders/<int:order_id>")
def order_view(order_id: int) -> Any:
    db = get_db()
    order = _order(db, order_id)
    substitutes = (
        services.substitutes_for(db, order.inmate)
        if order.substitution_consent and order.status in ("placed", "picking")
        else []
    )
    return render_template(
        "shop/order.html",
        order=order,
        substitutes=substitutes,
        # A fresh key per page: pressing Refund twice refunds once.
        refund_key=secrets.token_urlsafe(16),
    )


@bp.post("/orders/<int:order_id>/pack")
def pack(order_id: int) -> Any:
    order = _order(get_db(), order_id)
    line_ids = [line.id for line in order.lines]

    def action(db: Session) -> str:
        packed = {line_id: _int(f"packed_{line_id}") for line_id in line_ids}
        substitutes = {
            line_id: _int(f"substitute_{line_id}")
            for line_id in line_ids
            if request.form.get(f"substitute_{line_id}", "").strip()
        }
        # A substitute must pass the rules in force (the last reload's, else the start file's).
        config = settings()
        rule_book: RuleBook = current_app.extensions[SHOP_RULES]
        done = services.pack_order(
            db,
            staff_actor(),
            order_id,
            packed,
            substitutes,
            protocols=rule_book.current(db),
            settings=config,
            language=current_user.user.language,
        )
        short = sum(line.quantity - (line.packed_quantity or 0) for line in done.lines)
        if short:
            return f"Packed with {short} item(s) short; the inmate will not be charged for them."
        return "Packed in full."

    return perform(action, "", url_for("shop.order_view", order_id=order_id))


@bp.post("/orders/<int:order_id>/deliver")
def deliver(order_id: int) -> Any:
    _order(get_db(), order_id)

    def action(db: Session) -> str:
        order = services.deliver_order(db, staff_actor(), order_id)
        return (
            f"Delivered: {money(order.charged_cents, 'en')} charged, "
            f"{money(order.held_cents - order.charged_cents, 'en')} released."
        )

    return perform(action, "", url_for("shop.order_view", order_id=order_id))


@bp.post("/orders/<int:order_id>/cancel")
def cancel(order_id: int) -> Any:
    _order(get_db(), order_id)
    return perform(
        lambda db: services.cancel_order(db, staff_actor(), order_id) and None,
        "Cancelled: the money held for it is released.",
        url_for("shop.order_view", order_id=order_id),
    )


@bp.post("/orders/<int:order_id>/refund")
def refund(order_id: int) -> Any:
    _order(get_db(), order_id)

    def action(db: Session) -> str:
        key = request.form.get("key", "").strip()
        if not key:
            raise InvalidInput("The form is out of date: reload the page and try again.")
        made = services.refund_line(
            db,
            staff_actor(),
            order_id,
            _int("line_id"),
            _int("quantity"),
            reason=request.form.get("reason", ""),
            key=f"backoffice:{key}",
        )
        return f"Refunded {money(made.amount_cents, 'en')} to the inmate's spendable account."

    return perform(action, "", url_for("shop.order_view", order_id=order_id))


# --- catalogue -------------------------------------------------------------------------------


@bp.get("/products")
def products() -> Any:
    db = get_db()
    stmt = select(Product).order_by(Product.sku)
    if _my_prison() is not None:
        stmt = stmt.where((Product.prison_id.is_(None)) | (Product.prison_id == _my_prison()))
    wings_stmt = select(Wing).order_by(Wing.prison_id, Wing.code)
    if _my_prison() is not None:
        wings_stmt = wings_stmt.where(Wing.prison_id == _my_prison())
    return render_template(
        "shop/products.html",
        products=list(db.scalars(stmt)),
        categories=services.categories(db),
        wings=list(db.scalars(wings_stmt)),
    )


@bp.post("/products")
def product_create() -> Any:
    form = request.form

    def action(db: Session) -> str:
        wing_ids = [w for w in map(form_id, form.getlist("wing_ids")) if w is not None]
        for wing_id in wing_ids:
            _wing(db, wing_id)
        product = services.create_product(
            db,
            staff_actor(),
            sku=form.get("sku", ""),
            category_code=form.get("category", ""),
            names={lang: form.get(f"name_{lang}", "") for lang in ("et", "ru", "en")},
            price_cents=_cents("price"),
            vat_basis_points=_int("vat_percent", 24) * 100,
            unit=form.get("unit", "pc").strip() or "pc",
            stock=_int("stock", 0),
            tags=form.get("tags", "").split(","),
            # Staff of one prison add products for their prison; national staff for all.
            prison_id=_my_prison(),
            wing_ids=wing_ids,
        )
        return f"{product.sku} added."

    return perform(action, "", url_for("shop.products"))


@bp.get("/products/<int:product_id>")
def product_view(product_id: int) -> Any:
    db = get_db()
    product = _product(db, product_id)
    return render_template(
        "shop/product.html", product=product, history=services.price_history(db, product_id)
    )


@bp.post("/products/<int:product_id>")
def product_update(product_id: int) -> Any:
    _product(get_db(), product_id)

    def action(db: Session) -> None:
        actor = staff_actor()
        if "price" in request.form:
            services.change_price(db, actor, product_id, _cents("price"))
        if "stock" in request.form:
            services.set_stock(
                db,
                actor,
                product_id,
                _int("stock"),
                why=request.form.get("why", "").strip() or "stock count",
            )
        if "active" in request.form:
            services.set_active(db, actor, product_id, request.form["active"] == "1")

    return perform(action, "Saved.", url_for("shop.product_view", product_id=product_id))


@bp.get("/products/<int:product_id>/photo")
def product_photo(product_id: int) -> Any:
    product = _product(get_db(), product_id)
    if not product.photo:
        abort(404)
    response = make_response(product.photo)
    response.headers["Content-Type"] = product.photo_type
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/products/<int:product_id>/photo")
def product_photo_upload(product_id: int) -> Any:
    _product(get_db(), product_id)
    upload = request.files.get("photo")

    def action(db: Session) -> None:
        services.set_photo(db, staff_actor(), product_id, upload.read() if upload else b"")

    return perform(action, "Photo saved.", url_for("shop.product_view", product_id=product_id))


# --- an inmate's shop page: orders, bans, restrictions ---------------------------------------


@bp.get("/inmates/<int:inmate_id>")
def inmate_view(inmate_id: int) -> Any:
    db = get_db()
    inmate = _inmate(db, inmate_id)
    bans = db.scalars(
        select(ShopBan).where(ShopBan.inmate_id == inmate.id).order_by(ShopBan.starts_on.desc())
    ).all()
    restrictions = db.scalars(
        select(InmateRestriction)
        .where(InmateRestriction.inmate_id == inmate.id)
        .order_by(InmateRestriction.tag)
    ).all()
    return render_template(
        "shop/inmate.html",
        inmate=inmate,
        orders=services.orders_of(db, inmate, limit=50),
        bans=bans,
        restrictions=restrictions,
    )


@bp.post("/inmates/<int:inmate_id>/ban")
def ban(inmate_id: int) -> Any:
    inmate = _inmate(get_db(), inmate_id)

    def action(db: Session) -> str:
        made = services.ban_from_shop(
            db,
            staff_actor(),
            inmate,
            starts_on=_form_day("starts_on"),
            ends_on=_form_day("ends_on"),
            reason=request.form.get("reason", ""),
        )
        return f"Banned from the shop from {made.starts_on} to {made.ends_on}."

    return perform(action, "", url_for("shop.inmate_view", inmate_id=inmate_id))


@bp.post("/inmates/<int:inmate_id>/restrict")
def restrict(inmate_id: int) -> Any:
    inmate = _inmate(get_db(), inmate_id)

    def action(db: Session) -> str:
        tag = request.form.get("tag", "")
        services.restrict(db, staff_actor(), inmate, tag, request.form.get("reason", "").strip())
        return f"Products tagged {tag.strip().lower()!r} are no longer sold to this inmate."

    return perform(action, "", url_for("shop.inmate_view", inmate_id=inmate_id))


# --- the rules in force ----------------------------------------------------------------------


@bp.get("/protocols")
def rules_in_force() -> Any:
    rule_book: RuleBook = current_app.extensions[SHOP_RULES]
    shown = rule_book.shown(get_db())
    return render_template(
        "shop/protocols.html",
        shown=shown,
        rules=[(rule.id, _kind(rule), _fields(rule)) for rule in shown.protocols.rules],
    )


def _kind(rule: Rule) -> str:
    return type(rule).__name__.removesuffix("Rule")


def _fields(rule: Rule) -> list[tuple[str, str]]:
    shown = []
    for field in dataclass_fields(rule):
        if field.name == "id":
            continue
        value = getattr(rule, field.name)
        if value is None:
            value = "not set"
        elif isinstance(value, frozenset):
            value = ", ".join(sorted(value))
        elif isinstance(value, Mapping):
            value = ", ".join(f"{k} {v}" for k, v in value.items()) or "none"
        shown.append((field.name, str(value)))
    return shown
