"""Demo data for the shop (`cellgate seed demo`): a catalogue in three languages with a picture
of every product, each wing's round, money for every inmate, and on wing B a restriction, a ban
and orders in every state, so the kiosk, the tablet and the shop's back office have something
to show.

Wing A's inmates get no orders here, and no money when `money_for_wing_a` is false: the kiosk's
end-to-end tests give two of them their own and check the exact balances."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.services import Actor
from ..db import utcnow
from ..money.services import income_rules, receive_money
from ..people.models import Inmate, Prison
from ..settings import Settings, load_settings
from . import services
from .demo_photos import product_picture
from .models import Category, Product, ProductWing, ShopSchedule
from .services.schedules import add_holiday

CATEGORIES = [
    # code, et, ru, en
    ("food", "Toit", "Еда", "Food"),
    ("drinks", "Joogid", "Напитки", "Drinks"),
    ("hygiene", "Hügieen", "Гигиена", "Hygiene"),
    ("tobacco", "Tubakas", "Табак", "Tobacco"),
    ("stationery", "Kirjatarbed", "Канцтовары", "Stationery"),
    ("household", "Majapidamine", "Хозяйство", "Household"),
    ("electronics", "Elektroonika", "Электроника", "Electronics"),
]

PRODUCTS = [
    # sku, category, et, ru, en, price cents, unit, stock, tags
    ("COF-200", "drinks", "Lahustuv kohv 200 g", "Растворимый кофе 200 г", "Instant coffee 200 g",
     549, "pc", 60, ["vegetarian", "halal"]),
    ("TEA-25", "drinks", "Must tee 25 kotti", "Чёрный чай 25 пак.", "Black tea 25 bags",
     189, "pc", 80, ["vegetarian", "halal"]),
    ("JUICE-1L", "drinks", "Apelsinimahl 1 l", "Апельсиновый сок 1 л", "Orange juice 1 l",
     159, "pc", 40, ["vegetarian", "halal"]),
    ("CHOC-100", "food", "Piimašokolaad 100 g", "Молочный шоколад 100 г", "Milk chocolate 100 g",
     139, "pc", 100, ["vegetarian", "nuts"]),
    ("BISC-300", "food", "Kaeraküpsised 300 g", "Овсяное печенье 300 г", "Oat biscuits 300 g",
     219, "pc", 50, ["vegetarian", "gluten"]),
    ("NOOD-5", "food", "Kiirnuudlid", "Лапша быстрого приготовления", "Instant noodles",
     65, "pc", 200, ["gluten"]),
    ("TUNA-185", "food", "Tuunikala konserv", "Консервированный тунец", "Tinned tuna",
     249, "pc", 60, ["halal"]),
    ("PEAN-200", "food", "Soolapähklid 200 g", "Солёный арахис 200 г", "Salted peanuts 200 g",
     199, "pc", 30, ["vegetarian", "nuts", "halal"]),
    ("RICE-1KG", "food", "Riis 1 kg", "Рис 1 кг", "Rice 1 kg",
     179, "pc", 40, ["vegetarian", "halal"]),
    ("SOAP-100", "hygiene", "Seep", "Мыло", "Soap bar",
     99, "pc", 120, []),
    ("SHAM-250", "hygiene", "Šampoon 250 ml", "Шампунь 250 мл", "Shampoo 250 ml",
     329, "pc", 40, []),
    ("TOOTH-75", "hygiene", "Hambapasta", "Зубная паста", "Toothpaste",
     199, "pc", 60, []),
    ("RAZOR-5", "hygiene", "Ühekordsed žiletid 5 tk", "Одноразовые бритвы 5 шт",
     "Disposable razors 5 pcs", 249, "pack", 30, ["sharp"]),
    ("CIG-20", "tobacco", "Sigaretid 20 tk", "Сигареты 20 шт", "Cigarettes 20 pcs",
     545, "pack", 200, ["tobacco"]),
    ("TOB-30", "tobacco", "Piibutubakas 30 g", "Трубочный табак 30 г", "Rolling tobacco 30 g",
     690, "pc", 50, ["tobacco"]),
    ("PAPER-A4", "stationery", "Kirjapaber 50 lehte", "Бумага для писем 50 л.",
     "Writing paper 50 sheets", 149, "pack", 50, []),
    ("ENV-10", "stationery", "Ümbrikud 10 tk", "Конверты 10 шт", "Envelopes 10 pcs",
     119, "pack", 50, []),
    ("STAMP-EE", "stationery", "Postmark (Eesti)", "Почтовая марка (Эстония)",
     "Postage stamp (Estonia)", 165, "pc", 100, []),
    ("BAT-AA4", "household", "Patareid AA 4 tk", "Батарейки AA 4 шт", "AA batteries 4 pcs",
     399, "pack", 25, ["batteries"]),
    ("RADIO-1", "electronics", "Raadio (läbipaistev korpus)", "Радио (прозрачный корпус)",
     "Radio (clear case)", 2490, "pc", 5, ["electronics", "batteries"]),
]  # fmt: skip


def seed_demo_shop(
    db: Session,
    actor: Actor,
    prison: Prison,
    settings: Settings | None = None,
    *,
    money_for_wing_a: bool = True,
) -> None:
    settings = settings or load_settings()
    for order_, (code, et, ru, en) in enumerate(CATEGORIES):
        db.add(Category(code=code, name_et=et, name_ru=ru, name_en=en, sort_order=order_))
    db.flush()
    products = {}
    for sku, category, et, ru, en, price, unit, stock, tags in PRODUCTS:
        products[sku] = services.create_product(
            db,
            actor,
            sku=sku,
            category_code=category,
            names={"et": et, "ru": ru, "en": en},
            price_cents=price,
            unit=unit,
            stock=stock,
            tags=tags,
        )
        services.set_photo(db, actor, products[sku].id, product_picture(sku, category, en))
    # Razors only for the convicted wing; a price change so the history has two rows.
    wing_a = next(w for w in prison.wings if w.code == "A")
    wing_b = next(w for w in prison.wings if w.code == "B")
    products["RAZOR-5"].wings.append(ProductWing(wing_id=wing_a.id))
    services.change_price(db, actor, products["COF-200"].id, 579)

    # Orders close a day before delivery; the window is open the rest of the week, so the
    # demo can be tried any day. (wing, opens, cut-off day and time, delivery); 0 is Monday.
    for wing, opens, cutoff, cutoff_time, delivery in [
        (wing_a, 3, 2, "12:00", 4),
        (wing_b, 0, 6, "20:00", 1),
    ]:
        db.add(
            ShopSchedule(
                wing_id=wing.id,
                opens_weekday=opens,
                cutoff_weekday=cutoff,
                cutoff_time=cutoff_time,
                delivery_weekday=delivery,
            )
        )
    db.flush()

    inmates = list(
        db.scalars(select(Inmate).where(Inmate.wing_id == wing_b.id).order_by(Inmate.prison_number))
    )
    rules = income_rules(settings)
    wing_a_inmates = list(
        db.scalars(select(Inmate).where(Inmate.wing_id == wing_a.id).order_by(Inmate.prison_number))
    )
    for n, inmate in enumerate(inmates + (wing_a_inmates if money_for_wing_a else [])):
        receive_money(
            db,
            actor,
            inmate,
            key=f"demo:shop:deposit:{inmate.prison_number}",
            amount_cents=4_000 + 500 * (n % 7),
            source_code="family_deposits",
            code="deposit",
            reason="demo: money from family",
            rules=rules,
        )
    services.restrict(db, actor, inmates[1], "nuts", "allergy (medical)")
    today = utcnow().date()
    services.ban_from_shop(
        db,
        actor,
        inmates[3],
        starts_on=today - timedelta(days=2),
        ends_on=today + timedelta(days=12),
        reason="disciplinary sanction",
    )
    _demo_orders(db, actor, inmates, products, settings)
    # Independence Day: no delivery, so the demo's schedule page shows a holiday.
    independence_day = date(today.year + (today >= date(today.year, 2, 24)), 2, 24)
    add_holiday(db, actor, prison.id, independence_day, "Independence Day (Iseseisvuspäev)")


def _demo_orders(
    db: Session,
    actor: Actor,
    inmates: list[Inmate],
    products: dict[str, Product],
    settings: Settings,
) -> None:
    protocols = services.protocols_from(settings)
    carts = [
        {"COF-200": 1, "TEA-25": 2, "SOAP-100": 1},
        {"CIG-20": 2, "CHOC-100": 3},
        {"NOOD-5": 6, "TUNA-185": 2, "JUICE-1L": 1},
        {"PAPER-A4": 1, "ENV-10": 1, "STAMP-EE": 4},
        {"BISC-300": 1, "RICE-1KG": 1, "TOOTH-75": 1},
        {"SHAM-250": 1, "TEA-25": 1},
    ]
    placed = []
    for n, cart in enumerate(carts):
        inmate = inmates[4 + n]
        try:
            order = services.place_order(
                db,
                Actor(kind="inmate", id=inmate.id, name=inmate.prison_number),
                inmate,
                [services.CartLine(products[sku].id, q) for sku, q in cart.items()],
                key=f"demo-shop-order-{n}",
                protocols=protocols,
                settings=settings,
            )
        except services.OrderRefused:
            continue  # the seed ran in the hour between a cut-off and midnight
        placed.append(order)
    if len(placed) < 4:
        return
    # One delivered with a shortfall, one packed, one cancelled; the rest stay placed.
    first, second, third = placed[0], placed[1], placed[2]
    short = {line.id: line.quantity - 1 for line in first.lines[:1]}
    services.pack_order(db, actor, first.id, short)
    services.deliver_order(db, actor, first.id)
    services.pack_order(db, actor, second.id, {})
    services.cancel_order(db, actor, third.id)
