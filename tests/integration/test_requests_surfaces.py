"""A request across surfaces, on SQLite and PostgreSQL: the inmate submits and follows it on the
tablet API, staff work it in the back office, and what staff keep to themselves never reaches
the tablet."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from backoffice.audit.services import Actor
from backoffice.people.models import Inmate, Prison
from backoffice.requests import services
from backoffice.staff.models import StaffUser
from backoffice.surface import equipment
from backoffice.web import create_app as create_backoffice
from tablet_api import create_app as create_tablet_api
from tests.conftest import TEST_PASSWORD, test_settings
from tests.integration.staff_client import csrf_token as _token
from tests.integration.tablet_world import World, build_world, tablet, tablet_settings

SECRET = "Staff only: he filed the same complaint in Viru prison"


@pytest.fixture
def world(db: Session, prison: Prison, make_inmate: Callable[..., Inmate]) -> World:
    return build_world(db, prison, make_inmate)


@pytest.fixture
def tablet_app(database_url: str, world: World) -> Iterator[Flask]:
    app = create_tablet_api(tablet_settings(database_url))
    yield app
    app.extensions["cellgate"]["engine"].dispose()


@pytest.fixture
def backoffice(database_url: str) -> Iterator[Flask]:
    app = create_backoffice(test_settings(database_url))
    yield app
    app.extensions["cellgate"]["engine"].dispose()


def test_staff_only_notes_never_reach_the_tablet(
    db: Session,
    world: World,
    tablet_app: Flask,
    backoffice: Flask,
    make_staff: Callable[..., StaffUser],
) -> None:
    clerk = make_staff("kadri", "requests")
    admin = make_staff("boss", "admin")
    rules = equipment(backoffice).request_rules
    admin_actor = Actor(kind="staff", id=admin.id, name="boss", roles=admin.roles)
    services.set_membership(db, admin_actor, rules, clerk.id, "wing_office")
    db.commit()

    pad = tablet(tablet_app, world.tablet_a1)
    assert pad.sign_in(world.bob).status_code == 201
    submitted = pad.post(
        "/api/v1/requests",
        json={"type": "complaint", "fields": {"what_happened": "Душ на этаже холодный неделю."}},
    )
    assert submitted.status_code == 201, submitted.json
    case_id, receipt = submitted.json["id"], submitted.json["receipt"]
    assert re.fullmatch(r"TST-\d{4}-\d{6}", receipt)

    staff = backoffice.test_client()
    staff.post(
        "/sign-in",
        data={
            "username": "kadri",
            "password": TEST_PASSWORD,
            "csrf_token": _token(staff, "/sign-in"),
        },
    )
    page = f"/requests/{case_id}"
    assert receipt in staff.get("/requests/department/wing_office").get_data(as_text=True)
    for body, visible in ((SECRET, "no"), ("Мы проверяем бойлер.", "yes")):
        staff.post(
            f"{page}/note",
            data={"csrf_token": _token(staff, page), "body": body, "visible_to_inmate": visible},
        )
    staff.post(
        f"{page}/answer",
        data={
            "csrf_token": _token(staff, page),
            "outcome": "approved",
            "answer_text": "Бойлер отремонтирован.",
        },
    )
    assert SECRET in staff.get(page).get_data(as_text=True)

    one = pad.get(f"/api/v1/requests/{case_id}")
    listing = pad.get("/api/v1/requests")
    assert one.status_code == 200 and listing.status_code == 200
    for response in (one, listing):
        text = response.get_data(as_text=True)
        assert "he filed the same complaint" not in text
        assert "kadri" not in text  # nor who on the staff wrote what
    entries = one.json["entries"]
    assert "Мы проверяем бойлер." in [e["body"] for e in entries]
    assert one.json["answer_text"] == "Бойлер отремонтирован."
    assert one.json["status_text"] == "Удовлетворено"

    # Another inmate of the same cell, on the same tablet, cannot open it.
    other = tablet(tablet_app, world.tablet_a1)
    assert other.sign_in(world.alice).status_code == 201
    assert other.get(f"/api/v1/requests/{case_id}").status_code == 404
