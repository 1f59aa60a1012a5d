"""Authorization of every route of the tablet API, found by walking the app's URL map (a new
route is checked without anyone remembering to add it): no credentials, a revoked tablet,
another cell's tablet, an expired access token and another inmate's ids are all refused, and
no answer carries anything of the other inmates."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.audit.services import Actor
from backoffice.content.services.editorial import ItemSpec, VersionText, create_item
from backoffice.content.services.notices import send_notice
from backoffice.devices.services import register_device, revoke_device
from backoffice.messages import services as messages
from backoffice.people.models import Inmate, Prison
from backoffice.signin.models import TabletSession
from backoffice.visits import services as visits
from tablet_api import create_app
from tablet_api.openapi import DEVICE, INMATE, PUBLIC, operation_of
from tests.integration.tablet_world import Tablet, World, build_world, tablet, tablet_settings
from tests.integration.test_messages import photo

STAFF = Actor(kind="staff", id=1, name="viljar", roles=frozenset({"visits"}))
PUBLIC_ROUTES = {"/api/v1/health", "/api/v1/openapi.json", "/api/v1/problems/<code>"}


@dataclass
class Others:
    """Bob's things (Alice's cellmate, same tablet) and Carol's (another cell)."""

    ids: dict[str, int]
    secrets: list[str]


@pytest.fixture
def world(db: Session, prison: Prison, make_inmate: Callable[..., Inmate]) -> World:
    return build_world(db, prison, make_inmate)


@pytest.fixture
def app(database_url: str, world: World) -> Iterator[Flask]:
    app = create_app(tablet_settings(database_url))
    yield app
    app.extensions["cellgate"]["engine"].dispose()


def _bobs_call(db: Session, world: World, settings: Any) -> dict[str, int]:
    """Bob has an approved contact, a confirmed video call three days ahead and a message from
    the contact with a photo."""
    visits.add_session_template(
        db,
        STAFF,
        world.prison.id,
        name="Calls",
        weekdays=range(7),
        starts_at_local=time(14, 0),
        length_minutes=30,
        parallel_calls=2,
        valid_from=date(2026, 1, 1),
    )
    visits.add_endpoint(db, STAFF, world.prison.id, kind="booth", name="Booth 1")
    now = datetime.now(UTC)
    bob = world.bob
    actor = Actor(kind="inmate", id=bob.id, name=bob.prison_number)
    contact = visits.request_contact(
        db, actor, bob, full_name="Vera Bykova", relation="parent", phone="+3725550001", now=now
    )
    visits.decide_contact(db, Actor.system("setup"), contact.id, approve=True, reason="ID seen",
                          now=now)  # fmt: skip
    rules = visits.VisitRules.from_settings(settings)
    offers = visits.available_slots(db, bob, now, rules)
    booking = visits.hold_slot(db, actor, bob, offers[0].slot_id, contact.id, now, rules)
    visits.confirm_booking(db, actor, bob, booking.id, now, rules)
    # Vera wrote to Bob with a photo, and screening passed it.
    letter = messages.write_to_inmate(db, contact, "From Vera", now,
                                      photos=[messages.clean_photo(photo())])  # fmt: skip
    messages.pass_message(db, Actor.system("setup"), letter.id, now, family_url="http://x")
    db.commit()
    return {"contact_id": contact.id, "booking_id": booking.id, "slot_id": offers[0].slot_id,
            "message_id": letter.id, "number": 1}  # fmt: skip


@pytest.fixture
def others(app: Flask, world: World, db: Session, make_staff: Callable[..., Any]) -> Others:
    bob = tablet(app, world.tablet_a1)
    assert bob.sign_in(world.bob).status_code == 201
    cart = {"lines": [{"product_id": world.products["coffee"], "quantity": 1}]}
    order = bob.post("/api/v1/orders", json=cart, headers={"Idempotency-Key": "bobs-order-1"})
    assert order.status_code == 201, order.json
    request = bob.post(
        "/api/v1/requests",
        json={"type": "see_doctor", "fields": {"reason": "Bob's toothache, private"}},
    )
    assert request.status_code == 201, request.json
    call = _bobs_call(db, world, app.extensions["cellgate"]["settings"])
    carol = tablet(app, world.tablet_a2)
    assert carol.sign_in(world.carol).status_code == 201
    carols = carol.post("/api/v1/orders", json=cart, headers={"Idempotency-Key": "carol-order-1"})
    assert carols.status_code == 201
    # A library item still in draft: published to nobody, so no inmate may read it.
    author = make_staff("content-author", "officer")
    draft = create_item(
        db, Actor("staff", author.id, author.username), ItemSpec(
            kind="page", texts=[VersionText("en", "Unpublished notes")]
        ), datetime.now(UTC),
    )  # fmt: skip
    # An urgent notice to Carol's cell only.
    notice = send_notice(
        db, Actor("staff", author.id, author.username), prison_id=world.carol.prison_id,
        cell_id=world.carol.cell_id, texts={"en": {"title": "Cell A2 only", "body": "Water off"}},
        now=datetime.now(UTC),
    )  # fmt: skip
    db.commit()
    ids = {
        "item_id": draft.id,
        "notice_id": notice.id,
        "order_id": order.json["id"],
        "line_id": order.json["lines"][0]["id"],
        "request_id": request.json["id"],
        "document_id": 1,
        "product_id": world.products["coffee"],
        **call,
    }
    secrets = [
        world.bob.prison_number,
        world.carol.prison_number,
        "Boris",
        "Bykov",
        "Carol",
        "toothache",
        "Vera",
        order.json["number"],
        carols.json["number"],
        request.json["receipt"],
        "Unpublished notes",
        "Cell A2 only",
    ]
    return Others(ids, secrets)


def _routes(app: Flask) -> list[tuple[str, str, Any]]:
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.startswith("tablet_app."):
            continue  # the app's files (tablet_api/webapp.py), not the API
        op = operation_of(app.view_functions[rule.endpoint])
        assert op is not None, rule.rule
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((rule.rule, method, op))
    # Signing out ends Alice's session: check it last.
    return sorted(routes, key=lambda r: (r[0], r[1]) == ("/api/v1/session", "DELETE"))


def _path(rule: str, ids: dict[str, int]) -> str:
    def fill(match: re.Match[str]) -> str:
        name = match.group(2)
        return str(ids.get(name, "x")) if name != "code" else "not-found"

    return re.sub(r"<(\w+:)?(\w+)>", fill, rule)


def _body(op: Any, ids: dict[str, int]) -> Any:
    if op.body is None:
        return None
    body = dict(op.example or {})
    for name in ("contact_id", "line_id", "slot_id", "order_id"):
        if name in body:
            body[name] = ids[name]
    if op.body == "NewBooking":
        body["rebook_of"] = ids["booking_id"]
    return body


def _call(client: Tablet, rule: str, method: str, op: Any, ids: dict[str, int]) -> Any:
    headers = {"Idempotency-Key": "authz-test-key-1"} if op.idempotency_key else {}
    return client.call(method, _path(rule, ids), json=_body(op, ids), headers=headers)


def _no_leak(response: Any, others: Others) -> None:
    text = response.get_data(as_text=True)
    for secret in others.secrets:
        assert secret not in text, f"{secret!r} leaked in {response.request.path}"


def test_every_route_refuses_what_it_must(
    app: Flask, world: World, others: Others, db: Session
) -> None:
    alice = tablet(app, world.tablet_a1)
    assert alice.sign_in(world.alice).status_code == 201
    session = db.scalars(
        select(TabletSession).where(
            TabletSession.inmate_id == world.alice.id, TabletSession.ended_at.is_(None)
        )
    ).one()
    db.commit()  # SQLite: a reading test must not hold the write lock the app needs
    routes = _routes(app)
    assert {rule for rule, _m, op in routes if op.auth == PUBLIC} == PUBLIC_ROUTES
    assert len([r for r in routes if r[2].auth == INMATE]) >= 20
    checked = 0
    for rule, method, op in routes:
        if op.auth == PUBLIC:
            continue
        where = f"{method} {rule}"

        # No credentials at all.
        bare = Tablet(app.test_client(), "")
        refused = _call(bare, rule, method, op, others.ids)
        assert refused.status_code == 401, where
        assert refused.json["code"] == "device-unauthorized", where
        assert refused.mimetype == "application/problem+json", where

        # A revoked tablet of the same cell, with Alice's valid token.
        revoked = Tablet(app.test_client(), world.revoked)
        revoked.access = alice.access
        refused = _call(revoked, rule, method, op, others.ids)
        assert refused.status_code == 401, where
        assert refused.json["code"] == "device-revoked", where

        # Another cell's tablet with Alice's token (copied from hers).
        elsewhere = Tablet(app.test_client(), world.tablet_a2)
        elsewhere.access = alice.access
        refused = _call(elsewhere, rule, method, op, others.ids)
        if op.auth == INMATE:
            assert refused.status_code == 401, where
            assert refused.json["code"] == "sign-in-required", where
        # (A device-level route answers the other tablet about itself only.)
        _no_leak(refused, others)

        if op.auth == INMATE:
            # An expired access token.
            session.access_expires_at = datetime.now(UTC) - timedelta(seconds=1)
            db.commit()
            refused = _call(alice, rule, method, op, others.ids)
            assert refused.status_code == 401, where
            assert refused.json["code"] == "access-token-expired", where
            session.access_expires_at = datetime.now(UTC) + timedelta(minutes=15)
            db.commit()

            # Alice, signed in on her own tablet, with Bob's and Carol's ids.
            answer = _call(alice, rule, method, op, others.ids)
            if any(f"<int:{name}>" in rule for name in others.ids) or op.body == "NewBooking":
                assert 400 <= answer.status_code < 500, (where, answer.status_code, answer.json)
            _no_leak(answer, others)
        elif op.auth == DEVICE and rule == "/api/v1/session/pin":
            # Bob's number with Carol's tablet: he does not live there.
            other = Tablet(app.test_client(), world.tablet_a2)
            refused = other.post(
                rule, json={"prison_number": world.bob.prison_number, "pin": "4826"}
            )
            assert refused.status_code == 401, where
            _no_leak(refused, others)
        checked += 1
    assert checked == len([r for r in routes if r[2].auth != PUBLIC])


def test_a_tablet_credential_of_a_kiosk_is_refused(app: Flask, world: World, db: Session) -> None:
    wing = world.prison.wings[0]
    kiosk = register_device(db, Actor.system("test"), kind="kiosk", name="kiosk-A", wing_id=wing.id)
    db.commit()
    response = Tablet(app.test_client(), kiosk.credential).get("/api/v1/device")
    assert response.status_code == 401


def test_a_signed_in_tablet_is_refused_on_its_next_call_once_revoked(
    app: Flask, world: World, db: Session
) -> None:
    alice = tablet(app, world.tablet_a1)
    assert alice.sign_in(world.alice).status_code == 201
    assert alice.get("/api/v1/me").status_code == 200
    # Her tablet's key with a guessed secret, and her valid token: not her tablet.
    guessed = tablet(app, world.tablet_a1.rsplit(".", 1)[0] + ".guessed-secret")
    guessed.access = alice.access
    assert guessed.get("/api/v1/me").json["code"] == "device-unauthorized"
    device_id = db.scalars(
        select(TabletSession.device_id).where(TabletSession.inmate_id == world.alice.id)
    ).one()
    revoke_device(db, Actor.system("test"), device_id, reason="stolen")
    db.commit()
    refused = alice.get("/api/v1/me")
    assert refused.status_code == 401
    assert refused.json["code"] == "device-revoked"


def test_a_moved_inmate_loses_his_tablet_session(app: Flask, world: World, db: Session) -> None:
    alice = tablet(app, world.tablet_a1)
    alice.sign_in(world.alice)
    assert alice.get("/api/v1/me").status_code == 200
    cells = {c.number: c for w in world.prison.wings for c in w.cells}
    moved = db.get(Inmate, world.alice.id)
    assert moved is not None
    moved.cell_id = cells["A3"].id
    db.commit()
    assert alice.get("/api/v1/me").json["code"] == "session-ended"
