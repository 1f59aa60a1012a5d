"""The catalogue: what an inmate may buy and what a substitute may be, the products, their
prices, stock, photos and price history."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Text,
    and_,
    bindparam,
    cast,
    func,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session

from ...audit.services import Actor, record
from ...db import read_on_driver
from ...errors import Conflict, InvalidInput, NotFound
from ...people.models import Inmate
from ..models import Category, InmateRestriction, PriceChange, Product, ProductWing


def _sold_here(prison_id: Any, wing_id: Any) -> ColumnElement[bool]:
    """Where a product is sold: active, in every prison or this one, and on every wing (it has
    no wing rows) or this one. The catalogue and the cart's check ask the same question."""
    return and_(
        Product.active.is_(True),
        or_(Product.prison_id.is_(None), Product.prison_id == prison_id),
        or_(
            ~select(ProductWing.product_id).where(ProductWing.product_id == Product.id).exists(),
            select(ProductWing.product_id)
            .where(ProductWing.product_id == Product.id, ProductWing.wing_id == wing_id)
            .exists(),
        ),
    )


def catalogue_for(db: Session, inmate: Inmate, category_code: str | None = None) -> list[Product]:
    """Active products sold in the inmate's prison and wing."""
    stmt = (
        select(Product)
        .join(Category)
        .where(_sold_here(inmate.prison_id, inmate.wing_id))
        .order_by(Category.sort_order, Product.name_en)
    )
    if category_code:
        stmt = stmt.where(Category.code == category_code)
    return list(db.scalars(stmt))


@dataclass(frozen=True)
class CatalogueRows:
    """A catalogue as read: its products' rows, its categories' rows (see `catalogue_rows`)
    and, on PostgreSQL, its version as read in the same statement (`catalogue_version`)."""

    products: tuple[tuple[Any, ...], ...]
    categories: tuple[tuple[Any, ...], ...]
    version: str | None = None

    @property
    def rows(self) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
        return self.products, self.categories


def catalogue_rows(db: Session, inmate: Inmate, category_code: str | None = None) -> CatalogueRows:
    """What `catalogue_for` and `categories` show, as plain rows read by one light statement
    built once and run on the driver (no ORM objects, no statement built per call, one round
    trip): the products (id, sku, category code, names in et/ru/en, unit, price, tags,
    something left to order, has a photo) and the categories (code, names, order). Equal rows
    mean an equal catalogue, so a rendered catalogue can be kept under them. On PostgreSQL the
    catalogue's version (`catalogue_version`) comes in the same statement, from the same rows."""
    postgresql = db.get_bind().dialect.name == "postgresql"
    params: dict[str, Any] = {"prison_id": inmate.prison_id, "wing_id": inmate.wing_id}
    if category_code:
        params["category"] = category_code
    rows = read_on_driver(db, _catalogue_statement(bool(category_code), postgresql), params)
    products = tuple(
        (*row[1:9], tuple(row[9] or ()), bool(row[10]), bool(row[11]))
        for row in rows
        if row[0] == 0
    )
    categories = tuple(tuple(row[3:7]) for row in rows if row[0] == 1)
    version = next((str(row[2]) for row in rows if row[0] == 2), None)
    return CatalogueRows(products, categories, version)


def _shown() -> tuple[Any, ...]:
    """What the catalogue shows of a product, in the document's order: its rows carry these
    and its version hashes these, so the two cannot drift apart."""
    return (
        Product.id,
        Product.sku,
        Category.code,
        Product.name_et,
        Product.name_ru,
        Product.name_en,
        Product.unit,
        Product.price_cents,
        Product.tags,
        Product.stock > Product.reserved,
        # Literals, not bound values: the driver gets only the named parameters.
        Product.photo_type != literal_column("''"),
    )


def catalogue_version(prison_id: Any, wing_id: Any) -> ColumnElement[str]:
    """A short text that changes whenever anything the catalogue of (prison, wing) shows
    changes: the md5 of every field of its products' rows and of every category's, with the
    categories' order (PostgreSQL only). Computed in the database from the rows themselves,
    so it can never be stale; read beside the tablet's session in the call's one statement
    (`tablet_sessions.read_signed_in_call`), it lets the catalogue answer 304 without reading,
    rendering or hashing the catalogue. A category filter is a part of the catalogue, so one
    version serves every filter."""
    comma = literal_column("','")
    products = (
        select(
            func.md5(
                func.string_agg(
                    cast(
                        func.json_build_array(
                            *(
                                cast(column, Text) if column is Product.tags else column
                                for column in _shown()
                            )
                        ),
                        Text,
                    ),
                    aggregate_order_by(comma, Product.id),
                )
            )
        )
        .select_from(Product)
        .join(Category)
        .where(_sold_here(prison_id, wing_id))
        .scalar_subquery()
    )
    kinds = select(
        func.md5(
            func.string_agg(
                cast(
                    func.json_build_array(
                        Category.code,
                        Category.name_et,
                        Category.name_ru,
                        Category.name_en,
                        Category.sort_order,
                    ),
                    Text,
                ),
                aggregate_order_by(comma, Category.id),
            )
        )
    ).scalar_subquery()
    return func.concat(products, literal_column("':'"), kinds)


@functools.cache
def _catalogue_statement(category: bool, postgresql: bool) -> Any:
    """The products sold on the wing (part 0, in the catalogue's order), every category (part
    1; its rows fill only the code and the names) and on PostgreSQL the version (part 2, in
    the sku's place), in one UNION ALL: one round trip, one snapshot."""
    products = (
        select(
            literal_column("0").label("part"),
            *_shown(),
            Category.sort_order.label("sort_order"),
            Product.name_en.label("sort_name"),
            Product.id.label("sort_id"),
        )
        .join(Category)
        .where(_sold_here(bindparam("prison_id"), bindparam("wing_id")))
    )
    if category:
        products = products.where(Category.code == bindparam("category"))
    kinds = select(
        literal_column("1"),
        *(null() for _ in range(2)),
        Category.code,
        Category.name_et,
        Category.name_ru,
        Category.name_en,
        *(null() for _ in range(5)),
        Category.sort_order,
        Category.code,
        null(),
    )
    parts = [products, kinds]
    if postgresql:
        version = catalogue_version(bindparam("prison_id"), bindparam("wing_id"))
        parts.append(select(literal_column("2"), null(), version, *(null() for _ in range(12))))
    # Products of one name in one category in the order of their ids: equal rows, equal bytes.
    return union_all(*parts).order_by(
        literal_column("part"),
        literal_column("sort_order"),
        literal_column("sort_name"),
        literal_column("sort_id"),
    )


def substitutes_for(db: Session, inmate: Inmate) -> list[Product]:
    """What the shop may offer to pack instead of a missing product: sold to him, in stock that
    no other order has reserved, and free of his restrictions. Packing checks the rest."""
    restricted = set(
        db.scalars(select(InmateRestriction.tag).where(InmateRestriction.inmate_id == inmate.id))
    )
    return [
        p for p in catalogue_for(db, inmate) if p.free_stock > 0 and not restricted & set(p.tags)
    ]


def categories(db: Session) -> list[Category]:
    return list(db.scalars(select(Category).order_by(Category.sort_order, Category.code)))


def _check_product_fields(
    sku: str, names: dict[str, str], price_cents: int, vat: int, stock: int
) -> None:
    if not sku.strip():
        raise InvalidInput("SKU: give the product a code.")
    for language, name in names.items():
        if not name.strip():
            raise InvalidInput(
                "Name (%(language)s): every product needs a name in et, ru, en.",
                language=language,
            )
    if price_cents < 0:
        raise InvalidInput("Price: must not be negative.")
    if not 0 <= vat <= 10000:
        raise InvalidInput("VAT: between 0 and 100 %.")
    if stock < 0:
        raise InvalidInput("Stock: must not be negative.")


def create_product(
    db: Session,
    actor: Actor,
    *,
    sku: str,
    category_code: str,
    names: dict[str, str],
    price_cents: int,
    vat_basis_points: int = 2400,
    unit: str = "pc",
    stock: int = 0,
    tags: Sequence[str] = (),
    prison_id: int | None = None,
    wing_ids: Sequence[int] = (),
) -> Product:
    _check_product_fields(sku, names, price_cents, vat_basis_points, stock)
    category = db.scalar(select(Category).where(Category.code == category_code))
    if category is None:
        raise InvalidInput("Category: there is no category %(code)r.", code=category_code)
    if db.scalar(select(Product.id).where(Product.sku == sku.strip())) is not None:
        raise Conflict("A product with SKU %(sku)r exists already.", sku=sku)
    product = Product(
        sku=sku.strip(),
        category=category,
        name_et=names["et"],
        name_ru=names["ru"],
        name_en=names["en"],
        unit=unit,
        price_cents=price_cents,
        vat_basis_points=vat_basis_points,
        stock=stock,
        tags=sorted({t.strip().lower() for t in tags if t.strip()}),
        prison_id=prison_id,
        wings=[ProductWing(wing_id=w) for w in wing_ids],
    )
    db.add(product)
    db.flush()
    db.add(PriceChange(product_id=product.id, price_cents=price_cents, changed_by=actor.name))
    record(
        db,
        actor,
        "shop.product.create",
        target_type="product",
        target_id=product.id,
        sku=product.sku,
        price_cents=price_cents,
    )
    return product


def change_price(db: Session, actor: Actor, product_id: int, price_cents: int) -> Product:
    product = _product(db, product_id)
    if price_cents < 0:
        raise InvalidInput("Price: must not be negative.")
    if price_cents == product.price_cents:
        return product
    old = product.price_cents
    product.price_cents = price_cents
    db.add(PriceChange(product_id=product.id, price_cents=price_cents, changed_by=actor.name))
    db.flush()
    record(
        db,
        actor,
        "shop.product.price",
        target_type="product",
        target_id=product.id,
        old_cents=old,
        new_cents=price_cents,
    )
    return product


def set_stock(db: Session, actor: Actor, product_id: int, stock: int, why: str) -> Product:
    product = _product(db, product_id)
    if stock < 0:
        raise InvalidInput("Stock: must not be negative.")
    old = product.stock
    product.stock = stock
    db.flush()
    record(
        db,
        actor,
        "shop.product.stock",
        target_type="product",
        target_id=product.id,
        old=old,
        new=stock,
        why=why,
    )
    return product


def set_active(db: Session, actor: Actor, product_id: int, active: bool) -> Product:
    product = _product(db, product_id)
    product.active = active
    db.flush()
    record(
        db, actor, "shop.product.active", target_type="product", target_id=product.id, active=active
    )
    return product


PHOTO_MAX_BYTES = 1_000_000
PHOTO_TYPES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}


def set_photo(db: Session, actor: Actor, product_id: int, data: bytes) -> Product:
    """A product's photo for the kiosk and tablet: JPEG or PNG, known by its first bytes (never
    by the name or type the browser claims), at most 1 MB."""
    product = _product(db, product_id)
    if not data:
        raise InvalidInput("Photo: choose a JPEG or PNG file.")
    if len(data) > PHOTO_MAX_BYTES:
        raise InvalidInput("Photo: at most 1 MB; make the picture smaller.")
    kind = next((t for magic, t in PHOTO_TYPES.items() if data.startswith(magic)), None)
    if kind is None:
        raise InvalidInput("Photo: only JPEG or PNG pictures.")
    product.photo = data
    product.photo_type = kind
    db.flush()
    record(
        db,
        actor,
        "shop.product.photo",
        target_type="product",
        target_id=product.id,
        bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
    return product


def price_history(db: Session, product_id: int) -> list[PriceChange]:
    return list(
        db.scalars(
            select(PriceChange).where(PriceChange.product_id == product_id).order_by(PriceChange.id)
        )
    )


def _product(db: Session, product_id: int) -> Product:
    product = db.get(Product, product_id)
    if product is None:
        raise NotFound("No such product.")
    return product
