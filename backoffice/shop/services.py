"""Shop services: the catalogue, the dry-run check, placing, picking, packing, delivering,
cancelling and refunding orders. Each takes the session and the acting person and only flushes.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import cast, func, literal, null, or_, select, union_all
from sqlalchemy.orm import Session, joinedload, selectinload

import ledger

from ..audit.services import Actor, record
from ..db import utcnow
from ..errors import Conflict, Forbidden, InvalidInput, NotFound
from ..people.models import Inmate, InmateStatus
from ..settings import ROOT, Settings
from . import payments
from .messages import render
from .models import (
    OPEN_STATUSES,
    TRANSITIONS,
    Category,
    InmateRestriction,
    Order,
    OrderLine,
    OrderStatus,
    PriceChange,
    Product,
    ProductWing,
    ShopBan,
    ShopRefund,
    ShopSchedule,
)
from .protocols import (
    ActiveBan,
    CheckResult,
    DraftLine,
    InmateContext,
    ProductInfo,
    Protocols,
    QuantityLimitRule,
    Violation,
    evaluate,
    load_protocols,
)
from .rounds import Round, Schedule, current_round, period_starts


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
    path = ROOT / settings["shop.protocols_file"]
    return load_protocols(path)


# --- catalogue ------------------------------------------------------------------------------


def catalogue_for(db: Session, inmate: Inmate, category_code: str | None = None) -> list[Product]:
    """Active products sold in the inmate's prison and wing."""
    stmt = (
        select(Product)
        .join(Category)
        .where(Product.active.is_(True))
        .where(or_(Product.prison_id.is_(None), Product.prison_id == inmate.prison_id))
        .where(
            or_(
                ~select(ProductWing.product_id)
                .where(ProductWing.product_id == Product.id)
                .exists(),
                select(ProductWing.product_id)
                .where(ProductWing.product_id == Product.id, ProductWing.wing_id == inmate.wing_id)
                .exists(),
            )
        )
        .order_by(Category.sort_order, Product.name_en)
    )
    if category_code:
        stmt = stmt.where(Category.code == category_code)
    return list(db.scalars(stmt))


def substitutes_for(db: Session, inmate: Inmate) -> list[Product]:
    """What the shop may pack instead of a missing product: sold to him, in stock, and free of
    his restrictions."""
    restricted = set(
        db.scalars(select(InmateRestriction.tag).where(InmateRestriction.inmate_id == inmate.id))
    )
    return [p for p in catalogue_for(db, inmate) if p.stock > 0 and not restricted & set(p.tags)]


def categories(db: Session) -> list[Category]:
    return list(db.scalars(select(Category).order_by(Category.sort_order, Category.code)))


def _check_product_fields(
    sku: str, names: dict[str, str], price_cents: int, vat: int, stock: int
) -> None:
    if not sku.strip():
        raise InvalidInput("SKU: give the product a code.")
    for language, name in names.items():
        if not name.strip():
            raise InvalidInput(f"Name ({language}): every product needs a name in et, ru, en.")
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
        raise InvalidInput(f"Category: there is no category {category_code!r}.")
    if db.scalar(select(Product.id).where(Product.sku == sku.strip())) is not None:
        raise Conflict(f"A product with SKU {sku!r} exists already.")
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


# --- bans and restrictions ------------------------------------------------------------------


def ban_from_shop(
    db: Session, actor: Actor, inmate: Inmate, *, starts_on: date, ends_on: date, reason: str
) -> ShopBan:
    if ends_on < starts_on:
        raise InvalidInput("Dates: the ban must end on or after the day it starts.")
    if not reason.strip():
        raise InvalidInput("Reason: say why (the inmate is shown it).")
    ban = ShopBan(
        inmate_id=inmate.id,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=reason.strip(),
        created_by=actor.name,
    )
    db.add(ban)
    db.flush()
    record(
        db,
        actor,
        "shop.ban",
        target_type="inmate",
        target_id=inmate.id,
        starts_on=starts_on.isoformat(),
        ends_on=ends_on.isoformat(),
        reason=reason,
    )
    return ban


def restrict(db: Session, actor: Actor, inmate: Inmate, tag: str, reason: str) -> None:
    tag = tag.strip().lower()
    if not tag:
        raise InvalidInput("Tag: which product tag is restricted?")
    if db.get(InmateRestriction, (inmate.id, tag)) is None:
        db.add(InmateRestriction(inmate_id=inmate.id, tag=tag, reason=reason))
        db.flush()
        record(
            db,
            actor,
            "shop.restrict",
            target_type="inmate",
            target_id=inmate.id,
            tag=tag,
            reason=reason,
        )


# --- rounds ---------------------------------------------------------------------------------


def _zone(inmate_or_tz: Inmate | str) -> ZoneInfo:
    name = inmate_or_tz if isinstance(inmate_or_tz, str) else inmate_or_tz.prison.timezone
    return ZoneInfo(name)


def schedule_for(db: Session, wing_id: int, settings: Settings) -> Schedule:
    return _schedule(db.get(ShopSchedule, wing_id), settings)


def _schedule(row: ShopSchedule | None, settings: Settings) -> Schedule:
    if row is not None:
        hours, minutes = (int(part) for part in row.cutoff_time.split(":"))
        return Schedule(
            row.opens_weekday, row.cutoff_weekday, time(hours, minutes), row.delivery_weekday
        )
    hours, minutes = (int(part) for part in settings["shop.default_cutoff_time"].split(":"))
    return Schedule(
        settings["shop.default_opens_weekday"],
        settings["shop.default_cutoff_weekday"],
        time(hours, minutes),
        settings["shop.default_delivery_weekday"],
    )


def round_for(db: Session, inmate: Inmate, settings: Settings, now: datetime) -> Round:
    if inmate.wing_id is None:
        raise Forbidden("You are not placed on a wing, so the shop cannot deliver to you.")
    return current_round(schedule_for(db, inmate.wing_id, settings), now.astimezone(_zone(inmate)))


# --- the check -------------------------------------------------------------------------------


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def inmate_context(
    db: Session,
    inmate: Inmate,
    protocols: Protocols,
    settings: Settings,
    now: datetime,
    *,
    the_round: Round | None = None,
    spendable_id: int | None = None,
) -> InmateContext:
    """What the protocols need to know about the inmate, read in a handful of queries."""
    zone = _zone(inmate)
    local_now = now.astimezone(zone)
    today = local_now.date()
    starts = {name: start.astimezone(UTC) for name, start in period_starts(local_now).items()}
    earliest = min(starts.values())

    spent: dict[str, int] = {"week": 0, "month": 0}
    bought: dict[tuple[str, str, str], int] = defaultdict(int)
    counted = [s.value for s in (*OPEN_STATUSES, OrderStatus.DELIVERED)]
    orders = db.scalars(
        select(Order).where(
            Order.inmate_id == inmate.id, Order.placed_at >= earliest, Order.status.in_(counted)
        )
    ).all()
    wants_quantities = any(isinstance(r, QuantityLimitRule) for r in protocols.rules)
    for order in orders:
        committed = (
            order.charged_cents - order.refunded_cents
            if order.status == OrderStatus.DELIVERED
            else order.held_cents
        )
        periods = [p for p, start in starts.items() if order.placed_at >= start]
        for period in periods:
            if period in spent:
                spent[period] += committed
        if wants_quantities:
            for line in order.lines:
                quantity = (
                    line.packed_quantity if order.status == OrderStatus.DELIVERED else line.quantity
                )
                for period in periods:
                    bought[(period, "product", line.product.sku)] += quantity or 0
                    bought[(period, "category", line.product.category.code)] += quantity or 0

    # Bans in force today and restricted tags, in one round trip.
    rows = db.execute(
        union_all(
            select(
                literal("ban").label("kind"),
                ShopBan.reason.label("text"),
                ShopBan.ends_on.label("ends_on"),
            ).where(
                ShopBan.inmate_id == inmate.id,
                ShopBan.starts_on <= today,
                ShopBan.ends_on >= today,
            ),
            select(literal("tag"), InmateRestriction.tag, cast(null(), ShopBan.ends_on.type)).where(
                InmateRestriction.inmate_id == inmate.id
            ),
        )
    ).all()
    restricted = frozenset(text for kind, text, _ in rows if kind == "tag")
    bans = sorted(((ends_on, text) for kind, text, ends_on in rows if kind == "ban"), reverse=True)
    the_round = the_round or round_for(db, inmate, settings, now)
    if spendable_id is None:
        spendable_id = payments.order_accounts(db, inmate).spendable_id
    return InmateContext(
        language=inmate.language,
        legal_status=inmate.legal_status,
        regime_level=inmate.regime_level,
        age_years=_age(inmate.date_of_birth, today),
        available_cents=payments.available_cents(db, spendable_id),
        minimum_monthly_wage_cents=settings["money.minimum_monthly_wage_cents"],
        spent_cents=spent,
        bought=dict(bought),
        restricted_tags=restricted,
        ban=ActiveBan(*bans[0]) if bans else None,
        window_open=the_round.window_open,
        next_window_opens=the_round.opens_at.strftime("%Y-%m-%d %H:%M"),
    )


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


def _sold_to(product: Product, inmate: Inmate) -> bool:
    if not product.active:
        return False
    if product.prison_id is not None and product.prison_id != inmate.prison_id:
        return False
    return not product.wings or any(w.wing_id == inmate.wing_id for w in product.wings)


def _category_names(category: Category) -> dict[str, str]:
    return {"et": category.name_et, "ru": category.name_ru, "en": category.name_en}


def _draft(db: Session, inmate: Inmate, lines: Sequence[CartLine]) -> list[DraftLine]:
    merged = _merged(lines)
    if not merged:
        return []
    # Only the cart's products, in one query (plus one for their wings): no N+1.
    products = {
        p.id: p
        for p in db.scalars(
            select(Product).options(joinedload(Product.wings)).where(Product.id.in_(merged))
        ).unique()
    }
    if len(products) != len(merged):
        raise NotFound("The cart names a product that does not exist; start a new cart.")
    draft = []
    for product_id, quantity in merged.items():
        product = products[product_id]
        draft.append(
            DraftLine(
                ProductInfo(
                    id=product.id,
                    sku=product.sku,
                    category=product.category.code,
                    names=product.names,
                    unit_price_cents=product.price_cents,
                    tags=frozenset(product.tags),
                    available=_sold_to(product, inmate),
                    stock=product.stock,
                    category_names=_category_names(product.category),
                    vat_basis_points=product.vat_basis_points,
                ),
                quantity,
            )
        )
    return draft


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
    now = now or utcnow()
    return evaluate(
        protocols, _draft(db, inmate, lines), inmate_context(db, inmate, protocols, settings, now)
    )


# --- placing --------------------------------------------------------------------------------


def _payload_hash(inmate_id: int, lines: Sequence[CartLine], consent: bool) -> str:
    merged = _merged(lines)
    canonical = json.dumps(
        {"inmate": inmate_id, "lines": sorted(merged.items()), "consent": consent},
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


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
) -> Order:
    """Check the order against the protocols and hold its price. The same key again returns
    the first order; the same key with other lines is refused.

    A refusal raises OrderRefused after flushing its audit row and nothing else, so the entry
    point should commit (not roll back) to keep the record of what was refused and why."""
    now = now or utcnow()
    key = key.strip()
    if not 8 <= len(key) <= 100:
        raise InvalidInput("Order key: send a unique key of 8 to 100 characters with each order.")
    payload = _payload_hash(inmate.id, lines, substitution_consent)
    # One order at a time per inmate: the balance and the caps are read and spent under this
    # lock (SQLite: the write lock BEGIN IMMEDIATE took). The row is re-read under the lock,
    # and the same round trip brings the wing's round.
    inmate, schedule_row = db.execute(
        select(Inmate, ShopSchedule)
        .outerjoin(ShopSchedule, ShopSchedule.wing_id == Inmate.wing_id)
        .options(joinedload(Inmate.prison, innerjoin=True))
        .where(Inmate.id == inmate.id)
        .with_for_update(of=Inmate)
        .execution_options(populate_existing=True)
    ).one()
    # The key is looked for in a statement of its own, after the lock is ours: inside the
    # locking statement PostgreSQL may read it before waiting, and miss an order made by a
    # double press that held the lock meanwhile.
    existing = db.scalar(select(Order).where(Order.key == key))
    if existing is not None:
        if existing.inmate_id != inmate.id or existing.payload_hash != payload:
            raise Conflict(
                "This order key was already used for a different order; "
                "send the new order with a new key."
            )
        return existing
    if inmate.status != InmateStatus.ACTIVE:
        raise Forbidden("Only inmates held here can order from the shop.")
    if inmate.wing_id is None:
        raise Forbidden("You are not placed on a wing, so the shop cannot deliver to you.")
    draft = _draft(db, inmate, lines)
    the_round = current_round(_schedule(schedule_row, settings), now.astimezone(_zone(inmate)))
    accounts = payments.order_accounts(db, inmate)
    ctx = inmate_context(
        db,
        inmate,
        protocols,
        settings,
        now,
        the_round=the_round,
        spendable_id=accounts.spendable_id,
    )
    result = evaluate(protocols, draft, ctx)
    if result.ok:
        try:
            # A savepoint: a hold the ledger refuses leaves no half-made order behind.
            with db.begin_nested():
                return _create_order(
                    db,
                    actor,
                    inmate,
                    accounts,
                    draft,
                    result,
                    the_round,
                    key=key,
                    payload=payload,
                    substitution_consent=substitution_consent,
                    settings=settings,
                    now=now,
                )
        except ledger.InsufficientFunds:
            # Money left by another route (not a shop order) between our check and the hold.
            ctx = inmate_context(db, inmate, protocols, settings, now, the_round=the_round)
            result = evaluate(protocols, draft, ctx)
            if result.ok:
                # The rules see no problem (e.g. no balance rule) but the ledger does: say so
                # with the ledger's own figure.
                available = max(payments.available_cents(db, accounts.spendable_id), 0)
                numbers = {"total_cents": result.total_cents, "available_cents": available}
                result = replace(
                    result,
                    violations=(
                        Violation(
                            "insufficient_balance",
                            "balance",
                            render("insufficient_balance", inmate.language, numbers),
                            numbers,
                        ),
                    ),
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


def _create_order(
    db: Session,
    actor: Actor,
    inmate: Inmate,
    accounts: payments.OrderAccounts,
    draft: Sequence[DraftLine],
    result: CheckResult,
    the_round: Round,
    *,
    key: str,
    payload: str,
    substitution_consent: bool,
    settings: Settings,
    now: datetime,
) -> Order:
    order = Order(
        key=key,
        payload_hash=payload,
        inmate_id=inmate.id,
        prison_id=inmate.prison_id,
        wing_id=inmate.wing_id,
        delivery_on=the_round.delivery_on,
        substitution_consent=substitution_consent,
        held_cents=result.total_cents,
        placed_at=now,
        placed_via=actor.kind,
        lines=[
            OrderLine(
                product_id=d.product.id,
                quantity=d.quantity,
                # The price the inmate saw and agreed to, whatever happens to it later.
                unit_price_cents=d.product.unit_price_cents,
                vat_basis_points=d.product.vat_basis_points,
            )
            for d in draft
        ],
    )
    db.add(order)
    db.flush()
    # Written before the hold: the ledger's accounts stay locked from the hold to the commit,
    # so the less that comes after it, the more orders a prison can place at once.
    record(
        db,
        actor,
        "shop.order.place",
        target_type="order",
        target_id=order.id,
        inmate_id=inmate.id,
        held_cents=order.held_cents,
        delivery_on=order.delivery_on.isoformat(),
        lines=len(order.lines),
    )
    grace = timedelta(days=settings["shop.hold_grace_days"] + 1)
    expires_local = datetime.combine(the_round.delivery_on + grace, time(0, 0), _zone(inmate))
    order.hold_transfer_id = payments.hold(
        db,
        actor,
        accounts,
        key=f"shop:{key}:hold",
        amount_cents=result.total_cents,
        order_number=order.number,
        expires_at=expires_local.astimezone(UTC),
    )
    db.flush()
    return order


# --- the order's life -----------------------------------------------------------------------


def _order(db: Session, order_id: int, *, lock: bool = True) -> Order:
    stmt = select(Order).where(Order.id == order_id)
    if lock:
        # Locked and re-read: a copy already in the session may be stale.
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    order = db.scalar(stmt)
    if order is None:
        raise NotFound("No such order.")
    return order


def _move(db: Session, actor: Actor, order: Order, to: OrderStatus, **details: object) -> None:
    current = OrderStatus(order.status)
    if to not in TRANSITIONS[current]:
        raise Conflict(f"Order {order.number} is {current.value}; it cannot become {to.value}.")
    order.status = to.value
    db.flush()
    record(
        db,
        actor,
        f"shop.order.{to.value}",
        target_type="order",
        target_id=order.id,
        previous=current.value,
        **details,
    )


def order_for_inmate(db: Session, inmate: Inmate, order_id: int) -> Order:
    """An inmate's own order; another inmate's order is 'not found', never shown."""
    order = db.get(Order, order_id)
    if order is None or order.inmate_id != inmate.id:
        raise NotFound("No such order.")
    return order


def orders_of(db: Session, inmate: Inmate, limit: int = 20) -> list[Order]:
    return list(
        db.scalars(
            select(Order).where(Order.inmate_id == inmate.id).order_by(Order.id.desc()).limit(limit)
        )
    )


def cancel_order(
    db: Session, actor: Actor, order_id: int, *, inmate: Inmate | None = None
) -> Order:
    """Cancel before picking starts and release the hold. `inmate` limits it to his orders."""
    order = _order(db, order_id)
    if inmate is not None and order.inmate_id != inmate.id:
        raise NotFound("No such order.")
    if order.status == OrderStatus.CANCELLED:
        return order
    if order.status != OrderStatus.PLACED:
        raise Conflict(
            f"Order {order.number} is already being packed and cannot be cancelled;"
            " refuse it at delivery or ask the shop."
        )
    assert order.hold_transfer_id is not None
    payments.release(
        db,
        actor,
        key=f"shop:{order.key}:void",
        hold_id=order.hold_transfer_id,
        order_number=order.number,
        why="cancelled",
    )
    order.cancelled_at = utcnow()
    _move(db, actor, order, OrderStatus.CANCELLED)
    return order


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
) -> Order:
    """Record what was packed per line (shortfalls as smaller numbers) and take it from stock.
    Substitutes are allowed only where the inmate consented when ordering."""
    substitutes = substitutes or {}
    order = _order(db, order_id)
    if order.status == OrderStatus.PACKED:
        same = all(
            line.packed_quantity == packed.get(line.id, line.quantity) for line in order.lines
        )
        if same:
            return order
        raise Conflict(f"Order {order.number} is packed already with other quantities.")
    if order.status not in (OrderStatus.PLACED, OrderStatus.PICKING):
        raise Conflict(f"Order {order.number} is {order.status}; it cannot be packed.")
    if order.status == OrderStatus.PLACED:
        _move(db, actor, order, OrderStatus.PICKING)
    lines = {line.id: line for line in order.lines}
    unknown = (set(packed) | set(substitutes)) - set(lines)
    if unknown:
        raise InvalidInput(f"Order {order.number} has no line {sorted(unknown)[0]}.")
    if substitutes and not order.substitution_consent:
        raise InvalidInput("The inmate did not agree to substitutes: pack less instead.")
    # Stock rows locked in one fixed order (by id), so two packers never lose a count or
    # deadlock, and re-read under the lock.
    wanted = {line.product_id for line in lines.values()} | set(substitutes.values())
    stock = {
        p.id: p
        for p in db.scalars(
            select(Product)
            .where(Product.id.in_(sorted(wanted)))
            .order_by(Product.id)
            .with_for_update(of=Product)
            .execution_options(populate_existing=True)
        )
    }
    shortfalls = {}
    for line_id, line in lines.items():
        quantity = packed.get(line_id, line.quantity)
        if not 0 <= quantity <= line.quantity:
            raise InvalidInput(f"{line.product.name_en}: pack between 0 and {line.quantity}.")
        product = stock[line.product_id]
        if line_id in substitutes:
            substitute = stock.get(substitutes[line_id])
            if substitute is None:
                raise NotFound("No such product to substitute.")
            _check_substitute(db, order, substitute)
            line.substitute_product_id = substitute.id
            line.substitute_unit_price_cents = substitute.price_cents
            product = substitute
        if quantity > product.stock:
            raise InvalidInput(
                f"{product.name_en}: only {product.stock} in stock; "
                "pack fewer or correct the stock first."
            )
        product.stock -= quantity
        line.packed_quantity = quantity
        if quantity < line.quantity:
            shortfalls[line.product.sku] = line.quantity - quantity
    order.packed_at = utcnow()
    order.packed_by = actor.name
    _move(db, actor, order, OrderStatus.PACKED, shortfalls=shortfalls)
    return order


def _check_substitute(db: Session, order: Order, substitute: Product) -> None:
    """A substitute must be sold to the inmate and free of his diet, medical and security
    restrictions: consent to a substitute is not consent to what he may not have."""
    if not _sold_to(substitute, order.inmate):
        raise InvalidInput(f"{substitute.name_en} is not sold on this inmate's wing.")
    restricted = set(
        db.scalars(
            select(InmateRestriction.tag).where(InmateRestriction.inmate_id == order.inmate_id)
        )
    )
    hit = restricted & set(substitute.tags)
    if hit:
        raise InvalidInput(
            f"{substitute.name_en} is restricted for this inmate ({', '.join(sorted(hit))}); "
            "choose another substitute or pack less."
        )


def deliver_order(
    db: Session, actor: Actor, order_id: int, *, inmate: Inmate | None = None
) -> Order:
    """Delivery acknowledged (by the inmate, or by an officer): charge what was delivered and
    release the rest of the hold."""
    order = _order(db, order_id)
    if inmate is not None and order.inmate_id != inmate.id:
        raise NotFound("No such order.")
    if order.status == OrderStatus.DELIVERED:
        return order
    if order.status != OrderStatus.PACKED:
        raise Conflict(
            f"Order {order.number} is {order.status}; only a packed order can be delivered."
        )
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
    order = _order(db, order_id)
    if inmate is not None and order.inmate_id != inmate.id:
        raise NotFound("No such order.")
    # Looked for under the order's lock: the same refund sent twice at once is made once.
    existing = db.scalar(select(ShopRefund).where(ShopRefund.key == key))
    if existing is not None:
        if existing.order_line_id != line_id or existing.quantity != quantity:
            raise Conflict("This refund key was used for another refund.")
        return existing
    if order.status != OrderStatus.DELIVERED:
        raise Conflict(f"Order {order.number} is not delivered; cancel or repack instead.")
    line = next((line for line in order.lines if line.id == line_id), None)
    if line is None:
        raise NotFound("No such line on this order.")
    left = (line.packed_quantity or 0) - line.refunded_quantity
    if not 1 <= quantity <= left:
        raise InvalidInput(f"Quantity: between 1 and {left} can still be refunded on this line.")
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


def expire_stale_orders(
    db: Session, actor: Actor, settings: Settings, now: datetime | None = None
) -> list[Order]:
    """Release the holds of orders never delivered within the grace period."""
    now = now or utcnow()
    cutoff = now.date() - timedelta(days=settings["shop.hold_grace_days"])
    stale = db.scalars(
        select(Order)
        .where(Order.status.in_([s.value for s in OPEN_STATUSES]), Order.delivery_on < cutoff)
        .order_by(Order.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    packed = [line for order in stale if order.status == OrderStatus.PACKED for line in order.lines]
    if packed:
        # Packed goods nobody collected go back on the shelf (rows locked in id order).
        stock = {
            p.id: p
            for p in db.scalars(
                select(Product)
                .where(
                    Product.id.in_(
                        sorted({li.substitute_product_id or li.product_id for li in packed})
                    )
                )
                .order_by(Product.id)
                .with_for_update(of=Product)
                .execution_options(populate_existing=True)
            )
        }
        for line in packed:
            stock[line.substitute_product_id or line.product_id].stock += line.packed_quantity or 0
    for order in stale:
        assert order.hold_transfer_id is not None
        payments.release(
            db,
            actor,
            key=f"shop:{order.key}:expire",
            hold_id=order.hold_transfer_id,
            order_number=order.number,
            why="not delivered in time",
        )
        _move(db, actor, order, OrderStatus.EXPIRED)
    return list(stale)


# --- the shop floor -------------------------------------------------------------------------


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
    """What the shop walks the shelves with: every product of a wing's round, summed."""
    rows = db.execute(
        select(OrderLine.product_id, func.sum(OrderLine.quantity), func.count(Order.id))
        .join(Order)
        .where(
            Order.wing_id == wing_id,
            Order.delivery_on == delivery_on,
            Order.status.in_([OrderStatus.PLACED.value, OrderStatus.PICKING.value]),
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
