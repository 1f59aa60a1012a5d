from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.audit.models import AuditEvent
from backoffice.audit.services import Actor
from backoffice.devices.services import register_device
from backoffice.settings import Settings
from backoffice.signin.services import start_session
from backoffice.staff.models import StaffUser
from tests.conftest import TEST_PASSWORD
from tests.integration.staff_client import csrf_token as csrf
from tests.integration.staff_client import post_sign_in as sign_in


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def test_staff_signs_in_and_sees_their_roles(client: FlaskClient, make_staff: Callable) -> None:
    make_staff("kadri", "accountant")
    response = sign_in(client, "kadri")
    assert response.status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert "Welcome, Kadri" in home and "accountant" in home


@pytest.mark.parametrize(
    ("roles", "shown", "hidden"),
    [
        (("shop",), ["Shop rounds", "Catalogue"], ["Accounts", "Devices", "Audit log"]),
        (("accountant",), ["Accounts", "Audit log"], ["Shop rounds", "Devices"]),
        (("officer",), ["Held deposits", "Inmate sign-in"], ["Accounts", "Devices", "Catalogue"]),
        (
            ("admin",),
            ["Devices", "Inmate sign-in", "Request departments", "Audit log"],
            ["Accounts", "Shop rounds", "Catalogue", "Requests", "Video visits", "Held deposits"],
        ),
        (
            ("admin", "accountant", "shop", "visits"),
            ["Devices", "Accounts", "Shop rounds", "Video visits"],
            [],
        ),
    ],
)
def test_the_home_page_offers_each_role_its_own_work(  # type: ignore[no-untyped-def]
    client: FlaskClient, make_staff: Callable, roles, shown, hidden
) -> None:
    make_staff("someone", *roles)
    sign_in(client, "someone")
    tasks = client.get("/").get_data(as_text=True).split('class="tasks"')[1]
    assert all(f">{name}</a>" in tasks for name in shown)
    assert not any(f">{name}</a>" in tasks for name in hidden)


def test_wrong_password_five_times_locks_the_account(
    client: FlaskClient, make_staff: Callable, db: Session
) -> None:
    make_staff("olev", "officer")
    for _ in range(4):
        response = sign_in(client, "olev", "wrong-password-123")
        assert response.status_code == 401
        assert "Wrong username or password" in response.get_data(as_text=True)
    response = sign_in(client, "olev", "wrong-password-123")
    assert "now locked" in response.get_data(as_text=True)
    # Even the right password is refused while locked, and says so.
    response = sign_in(client, "olev")
    assert response.status_code == 401
    assert "locked" in response.get_data(as_text=True)
    refused = db.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "staff.sign_in", AuditEvent.outcome == "refused"
        )
    ).all()
    assert len(refused) == 6


def test_lock_ends_after_the_lockout(
    client: FlaskClient, make_staff: Callable, db: Session
) -> None:
    user = make_staff("olev", "officer")
    for _ in range(5):
        sign_in(client, "olev", "wrong-password-123")
    db.expire_all()
    user = db.get(StaffUser, user.id)
    assert user.locked_until is not None
    user.locked_until = datetime.now(UTC) - timedelta(seconds=1)
    db.commit()
    assert sign_in(client, "olev").status_code == 302


def test_unknown_user_gets_the_same_answer(client: FlaskClient) -> None:
    response = sign_in(client, "nobody")
    assert response.status_code == 401
    assert "Wrong username or password" in response.get_data(as_text=True)


def test_forms_without_csrf_token_are_refused(client: FlaskClient, make_staff: Callable) -> None:
    make_staff("kadri", "accountant")
    response = client.post("/sign-in", data={"username": "kadri", "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302  # still not signed in


def test_roles_are_checked(client: FlaskClient, make_staff: Callable) -> None:
    make_staff("sirje", "shop")
    sign_in(client, "sirje")
    assert client.get("/audit").status_code == 403
    assert client.get("/devices").status_code == 403
    assert client.get("/inmates").status_code == 200


def test_pages_need_a_session(client: FlaskClient) -> None:
    response = client.get("/audit")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


def test_idle_session_expires(
    client: FlaskClient, make_staff: Callable, settings: Settings
) -> None:
    make_staff("kadri", "accountant")
    sign_in(client, "kadri")
    with client.session_transaction() as session:
        idle = settings["auth.idle_minutes"] + 1
        session["last_seen"] = (datetime.now(UTC) - timedelta(minutes=idle)).timestamp()
    response = client.get("/audit")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]
    assert client.get("/").status_code == 302


def test_sign_out_ends_the_session(client: FlaskClient, make_staff: Callable) -> None:
    make_staff("kadri", "accountant")
    sign_in(client, "kadri")
    client.post("/sign-out", data={"csrf_token": csrf(client, "/")})
    assert client.get("/").status_code == 302


def test_admin_searches_the_audit_log(client: FlaskClient, make_staff: Callable) -> None:
    make_staff("anu", "admin")
    sign_in(client, "nobody-here")
    sign_in(client, "anu")
    page = client.get("/audit?outcome=refused").get_data(as_text=True)
    assert "nobody-here" in page and "staff.sign_in" in page
    page = client.get("/audit?since=not-a-date").get_data(as_text=True)
    assert "Dates are written YYYY-MM-DD" in page


def test_external_redirects_are_ignored(client: FlaskClient, make_staff: Callable) -> None:
    make_staff("kadri", "accountant")
    token = csrf(client)
    response = client.post(
        "/sign-in?next=//evil.example/x",
        data={"username": "kadri", "password": TEST_PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/"


def test_revoking_a_device_ends_its_inmate_sessions_at_once(  # type: ignore[no-untyped-def]
    client: FlaskClient, make_staff: Callable, make_inmate: Callable, db: Session, prison
) -> None:
    inmate = make_inmate(wing="A")
    wing = next(w for w in prison.wings if w.code == "A")
    kiosk = register_device(db, Actor.system("t"), kind="kiosk", name="kiosk-A", wing_id=wing.id)
    session, _token = start_session(db, Actor.system("t"), kiosk.device, inmate, method="pin")
    db.commit()
    make_staff("adm", "admin")
    sign_in(client, "adm")
    page = client.post(
        f"/devices/{kiosk.device.id}/revoke",
        data={"reason": "screen smashed", "csrf_token": csrf(client, "/devices")},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "its 1 open inmate sessions have ended" in page
    db.expire_all()
    assert db.get(type(session), session.id).ended_at is not None  # type: ignore[union-attr]
