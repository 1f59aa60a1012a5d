"""Stock is reserved when an order is placed, on SQLite and PostgreSQL: two inmates cannot
both order the last three, also at the same moment; cancelling, expiry and a shortfall at
packing give the reservation back, and a substitute never takes what another order reserved."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.audit.services import Actor
from backoffice.db import make_engine, make_session_factory
from backoffice.errors import InvalidInput
from backoffice.people.models import Inmate
from backoffice.settings import Settings
from backoffice.shop import services as shop
from backoffice.shop.models import Category, Order, Product
from backoffice.shop.protocols import Protocols
from tests.concurrency import Start, run_together
from tests.integration.test_shop_flow import FRIDAY, MONDAY, deposit, ledger_sums_to_zero, spendable


@pytest.fixture
def protocols(settings: Settings) -> Protocols:
    return shop.protocols_from(settings)


@pytest.fixture
def staff() -> Actor:
    return Actor(kind="staff", id=1, name="sirje")


NAMES = {
    "radio": ("Raadio", "Радио"),
    "kettle": ("Veekeetja", "Чайник"),
    "coffee": ("Kohv", "Кофе"),
    "tea": ("Tee", "Чай"),
}


@pytest.fixture
def make_product(db: Session, staff: Actor) -> Callable[..., Product]:
    db.add(Category(code="food", name_et="Toit", name_ru="Еда", name_en="Food"))
    db.commit()

    def make(name: str, price_cents: int, stock: int) -> Product:
        et, ru = NAMES[name]
        product = shop.create_product(
            db,
            staff,
            sku=name.upper(),
            category_code="food",
            names={"et": et, "ru": ru, "en": name.title()},
            price_cents=price_cents,
            stock=stock,
        )
        db.commit()
        return product

    return make


@pytest.fixture
def make_buyer(db: Session, make_inmate: Callable[..., Inmate]) -> Callable[..., Inmate]:
    def make(language: str = "en") -> Inmate:
        inmate = make_inmate(legal_status="remand", language=language)
        deposit(db, inmate, 5_000)
        return inmate

    return make


def place(
    db: Session,
    inmate: Inmate,
    protocols: Protocols,
    settings: Settings,
    lines: dict[Product, int],
    **kw: object,
) -> Order:
    order = shop.place_order(
        db,
        Actor(kind="inmate", id=inmate.id, name=inmate.prison_number),
        inmate,
        [shop.CartLine(p.id, q) for p, q in lines.items()],
        key=secrets.token_hex(8),
        protocols=protocols,
        settings=settings,
        now=MONDAY,
        **kw,
    )
    db.commit()
    return order


def refused(
    db: Session,
    inmate: Inmate,
    protocols: Protocols,
    settings: Settings,
    lines: dict[Product, int],
) -> list[str]:
    """What the inmate is told when the order is refused (the refusal is kept, as the kiosk
    keeps it)."""
    with pytest.raises(shop.OrderRefused) as refusal:
        place(db, inmate, protocols, settings, lines)
    db.commit()
    return [v.message for v in refusal.value.violations]


def stock_of(db: Session, product: Product) -> tuple[int, int]:
    """(on the shelf, reserved), as stored."""
    db.expire_all()
    stored = db.get(Product, product.id)
    assert stored is not None
    return stored.stock, stored.reserved


def test_an_order_reserves_its_stock_and_the_next_inmate_is_told_what_is_left(
    db: Session,
    make_buyer: Callable[..., Inmate],
    make_product: Callable[..., Product],
    protocols: Protocols,
    settings: Settings,
) -> None:
    radio = make_product("radio", 1_000, stock=3)
    first, second = make_buyer(), make_buyer(language="et")
    place(db, first, protocols, settings, {radio: 3})
    check = shop.check_cart(
        db, second, [shop.CartLine(radio.id, 1)], protocols=protocols, settings=settings, now=MONDAY
    )
    assert [v.message for v in check.violations] == ["„Raadio“: laos on ainult 0."]
    assert refused(db, second, protocols, settings, {radio: 1}) == ["„Raadio“: laos on ainult 0."]
    assert spendable(db, second).available_cents == 5_000
    assert db.scalar(select(func.count()).select_from(Order)) == 1
    # Still on the shelf until packed, but promised to the first order.
    assert stock_of(db, radio) == (3, 3)
    assert shop.catalogue_for(db, second)[0].free_stock == 0
    ledger_sums_to_zero(db)


def test_two_inmates_ordering_the_last_three_at_once_get_one_order(
    database_url: str,
    db: Session,
    make_buyer: Callable[..., Inmate],
    make_product: Callable[..., Product],
    settings: Settings,
) -> None:
    """Both read three in stock and both carts pass the rules; the reservation lets one
    through and tells the other why (on PostgreSQL the second waits for the first's row
    lock, then reads what it left)."""
    radio = make_product("radio", 1_000, stock=3)
    buyers = [make_buyer(), make_buyer()]
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    protocols = shop.protocols_from(settings)
    outcomes: list[str] = []

    def order(start: Start, inmate_id: int) -> None:
        with sessions() as session:
            inmate = session.get(Inmate, inmate_id)
            session.commit()
            start()
            try:
                shop.place_order(
                    session,
                    Actor(kind="inmate", id=inmate_id, name="race"),
                    inmate,
                    [shop.CartLine(radio.id, 3)],
                    key=f"last-three-{inmate_id}",
                    protocols=protocols,
                    settings=settings,
                    now=MONDAY,
                )
                session.commit()
                outcomes.append("placed")
            except shop.OrderRefused as refusal:
                session.commit()  # keeps the audit row of the refusal
                outcomes.extend(v.message for v in refusal.violations)
            except Exception as error:  # reported, not lost in the thread
                session.rollback()
                outcomes.append(f"error: {error!r}")

    run_together([partial(order, inmate_id=b.id) for b in buyers])
    engine.dispose()
    assert sorted(outcomes) == ["placed", "“Radio”: only 0 in stock."]
    assert stock_of(db, radio) == (3, 3)
    assert db.scalar(select(func.count()).select_from(Order)) == 1
    # The one refused has all his money.
    assert sorted(spendable(db, b).available_cents for b in buyers) == [2_000, 5_000]
    ledger_sums_to_zero(db)


def test_cancelling_gives_the_reserved_stock_back(
    db: Session,
    make_buyer: Callable[..., Inmate],
    make_product: Callable[..., Product],
    protocols: Protocols,
    settings: Settings,
    staff: Actor,
) -> None:
    radio = make_product("radio", 1_000, stock=3)
    first, second = make_buyer(), make_buyer()
    order = place(db, first, protocols, settings, {radio: 3})
    assert refused(db, second, protocols, settings, {radio: 3}) == ["“Radio”: only 0 in stock."]
    shop.cancel_order(db, staff, order.id, inmate=first)
    db.commit()
    assert place(db, second, protocols, settings, {radio: 3}).status == "placed"
    assert stock_of(db, radio) == (3, 3)


def test_a_shortfall_at_packing_gives_its_reservation_back(
    db: Session,
    make_buyer: Callable[..., Inmate],
    make_product: Callable[..., Product],
    protocols: Protocols,
    settings: Settings,
    staff: Actor,
) -> None:
    radio = make_product("radio", 1_000, stock=5)
    first, second, third = make_buyer(), make_buyer(), make_buyer()
    short = place(db, first, protocols, settings, {radio: 3})
    place(db, second, protocols, settings, {radio: 2})
    assert refused(db, third, protocols, settings, {radio: 1}) == ["“Radio”: only 0 in stock."]
    # One radio of the first order's three is packed, two are missing: only the packed one
    # leaves the shelf, the missing two are free again, the second order's two stay reserved.
    shop.pack_order(db, staff, short.id, {short.lines[0].id: 1})
    db.commit()
    assert place(db, third, protocols, settings, {radio: 2}).status == "placed"
    assert refused(db, third, protocols, settings, {radio: 1}) == ["“Radio”: only 0 in stock."]
    assert stock_of(db, radio) == (4, 4)


def test_expiry_gives_the_reserved_stock_back(
    db: Session,
    make_buyer: Callable[..., Inmate],
    make_product: Callable[..., Product],
    protocols: Protocols,
    settings: Settings,
    staff: Actor,
) -> None:
    radio, kettle = make_product("radio", 1_000, stock=3), make_product("kettle", 900, stock=2)
    buyer, other = make_buyer(), make_buyer()
    never_packed = place(db, buyer, protocols, settings, {radio: 3})
    packed = place(db, buyer, protocols, settings, {kettle: 2})
    shop.pack_order(db, staff, packed.id, {})
    db.commit()
    assert refused(db, other, protocols, settings, {radio: 3}) == ["“Radio”: only 0 in stock."]
    later = datetime.combine(
        FRIDAY + timedelta(days=settings["shop.hold_grace_days"] + 2), datetime.min.time(), UTC
    )
    expired = shop.expire_stale_orders(db, Actor.system(), settings, now=later)
    db.commit()
    assert [o.id for o in expired] == [never_packed.id, packed.id]
    assert spendable(db, buyer).available_cents == 5_000
    # The radios were never packed: free again. The kettles come back to the shelf.
    assert (stock_of(db, radio), stock_of(db, kettle)) == ((3, 0), (2, 0))
    ledger_sums_to_zero(db)


def test_a_substitute_never_takes_what_another_order_reserved(
    db: Session,
    make_buyer: Callable[..., Inmate],
    make_product: Callable[..., Product],
    protocols: Protocols,
    settings: Settings,
    staff: Actor,
) -> None:
    coffee, tea = make_product("coffee", 350, stock=1), make_product("tea", 300, stock=2)
    first, second = make_buyer(), make_buyer()
    order = place(db, first, protocols, settings, {coffee: 1}, substitution_consent=True)
    place(db, second, protocols, settings, {tea: 2})
    rules = {"protocols": protocols, "settings": settings}
    with pytest.raises(InvalidInput, match="Tea: only 0 in stock that no other order has"):
        shop.pack_order(db, staff, order.id, {}, {order.lines[0].id: tea.id}, **rules)
    db.rollback()
    assert (stock_of(db, coffee), stock_of(db, tea)) == ((1, 1), (2, 2))
    # The product ordered may still be packed as it is.
    shop.pack_order(db, staff, order.id, {}, **rules)
    db.commit()
    assert (stock_of(db, coffee), stock_of(db, tea)) == ((0, 0), (2, 2))
