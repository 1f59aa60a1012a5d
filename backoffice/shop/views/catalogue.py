"""The catalogue: products, their prices, stock, activity and photos."""

from __future__ import annotations

from typing import Any

from flask import abort, make_response, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...people.models import Wing
from ...surface import form_id, get_db
from ...web.access import staff_actor
from ...web.handling import perform
from .. import services
from ..models import Product
from .common import _cents, _int, _my_prison, _product, _wing, bp


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

    return perform(action, _("Photo saved."), url_for("shop.product_view", product_id=product_id))
