"""The tablet API as a tablet uses it, on SQLite and PostgreSQL: sign in, money, shop, errors."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.audit.models import AuditEvent
from backoffice.audit.services import Actor
from backoffice.db import utcnow
from backoffice.people.models import Inmate, Prison
from backoffice.requests import services as requests
from backoffice.shop import services as shop
from backoffice.shop.models import Order
from backoffice.signin.models import TabletSession
from backoffice.staff.models import StaffUser
from backoffice.visits import services as visits
from backoffice.visits.models import Slot
from tablet_api import create_app
from tablet_api.openapi import DOCUMENT_FILE, render_document
from tests.integration.tablet_world import (
    PIN,
    Tablet,
    World,
    build_world,
    deposit,
    tablet,
    tablet_settings,
)


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


def test_the_checked_in_document_is_the_one_the_code_makes(app: Flask) -> None:
    assert DOCUMENT_FILE.read_text("utf-8") == render_document(app), (
        "tablet_api/openapi.json is stale: run .venv/bin/python -m tablet_api"
    )
    served = app.test_client().get("/api/v1/openapi.json")
    assert served.status_code == 200
    assert served.json == json.loads(render_document(app))


def test_every_route_is_documented_and_every_documented_path_is_a_route(app: Flask) -> None:
    document = json.loads(DOCUMENT_FILE.read_text("utf-8"))
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.startswith("tablet_app."):
            continue  # the app's files (tablet_api/webapp.py), not the API
        path = rule.rule.replace("<int:", "<").replace("<", "{").replace(">", "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((path, method.lower()))
    documented = {(path, method) for path, ops in document["paths"].items() for method in ops}
    assert routes == documented


def test_pin_sign_in_then_profile_balance_and_sign_out(a1: Tablet, world: World) -> None:
    signed_in = a1.sign_in(world.alice)
    assert signed_in.status_code == 201, signed_in.json
    assert signed_in.json["inmate"]["prison_number"] == world.alice.prison_number
    assert signed_in.json["expires_in"] > 0
    me = a1.get("/api/v1/me")
    assert me.json["first_name"] == "Alice"
    balance = a1.get("/api/v1/balance")
    assert balance.status_code == 200
    assert balance.json["available_cents"] == 10_000
    out = a1.call("DELETE", "/api/v1/session")
    assert out.status_code == 204
    after = a1.get("/api/v1/balance")
    assert after.status_code == 401
    assert after.json["code"] == "session-ended"


def test_a_wrong_pin_is_refused_in_the_tablets_language(a1: Tablet, world: World) -> None:
    response = a1.sign_in(world.alice, pin="0000")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.json["type"] == "/api/v1/problems/sign-in-failed"
    response = a1.post(
        "/api/v1/session/pin",
        json={"prison_number": world.alice.prison_number, "pin": "0000"},
        headers={"Accept-Language": "ru"},
    )
    assert response.json["detail"] == "Не удалось войти. Проверьте данные и попробуйте ещё раз."


def test_an_inmate_of_another_cell_cannot_sign_in_on_this_tablet(a1: Tablet, world: World) -> None:
    assert a1.sign_in(world.carol).status_code == 401


def test_refresh_rotates_and_a_replayed_refresh_token_ends_the_session(
    a1: Tablet, app: Flask, world: World
) -> None:
    a1.sign_in(world.alice)
    first_refresh = a1.refresh
    renewed = a1.post("/api/v1/session/refresh", json={"refresh_token": first_refresh})
    assert renewed.status_code == 201
    assert renewed.json["refresh_token"] != first_refresh
    a1.access = renewed.json["access_token"]
    assert a1.get("/api/v1/me").status_code == 200
    # Someone replays the old refresh token: refused, and the session is over for everyone.
    replay = a1.post("/api/v1/session/refresh", json={"refresh_token": first_refresh})
    assert replay.status_code == 401
    assert a1.get("/api/v1/me").json["code"] == "session-ended"


def test_a_refresh_token_works_only_from_its_own_tablet(app: Flask, world: World) -> None:
    a1 = tablet(app, world.tablet_a1)
    a1.sign_in(world.alice)
    a2 = tablet(app, world.tablet_a2)
    stolen = a2.post("/api/v1/session/refresh", json={"refresh_token": a1.refresh})
    assert stolen.status_code == 401
    assert stolen.json["code"] == "refresh-token-invalid"


def test_idle_and_expired_access_tokens(a1: Tablet, world: World, db: Session, app: Flask) -> None:
    a1.sign_in(world.alice)
    session = db.scalars(select(TabletSession)).one()
    session.access_expires_at -= timedelta(minutes=16)
    db.commit()
    expired = a1.get("/api/v1/me")
    assert expired.status_code == 401
    assert expired.json["code"] == "access-token-expired"
    renewed = a1.post("/api/v1/session/refresh", json={"refresh_token": a1.refresh})
    assert renewed.status_code == 201
    a1.access = renewed.json["access_token"]
    session = db.scalars(select(TabletSession)).one()
    db.refresh(session)
    session.last_seen_at -= timedelta(minutes=11)
    db.commit()
    idle = a1.get("/api/v1/me")
    assert idle.json["code"] == "session-ended"
    db.refresh(session)
    assert session.end_reason == "idle"


def test_a_tablet_in_use_stays_signed_in_past_the_idle_time(
    a1: Tablet, world: World, db: Session
) -> None:
    a1.sign_in(world.alice)
    session = db.scalars(select(TabletSession)).one()
    session.last_seen_at -= timedelta(minutes=9)  # idle after 10
    db.commit()
    assert a1.get("/api/v1/me").status_code == 200
    db.refresh(session)
    # The call was seen and that was saved: the idle clock starts again from now.
    assert utcnow() - session.last_seen_at < timedelta(minutes=1)
    assert session.ended_at is None
    db.commit()  # SQLite: a reading test must not hold the write lock the app needs
    assert a1.get("/api/v1/balance").status_code == 200


def test_language_change_applies_to_errors(a1: Tablet, world: World) -> None:
    a1.sign_in(world.alice)
    changed = a1.call("PATCH", "/api/v1/me", json={"language": "et"})
    assert changed.status_code == 200
    assert changed.json["language"] == "et"
    wrong = a1.call("PATCH", "/api/v1/me", json={"language": "xx", "colour": "red"})
    assert wrong.status_code == 422
    fields = {e["field"]: e["reason"] for e in wrong.json["errors"]}
    assert fields == {
        "language": "peab olema üks neist: et, ru, en",
        "colour": "ei ole lubatud väli",
    }


def test_reads_carry_an_etag_and_answer_304_when_unchanged(a1: Tablet, world: World) -> None:
    a1.sign_in(world.alice)
    first = a1.get("/api/v1/balance")
    etag = first.headers["ETag"]
    again = a1.get("/api/v1/balance", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""


def test_place_check_list_cancel_an_order(a1: Tablet, world: World, db: Session) -> None:
    a1.sign_in(world.alice)
    catalogue = a1.get("/api/v1/catalogue").json
    assert {p["name"] for p in catalogue["products"]} == {"Coffee", "Soap", "Cigarettes"}
    cart = {"lines": [{"product_id": world.products["coffee"], "quantity": 2}]}
    check = a1.post("/api/v1/cart/check", json=cart)
    assert check.json["ok"] is True
    assert check.json["total_cents"] == 700
    placed = a1.post("/api/v1/orders", json=cart, headers={"Idempotency-Key": "order-0001"})
    assert placed.status_code == 201, placed.json
    again = a1.post("/api/v1/orders", json=cart, headers={"Idempotency-Key": "order-0001"})
    assert again.json["id"] == placed.json["id"]
    other = {"lines": [{"product_id": world.products["soap"], "quantity": 1}]}
    reused = a1.post("/api/v1/orders", json=other, headers={"Idempotency-Key": "order-0001"})
    assert reused.status_code == 409
    assert reused.json["code"] == "idempotency-key-reused"
    assert a1.get("/api/v1/balance").json["held_cents"] == 700
    orders = a1.get("/api/v1/orders?limit=1").json
    assert [o["id"] for o in orders["items"]] == [placed.json["id"]]
    cancelled = a1.post(f"/api/v1/orders/{placed.json['id']}/cancel")
    assert cancelled.json["status"] == "cancelled"
    assert a1.get("/api/v1/balance").json["held_cents"] == 0


def test_an_order_names_its_lines_in_the_inmates_language(app: Flask, world: World) -> None:
    a1 = tablet(app, world.tablet_a1)
    a1.sign_in(world.bob)
    cart = {
        "lines": [
            {"product_id": world.products["coffee"], "quantity": 1},
            {"product_id": world.products["soap"], "quantity": 2},
        ]
    }
    placed = a1.post("/api/v1/orders", json=cart, headers={"Idempotency-Key": "order-0003"})
    assert placed.status_code == 201, placed.json
    lines = {(line["name"], line["quantity"]) for line in placed.json["lines"]}
    assert lines == {("coffee ru", 1), ("soap ru", 2)}
    retried = a1.post("/api/v1/orders", json=cart, headers={"Idempotency-Key": "order-0003"})
    assert retried.json == placed.json
    shown = a1.get(f"/api/v1/orders/{placed.json['id']}").json
    assert {(line["name"], line["quantity"]) for line in shown["lines"]} == lines


def test_an_order_the_rules_refuse_says_why_in_the_inmates_language(
    app: Flask, world: World
) -> None:
    a1 = tablet(app, world.tablet_a1)
    a1.sign_in(world.bob)
    cart = {"lines": [{"product_id": world.products["cigarettes"], "quantity": 30}]}
    refused = a1.post("/api/v1/orders", json=cart, headers={"Idempotency-Key": "order-0002"})
    assert refused.status_code == 422
    assert refused.json["code"] == "order-refused"
    assert refused.json["violations"]
    assert "Недостаточно денег" in refused.json["detail"] or "не больше" in refused.json["detail"]


def test_orders_need_an_idempotency_key(a1: Tablet, world: World) -> None:
    a1.sign_in(world.alice)
    cart = {"lines": [{"product_id": world.products["coffee"], "quantity": 1}]}
    response = a1.post("/api/v1/orders", json=cart)
    assert response.status_code == 400
    assert response.json["code"] == "idempotency-key-missing"


def test_sign_in_is_audited_with_the_device(a1: Tablet, world: World, db: Session) -> None:
    a1.sign_in(world.alice)
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "tablet.sign_in")).one()
    assert event.actor_id == world.alice.id
    assert event.device_id is not None


def test_pin_lockout_after_repeated_failures(a1: Tablet, world: World) -> None:
    codes = [a1.sign_in(world.alice, pin="1111").json["code"] for _ in range(6)]
    assert codes[-1] == "sign-in-locked"
    assert a1.sign_in(world.alice, pin=PIN).status_code == 423


def test_the_order_shows_the_substitute_packed_and_its_price(
    a1: Tablet, world: World, db: Session, database_url: str
) -> None:
    a1.sign_in(world.alice)
    cart = {
        "lines": [{"product_id": world.products["coffee"], "quantity": 2}],
        "substitution_consent": True,
    }
    order = a1.post("/api/v1/orders", json=cart, headers={"Idempotency-Key": "order-0009"}).json
    assert order["lines"][0]["substitute_name"] is None
    settings = tablet_settings(database_url)
    # No coffee on the shelf: two soaps instead, at the soap's price.
    shop.pack_order(
        db,
        Actor(kind="staff", id=1, name="sirje"),
        order["id"],
        {},
        {order["lines"][0]["id"]: world.products["soap"]},
        protocols=shop.protocols_from(settings),
        settings=settings,
    )
    db.commit()
    [line] = a1.get(f"/api/v1/orders/{order['id']}").json["lines"]
    assert {k: v for k, v in line.items() if k.startswith(("name", "substitute", "charged"))} == {
        "name": "Coffee",
        "substitute_product_id": world.products["soap"],
        "substitute_name": "Soap",
        "substitute_unit_price_cents": 120,
        "charged_unit_cents": 120,
    }
    shop.deliver_order(db, Actor(kind="staff", id=1, name="olev"), order["id"])
    db.commit()
    assert a1.get(f"/api/v1/orders/{order['id']}").json["charged_cents"] == 240
    assert a1.get("/api/v1/balance").json["available_cents"] == 10_000 - 240


def test_acknowledge_delivery_then_report_a_missing_item(
    a1: Tablet, world: World, db: Session
) -> None:
    a1.sign_in(world.alice)
    cart = {"lines": [{"product_id": world.products["coffee"], "quantity": 2}]}
    order = a1.post("/api/v1/orders", json=cart, headers={"Idempotency-Key": "order-0003"}).json
    early = a1.post(f"/api/v1/orders/{order['id']}/acknowledge")
    assert early.status_code == 409
    assert early.json["code"] == "order-not-packed"
    staff = Actor(kind="staff", id=1, name="sirje")
    shop.pack_order(db, staff, order["id"], {})
    db.commit()
    assert a1.post(f"/api/v1/orders/{order['id']}/cancel").json["code"] == "order-not-cancellable"
    notes = a1.get("/api/v1/notifications").json["items"]
    assert [n["kind"] for n in notes] == ["order_packed"]
    assert order["number"] in notes[0]["text"]
    # Packed, but not brought yet: he cannot confirm it before its delivery day.
    assert a1.get(f"/api/v1/orders/{order['id']}").json["can_acknowledge"] is False
    too_soon = a1.post(f"/api/v1/orders/{order['id']}/acknowledge")
    assert too_soon.status_code == 409
    assert too_soon.json["code"] == "order-not-due"
    assert too_soon.json["detail"] == (
        f"Order {order['number']} is brought on {order['delivery_on']}. "
        "You can confirm it from that day."
    )
    assert a1.get("/api/v1/balance").json["available_cents"] == 10_000 - 700  # still held
    the_order = db.get(Order, order["id"])
    the_order.delivery_on = datetime.now(ZoneInfo(world.prison.timezone)).date()
    db.commit()
    assert a1.get(f"/api/v1/orders/{order['id']}").json["can_acknowledge"] is True
    delivered = a1.post(f"/api/v1/orders/{order['id']}/acknowledge")
    assert delivered.json["status"] == "delivered"
    assert delivered.json["charged_cents"] == 700
    line = delivered.json["lines"][0]["id"]
    missing = {"line_id": line, "quantity": 1, "reason": "One jar was not in the bag."}
    too_many = a1.post(f"/api/v1/orders/{order['id']}/missing", json={**missing, "quantity": 3})
    assert too_many.status_code == 422
    claim = a1.post(f"/api/v1/orders/{order['id']}/missing", json=missing)
    assert claim.status_code == 201, claim.json
    assert claim.json["type_code"] == "shop_claim" and claim.json["receipt"]
    # The inmate's word alone moves no money: staff check the claim, then refund.
    assert a1.get("/api/v1/balance").json["available_cents"] == 10_000 - 700
    assert order["number"] in str(claim.json)
    shop.refund_line(db, staff, order["id"], line, 1, reason="claim checked", key="claim-1")
    db.commit()
    assert a1.get("/api/v1/balance").json["available_cents"] == 10_000 - 700 + 350


def test_transactions_come_in_pages(a1: Tablet, world: World, db: Session) -> None:
    for _ in range(3):
        deposit(db, world.alice, 100)
    db.commit()
    a1.sign_in(world.alice)
    first = a1.get("/api/v1/transactions?limit=2").json
    assert len(first["items"]) == 2
    assert first["items"][0]["label"] == "Money received"
    second = a1.get(f"/api/v1/transactions?limit=2&cursor={first['next_cursor']}").json
    assert len(second["items"]) == 2
    assert second["next_cursor"] is None
    ids = [t["id"] for t in first["items"] + second["items"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 4
    bad = a1.get("/api/v1/transactions?limit=500")
    assert bad.status_code == 422
    assert bad.json["errors"] == [{"field": "limit", "reason": "must be at most 100"}]


def test_a_request_is_submitted_and_followed(a1: Tablet, world: World) -> None:
    a1.sign_in(world.alice)
    types = a1.get("/api/v1/request-types").json["items"]
    assert "see_doctor" in {t["code"] for t in types}
    made = a1.post(
        "/api/v1/requests", json={"type": "see_doctor", "fields": {"reason": "Back pain."}}
    )
    assert made.status_code == 201, made.json
    assert made.json["receipt"]
    listed = a1.get("/api/v1/requests").json["items"]
    assert [r["id"] for r in listed] == [made.json["id"]]
    twice = a1.post(
        "/api/v1/requests", json={"type": "see_doctor", "fields": {"reason": "Still hurts."}}
    )
    assert twice.status_code == 409
    assert made.json["receipt"] in twice.json["detail"]
    withdrawn = a1.post(f"/api/v1/requests/{made.json['id']}/withdraw")
    assert withdrawn.json["status"] == "withdrawn"


def test_a_contact_is_asked_for(a1: Tablet, world: World) -> None:
    a1.sign_in(world.alice)
    made = a1.post(
        "/api/v1/contacts",
        json={"full_name": "Ann Ames", "relation": "sibling", "phone": "+44 20 7946 0000"},
    )
    assert made.status_code == 201, made.json
    assert made.json["status"] == "pending"
    assert [c["full_name"] for c in a1.get("/api/v1/contacts").json["items"]] == ["Ann Ames"]


def test_too_many_calls_from_one_tablet_are_limited(database_url: str, world: World) -> None:
    app = create_app(tablet_settings(database_url, **{"tablet.device_rate_limit": "3 per minute"}))
    device = tablet(app, world.tablet_a2)
    codes = [device.get("/api/v1/device").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = device.get("/api/v1/device")
    assert limited.json["code"] == "rate-limited"
    assert int(limited.headers["Retry-After"]) >= 1
    # Another tablet is not slowed down by this one.
    assert tablet(app, world.tablet_a1).get("/api/v1/device").status_code == 200
    app.extensions["cellgate"]["engine"].dispose()


def test_the_limit_of_one_tablet_is_counted_across_every_worker(
    database_url: str, world: World, redis_storage: dict[str, str]
) -> None:
    """Two app instances are two gunicorn workers (or hosts): with the counters in Redis, three
    calls a minute means three, whichever worker answers each call."""
    limited = tablet_settings(
        database_url, **{"tablet.device_rate_limit": "3 per minute", **redis_storage}
    )
    workers = [create_app(limited), create_app(limited)]
    codes = [
        tablet(workers[n % 2], world.tablet_a2).get("/api/v1/device").status_code for n in range(5)
    ]
    assert codes == [200, 200, 200, 429, 429]
    # Another tablet is not slowed down by this one.
    assert tablet(workers[0], world.tablet_a1).get("/api/v1/device").status_code == 200
    for app in workers:
        app.extensions["cellgate"]["engine"].dispose()


def test_a_body_over_the_size_limit_is_refused(a1: Tablet, world: World) -> None:
    a1.sign_in(world.alice)
    huge = {"body": "x" * 70_000}
    response = a1.post("/api/v1/requests/1/reply", json=huge)
    assert response.status_code == 413
    assert response.json["code"] == "payload-too-large"


def test_notifications_since_a_moment_and_a_moment_that_does_not_exist(
    a1: Tablet, world: World
) -> None:
    a1.sign_in(world.alice)
    later = a1.get("/api/v1/notifications?since=2999-01-01T00:00:00Z")
    assert later.json == {"items": []}
    wrong = a1.get("/api/v1/notifications?since=2026-01-01T25:00:00Z")
    assert wrong.status_code == 422
    assert wrong.json["errors"] == [{"field": "since", "reason": "has a wrong format"}]


def open_calls(db: Session, world: World) -> None:
    """Video calls every day at 14:00 in the test prison, with one booth, as the visits office
    sets them up."""
    staff = Actor(kind="staff", id=1, name="viljar", roles=frozenset({"visits"}))
    visits.add_session_template(
        db,
        staff,
        world.prison.id,
        name="Calls",
        weekdays=range(7),
        starts_at_local=time(14, 0),
        length_minutes=30,
        parallel_calls=2,
        valid_from=date(2026, 1, 1),
    )
    visits.add_endpoint(db, staff, world.prison.id, kind="booth", name="Booth 1")
    db.commit()


def test_a_video_call_is_booked_announced_and_joined(a1: Tablet, world: World, db: Session) -> None:
    open_calls(db, world)
    a1.sign_in(world.alice)
    contact = a1.post(
        "/api/v1/contacts",
        json={"full_name": "Ann Ames", "relation": "sibling", "phone": "+3725550002"},
    ).json
    slots = a1.get("/api/v1/visit-slots").json["items"]
    refused = a1.post(
        "/api/v1/bookings", json={"slot_id": slots[0]["slot_id"], "contact_id": contact["id"]}
    )
    assert 400 <= refused.status_code < 500  # not approved yet
    visits.decide_contact(
        db, Actor.system("setup"), contact["id"], approve=True, reason="ID seen",
        now=datetime.now(UTC),
    )  # fmt: skip
    db.commit()
    held = a1.post(
        "/api/v1/bookings", json={"slot_id": slots[0]["slot_id"], "contact_id": contact["id"]}
    )
    assert held.status_code == 201, held.json
    assert held.json["status"] == "held"
    confirmed = a1.post(f"/api/v1/bookings/{held.json['id']}/confirm")
    assert confirmed.json["status"] == "confirmed"
    assert [b["id"] for b in a1.get("/api/v1/bookings").json["items"]] == [held.json["id"]]
    too_early = a1.post(f"/api/v1/bookings/{held.json['id']}/join")
    assert too_early.status_code in (403, 409)
    # The call's time comes: ten minutes before, the tablet announces it...
    slot = db.get(Slot, slots[0]["slot_id"])
    assert slot is not None
    soon = datetime.now(UTC) + timedelta(minutes=10)
    slot.starts_at, slot.ends_at = soon, soon + timedelta(minutes=30)
    db.commit()
    notes = a1.get("/api/v1/notifications").json["items"]
    assert [n["kind"] for n in notes] == ["call_starting"]
    assert "Ann Ames" in notes[0]["text"]
    # ...and from five minutes before it the inmate can join.
    slot.starts_at = datetime.now(UTC) + timedelta(minutes=2)
    db.commit()
    joined = a1.post(f"/api/v1/bookings/{held.json['id']}/join")
    assert joined.status_code == 200, joined.json
    assert joined.json["url"].startswith("http")
    assert joined.json["token"]


def test_an_answered_request_is_announced_in_the_inmates_language(
    app: Flask, world: World, db: Session, make_staff: Callable[..., StaffUser]
) -> None:
    rules = requests.rules_from_settings(app.extensions["cellgate"]["settings"])
    admin = make_staff("deptadmin", "admin")
    nurse = make_staff("nurse", "requests")
    admin_actor = Actor(kind="staff", id=admin.id, name=admin.username, roles=admin.roles)
    requests.set_membership(db, admin_actor, rules, nurse.id, "healthcare")
    db.commit()
    bob = tablet(app, world.tablet_a1)
    bob.sign_in(world.bob)
    made = bob.post(
        "/api/v1/requests", json={"type": "see_doctor", "fields": {"reason": "Headache."}}
    ).json
    assert bob.get("/api/v1/notifications").json["items"] == []
    nurse_actor = Actor(kind="staff", id=nurse.id, name=nurse.username, roles=nurse.roles)
    requests.answer(db, nurse_actor, rules, made["id"], "approved", "Tomorrow at 9.")
    db.commit()
    notes = bob.get("/api/v1/notifications").json["items"]
    assert [n["kind"] for n in notes] == ["request_answered"]
    assert notes[0]["text"].startswith(f"На заявление {made['receipt']} дан ответ")
    case = bob.get(f"/api/v1/requests/{made['id']}").json
    assert case["answer_text"] == "Tomorrow at 9."


def test_too_many_calls_from_one_inmate_are_limited(database_url: str, world: World) -> None:
    app = create_app(tablet_settings(database_url, **{"tablet.inmate_rate_limit": "2 per minute"}))
    alice = tablet(app, world.tablet_a1)
    alice.sign_in(world.alice)
    codes = [alice.get("/api/v1/me").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    bob = tablet(app, world.tablet_a1)
    bob.sign_in(world.bob)
    assert bob.get("/api/v1/me").status_code == 200  # same tablet, another inmate
    app.extensions["cellgate"]["engine"].dispose()


def test_a_body_that_is_not_json_is_refused_plainly(a1: Tablet, world: World) -> None:
    a1.sign_in(world.alice)
    as_form = a1.call("PATCH", "/api/v1/me", data="language=et")
    assert as_form.status_code == 415
    assert as_form.json["code"] == "unsupported-media-type"
    broken = a1.call(
        "PATCH", "/api/v1/me", data="{not json", headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 400
    assert broken.json["code"] == "bad-request"
    assert a1.call("PUT", "/api/v1/me").status_code == 405


def test_a_cursor_past_the_largest_id_lists_from_the_newest(a1: Tablet, world: World) -> None:
    """Fifteen digits pass the cursor's pattern but no id column can hold them: the page starts
    from the newest, as schemathesis found the library must (it was a 500 on PostgreSQL)."""
    a1.sign_in(world.alice)
    a1.post("/api/v1/requests", json={"type": "see_doctor", "fields": {"reason": "Back pain."}})
    far = "999999999999999"
    for path in ("/api/v1/orders", "/api/v1/requests", "/api/v1/transactions"):
        answer = a1.get(f"{path}?cursor={far}")
        assert answer.status_code == 200, (path, answer.json)
        assert answer.json == a1.get(path).json, path
    assert a1.get("/api/v1/requests").json["items"]


def test_a_refusal_names_the_contact_in_the_inmates_language(
    a1: Tablet, world: World, db: Session
) -> None:
    """Boris reads Russian: the service's refusal, which names his contact, reaches him in
    Russian with the name in it."""
    open_calls(db, world)
    a1.sign_in(world.bob)
    contact = a1.post(
        "/api/v1/contacts",
        json={"full_name": "Anna Petrova", "relation": "sibling", "phone": "+3725550003"},
    ).json
    slots = a1.get("/api/v1/visit-slots").json["items"]
    refused = a1.post(
        "/api/v1/bookings", json={"slot_id": slots[0]["slot_id"], "contact_id": contact["id"]}
    )
    assert refused.status_code == 403
    assert refused.headers["Content-Language"] == "ru"
    assert refused.json["reason"] == "Контакт Anna Petrova ещё не одобрен."
