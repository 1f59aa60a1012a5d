# ruff: noqa: F811  (the stock test's fixtures are imported and then requested by name)
"""A substitute packed for a missing product passes every rule the product itself passed, on
SQLite and PostgreSQL: the inmate's level, age, quantity limits, spending cap, and it fits the
money held for the order. A refusal says why in the packer's language; what is packed is
charged at the substitute's own price."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from backoffice.audit.services import Actor
from backoffice.errors import InvalidInput
from backoffice.people.models import Inmate
from backoffice.settings import Settings
from backoffice.shop import services as shop
from backoffice.shop.models import Category, Order, Product
from backoffice.shop.protocol_file import parse_protocols
from backoffice.shop.protocols import Protocols
from tests.conftest import TEST_PASSWORD
from tests.integration.staff_client import csrf_token as form_token
from tests.integration.test_shop_flow import (
    FRIDAY_MORNING,
    MONDAY,
    deposit,
    ledger_sums_to_zero,
    spendable,
)
from tests.integration.test_shop_stock import (  # noqa: F401 (fixtures, used by name)
    place,
    protocols,
    staff,
)


@pytest.fixture
def catalogue(db: Session, staff: Actor) -> dict[str, Product]:
    db.add_all(
        [
            Category(code="hygiene", name_et="Hügieen", name_ru="Гигиена", name_en="Hygiene"),
            Category(
                code="electronics", name_et="Elektroonika", name_ru="Электроника", name_en="Radio"
            ),
            Category(code="tobacco", name_et="Tubakas", name_ru="Табак", name_en="Tobacco"),
        ]
    )
    db.flush()
    items = {
        "soap": ("SOAP-1", "hygiene", 99, [], ("Seep", "Мыло")),
        "shampoo": ("SHAMPOO-1", "hygiene", 350, [], ("Šampoon", "Шампунь")),
        "radio": ("RADIO-1", "electronics", 2_490, ["electronics"], ("Raadio", "Радио")),
        "batteries": ("BAT-AA4", "electronics", 299, ["batteries"], ("Patareid", "Батарейки")),
        "cigarettes": ("CIG-20", "tobacco", 600, ["tobacco"], ("Sigaretid", "Сигареты")),
    }
    made = {}
    for name, (sku, category, price, tags, (et, ru)) in items.items():
        made[name] = shop.create_product(
            db,
            staff,
            sku=sku,
            category_code=category,
            names={"et": et, "ru": ru, "en": name.title()},
            price_cents=price,
            stock=10,
            tags=tags,
        )
    db.commit()
    return made


@pytest.fixture
def make_buyer(db: Session, make_inmate: Callable[..., Inmate]) -> Callable[..., Inmate]:
    def make(**fields: object) -> Inmate:
        inmate = make_inmate(**{"legal_status": "remand", "language": "et", **fields})
        deposit(db, inmate, 10_000)
        return inmate

    return make


def pack(
    db: Session,
    order: Order,
    substitutes: dict[Product, Product],
    protocols: Protocols,
    settings: Settings,
    packed: dict[Product, int] | None = None,
    language: str = "en",
) -> Order:
    """Pack the order, each product in `substitutes` replaced by its substitute."""
    line_of = {line.product_id: line.id for line in order.lines}
    return shop.pack_order(
        db,
        Actor(kind="staff", id=1, name="sirje"),
        order.id,
        {line_of[p.id]: n for p, n in (packed or {}).items()},
        {line_of[p.id]: s.id for p, s in substitutes.items()},
        protocols=protocols,
        settings=settings,
        language=language,
    )


def refusal(
    db: Session,
    order: Order,
    substitutes: dict[Product, Product],
    protocols: Protocols,
    settings: Settings,
    **kw: object,
) -> str:
    """What the packer is told, with nothing changed."""
    with pytest.raises(InvalidInput) as refused:
        pack(db, order, substitutes, protocols, settings, **kw)  # type: ignore[arg-type]
    db.rollback()
    return refused.value.message


def test_a_radio_is_no_substitute_for_a_basic_level_inmates_soap(
    db: Session,
    make_buyer: Callable[..., Inmate],
    catalogue: dict[str, Product],
    protocols: Protocols,
    settings: Settings,
) -> None:
    """The case found when the product was attacked: 24.90, enhanced level only, for 0.99."""
    soap, radio = catalogue["soap"], catalogue["radio"]
    buyer = make_buyer(regime_level="basic")
    order = place(db, buyer, protocols, settings, {soap: 1}, substitution_consent=True)
    said = {
        language: refusal(db, order, {soap: radio}, protocols, settings, language=language)
        for language in ("en", "et", "ru")
    }
    assert said["en"] == (
        "“Radio” cannot replace “Soap” for this inmate. The rule says: “Radio” is only allowed "
        "on the enhanced level. With the substitutes the order would cost €24.90, more than the "
        "€0.99 held for it: choose a cheaper substitute or pack less."
    )
    assert said["et"] == (
        "„Raadio“ ei saa selle kinnipeetava jaoks asendada toodet „Seep“. Reegel ütleb: "
        "„Raadio“ on lubatud ainult režiimi tasemel: kõrgendatud tase. Asenduskaupadega maksaks "
        "tellimus 24,90 €, rohkem kui selle jaoks kinni hoitud 0,99 €: vali odavam asendus või "
        "paki vähem."
    )
    assert said["ru"].startswith(
        "«Радио» не может заменить «Мыло» для этого заключённого. Правило: «Радио» разрешён "
        "только для уровня режима: повышенный уровень."
    )
    # Nothing was packed or taken from the shelf.
    db.expire_all()
    assert db.get(Order, order.id).status == "placed"
    assert db.get(Order, order.id).lines[0].substitute_product_id is None
    assert db.get(Product, radio.id).stock == 10
    # At his level, and within the hold, the radio would do.
    enhanced = make_buyer(regime_level="enhanced")
    dear = place(db, enhanced, protocols, settings, {soap: 3, catalogue["shampoo"]: 7})
    dear.substitution_consent = True
    db.commit()
    packed = {soap: 0, catalogue["shampoo"]: 1}
    pack(db, dear, {catalogue["shampoo"]: radio}, protocols, settings, packed=packed)
    db.commit()
    assert db.get(Product, radio.id).stock == 9


def test_a_substitute_keeps_to_the_age_and_the_quantity_limits(
    db: Session,
    make_buyer: Callable[..., Inmate],
    catalogue: dict[str, Product],
    protocols: Protocols,
    settings: Settings,
) -> None:
    soap, shampoo = catalogue["soap"], catalogue["shampoo"]
    cigarettes, batteries = catalogue["cigarettes"], catalogue["batteries"]
    minor = make_buyer(date_of_birth=date(MONDAY.year - 17, 1, 1))  # 17 this Monday
    order = place(db, minor, protocols, settings, {shampoo: 2}, substitution_consent=True)
    one = {shampoo: 1}
    assert refusal(db, order, {shampoo: cigarettes}, protocols, settings, packed=one) == (
        "“Cigarettes” cannot replace “Shampoo” for this inmate. The rule says: “Cigarettes” is "
        "only allowed from the age of 18."
    )
    # One pack of batteries a month (config/protocols.toml): he has his already.
    buyer = make_buyer()
    place(db, buyer, protocols, settings, {batteries: 1})
    order = place(db, buyer, protocols, settings, {shampoo: 1}, substitution_consent=True)
    assert refusal(db, order, {shampoo: batteries}, protocols, settings) == (
        "“Batteries” cannot replace “Shampoo” for this inmate. The rule says: “Batteries”: at "
        "most 1 allowed (per month); you have already ordered 1."
    )
    # A substitute the rules allow him is packed.
    pack(db, order, {shampoo: soap}, protocols, settings)
    db.commit()
    assert db.get(Order, order.id).lines[0].substitute_product_id == soap.id


def test_a_substitute_keeps_to_the_spending_cap_as_it_is_now(
    db: Session,
    make_buyer: Callable[..., Inmate],
    catalogue: dict[str, Product],
    settings: Settings,
) -> None:
    """A weekly cap by level: the inmate was demoted after he ordered. The order as ordered,
    one item short, is within his new cap; a dearer substitute for the missing item would not
    be, though it fits the money held."""
    protocols = parse_protocols(
        {
            "rule": [
                {
                    "id": "weekly-cap",
                    "kind": "spending_cap",
                    "period": "week",
                    "cap_cents": 4_400,
                    "by_level": {"basic": 300, "enhanced": 4_400},
                }
            ]
        },
        "test.toml",
    )
    soap, shampoo = catalogue["soap"], catalogue["shampoo"]
    buyer = make_buyer(regime_level="enhanced", language="en")
    order = place(db, buyer, protocols, settings, {soap: 1, shampoo: 1}, substitution_consent=True)
    buyer.regime_level = "basic"
    db.commit()
    dearer = shop.create_product(
        db,
        Actor.system("test"),
        sku="SHAMPOO-2",
        category_code="hygiene",
        names={"et": "Šampoon 2", "ru": "Шампунь 2", "en": "Big shampoo"},
        price_cents=400,
        stock=5,
    )
    db.commit()
    assert refusal(db, order, {soap: dearer}, protocols, settings, packed={shampoo: 0}) == (
        "The substitutes break a shop rule for this inmate. The rule says: Your shop limit "
        "(per week) is €3.00: you have used €0.00, €3.00 is left."
    )


def test_the_inmate_pays_the_substitutes_price_within_the_hold(
    db: Session,
    make_buyer: Callable[..., Inmate],
    catalogue: dict[str, Product],
    protocols: Protocols,
    settings: Settings,
) -> None:
    """A shampoo (3.50) for a missing soap (0.99) of an order that held 7.99: the other line
    was packed one short, so 3.50 + 3.50 fits the hold, and 3.50 is what he pays for it."""
    soap, shampoo = catalogue["soap"], catalogue["shampoo"]
    buyer = make_buyer()
    order = place(db, buyer, protocols, settings, {soap: 1, shampoo: 2}, substitution_consent=True)
    assert order.held_cents == 799
    assert "more than the €7.99 held" in refusal(db, order, {soap: shampoo}, protocols, settings)
    pack(db, order, {soap: shampoo}, protocols, settings, packed={shampoo: 1})
    db.commit()
    shop.deliver_order(db, Actor(kind="inmate", id=buyer.id, name="x"), order.id, inmate=buyer,
                       now=FRIDAY_MORNING)  # fmt: skip
    db.commit()
    delivered = db.get(Order, order.id)
    assert delivered.charged_cents == 700
    assert spendable(db, buyer).available_cents == 10_000 - 700
    # A refund gives back what was paid for it.
    soap_line = next(line for line in delivered.lines if line.product_id == soap.id)
    shop.refund_line(db, Actor.system("test"), order.id, soap_line.id, 1, reason="leaked",
                     key="leaked-shampoo")  # fmt: skip
    db.commit()
    assert spendable(db, buyer).available_cents == 10_000 - 350
    ledger_sums_to_zero(db)


# --- the back office ---------------------------------------------------------------------------


def test_the_packer_is_told_why_a_substitute_is_refused_in_her_language(
    app: Flask,
    db: Session,
    make_staff: Callable[..., object],
    make_buyer: Callable[..., Inmate],
    catalogue: dict[str, Product],
    protocols: Protocols,
    settings: Settings,
) -> None:
    soap, radio = catalogue["soap"], catalogue["radio"]
    buyer = make_buyer(regime_level="basic")
    order = place(db, buyer, protocols, settings, {soap: 1}, substitution_consent=True)
    staff = make_staff("sirje", "shop")
    staff.language = "et"  # type: ignore[attr-defined]
    db.commit()
    client = app.test_client()
    client.post(
        "/sign-in",
        data={
            "username": "sirje",
            "password": TEST_PASSWORD,
            "csrf_token": form_token(client, "/sign-in"),
        },
    )
    path = f"/shop/orders/{order.id}"
    page = client.post(
        f"{path}/pack",
        data={
            "csrf_token": form_token(client, path),
            f"packed_{order.lines[0].id}": "1",
            f"substitute_{order.lines[0].id}": str(radio.id),
        },
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "„Raadio“ ei saa selle kinnipeetava jaoks asendada toodet „Seep“" in page
    assert "Märgi pakituks" in page  # still to be packed ("Mark packed", in her Estonian)
    db.expire_all()
    assert (db.get(Order, order.id).status, db.get(Product, radio.id).stock) == ("placed", 10)
