"""Shop services: the catalogue, the dry-run check, placing, picking, packing, delivering,
cancelling and refunding orders. Each takes the session and the acting person and only flushes.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    Boolean,
    ColumnElement,
    Date,
    Integer,
    Select,
    String,
    Table,
    and_,
    bindparam,
    case,
    cast,
    func,
    insert,
    literal_column,
    null,
    or_,
    select,
    text,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy import Sequence as DbSequence
from sqlalchemy.orm import Session, make_transient_to_detached, selectinload
from sqlalchemy.orm.attributes import set_committed_value

import ledger
from ledger.models import Account, Ledger

from ..audit.models import AuditEvent
from ..audit.services import Actor, record
from ..db import UTCDateTime, is_postgresql, run_on_driver, utcnow
from ..errors import Conflict, Forbidden, InvalidInput, NotFound
from ..money.services import LEDGER_CODE
from ..people.models import Inmate, InmateStatus, Prison
from ..settings import Settings
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
from .protocol_versions import start_file
from .protocols import (
    ActiveBan,
    BalanceRule,
    CheckResult,
    DraftLine,
    InmateContext,
    ProductInfo,
    Protocols,
    QuantityLimitRule,
    Violation,
    evaluate,
)
from .rounds import Round, Schedule, current_round, period_starts


class OrderRefused(InvalidInput):
    """The protocols refuse the order; `violations` says every reason, in the inmate's words."""

    code = "order-refused"

    def __init__(self, violations: Sequence[Violation]) -> None:
        super().__init__(" ".join(v.message for v in violations))
        self.violations = tuple(violations)


class BeforeDeliveryDay(Conflict):
    """The inmate confirms receipt of an order before the day it is brought to him."""

    code = "order-not-due"

    def __init__(self, order: Order) -> None:
        super().__init__(
            f"Order {order.number} is brought on {order.delivery_on.isoformat()}; its delivery "
            "can be confirmed from that day.",
            number=order.number,
            delivery_on=order.delivery_on,
        )
        self.delivery_on = order.delivery_on


@dataclass(frozen=True)
class CartLine:
    product_id: int
    quantity: int


def protocols_from(settings: Settings) -> Protocols:
    """The configured file's rules, checked as an app's start checks them. The apps apply the
    rules in force instead (protocol_versions.RuleBook), which a reload changes."""
    return start_file(settings).protocols


# --- catalogue ------------------------------------------------------------------------------


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


def _schedule(row: tuple[int, int, str, int] | None, settings: Settings) -> Schedule:
    """A wing's schedule from its row (opens, cut-off weekday and time, delivery weekday), or
    the settings' default where the wing has none."""
    if row is not None:
        opens, cutoff, cutoff_time, delivery = row
        hours, minutes = (int(part) for part in cutoff_time.split(":"))
        return Schedule(opens, cutoff, time(hours, minutes), delivery)
    hours, minutes = (int(part) for part in settings["shop.default_cutoff_time"].split(":"))
    return Schedule(
        settings["shop.default_opens_weekday"],
        settings["shop.default_cutoff_weekday"],
        time(hours, minutes),
        settings["shop.default_delivery_weekday"],
    )


# --- what the check reads -------------------------------------------------------------------
#
# Checking a cart and placing an order read the same things in two statements: the inmate
# (with his prison's time zone, his wing's round and the cart's products; locked when
# placing), then everything else about him in one UNION ALL (his money, his earlier orders in
# the period, bans, restrictions and, when placing, whether the order key was used).


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


@dataclass(frozen=True, slots=True)
class _Buyer:
    """The inmate as checking and placing see him, read fresh from his row."""

    id: int
    prison_id: int
    wing_id: int | None
    status: str
    language: str
    legal_status: str
    regime_level: str
    date_of_birth: date
    timezone: str
    # His wing's ShopSchedule (opens, cut-off weekday and time, delivery); None: the default.
    schedule: tuple[int, int, str, int] | None

    def round(self, settings: Settings, now: datetime) -> Round:
        return current_round(
            _schedule(self.schedule, settings), now.astimezone(ZoneInfo(self.timezone))
        )


_BUYER_COLUMNS = (
    Inmate.id,
    Inmate.prison_id,
    Inmate.wing_id,
    Inmate.status,
    Inmate.language,
    Inmate.legal_status,
    Inmate.regime_level,
    Inmate.date_of_birth,
    Prison.timezone,
    ShopSchedule.opens_weekday,
    ShopSchedule.cutoff_weekday,
    ShopSchedule.cutoff_time,
    ShopSchedule.delivery_weekday,
)
# What can still be ordered: the stock less what placed orders have reserved, never below none
# (a stock count may find less than was reserved). Product.free_stock says the same.
_FREE_STOCK = case(
    (Product.stock > Product.reserved, Product.stock - Product.reserved), else_=literal_column("0")
)
_PRODUCT_COLUMNS = (
    Product.id,
    Product.sku,
    Category.code,
    Product.name_et,
    Product.name_ru,
    Product.name_en,
    Product.price_cents,
    Product.tags,
    type_coerce(_sold_here(Inmate.prison_id, Inmate.wing_id), Boolean()),
    _FREE_STOCK,
    Category.name_et,
    Category.name_ru,
    Category.name_en,
    Product.vat_basis_points,
)


@functools.lru_cache(maxsize=128)
def _buyer_statement(products: int, lock: bool) -> Any:
    """The inmate's row with his prison's time zone and his wing's round, and beside it each of
    the cart's products (one row each) with its category and whether it is sold on his wing:
    one round trip, no ORM objects (placing never changes a product). One parameter per
    product: PostgreSQL then plans the statement once per cart size.

    Placing locks his row: one order at a time per inmate, so the balance and the caps are read
    and spent under this lock (SQLite: the write lock BEGIN IMMEDIATE took). The products are
    read as the lock is asked for; a price changed while it waits is like one changed a moment
    after it was read."""
    stmt = (
        select(*_BUYER_COLUMNS)
        .join(Prison, Prison.id == Inmate.prison_id)
        .outerjoin(ShopSchedule, ShopSchedule.wing_id == Inmate.wing_id)
        .where(Inmate.id == bindparam("inmate_id"))
    )
    if products:
        ids = [bindparam(f"product_{n}", type_=Integer()) for n in range(products)]
        stmt = (
            stmt.add_columns(*_PRODUCT_COLUMNS)
            .outerjoin(Product, Product.id.in_(ids))
            .outerjoin(Category, Category.id == Product.category_id)
        )
    return stmt.with_for_update(of=Inmate) if lock else stmt


def _buyer_and_cart(
    db: Session, inmate_id: int, merged: dict[int, int], *, lock: bool
) -> tuple[_Buyer, dict[int, ProductInfo]]:
    params = {f"product_{n}": product_id for n, product_id in enumerate(merged)}
    rows = run_on_driver(
        db, _buyer_statement(len(merged), lock), {"inmate_id": inmate_id, **params}
    )
    if not rows:
        raise NotFound("No such inmate.")
    person, schedule = rows[0][:9], tuple(rows[0][9:13])
    buyer = _Buyer(*person, schedule=None if schedule[0] is None else schedule)
    products = {}
    for row in rows:
        if len(row) == 13 or row[13] is None:
            continue
        id_, sku, category, et, ru, en, price, tags, sold, stock, *more = row[13:]
        category_et, category_ru, category_en, vat = more
        products[id_] = ProductInfo(
            id=id_,
            sku=sku,
            category=category,
            names={"et": et, "ru": ru, "en": en},
            unit_price_cents=price,
            tags=frozenset(tags),
            available=sold,
            stock=stock,
            category_names={"et": category_et, "ru": category_ru, "en": category_en},
            vat_basis_points=vat,
        )
    return buyer, products


@dataclass
class _Reading:
    """What one round trip found about the inmate (see `_reading_statement`)."""

    # The order already placed with this key: its id, its inmate and its payload's hash.
    existing: tuple[int, int, str] | None = None
    # code -> (account id, available cents: posted money less open holds)
    accounts: dict[str, tuple[int, int]] = field(default_factory=dict)
    # Earlier orders that count: (committed cents, placed at).
    orders: list[tuple[int, datetime]] = field(default_factory=list)
    # Their lines, when a rule counts quantities: (sku, category, quantity, placed at).
    lines: list[tuple[str, str, int, datetime]] = field(default_factory=list)
    bans: list[tuple[date, str]] = field(default_factory=list)
    restricted: set[str] = field(default_factory=set)


def _part(
    kind: str,
    *,
    id: Any = None,
    words: Any = None,
    words2: Any = None,
    number: Any = None,
    at: Any = None,
    on: Any = None,
) -> Select[Any]:
    """One SELECT of the reading's UNION ALL: every part has the same typed columns."""

    def column(value: Any, type_: Any, name: str) -> Any:
        # A typed NULL: PostgreSQL resolves a UNION's column types from left to right.
        return (cast(null(), type_) if value is None else type_coerce(value, type_)).label(name)

    return select(
        literal_column(f"'{kind}'", String()).label("kind"),
        column(id, BigInteger(), "id"),
        column(words, String(), "words"),
        column(words2, String(), "words2"),
        column(number, BigInteger(), "number"),
        column(at, UTCDateTime(), "at"),
        column(on, Date(), "on"),
    )


# Constants in the statement's text, not parameters: only the inmate's own values are bound.
_COUNTED = [literal_column(f"'{s.value}'") for s in (*OPEN_STATUSES, OrderStatus.DELIVERED)]
_DELIVERED = literal_column(f"'{OrderStatus.DELIVERED.value}'")


# The periods the protocols count in (rounds.period_starts): each is bound as its start.
_PERIODS = ("day", "week", "month")


@functools.lru_cache(maxsize=64)
def _reading_statement(counted_items: tuple[int, int] | None, placing: bool) -> Any:
    """Everything about the inmate that checking a cart needs besides his row and the cart's
    products, in one statement; placing adds the order key.

    His earlier orders come back summed, one row per set of periods they fall in (at most
    four), and their lines, when a rule counts quantities (`counted_items`: how many SKUs and
    categories the rules name), summed per item the rules name and per set of periods: an
    inmate's hundredth order of the month reads as few rows as his second."""
    inmate_id = bindparam("inmate_id", type_=Integer())
    earliest = bindparam("earliest", type_=UTCDateTime())
    today = bindparam("today", type_=Date())
    counted = and_(
        Order.inmate_id == inmate_id, Order.placed_at >= earliest, Order.status.in_(_COUNTED)
    )
    # Orders placed since the same period starts count alike in every period: one group each.
    in_periods = [
        Order.placed_at >= bindparam(f"{period}_starts", type_=UTCDateTime()) for period in _PERIODS
    ]
    delivered = Order.status == _DELIVERED
    parts = [
        _part(
            "account",
            id=Account.id,
            words=Account.code,
            number=Account.posted_credits_cents
            - Account.posted_debits_cents
            - Account.pending_debits_cents,
        )
        .join(Ledger, Ledger.id == Account.ledger_id)
        .where(
            Ledger.code == bindparam("ledger"),
            # IN, not OR: PostgreSQL then finds both in the (ledger, code) index.
            Account.code.in_([bindparam("spendable"), bindparam("shop")]),
        ),
        _part(
            "order",
            # Cast: PostgreSQL's sum of a bigint is a numeric.
            number=cast(
                func.sum(
                    case(
                        (delivered, Order.charged_cents - Order.refunded_cents),
                        else_=Order.held_cents,
                    )
                ),
                BigInteger(),
            ),
            # The earliest of the group stands for all of it: they share their periods.
            at=func.min(Order.placed_at),
        )
        .where(counted)
        .group_by(*in_periods),
        _part("ban", words=ShopBan.reason, on=ShopBan.ends_on).where(
            ShopBan.inmate_id == inmate_id, ShopBan.starts_on <= today, ShopBan.ends_on >= today
        ),
        _part("tag", words=InmateRestriction.tag).where(InmateRestriction.inmate_id == inmate_id),
    ]
    if counted_items is not None:
        skus, categories = counted_items
        # Only the items a rule names: no rule reads what the others add up to. An empty IN
        # is left out: compiled for the driver it is SQL that PostgreSQL refuses.
        named = []
        if skus:
            named_skus = [bindparam(f"sku_{n}", type_=String()) for n in range(skus)]
            named.append(Product.sku.in_(named_skus))
        if categories:
            codes = [bindparam(f"category_{n}", type_=String()) for n in range(categories)]
            named.append(Category.code.in_(codes))
        parts.append(
            _part(
                "line",
                words=Product.sku,
                words2=Category.code,
                number=cast(
                    func.sum(
                        case(
                            (
                                delivered,
                                func.coalesce(OrderLine.packed_quantity, literal_column("0")),
                            ),
                            else_=OrderLine.quantity,
                        )
                    ),
                    BigInteger(),
                ),
                at=func.min(Order.placed_at),
            )
            .select_from(OrderLine)
            .join(Order, Order.id == OrderLine.order_id)
            .join(Product, Product.id == OrderLine.product_id)
            .join(Category, Category.id == Product.category_id)
            .where(counted, or_(*named))
            .group_by(Product.sku, Category.code, *in_periods)
        )
    if placing:
        parts.append(
            _part("key", id=Order.id, words=Order.payload_hash, number=Order.inmate_id).where(
                Order.key == bindparam("key")
            )
        )
    return union_all(*parts)


def _counted_items(protocols: Protocols) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The SKUs and the categories whose quantities a rule limits over a period."""
    limits = [
        rule
        for rule in protocols.rules
        if isinstance(rule, QuantityLimitRule) and rule.period != "order"
    ]
    skus = sorted({rule.target for rule in limits if rule.scope == "product"})
    categories = sorted({rule.target for rule in limits if rule.scope == "category"})
    return tuple(skus), tuple(categories)


def _read(
    db: Session,
    buyer: _Buyer,
    protocols: Protocols,
    local_now: datetime,
    *,
    key: str | None = None,
) -> _Reading:
    placing = key is not None
    starts = period_starts(local_now)
    spendable, shop_account = payments.account_codes(buyer.id, buyer.prison_id)
    skus, categories = _counted_items(protocols)
    counted_items = (len(skus), len(categories)) if skus or categories else None
    stmt = _reading_statement(counted_items, placing)
    params = {
        "inmate_id": buyer.id,
        "earliest": min(starts.values()).astimezone(UTC),
        **{f"{period}_starts": starts[period].astimezone(UTC) for period in _PERIODS},
        **{f"sku_{n}": sku for n, sku in enumerate(skus)},
        **{f"category_{n}": category for n, category in enumerate(categories)},
        "today": local_now.date(),
        "ledger": LEDGER_CODE,
        "spendable": spendable,
        "shop": shop_account,
    }
    if placing:
        params["key"] = key
    found = _Reading()
    for kind, id_, words, words2, number, at, on in run_on_driver(db, stmt, params):
        if kind == "order":
            found.orders.append((number, at))
        elif kind == "line":
            found.lines.append((words, words2, number, at))
        elif kind == "account":
            found.accounts[words] = (id_, number)
        elif kind == "ban":
            found.bans.append((on, words))
        elif kind == "tag":
            found.restricted.add(words)
        elif kind == "key":
            found.existing = (id_, number, words)
    return found


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


def _order_accounts(
    db: Session, inmate: Inmate, buyer: _Buyer, found: _Reading
) -> tuple[payments.OrderAccounts, int]:
    """The order's two accounts and the money available, as read; opened on first use."""
    spendable, shop_account = payments.account_codes(buyer.id, buyer.prison_id)
    if spendable in found.accounts and shop_account in found.accounts:
        spendable_id, available = found.accounts[spendable]
        accounts = payments.OrderAccounts(spendable_id, found.accounts[shop_account][0])
        return accounts, available
    accounts = payments.order_accounts(db, inmate)
    return accounts, payments.available_cents(db, accounts.spendable_id)


def _context(
    buyer: _Buyer,
    found: _Reading,
    available_cents: int,
    settings: Settings,
    local_now: datetime,
    the_round: Round,
) -> InmateContext:
    """What the protocols need to know about the inmate, from what was read."""
    starts = period_starts(local_now)
    spent = {"week": 0, "month": 0}
    for committed, placed_at in found.orders:
        for period, start in starts.items():
            if period in spent and placed_at >= start:
                spent[period] += committed
    bought: dict[tuple[str, str, str], int] = defaultdict(int)
    for sku, category, quantity, placed_at in found.lines:
        for period, start in starts.items():
            if placed_at >= start:
                bought[(period, "product", sku)] += quantity
                bought[(period, "category", category)] += quantity
    bans = sorted(found.bans, reverse=True)
    today = local_now.date()
    return InmateContext(
        language=buyer.language,
        legal_status=buyer.legal_status,
        regime_level=buyer.regime_level,
        age_years=_age(buyer.date_of_birth, today),
        available_cents=available_cents,
        minimum_monthly_wage_cents=settings["money.minimum_monthly_wage_cents"],
        spent_cents=spent,
        bought=dict(bought),
        restricted_tags=frozenset(found.restricted),
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


def _sold_to(product: Product, prison_id: int, wing_id: int | None) -> bool:
    if not product.active:
        return False
    if product.prison_id is not None and product.prison_id != prison_id:
        return False
    return not product.wings or any(w.wing_id == wing_id for w in product.wings)


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
    now = now or utcnow()
    merged = _merged(lines)
    buyer, products = _buyer_and_cart(db, inmate.id, merged, lock=False)
    draft = _draft(products, merged)
    if buyer.wing_id is None:
        raise Forbidden("You are not placed on a wing, so the shop cannot deliver to you.")
    local_now = now.astimezone(ZoneInfo(buyer.timezone))
    found = _read(db, buyer, protocols, local_now)
    _, available = _order_accounts(db, inmate, buyer, found)
    ctx = _context(buyer, found, available, settings, local_now, buyer.round(settings, now))
    return evaluate(protocols, draft, ctx)


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
    should commit (not roll back) to keep the record of what was refused and why."""
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
    that can be is made ready before the hold, and only the write comes after it."""
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


def _locked_products(db: Session, ids: set[int]) -> dict[int, Product]:
    """Products locked in one fixed order (by id), so that two orders never lose a count or
    deadlock, and re-read under the lock. FOR NO KEY UPDATE, like placing's reservation: an
    order line being written may still refer to them meanwhile."""
    if not ids:
        return {}
    return {
        p.id: p
        for p in db.scalars(
            select(Product)
            .where(Product.id.in_(sorted(ids)))
            .order_by(Product.id)
            .with_for_update(of=Product, key_share=True)
            .execution_options(populate_existing=True)
        )
    }


def _release_reservations(stock: Mapping[int, Product], lines: Sequence[OrderLine]) -> None:
    """The stock an order reserved when it was placed, free for other orders again."""
    for line in lines:
        stock[line.product_id].reserved -= line.quantity


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
    # The money first, then the stock: placing locks in that order too.
    _release_reservations(_locked_products(db, {li.product_id for li in order.lines}), order.lines)
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
    stock = _locked_products(
        db, {line.product_id for line in lines.values()} | set(substitutes.values())
    )
    quantities = {}
    for line_id, line in lines.items():
        quantity = packed.get(line_id, line.quantity)
        if not 0 <= quantity <= line.quantity:
            raise InvalidInput(f"{line.product.name_en}: pack between 0 and {line.quantity}.")
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
            raise InvalidInput(
                f"{product.name_en}: only {on_hand} in stock"
                f"{' that no other order has reserved' if substitute else ''}; "
                "pack fewer or correct the stock first."
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
        raise InvalidInput(" ".join(reasons), order=order.number)


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
    order = _order(db, order_id)
    if inmate is not None and order.inmate_id != inmate.id:
        raise NotFound("No such order.")
    if order.status == OrderStatus.DELIVERED:
        return order
    if order.status != OrderStatus.PACKED:
        raise Conflict(
            f"Order {order.number} is {order.status}; only a packed order can be delivered."
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
    """Release the holds of orders never delivered within the grace period, and their stock."""
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
    unpacked = [
        line for order in stale if order.status != OrderStatus.PACKED for line in order.lines
    ]
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
    # The money first, then the stock (placing locks in that order too): what was never
    # packed frees its reservation, packed goods nobody collected go back on the shelf.
    stock = _locked_products(
        db,
        {line.product_id for line in unpacked}
        | {line.substitute_product_id or line.product_id for line in packed},
    )
    _release_reservations(stock, unpacked)
    for line in packed:
        stock[line.substitute_product_id or line.product_id].stock += line.packed_quantity or 0
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
