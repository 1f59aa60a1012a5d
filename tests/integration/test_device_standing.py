"""An expired and a revoked device on each surface that devices use, on SQLite and PostgreSQL:
the kiosk's touch screens, the tablet API and the kiosk agent's API. Each is refused with a
message that says why, no inmate session starts on it, the session already open on it ends at
its next request, and the attempt is in the audit log. Renewing an expired registration in the
back office lets the device work again; a revoked one stays out."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from backoffice import web
from backoffice.audit.models import AuditEvent
from backoffice.db import utcnow
from backoffice.devices.models import Device
from backoffice.devices.services import register_device, revoke_device
from backoffice.people.models import Inmate, Prison
from backoffice.signin import services as signin
from backoffice.signin.models import CardChallenge, InmateSession
from kiosk import create_app as create_kiosk
from tablet_api import create_app as create_tablet_api
from tests.conftest import test_settings, wing_of
from tests.integration.staff_client import post_form as post
from tests.integration.staff_client import sign_in
from tests.integration.tablet_world import PIN, Tablet, World, build_world, tablet_settings
from tests.integration.test_kiosk_app import csrf, kiosk_client
from tests.integration.test_kiosk_app import sign_in as kiosk_sign_in

ADMIN = "hillar"
WHY = ["revoked", "expired"]


def take_out(db: Session, device_id: int, why: str) -> None:
    """Revoke the device as an admin does (the service alone: nothing else ends its sessions),
    or let its registration run out (registered a year and a day ago)."""
    if why == "revoked":
        revoke_device(db, signin.Actor.system("admin"), device_id, reason="stolen")
    else:
        db.execute(
            update(Device)
            .where(Device.id == device_id)
            .values(registered_at=utcnow() - timedelta(days=366))
        )
    db.commit()


def open_sessions(db: Session, device_id: int) -> int:
    count = db.scalar(
        select(func.count())
        .select_from(InmateSession)
        .where(InmateSession.device_id == device_id, InmateSession.ended_at.is_(None))
    )
    db.rollback()
    return int(count or 0)


def refusals(db: Session, device_id: int) -> list[tuple[str, str, Any]]:
    rows = db.execute(
        select(AuditEvent.outcome, AuditEvent.details).where(
            AuditEvent.action == "device.refused", AuditEvent.target_id == str(device_id)
        )
    ).all()
    db.rollback()
    return [(outcome, details["why"], details["surface"]) for outcome, details in rows]


def ended_because(db: Session, device_id: int) -> list[str]:
    reasons = db.scalars(
        select(InmateSession.end_reason).where(InmateSession.device_id == device_id)
    ).all()
    db.rollback()
    return list(reasons)


# --- the kiosk ------------------------------------------------------------------------------


@pytest.fixture
def kiosk_app(database_url: str) -> Iterator[Flask]:
    app = create_kiosk(test_settings(database_url, **{"signin.pin_allowed": True}))
    yield app
    app.extensions["cellgate"]["engine"].dispose()


@pytest.fixture
def kiosk(db: Session, prison: Prison) -> tuple[int, str]:
    made = register_device(
        db, signin.Actor.system("test"), kind="kiosk", name="kiosk-a",
        wing_id=wing_of(db, prison, "A").id,
    )  # fmt: skip
    db.commit()
    return made.device.id, made.credential


@pytest.fixture
def with_pin(make_inmate: Callable[..., Inmate], db: Session) -> Callable[..., Inmate]:
    def make(**fields: Any) -> Inmate:
        inmate = make_inmate(**fields)
        signin.set_pin(db, signin.Actor.system("test"), inmate, PIN)
        db.commit()
        return inmate

    return make


KIOSK_HEADINGS = {
    ("revoked", "en"): "This kiosk has been taken out of service",
    ("expired", "en"): "This kiosk's registration has expired",
    ("revoked", "et"): "See kiosk on kasutusest kõrvaldatud",
    ("expired", "et"): "Selle kioski registreering on aegunud",
}


@pytest.mark.parametrize("why", WHY)
def test_the_kiosk_refuses_an_expired_or_revoked_registration(
    why: str,
    kiosk_app: Flask,
    db: Session,
    kiosk: tuple[int, str],
    with_pin: Callable[..., Inmate],
) -> None:
    device_id, credential = kiosk
    # Plain strings: the test's session reads nothing while the app writes (SQLite).
    first = with_pin(language="en")
    signed_in_name, next_number = first.first_name, with_pin(language="et").prison_number
    screen = kiosk_client(kiosk_app, credential)
    assert kiosk_sign_in(screen, first.prison_number).status_code == 302
    assert screen.get("/home").status_code == 200
    other = kiosk_client(kiosk_app, credential)
    sign_in_page = csrf(other.get("/sign-in/pin").data)

    take_out(db, device_id, why)
    # The signed-in inmate's next touch: refused, and his session is over.
    home = screen.get("/home")
    assert home.status_code == 403
    assert KIOSK_HEADINGS[(why, "en")] in home.text
    assert "Please ask an officer for help." in home.text
    assert signed_in_name not in home.text
    assert open_sessions(db, device_id) == 0
    assert ended_because(db, device_id) == [f"device {why}"]
    # The start screen's card poll is sent to the refusal screen, where nothing polls.
    poll = other.get("/sign-in/card", headers={"Accept": "application/json"})
    assert (poll.status_code, poll.json) == (403, {"redirect": "/"})

    # The next inmate at the screen (the start screen speaks Estonian) cannot sign in.
    refused = other.post(
        "/sign-in/pin",
        data={"csrf_token": sign_in_page, "prison_number": next_number, "pin": PIN},
    )
    assert refused.status_code == 403
    assert KIOSK_HEADINGS[(why, "et")] in other.get("/").text
    started = db.scalar(select(func.count()).select_from(InmateSession))
    db.rollback()
    assert started == 1  # only the session from before
    assert refusals(db, device_id) == [("refused", why, "kiosk")] * 4


def test_an_admin_renews_an_expired_kiosk_but_not_a_revoked_one(
    kiosk_app: Flask,
    database_url: str,
    db: Session,
    prison: Prison,
    kiosk: tuple[int, str],
    with_pin: Callable[..., Inmate],
    make_staff: Callable[..., object],
) -> None:
    device_id, credential = kiosk
    inmate = with_pin(language="en")
    take_out(db, device_id, "expired")
    screen = kiosk_client(kiosk_app, credential)
    assert screen.get("/").status_code == 403

    make_staff(ADMIN, "admin")
    backoffice = web.create_app(test_settings(database_url))
    admin = backoffice.test_client()
    sign_in(admin, ADMIN)
    assert "registration expired" in admin.get("/devices").text
    renewed = post(admin, f"/devices/{device_id}/renew", "/devices")
    assert "kiosk-a is registered again until" in renewed
    assert kiosk_sign_in(screen, inmate.prison_number).status_code == 302
    assert screen.get("/home").status_code == 200

    take_out(db, device_id, "revoked")
    refused = post(admin, f"/devices/{device_id}/renew", "/devices")
    assert "kiosk-a is revoked; register it again as a new device." in refused
    assert screen.get("/home").status_code == 403
    backoffice.extensions["cellgate"]["engine"].dispose()


# --- the tablet API -------------------------------------------------------------------------


@pytest.fixture
def world(db: Session, prison: Prison, make_inmate: Callable[..., Inmate]) -> World:
    return build_world(db, prison, make_inmate)


@pytest.fixture
def tablet_app(database_url: str, world: World) -> Iterator[Flask]:
    app = create_tablet_api(tablet_settings(database_url))
    yield app
    app.extensions["cellgate"]["engine"].dispose()


TABLET_DETAILS = {
    ("revoked", "en"): "This tablet has been taken out of service. Ask an officer.",
    ("expired", "en"): "This tablet's registration has expired. Ask an officer.",
    ("revoked", "ru"): "Этот планшет выведен из эксплуатации. Обратитесь к сотруднику.",
    ("expired", "ru"): "Срок регистрации этого планшета истёк. Обратитесь к сотруднику.",
}


@pytest.mark.parametrize("why", WHY)
def test_the_tablet_api_refuses_an_expired_or_revoked_registration(
    why: str, tablet_app: Flask, db: Session, world: World
) -> None:
    bobs_number = world.bob.prison_number
    alice = Tablet(tablet_app.test_client(), world.tablet_a1)
    assert alice.sign_in(world.alice).status_code == 201
    assert alice.get("/api/v1/me").status_code == 200
    device_id = db.scalar(select(InmateSession.device_id))
    db.rollback()
    assert device_id is not None

    take_out(db, device_id, why)
    # Alice's next call, with her valid token: refused, and her session is over.
    refused = alice.get("/api/v1/me", headers={"Accept-Language": "en"})
    assert refused.status_code == 401
    assert refused.mimetype == "application/problem+json"
    assert refused.json["code"] == f"device-{why}"
    assert refused.json["detail"] == TABLET_DETAILS[(why, "en")]
    assert open_sessions(db, device_id) == 0
    assert ended_because(db, device_id) == [f"device {why}"]
    # Her cellmate cannot sign in on it (the tablet asks in Russian).
    bob = Tablet(tablet_app.test_client(), world.tablet_a1)
    answer = bob.call(
        "POST",
        "/api/v1/session/pin",
        json={"prison_number": bobs_number, "pin": PIN},
        headers={"Accept-Language": "ru"},
    )
    assert answer.status_code == 401 and answer.json["code"] == f"device-{why}"
    assert answer.json["detail"] == TABLET_DETAILS[(why, "ru")]
    assert not bob.access
    # Nor does Alice's refresh token bring her back.
    again = alice.post("/api/v1/session/refresh", json={"refresh_token": alice.refresh})
    assert again.status_code == 401 and again.json["code"] == f"device-{why}"
    started = db.scalar(select(func.count()).select_from(InmateSession))
    db.rollback()
    assert started == 1
    assert refusals(db, device_id) == [("refused", why, "tablet")] * 3


# --- the kiosk agent's API ------------------------------------------------------------------

AGENT_MESSAGES = {
    "revoked": "This kiosk was taken out of service in the back office.",
    "expired": "This kiosk's registration has expired: renew it in the back office.",
}


@pytest.mark.parametrize("why", WHY)
def test_the_kiosk_agent_is_refused_on_an_expired_or_revoked_kiosk(
    why: str,
    kiosk_app: Flask,
    db: Session,
    kiosk: tuple[int, str],
    with_pin: Callable[..., Inmate],
) -> None:
    device_id, credential = kiosk
    on_screen, with_card = with_pin(), with_pin()
    card, _key = signin.issue_card(db, signin.Actor.system("test"), with_card)
    db.commit()
    card_number = card.card_number
    screen = kiosk_client(kiosk_app, credential)
    assert kiosk_sign_in(screen, on_screen.prison_number).status_code == 302
    agent = kiosk_app.test_client()
    headers = {"Authorization": f"Bearer {credential}"}

    take_out(db, device_id, why)
    # The agent reports a card: refused, and the inmate signed in on the screen is signed out.
    answer = agent.post("/agent/card/challenge", json={"card_number": card_number}, headers=headers)
    assert (answer.status_code, answer.json) == (
        401,
        {"code": f"device-{why}", "message": AGENT_MESSAGES[why]},
    )
    assert open_sessions(db, device_id) == 0
    assert ended_because(db, device_id) == [f"device {why}"]
    challenges = db.scalar(select(func.count()).select_from(CardChallenge))
    db.rollback()
    assert challenges == 0  # no card sign-in can begin
    removed = agent.post("/agent/card/removed", json={"card_number": card_number}, headers=headers)
    assert removed.status_code == 401 and removed.json["code"] == f"device-{why}"
    assert screen.get("/home").status_code == 403
    assert refusals(db, device_id) == [("refused", why, s) for s in ("agent", "agent", "kiosk")]
