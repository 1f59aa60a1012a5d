"""Numbers typed where an id or a count goes: "²" passes str.isdigit() and then failed int(),
and a 20-digit id reached the database; both answered 500. Each is now a refusal, and nothing
is made of it."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.devices.models import Device
from backoffice.people.models import Inmate, Prison
from backoffice.settings import Settings
from backoffice.shop.models import Product
from backoffice.staff.models import StaffUser
from backoffice.surface import form_id
from backoffice.visits.models import SessionTemplate
from backoffice.web import create_app
from tablet_api import create_app as create_tablet_app
from tests.integration.staff_client import csrf_token as token
from tests.integration.staff_client import sign_in
from tests.integration.tablet_world import build_world, tablet, tablet_settings

NOT_IDS = ["²", "١٢", "12345678901234567890", "2147483648", "-1", "0", " ", "1e3", ""]


@pytest.mark.parametrize("raw", NOT_IDS)
def test_only_ascii_digits_naming_an_id_that_can_exist_are_an_id(raw: str) -> None:
    assert form_id(raw) is None


def test_an_id_is_read_as_written() -> None:
    assert (form_id("7"), form_id(" 42 "), form_id("2147483647")) == (7, 42, 2**31 - 1)


@pytest.fixture
def app(settings: Settings, prison: Prison) -> Iterator[Flask]:
    app = create_app(settings)
    yield app
    app.extensions["cellgate"]["engine"].dispose()


def staff(app: Flask, make_staff: Callable[..., StaffUser], role: str) -> FlaskClient:
    client = app.test_client()
    make_staff(f"only-{role}", role)
    sign_in(client, f"only-{role}")
    return client


def count(db: Session, model: type) -> int:
    # On a connection of its own, closed at once: no transaction stays open beside the app's.
    with db.get_bind().connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(model)) or 0)


@pytest.mark.parametrize("raw", ["²", "12345678901234567890"])
def test_a_device_in_a_wing_that_cannot_exist_is_refused(
    app: Flask, make_staff: Callable[..., StaffUser], db: Session, raw: str
) -> None:
    admin = staff(app, make_staff, "admin")
    answer = admin.post(
        "/devices",
        data={"kind": "kiosk", "name": "k", "wing_id": raw, "csrf_token": token(admin, "/devices")},
        follow_redirects=True,
    )
    assert answer.status_code == 200
    assert count(db, Device) == 0


def test_a_product_for_a_wing_that_cannot_exist_is_not_a_server_error(
    app: Flask, make_staff: Callable[..., StaffUser], db: Session
) -> None:
    shop = staff(app, make_staff, "shop")
    before = count(db, Product)
    answer = shop.post(
        "/shop/products",
        data={
            "sku": "SOAP-2",
            "name_et": "Seep",
            "price": "0.99",
            "wing_ids": "²",
            "csrf_token": token(shop, "/shop/products"),
        },
    )
    assert answer.status_code < 500
    assert count(db, Product) in (before, before + 1)


def test_a_visit_session_with_a_length_that_is_not_a_number_is_refused(
    app: Flask, make_staff: Callable[..., StaffUser], db: Session
) -> None:
    visits = staff(app, make_staff, "visits")
    answer = visits.post(
        "/visits/templates",
        data={
            "name": "Evening",
            "weekday": "²",
            "starts_at": "18:00",
            "length_minutes": "²",
            "parallel_calls": "2",
            "csrf_token": token(visits, "/visits/setup"),
        },
        follow_redirects=True,
    )
    assert answer.status_code < 500
    assert "a whole number" in answer.get_data(as_text=True)
    assert count(db, SessionTemplate) == 0


def test_a_tablet_page_size_that_is_not_a_number_is_refused(
    database_url: str, db: Session, prison: Prison, make_inmate: Callable[..., Inmate]
) -> None:
    world = build_world(db, prison, make_inmate)
    app = create_tablet_app(tablet_settings(database_url))
    try:
        a1 = tablet(app, world.tablet_a1)
        a1.sign_in(world.alice)
        answer = a1.get("/api/v1/transactions?limit=²")
        assert answer.status_code == 422
        assert answer.json["errors"][0]["field"] == "limit"
    finally:
        app.extensions["cellgate"]["engine"].dispose()
