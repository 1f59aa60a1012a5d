# ruff: noqa: F811  (the flow test's fixtures are imported and then requested by name)
"""The shop staff's back office through the Flask test client, on SQLite and PostgreSQL: who may
see it, the catalogue, and a round from pick list to delivery and refund."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from backoffice.audit.models import AuditEvent
from backoffice.audit.services import Actor
from backoffice.people.models import Inmate, Prison, Wing
from backoffice.settings import Settings
from backoffice.shop import services as shop_services
from backoffice.shop.models import Order, PriceChange, Product
from backoffice.shop.protocols import Protocols
from backoffice.staff.services import create_staff_user
from tests.conftest import TEST_PASSWORD
from tests.integration.staff_client import csrf_token as token
from tests.integration.staff_client import post_form as post
from tests.integration.staff_client import sign_in
from tests.integration.test_shop_flow import (  # noqa: F401 (fixtures, used by name)
    FRIDAY,
    buyer,
    catalogue,
    deposit,
    place,
    protocols,
    spendable,
    staff,
)

DAY = FRIDAY.isoformat()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def shop_client(client: FlaskClient, make_staff: Callable[..., object]) -> FlaskClient:
    make_staff("sirje", "shop")
    sign_in(client, "sirje")
    return client


def test_who_may_use_which_shop_page(
    client: FlaskClient, make_staff: Callable[..., object]
) -> None:
    assert client.get("/shop/").status_code == 302  # not signed in: to the sign-in page
    make_staff("riina", "requests")
    sign_in(client, "riina")
    assert 'href="/shop/"' not in client.get("/").get_data(as_text=True)
    for path in ("/shop/", "/shop/products", f"/shop/day/{DAY}", "/shop/orders/1"):
        assert client.get(path).status_code == 403, path
    client.post("/sign-out", data={"csrf_token": token(client, "/")})

    # Officers hand orders over on the wing: they see rounds and confirm delivery, but do not
    # pack, refund, or touch products and the day's money.
    make_staff("olev", "officer")
    sign_in(client, "olev")
    assert 'href="/shop/"' in client.get("/").get_data(as_text=True)
    assert client.get("/shop/").status_code == 200
    for path in ("/shop/products", f"/shop/day/{DAY}", f"/shop/round/1/{DAY}/pick-list"):
        assert client.get(path).status_code == 403, path
    csrf_token = token(client, "/shop/")
    for action in ("pack", "cancel", "refund"):
        response = client.post(f"/shop/orders/1/{action}", data={"csrf_token": csrf_token})
        assert response.status_code == 403, action
    client.post("/sign-out", data={"csrf_token": token(client, "/")})

    make_staff("anu", "admin", "shop")
    sign_in(client, "anu")
    assert client.get("/shop/products").status_code == 200


def test_an_officer_confirms_delivery_on_the_wing(
    client: FlaskClient,
    db: Session,
    make_staff: Callable[..., object],
    buyer: Inmate,
    catalogue: dict[str, Product],
    protocols: Protocols,
    settings: Settings,
    staff: Actor,
) -> None:
    order = place(db, buyer, protocols, settings, {catalogue["tea"]: 2})
    shop_services.pack_order(db, staff, order.id, {order.lines[0].id: 1})
    db.commit()
    order_id = order.id
    make_staff("olev", "officer")
    sign_in(client, "olev")
    path = f"/shop/orders/{order_id}"
    page = client.get(path).get_data(as_text=True)
    assert "Confirm delivery" in page and "Mark packed" not in page
    page = post(client, f"{path}/deliver", path)
    assert "Delivered: €3.00 charged, €3.00 released." in page
    assert spendable(db, buyer).available_cents == 5_000 - 300
    delivered = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "shop.order.delivered")
    ).one()
    assert (delivered.actor_name, delivered.details["charged_cents"]) == ("olev", 300)


def test_shop_staff_find_the_shop_from_the_menu(shop_client: FlaskClient) -> None:
    home = shop_client.get("/").get_data(as_text=True)
    assert 'href="/shop/"' in home
    assert "Rounds per wing" in shop_client.get("/shop/").get_data(as_text=True)


def test_products_are_added_repriced_restocked_and_taken_off_sale(
    shop_client: FlaskClient, db: Session, catalogue: dict[str, Product]
) -> None:
    page = post(
        shop_client,
        "/shop/products",
        "/shop/products",
        sku="SOAP-2",
        category="food",
        name_et="Seep",
        name_ru="Мыло",
        name_en="Soap bar",
        price="1,25",
        vat_percent="24",
        unit="pc",
        stock="40",
        tags="Vegetarian, ",
    )
    assert "SOAP-2 added." in page and "Soap bar" in page
    product = db.scalars(select(Product).where(Product.sku == "SOAP-2")).one()
    assert (product.price_cents, product.stock, product.tags) == (125, 40, ["vegetarian"])
    db.commit()  # ends the read; on SQLite it holds the write lock the app needs (no expiry)

    path = f"/shop/products/{product.id}"
    page = post(shop_client, path, path, price="1.40")
    assert "€1.25" in page and "€1.40" in page  # both in the price history
    page = post(shop_client, path, path, stock="35", why="two broken")
    assert '<strong class="stock">35</strong>' in page
    page = post(shop_client, path, path, active="0")
    assert "not on sale" in page
    db.expire_all()
    assert db.get(Product, product.id).active is False
    history = db.scalars(
        select(PriceChange.price_cents).where(PriceChange.product_id == product.id)
    )
    assert list(history) == [125, 140]
    db.commit()

    page = post(shop_client, "/shop/products", "/shop/products", sku="X", price="a lot")
    assert "Price: an amount like 2.50, please." in page


def test_a_round_from_pick_list_to_delivery_and_refund(
    shop_client: FlaskClient,
    db: Session,
    make_inmate: Callable[..., Inmate],
    catalogue: dict[str, Product],
    protocols: Protocols,
    settings: Settings,
) -> None:
    coffee, tea, soap = catalogue["coffee"], catalogue["tea"], catalogue["soap"]
    first = make_inmate(cell="A1", language="ru")
    second = make_inmate(cell="A2")
    for inmate in (first, second):
        deposit(db, inmate, 5_000)
    one = place(db, first, protocols, settings, {coffee: 2, tea: 1})
    two = place(db, second, protocols, settings, {coffee: 1, soap: 3})
    wing = first.wing_id
    db.commit()
    round_path = f"/shop/round/{wing}/{DAY}"

    def pick_rows() -> list[tuple[str, ...]]:
        picks = shop_client.get(f"{round_path}/pick-list").get_data(as_text=True)
        assert "shop.css" in picks  # the print stylesheet
        return sorted(
            re.findall(
                r"<td>(\w+-\d+)</td><td>[^<]*</td>\s*<td class=\"quantity\">(\d+)</td>"
                r"<td class=\"quantity\">(\d+)</td>",
                picks,
            )
        )

    # While the inmates can still cancel, the pick list says so and lists nothing to pick.
    picks = shop_client.get(f"{round_path}/pick-list").get_data(as_text=True)
    assert "2 orders are still placed: their inmates can still cancel them" in picks
    assert pick_rows() == []
    with shop_client.get("/shop/static/shop.css") as css:
        stylesheet = css.get_data(as_text=True)
        assert "@media print" in stylesheet and "@page" in stylesheet  # margins on paper

    # One packing slip per inmate, with the product in the inmate's language too.
    slips = shop_client.get(f"{round_path}/slips").get_data(as_text=True)
    assert slips.count('<section class="slip">') == 2
    assert one.number in slips and two.number in slips and "Coffee / coffee (ru)" in slips

    page = post(shop_client, f"{round_path}/picking", round_path)
    assert "2 orders are now being picked" in page
    # Now the pick list sums each product over the round's orders, and no warning is left.
    assert pick_rows() == [("COF-1", "3", "2"), ("SOAP-1", "3", "1"), ("TEA-1", "1", "1")]
    assert "still placed" not in shop_client.get(f"{round_path}/pick-list").get_data(as_text=True)

    # Pack the first order one coffee short, then deliver it.
    order_path = f"/shop/orders/{one.id}"
    lines = {line.product_id: line.id for line in one.lines}
    db.commit()
    page = post(
        shop_client,
        f"{order_path}/pack",
        order_path,
        **{f"packed_{lines[coffee.id]}": "1", f"packed_{lines[tea.id]}": "1"},
    )
    assert "Packed with 1 item(s) short" in page
    page = post(shop_client, f"{order_path}/deliver", order_path)
    assert "Delivered: €6.50 charged, €3.50 released." in page
    assert spendable(db, first).available_cents == 5_000 - 650
    db.commit()

    # The tea was damaged: refund it once, even if the form is sent twice.
    refund_page = shop_client.get(order_path).get_data(as_text=True)
    key = re.search(r'name="key" value="([^"]+)"', refund_page)
    assert key
    form = {"line_id": str(lines[tea.id]), "quantity": "1", "reason": "box crushed"}
    page = post(shop_client, f"{order_path}/refund", order_path, key=key.group(1), **form)
    assert "Refunded €3.00" in page
    post(shop_client, f"{order_path}/refund", order_path, key=key.group(1), **form)
    assert spendable(db, first).available_cents == 5_000 - 650 + 300
    db.commit()

    # The day's totals: one delivered, one still held.
    day = shop_client.get(f"/shop/day/{DAY}").get_data(as_text=True)
    assert '<th class="money" id="day-charged">€6.50</th>' in day
    assert '<th class="money" id="day-refunded">€3.00</th>' in day
    assert '<th class="money" id="day-held">€7.10</th>' in day
    assert "Delivered: 1" in day and "Picking: 1" in day

    # Delivering an order that is not packed is refused with a reason, and changes nothing.
    page = post(shop_client, f"/shop/orders/{two.id}/deliver", f"/shop/orders/{two.id}")
    assert "only a packed order can be delivered" in page
    db.expire_all()
    assert db.get(Order, two.id).status == "picking"
    assert spendable(db, second).available_cents == 5_000 - 710


def test_bans_and_restrictions_are_set_from_the_inmates_page(
    client: FlaskClient,
    db: Session,
    make_staff: Callable[..., object],
    make_inmate: Callable[..., Inmate],
) -> None:
    inmate_id = make_inmate().id
    make_staff("olev", "officer")
    sign_in(client, "olev")
    path = f"/shop/inmates/{inmate_id}"
    page = post(
        client,
        f"{path}/ban",
        path,
        starts_on="2026-11-20",
        ends_on="2026-11-30",
        reason="fight on the wing",
    )
    assert "Banned from the shop from 2026-11-20 to 2026-11-30." in page
    page = post(
        client, f"{path}/ban", path, starts_on="2026-12-02", ends_on="2026-12-01", reason="x"
    )
    assert "the ban must end on or after the day it starts" in page
    page = post(client, f"{path}/restrict", path, tag="Nuts", reason="allergy")
    assert "Products tagged &#39;nuts&#39; are no longer sold" in page
    actions = db.scalars(
        select(AuditEvent.action).where(AuditEvent.action.in_(["shop.ban", "shop.restrict"]))
    ).all()
    assert sorted(actions) == ["shop.ban", "shop.restrict"]
    db.commit()
    # Officers set sanctions but do not run the shop's catalogue.
    assert client.get("/shop/products").status_code == 403


def test_staff_of_another_prison_do_not_see_this_prisons_orders(
    client: FlaskClient,
    db: Session,
    buyer: Inmate,
    catalogue: dict[str, Product],
    protocols: Protocols,
    settings: Settings,
    system: Actor,
) -> None:
    order = place(db, buyer, protocols, settings, {catalogue["tea"]: 1})
    order_id, wing_id = order.id, buyer.wing_id
    elsewhere = Prison(code="OTH", name="Other Prison")
    db.add(elsewhere)
    db.flush()
    db.add(Wing(prison_id=elsewhere.id, code="X", name="Wing X"))
    create_staff_user(
        db,
        system,
        username="mari",
        full_name="Mari Other",
        password=TEST_PASSWORD,
        roles=["shop"],
        min_password_length=12,
        language="en",
        prison_id=elsewhere.id,
    )
    db.commit()
    sign_in(client, "mari")
    assert client.get(f"/shop/orders/{order_id}").status_code == 404
    assert client.get(f"/shop/round/{wing_id}/{DAY}").status_code == 404
    index = client.get("/shop/").get_data(as_text=True)
    assert "Wing X" in index and "Wing A" not in index


def test_a_product_photo_is_uploaded_shown_and_checked(
    shop_client: FlaskClient, db: Session, catalogue: dict[str, Product]
) -> None:
    picture = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 120, 40)).save(picture, format="PNG")
    product_id = catalogue["tea"].id
    path = f"/shop/products/{product_id}"
    page = post(
        shop_client, f"{path}/photo", path, photo=(io.BytesIO(picture.getvalue()), "tea.png")
    )
    assert "Photo saved." in page and f'src="{path}/photo"' in page
    with shop_client.get(f"{path}/photo") as shown:
        assert shown.headers["Content-Type"] == "image/png"
        assert shown.data == picture.getvalue()
    # A file that only calls itself a picture is refused, and the photo stays.
    page = post(
        shop_client, f"{path}/photo", path, photo=(io.BytesIO(b"<script>x</script>"), "x.png")
    )
    assert "Photo: only JPEG or PNG pictures." in page
    db.expire_all()
    assert db.get(Product, product_id).photo == picture.getvalue()
    db.commit()


def test_round_pages_take_as_many_queries_for_six_orders_as_for_two(
    app: Flask,
    shop_client: FlaskClient,
    db: Session,
    make_inmate: Callable[..., Inmate],
    catalogue: dict[str, Product],
    protocols: Protocols,
    settings: Settings,
) -> None:
    statements: list[str] = []
    event.listen(
        app.extensions["cellgate"]["engine"],
        "before_cursor_execute",
        lambda _c, _cur, statement, *_: statements.append(statement),
    )

    def queries(path: str) -> int:
        statements.clear()
        assert shop_client.get(path).status_code == 200
        return len(statements)

    def add_orders(count: int) -> None:
        for n in range(count):
            inmate = make_inmate(cell=f"A{n % 3 + 1}")
            deposit(db, inmate, 2_000)
            place(db, inmate, protocols, settings, {catalogue["tea"]: 1, catalogue["soap"]: 2})

    add_orders(2)
    wing_id = db.scalars(select(Order.wing_id)).first()
    db.commit()
    pages = [f"/shop/round/{wing_id}/{DAY}", f"/shop/round/{wing_id}/{DAY}/slips"]
    with_two = [queries(page) for page in pages]
    add_orders(4)
    assert [queries(page) for page in pages] == with_two
