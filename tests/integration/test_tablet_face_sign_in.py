"""Face sign-in through the tablet API with the real matcher on real photographs: a burst of
camera frames in which the head turns signs the enrolled inmate in; a still photo does not."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator

import cv2
import pytest
from flask import Flask
from sqlalchemy.orm import Session

from backoffice.audit.services import Actor
from backoffice.people.models import Inmate, Prison
from backoffice.signin import services as signin
from backoffice.surface import equipment
from hardware.faces import FaceRecognitionMatcher, Image
from tablet_api import create_app
from tests import photos
from tests.integration.tablet_world import World, build_world, tablet, tablet_settings


@pytest.fixture(scope="module")
def matcher() -> FaceRecognitionMatcher:
    return FaceRecognitionMatcher(upsample=signin.SignInPolicy().face_upsample)


@pytest.fixture(scope="module")
def frames(matcher: FaceRecognitionMatcher) -> dict[str, str]:
    """Camera frames (640x480 JPEG, base64) made from the photos, as the tablet sends them."""
    made = {}
    for name in ("obama.jpg", "obama2.jpg", "obama3.jpg", "obama_partial_face2.jpg"):
        image = photos.load(name)
        head = photos.portrait(image, matcher.detect(image)[0])
        frame: Image = photos.frame(head)
        ok, jpeg = cv2.imencode(".jpg", cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
        assert ok
        made[name] = base64.b64encode(jpeg.tobytes()).decode()
    return made


@pytest.fixture
def world(
    db: Session, prison: Prison, make_inmate: Callable[..., Inmate], matcher: FaceRecognitionMatcher
) -> World:
    world = build_world(db, prison, make_inmate)
    signin.enroll_face(db, Actor.system("test"), world.alice, [photos.load("obama.jpg")], matcher)
    db.commit()
    return world


@pytest.fixture
def app(database_url: str, world: World, matcher: FaceRecognitionMatcher) -> Iterator[Flask]:
    app = create_app(tablet_settings(database_url))
    equipment(app).face_matcher = matcher  # loaded once for the module
    yield app
    app.extensions["cellgate"]["engine"].dispose()


def test_a_live_face_signs_in_on_the_tablet(
    app: Flask, world: World, frames: dict[str, str]
) -> None:
    burst = [frames[n] for n in ("obama2.jpg", "obama3.jpg", "obama_partial_face2.jpg")]
    response = tablet(app, world.tablet_a1).post("/api/v1/session/face", json={"frames": burst})
    assert response.status_code == 201, response.json
    assert response.json["inmate"]["id"] == world.alice.id


def test_a_still_photo_is_refused_and_garbage_is_named(
    app: Flask, world: World, frames: dict[str, str]
) -> None:
    device = tablet(app, world.tablet_a1)
    still = device.post("/api/v1/session/face", json={"frames": [frames["obama2.jpg"]] * 3})
    assert still.status_code == 401
    assert still.json["code"] == "sign-in-failed"
    garbage = device.post("/api/v1/session/face", json={"frames": ["bm90IGFuIGltYWdl"]})
    assert garbage.status_code == 422
    assert garbage.json["errors"][0]["field"] == "frames[0]"
