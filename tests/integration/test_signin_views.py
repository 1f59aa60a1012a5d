"""Back-office sign-in pages, as an officer uses them in a browser (the Flask test client with
CSRF tokens), on both engines: photo enrolment with its quality messages, cards, PINs."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from datetime import timedelta

import cv2
import numpy as np
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.audit.services import Actor
from backoffice.db import utcnow
from backoffice.devices.services import register_device
from backoffice.people.models import Inmate, Prison
from backoffice.settings import Settings
from backoffice.signin import services as signin
from backoffice.signin.models import CardStatus, InmateCard, InmateCredentials, InmateSession
from backoffice.surface import equipment
from backoffice.web import create_app
from hardware.faces import FaceRecognitionMatcher
from tests import photos
from tests.conftest import wing_of
from tests.integration.staff_client import csrf_token as _token
from tests.integration.staff_client import sign_in as _sign_in


@pytest.fixture(scope="module")
def matcher() -> FaceRecognitionMatcher:
    return FaceRecognitionMatcher(upsample=0)


@pytest.fixture
def app(settings: Settings, matcher: FaceRecognitionMatcher) -> Iterator[Flask]:
    app = create_app(settings)
    equipment(app).face_matcher = matcher
    yield app
    app.extensions["cellgate"]["engine"].dispose()


@pytest.fixture
def officer(app: Flask, make_staff: Callable[..., object]) -> FlaskClient:
    make_staff("officer", "officer")
    client = app.test_client()
    _sign_in(client, "officer")
    return client


def _post(client: FlaskClient, path: str, page: str, **data: object) -> str:
    response = client.post(
        path,
        data={"csrf_token": _token(client, page), **data},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _jpeg(image: np.ndarray) -> io.BytesIO:
    _ok, data = cv2.imencode(".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    return io.BytesIO(data.tobytes())


def test_an_officer_enrols_a_face_and_bad_photos_are_explained(
    officer: FlaskClient, db: Session, make_inmate: Callable[..., Inmate]
) -> None:
    inmate = make_inmate("A", "A1")
    page = f"/signin/inmates/{inmate.id}"
    enrol = f"{page}/faces"
    pair = photos.side_by_side(photos.load("obama.jpg"), photos.load("biden.jpg"))
    shown = _post(officer, enrol, page, photos=(_jpeg(pair), "pair.jpg"))
    assert "2 faces found in the photo: it must show the inmate alone." in shown
    shown = _post(officer, enrol, page, photos=(io.BytesIO(b"%PDF-1.4"), "scan.pdf"))
    assert "Photo 1 (scan.pdf) is not a JPEG or PNG image." in shown
    shown = _post(officer, enrol, page, photos=(_jpeg(photos.load("obama.jpg")), "obama.jpg"))
    assert f"1 face image(s) enrolled for {inmate.full_name}." in shown
    assert "1 face image(s) enrolled, the last on" in shown
    listing = officer.get("/signin/?q=" + inmate.prison_number).get_data(as_text=True)
    assert inmate.prison_number in listing


def test_cards_are_issued_with_their_key_shown_once_then_blocked_or_replaced(
    officer: FlaskClient, db: Session, make_inmate: Callable[..., Inmate]
) -> None:
    inmate = make_inmate("A", "A1")
    page = f"/signin/inmates/{inmate.id}"
    shown = _post(officer, f"{page}/cards", page, card_number="cg123")
    key = re.search(r'<code class="secret">([0-9a-f]{64})</code>', shown)
    assert key and "Card CG123 issued to" in shown
    assert key.group(1) not in officer.get(page).get_data(as_text=True)
    card_id = db.scalars(select(InmateCard.id).where(InmateCard.card_number == "CG123")).one()
    db.rollback()  # SQLite: a reader's open transaction would hold the app's writes back
    shown = _post(officer, f"/signin/cards/{card_id}/replace", page, reason="lost")
    new_key = re.search(r'<code class="secret">([0-9a-f]{64})</code>', shown)
    assert new_key and new_key.group(1) != key.group(1)
    db.expire_all()
    new_card = db.scalars(
        select(InmateCard).where(InmateCard.status == CardStatus.ACTIVE.value)
    ).one()
    new_id, new_number = new_card.id, new_card.card_number
    db.rollback()
    shown = _post(officer, f"/signin/cards/{new_id}/block", page, reason="found in B2")
    assert f"Card {new_number} is blocked." in shown
    assert "<td>Replaced</td>" in shown and "found in B2" in shown  # the old card, in words


def test_pins_are_checked_and_a_locked_inmate_can_be_unlocked(
    officer: FlaskClient, db: Session, make_inmate: Callable[..., Inmate]
) -> None:
    inmate = make_inmate("A", "A1")
    page = f"/signin/inmates/{inmate.id}"
    shown = _post(officer, f"{page}/pin", page, pin="4071", pin_again="4072")
    assert "The two PINs differ." in shown
    shown = _post(officer, f"{page}/pin", page, pin="1234", pin_again="1234")
    assert "not the same digit repeated and not a run like 1234" in shown
    shown = _post(officer, f"{page}/pin", page, pin="4071", pin_again="4071")
    assert "The PIN is set." in shown
    db.expire_all()
    db.get(InmateCredentials, inmate.id).locked_until = utcnow() + timedelta(minutes=10)
    db.commit()
    assert "Sign-in is locked until" in officer.get(page).get_data(as_text=True)
    shown = _post(officer, f"{page}/unlock", page)
    assert "Sign-in is unlocked." in shown and "Sign-in is locked until" not in shown


def test_only_officers_and_administrators_see_the_sign_in_pages(
    app: Flask, make_staff: Callable[..., object], make_inmate: Callable[..., Inmate]
) -> None:
    make_staff("shopper", "shop")
    client = app.test_client()
    _sign_in(client, "shopper")
    assert client.get("/signin/").status_code == 403
    anonymous = app.test_client()
    assert anonymous.get("/signin/").status_code == 302


def test_staff_see_who_is_signed_in_and_can_sign_them_out(
    officer: FlaskClient,
    db: Session,
    system: Actor,
    prison: Prison,
    make_inmate: Callable[..., Inmate],
) -> None:
    inmate = make_inmate("A", "A1")
    kiosk = register_device(
        db, system, kind="kiosk", name="kiosk-A", wing_id=wing_of(db, prison, "A").id
    ).device
    session, token = signin.start_session(db, system, kiosk, inmate, method="pin")
    session_id = session.id
    db.commit()
    listing = officer.get("/signin/sessions").get_data(as_text=True)
    assert f"{inmate.full_name} ({inmate.prison_number})" in listing and "kiosk-A" in listing
    shown = _post(officer, f"/signin/sessions/{session_id}/end", "/signin/sessions")
    assert f"{inmate.full_name} is signed out of kiosk-A." in shown
    assert "Nobody is signed in." in shown
    db.expire_all()
    assert signin.session_for_token(db, kiosk, token, utcnow()) is None
    assert db.get(InmateSession, session_id).end_reason == "ended by staff"
