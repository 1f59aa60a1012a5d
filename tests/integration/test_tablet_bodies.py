"""Bodies the tablet API must refuse before reading their fields, and bodies its document
refuses: each a 400 or 422 problem in the reader's language, never a 500, and nothing changed."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.audit.models import AuditEvent
from backoffice.people.models import Inmate, Prison
from backoffice.shop.models import Order
from backoffice.signin.models import TabletSession
from backoffice.visits.models import Contact
from tablet_api import create_app
from tablet_api.openapi import DOCUMENT_FILE
from tests.integration.tablet_world import Tablet, World, build_world, tablet, tablet_settings

DEEP = "[" * 1000 + "]" * 1000
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def world(db: Session, prison: Prison, make_inmate: Callable[..., Inmate]) -> World:
    return build_world(db, prison, make_inmate)


@pytest.fixture
def app(database_url: str, world: World) -> Iterator[Flask]:
    app = create_app(tablet_settings(database_url))
    yield app
    app.extensions["cellgate"]["engine"].dispose()


@pytest.fixture
def a1(app: Flask, world: World) -> Tablet:
    return tablet(app, world.tablet_a1)


def count(db: Session, model: Any) -> int:
    # On a connection of its own, closed at once: no transaction stays open beside the app's.
    with db.get_bind().connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(model)) or 0)


def test_deep_json_to_sign_in_is_refused_before_anyone_is_signed_in(
    a1: Tablet, world: World, db: Session
) -> None:
    sessions, events = count(db, TabletSession), count(db, AuditEvent)
    response = a1.post("/api/v1/session/pin", data=DEEP, headers={**JSON, "Accept-Language": "ru"})
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert response.json["code"] == "body-too-deep"
    assert response.json["detail"].startswith("Приложение отправило данные")
    assert (count(db, TabletSession), count(db, AuditEvent)) == (sessions, events)
    # The same tablet signs in at once: the refusal counted as no failed attempt.
    assert a1.sign_in(world.alice).status_code == 201


def test_deep_json_to_a_signed_in_call_is_refused_in_the_inmates_language(
    a1: Tablet, world: World, db: Session
) -> None:
    a1.sign_in(world.bob)  # Russian
    deep_object = '{"language": ' * 1000 + '"et"' + "}" * 1000
    for body in (DEEP, deep_object):
        response = a1.call("PATCH", "/api/v1/me", data=body, headers=JSON)
        assert response.status_code == 400
        assert response.json["code"] == "body-too-deep"
        assert response.headers["Content-Language"] == "ru"
    assert a1.get("/api/v1/me").json["language"] == "ru"


def test_deep_json_without_a_credential_is_refused_as_unauthenticated(
    app: Flask, db: Session
) -> None:
    # Authentication stays first: no credential, no reading of the body, and no 500.
    client = app.test_client()
    for path in ("/api/v1/session/pin", "/api/v1/orders", "/api/v1/session/refresh"):
        response = client.post(path, data=DEEP, headers=JSON)
        assert response.status_code == 401, path
        assert response.json["code"] == "device-unauthorized"
    # The public operations take no body: one sent along is not read.
    assert client.get("/api/v1/health", data=DEEP, headers=JSON).status_code == 200


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b'{"lines": [{"product_id": 1, "quantity": NaN}]}', "body-not-a-number"),
        (b'{"lines": [{"product_id": 1, "quantity": Infinity}]}', "body-not-a-number"),
        (b'{"lines": [{"product_id": 1, "quantity": -Infinity}]}', "body-not-a-number"),
        (b'{"lines": [{"product_id": 1, "quantity": 1e999}]}', "body-not-a-number"),
        (
            b'{"lines": [{"product_id": 1, "quantity": 1, "quantity": 90}]}',
            "body-duplicate-key",
        ),
        (b'{"lines": [], "lines": [{"product_id": 1, "quantity": 1}]}', "body-duplicate-key"),
        (b'{"lines": [{"product_id": 1, "quantity": 1}], "x\\u0000": 1}', "body-bad-characters"),
        (b'{"lines": [{"product_id": 1, "quantity": 1}], "\\ud800": 1}', "body-bad-characters"),
        ('{"lines": [{"product_id": 1, "quantity": 1}]}'.encode("utf-16"), "body-not-utf8"),
        (b'{"lines": [{"product_id": 1, "quantity": 1}], "\xff": 1}', "body-not-utf8"),
        (b'\xef\xbb\xbf{"lines": [{"product_id": 1, "quantity": 1}]}', "body-not-utf8"),
        (b'{"lines": [{"product_id": 1, "quantity": ' + b"9" * 5000 + b"}]}", "bad-request"),
    ],
)
def test_a_body_python_would_read_loosely_places_no_order(
    a1: Tablet, world: World, db: Session, raw: bytes, code: str
) -> None:
    a1.sign_in(world.alice)
    before = a1.get("/api/v1/balance").json["available_cents"]
    orders = count(db, Order)
    response = a1.post(
        "/api/v1/orders", data=raw, headers={**JSON, "Idempotency-Key": "order-bodies-1"}
    )
    assert response.status_code == 400, response.json
    assert response.json["code"] == code
    assert response.json["detail"] and response.headers["Content-Language"] == "en"
    assert count(db, Order) == orders
    assert a1.get("/api/v1/balance").json["available_cents"] == before


def test_a_nul_in_a_request_is_refused_before_it_reaches_the_database(
    a1: Tablet, world: World
) -> None:
    a1.sign_in(world.alice)
    body = {"type": "see_doctor", "fields": {"reason": "my tooth\u0000 hurts"}}
    response = a1.post("/api/v1/requests", json=body)
    assert response.status_code == 400
    assert response.json["code"] == "body-bad-characters"
    assert a1.get("/api/v1/requests").json["items"] == []


def schema(name: str) -> dict[str, Any]:
    document = json.loads(DOCUMENT_FILE.read_text("utf-8"))
    return document["components"]["schemas"][name]  # type: ignore[no-any-return]


def test_a_form_field_the_document_does_not_allow_is_refused_as_the_document_says(
    a1: Tablet, world: World
) -> None:
    # The document names what a form field's code may look like ...
    assert schema("NewRequest")["properties"]["fields"]["propertyNames"] == {
        "pattern": "^[a-z][a-z0-9_]{0,63}$"
    }
    a1.sign_in(world.alice)
    body = {"type": "see_doctor", "fields": {"reason": "tooth", "x-colour": "red"}}
    response = a1.post("/api/v1/requests", json=body)
    # ... and a body outside it is refused as the document's invalid input, naming the field.
    assert response.status_code == 422
    assert response.json["code"] == "invalid-input"
    assert response.json["errors"] == [
        {"field": "fields.x-colour", "reason": "is not a known field"}
    ]
    assert a1.get("/api/v1/requests").json["items"] == []


def test_a_contact_without_a_phone_or_an_e_mail_is_refused_as_the_document_says(
    a1: Tablet, world: World, db: Session
) -> None:
    assert {"required": ["phone"], "properties": {"phone": {"minLength": 1}}} in schema(
        "NewContact"
    )["anyOf"]
    a1.sign_in(world.bob)
    for body in (
        {"full_name": "Maria Tamm", "relation": "child"},
        {"full_name": "Maria Tamm", "relation": "child", "phone": "", "email": ""},
    ):
        response = a1.post("/api/v1/contacts", json=body)
        assert response.status_code == 422
        assert response.json["code"] == "invalid-input"
        assert response.json["errors"] == [
            {"field": "phone, email", "reason": "заполните хотя бы одно из: phone, email"}
        ]
    # What the document calls a phone number the visits service takes.
    made = a1.post(
        "/api/v1/contacts",
        json={"full_name": "Maria Tamm", "relation": "child", "phone": "+372 (5) 55-1234"},
    )
    assert made.status_code == 201, made.json
    assert count(db, Contact) == 1


def test_an_additional_property_is_refused_as_documented(a1: Tablet, world: World) -> None:
    assert schema("Cart")["additionalProperties"] is False
    a1.sign_in(world.alice)
    cart = {"lines": [{"product_id": world.products["coffee"], "quantity": 1}], "tip": 100}
    response = a1.post("/api/v1/orders", json=cart, headers={"Idempotency-Key": "order-extra-1"})
    assert response.status_code == 422
    assert response.json["errors"] == [{"field": "tip", "reason": "is not a known field"}]
    assert a1.get("/api/v1/orders").json["items"] == []


def _strings(value: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(value, dict):
        if value.get("type") == "string":
            yield where, value
        for key, item in value.items():
            yield from _strings(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{where}[{index}]")


def test_every_text_a_tablet_sends_has_a_length_and_a_shape() -> None:
    document = json.loads(DOCUMENT_FILE.read_text("utf-8"))
    bodies = {
        op["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        for path in document["paths"].values()
        for op in path.values()
        if "requestBody" in op
    }
    loose = [
        where
        for name in sorted(bodies)
        for where, text in _strings(schema(name), name)
        if "enum" not in text and ("maxLength" not in text or "pattern" not in text)
    ]
    assert loose == []


def test_a_frame_that_is_base64_but_no_image_is_refused_as_unreadable(a1: Tablet) -> None:
    response = a1.post("/api/v1/session/face", json={"frames": ["bm90IGFuIGltYWdl"]})
    assert response.status_code == 422
    assert response.json["code"] == "frame-unreadable"
    assert response.json["errors"][0]["field"] == "frames[0]"
    not_base64 = a1.post("/api/v1/session/face", json={"frames": ["not base64!"]})
    assert not_base64.status_code == 422
    assert not_base64.json["code"] == "invalid-input"
