"""The request handlers' back office through the Flask test client, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.audit.services import Actor
from backoffice.people.models import Inmate
from backoffice.requests import services
from backoffice.requests.models import Request, RequestAttachment
from backoffice.staff.models import StaffUser
from backoffice.surface import equipment
from backoffice.web import create_app
from tests.conftest import test_settings
from tests.integration.staff_client import csrf_token as token
from tests.integration.staff_client import sign_in

NOW = datetime(2026, 3, 4, 7, 0, tzinfo=UTC)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
LIMIT = 2000


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    app = create_app(test_settings(database_url, **{"requests.attachment_max_bytes": LIMIT}))
    yield app
    app.extensions["cellgate"]["engine"].dispose()


@pytest.fixture
def rules(app: Flask) -> services.Rules:
    return equipment(app).request_rules


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def member(
    db: Session, make_staff: Callable[..., StaffUser], rules: services.Rules
) -> Callable[..., StaffUser]:
    admin = make_staff("deptadmin", "admin")
    admin_actor = Actor(kind="staff", id=admin.id, name="deptadmin", roles=admin.roles)

    def make(username: str, department: str, supervisor: bool = False) -> StaffUser:
        user = make_staff(username, "requests")
        services.set_membership(db, admin_actor, rules, user.id, department, supervisor=supervisor)
        db.commit()
        return user

    return make


def inmate_view(
    db: Session, rules: services.Rules, inmate: Inmate, request_id: int
) -> services.InmateCase:
    """What the inmate's kiosk or tablet would show now. The session ends its transaction at
    once: SQLite lets one transaction at a time hold the database, and the app needs it next."""
    db.rollback()
    try:
        return services.get_for_inmate(db, rules, inmate, request_id)
    finally:
        db.rollback()


def submit(
    db: Session, rules: services.Rules, inmate: Inmate, type_code: str, fields: dict[str, str]
) -> services.InmateCase:
    actor = Actor(kind="inmate", id=inmate.id, name=inmate.prison_number)
    case = services.submit(db, actor, rules, inmate, type_code, fields, now=NOW)
    db.commit()
    return case


COMPLAINT = {"what_happened": "The shower on the landing has been cold for a week."}


def test_a_handler_works_a_case_from_the_queue_to_the_answer(
    client: FlaskClient,
    db: Session,
    rules: services.Rules,
    make_inmate: Callable[..., Inmate],
    member: Callable[..., StaffUser],
) -> None:
    inmate = make_inmate(language="et")
    member("kadri", "healthcare")
    case = submit(db, rules, inmate, "see_doctor", {"reason": "Hammas valutab."})
    sign_in(client, "kadri")
    home = client.get("/").get_data(as_text=True)
    assert 'href="/requests/"' in home
    index = client.get("/requests/").get_data(as_text=True)
    assert "Healthcare" in index
    queue = client.get("/requests/department/healthcare").get_data(as_text=True)
    assert case.receipt in queue and inmate.prison_number in queue
    page = f"/requests/{case.id}"
    # Submitted at 07:00 UTC, which is 09:00 in Tallinn: the case and its history say 09:00.
    history = client.get(page).get_data(as_text=True)
    assert history.count("4 Mar 2026 09:00") >= 2 and "07:00" not in history
    assert "UTC" not in history
    response = client.post(f"{page}/claim", data={"csrf_token": token(client, page)})
    assert response.status_code == 302
    assert f"You have claimed {case.receipt}" in client.get(page).get_data(as_text=True)
    # The template is offered in the inmate's language.
    drafted = client.get(f"{page}?template=doctor_booked").get_data(as_text=True)
    assert "Teile on broneeritud arsti vastuvõtt" in drafted
    # No outcome is chosen for the handler: an answer sent without one is refused.
    assert '<select name="outcome" required>' in drafted
    assert '<option value="" selected>Choose the outcome</option>' in drafted
    client.post(
        f"{page}/answer",
        data={
            "csrf_token": token(client, page),
            "outcome": "approved",
            "answer_text": "Teile on broneeritud arsti vastuvõtt. Teid kutsutakse välja.",
        },
    )
    seen = inmate_view(db, rules, inmate, case.id)
    assert seen.status_text == "Rahuldatud"
    assert seen.answer_text.startswith("Teile on broneeritud")
    printed = client.get(f"{page}/print").get_data(as_text=True)
    assert case.receipt in printed and "Printed" in printed and "<header>" not in printed


def test_a_refused_answer_shows_why_and_changes_nothing(
    client: FlaskClient,
    db: Session,
    rules: services.Rules,
    make_inmate: Callable[..., Inmate],
    member: Callable[..., StaffUser],
) -> None:
    member("kadri", "wing_office")
    case = submit(db, rules, make_inmate(), "complaint", COMPLAINT)
    sign_in(client, "kadri")
    page = f"/requests/{case.id}"
    client.post(
        f"{page}/answer",
        data={"csrf_token": token(client, page), "outcome": "rejected", "answer_text": ""},
    )
    shown = client.get(page).get_data(as_text=True)
    assert "a rejection needs wrong_type, duplicate or abusive" in shown
    client.post(
        f"{page}/answer",
        data={"csrf_token": token(client, page), "outcome": "", "answer_text": "Fine."},
    )
    assert "Outcome: approved, declined or rejected." in client.get(page).get_data(as_text=True)
    db.rollback()
    assert db.scalar(select(Request.status).where(Request.id == case.id)) == "submitted"


def test_staff_only_notes_stay_with_staff(
    client: FlaskClient,
    db: Session,
    rules: services.Rules,
    make_inmate: Callable[..., Inmate],
    member: Callable[..., StaffUser],
) -> None:
    inmate = make_inmate()
    member("kadri", "wing_office")
    case = submit(db, rules, inmate, "complaint", COMPLAINT)
    sign_in(client, "kadri")
    page = f"/requests/{case.id}"
    for body, visible in (("Check the boiler logs first", "no"), ("We are on it.", "yes")):
        client.post(
            f"{page}/note",
            data={"csrf_token": token(client, page), "body": body, "visible_to_inmate": visible},
        )
    staff_page = client.get(page).get_data(as_text=True)
    assert "Check the boiler logs first" in staff_page and "no (staff only)" in staff_page
    seen = inmate_view(db, rules, inmate, case.id)
    assert "Check the boiler logs first" not in repr(seen)
    assert "We are on it." in [e.body for e in seen.entries]


def test_documents_are_type_and_size_checked_and_refused_ones_stored_nowhere(
    client: FlaskClient,
    db: Session,
    rules: services.Rules,
    make_inmate: Callable[..., Inmate],
    member: Callable[..., StaffUser],
) -> None:
    member("kadri", "wing_office")
    case = submit(db, rules, make_inmate(), "complaint", COMPLAINT)
    sign_in(client, "kadri")
    page = f"/requests/{case.id}"

    def upload(filename: str, data: bytes) -> str:
        response = client.post(
            f"{page}/attach",
            data={"csrf_token": token(client, page), "document": (io.BytesIO(data), filename)},
            content_type="multipart/form-data",
            follow_redirects=True,
        )
        return response.get_data(as_text=True)

    assert "none of them" in upload("notes.txt", b"hello there")
    assert "not a complete PDF" in upload("fake.pdf", b"%PDF-1.7\nMZ this is an executable")
    assert "none of them" in upload("invoice.pdf", b"MZ\x90\x00" + b"\x00" * 100)
    assert "too large" in upload("big.pdf", PDF[:-7] + b" " * LIMIT + b"%%EOF\n")
    # Larger than the whole app accepts: refused before the view runs, with the same message.
    assert "too large" in upload("huge.pdf", b"%PDF-1.4\n" + b" " * (9 * 1024 * 1024))
    assert db.scalar(select(func.count()).select_from(RequestAttachment)) == 0
    db.rollback()
    assert "is attached" in upload("scan.pdf", PDF)
    (document_id,) = db.scalars(select(RequestAttachment.id))
    db.rollback()
    download = client.get(f"{page}/documents/{document_id}")
    assert download.data == PDF and download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"] == 'attachment; filename="scan.pdf"'


def test_statistics_page_draws_its_chart_on_the_server(
    client: FlaskClient,
    db: Session,
    rules: services.Rules,
    make_inmate: Callable[..., Inmate],
    member: Callable[..., StaffUser],
) -> None:
    clerk = member("kadri", "wing_office")
    inmate = make_inmate()
    case = submit(db, rules, inmate, "complaint", COMPLAINT)
    actor = Actor(kind="staff", id=clerk.id, name="kadri", roles=clerk.roles)
    services.answer(db, actor, rules, case.id, "approved", "Fixed.", now=NOW)
    db.commit()
    sign_in(client, "kadri")
    response = client.get("/requests/statistics?since=2026-01-01&until=2026-12-31")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<svg" in page and "<rect" in page and "Complaint" in page
    assert "<script" not in page
    assert "100% on time" in page
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_confidential_cases_and_other_departments_are_not_found(
    client: FlaskClient,
    db: Session,
    rules: services.Rules,
    make_inmate: Callable[..., Inmate],
    member: Callable[..., StaffUser],
) -> None:
    inmate = make_inmate()
    member("kadri", "wing_office")
    member("governor", "governors_office")
    secret = submit(
        db,
        rules,
        inmate,
        "staff_complaint",
        {"what_happened": "An officer shouted at me.", "happened_on": "2026-03-01"},
    )
    sign_in(client, "kadri")
    assert client.get(f"/requests/{secret.id}").status_code == 404
    assert client.get(f"/requests/{secret.id}/print").status_code == 404
    assert secret.receipt not in client.get("/requests/department/governors_office").get_data(
        as_text=True
    )
    other = FlaskClient(client.application)
    sign_in(other, "governor")
    assert secret.receipt in other.get(f"/requests/{secret.id}").get_data(as_text=True)


def test_pages_are_for_request_staff_and_membership_is_for_admins(
    client: FlaskClient,
    db: Session,
    make_staff: Callable[..., StaffUser],
    member: Callable[..., StaffUser],
) -> None:
    make_staff("shopper", "shop")
    newbie = make_staff("newbie", "requests")
    sign_in(client, "shopper")
    assert client.get("/requests/").status_code == 403
    admin = FlaskClient(client.application)
    sign_in(admin, "deptadmin")
    admin.post(
        "/requests/departments",
        data={
            "csrf_token": token(admin, "/requests/departments"),
            "staff_user_id": str(newbie.id),
            "department": "finance",
            "supervisor": "yes",
        },
    )
    listing = admin.get("/requests/departments").get_data(as_text=True)
    assert "Newbie (newbie)" in listing
    handler = FlaskClient(client.application)
    sign_in(handler, "newbie")
    assert handler.get("/requests/departments").status_code == 403
    assert "Escalated to you (0)" in handler.get("/requests/").get_data(as_text=True)
