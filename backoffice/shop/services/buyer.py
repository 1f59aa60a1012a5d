"""What the check reads, first part: the inmate and the cart as checking and placing see them.

Checking a cart and placing an order read the same things in two statements: the inmate
(with his prison's time zone, his wing's round and the cart's products; locked when
placing), here, then everything else about him in one UNION ALL (his money, his earlier
orders in the period, bans, restrictions and, when placing, whether the order key was used),
in `reading`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Boolean,
    Date,
    Integer,
    String,
    bindparam,
    case,
    cast,
    literal_column,
    select,
    type_coerce,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from ...db import run_on_driver, utcnow
from ...errors import NotFound
from ...people.models import Inmate, Prison
from ...settings import Settings
from ..models import Category, Product, ShopHoliday, ShopSchedule
from ..protocols import ProductInfo
from ..rounds import Round, Schedule, current_round
from .catalogue import _sold_here


def _schedule(
    row: tuple[int, int, str, int] | None, settings: Settings, holidays: frozenset[date]
) -> Schedule:
    """A wing's schedule from its row (opens, cut-off weekday and time, delivery weekday), or
    the settings' default where the wing has none, with the prison's shop holidays."""
    if row is not None:
        opens, cutoff, cutoff_time, delivery = row
        hours, minutes = (int(part) for part in cutoff_time.split(":"))
        return Schedule(opens, cutoff, time(hours, minutes), delivery, holidays)
    hours, minutes = (int(part) for part in settings["shop.default_cutoff_time"].split(":"))
    return Schedule(
        settings["shop.default_opens_weekday"],
        settings["shop.default_cutoff_weekday"],
        time(hours, minutes),
        settings["shop.default_delivery_weekday"],
        holidays,
    )


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
    # His prison's shop holidays from today on.
    holidays: frozenset[date] = frozenset()

    def round(self, settings: Settings, now: datetime) -> Round:
        return current_round(
            _schedule(self.schedule, settings, self.holidays),
            now.astimezone(ZoneInfo(self.timezone)),
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


# His prison's shop holidays from a week ago on (a round that began then may deliver after
# one), as text ("2026-12-24,2026-12-26") in the same row: no round trip of their own.
class _Joined(FunctionElement[str]):
    """The texts of a column joined with commas: string_agg on PostgreSQL, group_concat on
    SQLite. Not SQLAlchemy's aggregate_strings, whose separator is a bound literal that the
    driver's cursor (`run_on_driver`) is never given."""

    type = String()
    inherit_cache = True


@compiles(_Joined)
def _group_concat(element: _Joined, compiler: Any, **kw: Any) -> str:
    return f"group_concat({compiler.process(element.clauses, **kw)}, ',')"


@compiles(_Joined, "postgresql")
def _string_agg(element: _Joined, compiler: Any, **kw: Any) -> str:
    return f"string_agg({compiler.process(element.clauses, **kw)}, ',')"


_HOLIDAYS = (
    select(_Joined(cast(ShopHoliday.on_date, String)))
    .where(
        ShopHoliday.prison_id == Inmate.prison_id,
        ShopHoliday.on_date >= bindparam("holidays_from", type_=Date()),
    )
    .scalar_subquery()
)
_PRODUCTS_AT = len(_BUYER_COLUMNS) + 1  # where the cart's products' columns begin


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
        select(*_BUYER_COLUMNS, _HOLIDAYS)
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
    params["holidays_from"] = utcnow().date() - timedelta(days=7)
    rows = run_on_driver(
        db, _buyer_statement(len(merged), lock), {"inmate_id": inmate_id, **params}
    )
    if not rows:
        raise NotFound("No such inmate.")
    person, schedule, holidays = rows[0][:9], tuple(rows[0][9:13]), rows[0][13]
    buyer = _Buyer(
        *person,
        schedule=None if schedule[0] is None else schedule,
        holidays=frozenset(date.fromisoformat(d) for d in holidays.split(","))
        if holidays
        else frozenset(),
    )
    products = {}
    for row in rows:
        if len(row) == _PRODUCTS_AT or row[_PRODUCTS_AT] is None:
            continue
        id_, sku, category, et, ru, en, price, tags, sold, stock, *more = row[_PRODUCTS_AT:]
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
