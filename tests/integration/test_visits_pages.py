"""The visit staff's pages and the contact's invitation page, through the real back-office app
(CSRF, sign-in, role checks) on both engines. These pages use the real clock, so the call under
test is placed around the current time."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.audit.services import Actor
from backoffice.people.models import Inmate, Prison
from backoffice.settings import Settings
from backoffice.visits import services as visits
from backoffice.visits.models import BlockedDate, Booking, Contact, Slot
from tests.integration.staff_client import csrf_token as csrf
from tests.integration.staff_client import signed_in

STAFF = Actor(kind="staff", id=None, name="setup")


def a_call_now(
    db: Session, prison: Prison, settings: Settings, make_inmate: Callable[..., Inmate]
) -> tuple[Booking, str]:
    """A confirmed call that started 10 minutes ago (booked 3 days earlier), or at the
    prison's midnight if that was later: it is one of today's calls whenever the test runs."""
    rules = visits.VisitRules.from_settings(settings)
    zone = ZoneInfo(prison.timezone)
    now = datetime.now(UTC)
    local_now = now.astimezone(zone)
    midnight = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
    start_local = max(local_now - timedelta(minutes=10), midnight)
    template = visits.add_session_template(
        db, STAFF, prison.id, name="Now", weekdays=range(7),
        starts_at_local=start_local.time().replace(second=0, microsecond=0),
        length_minutes=120, parallel_calls=2, valid_from=start_local.date() - timedelta(days=7),
    )  # fmt: skip
    visits.add_endpoint(db, STAFF, prison.id, kind="booth", name="Booth 1")
    inmate = make_inmate()
    contact = visits.request_contact(
        db, STAFF, inmate, full_name="Liis Tamm", relation="sibling",
        email="liis@example.org", now=now,
    )  # fmt: skip
    visits.decide_contact(db, STAFF, contact.id, approve=True, reason="checked", now=now)
    today = start_local.date()
    visits.open_slots(db, prison, today, today)
    slot = db.scalars(select(Slot).where(Slot.template_id == template.id)).one()
    booked_at = now - timedelta(days=3)
    held = visits.hold_slot(db, STAFF, inmate, slot.id, contact.id, booked_at, rules)
    confirmed = visits.confirm_booking(db, STAFF, inmate, held.id, booked_at, rules)
    # Load what the tests read now: on SQLite a lazy load later would open a writing
    # transaction (BEGIN IMMEDIATE) and lock the app out.
    assert confirmed.booking.inmate.full_name and confirmed.booking.slot.starts_at
    db.commit()
    return confirmed.booking, confirmed.invitation_url.rsplit("/", 1)[1]


def test_visit_staff_approve_a_contact_and_other_roles_cannot(
    app: Flask, db: Session, make_staff: Callable, make_inmate: Callable[..., Inmate]
) -> None:
    make_staff("viljar", "visits")
    make_staff("sirje", "shop")
    inmate = make_inmate()
    contact = visits.request_contact(
        db, STAFF, inmate, full_name="Peeter Saar", relation="friend",
        phone="+3725123456", now=datetime.now(UTC),
    )  # fmt: skip
    db.commit()
    assert signed_in(app, "sirje").get("/visits/contacts").status_code == 403
    client = signed_in(app, "viljar")
    page = client.get("/visits/contacts").get_data(as_text=True)
    assert (
        "Peeter Saar" in page and inmate.prison_number in page and 'href="/visits/contacts"' in page
    )
    token = csrf(client, "/visits/contacts")
    response = client.post(
        f"/visits/contacts/{contact.id}/decide",
        data={"decision": "refuse", "reason": "", "csrf_token": token},
        follow_redirects=True,
    )
    assert "Write the reason" in response.get_data(as_text=True)
    response = client.post(
        f"/visits/contacts/{contact.id}/decide",
        data={"decision": "approve", "reason": "phone call made", "csrf_token": token},
        follow_redirects=True,
    )
    assert "Peeter Saar: approved." in response.get_data(as_text=True)
    db.expire_all()
    approved = db.get(Contact, contact.id)
    assert approved is not None
    assert (approved.status, approved.decided_by) == ("approved", "viljar")


def test_visit_staff_see_todays_calls_and_end_one(
    app: Flask,
    db: Session,
    prison: Prison,
    settings: Settings,
    make_staff: Callable,
    make_inmate: Callable[..., Inmate],
) -> None:
    make_staff("viljar", "visits")
    booking, _ = a_call_now(db, prison, settings, make_inmate)
    client = signed_in(app, "viljar")
    page = client.get("/visits/calls").get_data(as_text=True)
    assert "Booth 1" in page and booking.inmate.full_name in page and "Liis Tamm" in page
    token = csrf(client, "/visits/calls")
    response = client.post(
        f"/visits/calls/{booking.id}/end",
        data={"reason": "shouting", "csrf_token": token},
        follow_redirects=True,
    )
    assert "is ended" in response.get_data(as_text=True)
    db.expire_all()
    ended = db.get(Booking, booking.id)
    assert ended is not None and (ended.status, ended.close_reason) == ("ended", "shouting")


def test_visit_staff_block_a_date(
    app: Flask, db: Session, prison: Prison, make_staff: Callable
) -> None:
    make_staff("viljar", "visits")
    client = signed_in(app, "viljar")
    token = csrf(client, "/visits/blocked")
    day = (datetime.now(UTC) + timedelta(days=10)).date().isoformat()
    response = client.post(
        "/visits/blocked",
        data={"day": day, "reason": "staff training", "csrf_token": token},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert f"No calls on {day}" in page and "staff training" in page
    assert db.scalars(select(BlockedDate.reason)).all() == ["staff training"]


def test_the_contact_joins_from_the_invitation_link(
    app: Flask,
    db: Session,
    prison: Prison,
    settings: Settings,
    make_inmate: Callable[..., Inmate],
) -> None:
    booking, token = a_call_now(db, prison, settings, make_inmate)
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"  # the contact's browser asks for English
    page = client.get(f"/visits/join/{token}").get_data(as_text=True)
    starts = booking.slot.starts_at
    if starts - timedelta(minutes=5) <= datetime.now(UTC):
        assert "Join the call" in page
        form = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert form
        response = client.post(f"/visits/join/{token}", data={"csrf_token": form.group(1)})
        assert response.status_code == 200
        link = re.search(
            r'href="(https://meet\.example\.org/[^"]+)"', response.get_data(as_text=True)
        )
        assert link and link.group(1).startswith(f"https://meet.example.org/{booking.room}?jwt=")
    else:  # just after local midnight the slot of "today" starts later today
        assert "You can join from" in page
    assert client.get(f"/visits/join/{token[:-2]}xx").status_code == 404


def test_visit_staff_set_up_sessions_and_booths(
    app: Flask,
    db: Session,
    prison: Prison,
    settings: Settings,
    make_staff: Callable,
    make_inmate: Callable[..., Inmate],
) -> None:
    make_staff("viljar", "visits")
    inmate = make_inmate()
    client = signed_in(app, "viljar")
    token = csrf(client, "/visits/setup")
    response = client.post(
        "/visits/templates",
        data={
            "name": "Weekend calls", "weekday": ["5", "6"], "starts_at": "10:30",
            "length_minutes": "40", "parallel_calls": "2", "valid_from": "2026-01-01",
            "csrf_token": token,
        },
        follow_redirects=True,
    )  # fmt: skip
    page = response.get_data(as_text=True)
    assert "Session template added" in page and "Sat, Sun" in page and "10:30" in page
    response = client.post(
        "/visits/booths", data={"name": "Booth Z", "csrf_token": token}, follow_redirects=True
    )
    assert "Booth Z" in response.get_data(as_text=True)
    rules = visits.VisitRules.from_settings(settings)
    now = datetime.now(UTC)
    offers = visits.available_slots(db, inmate, now, rules)
    assert offers and {o.local_start.weekday() for o in offers} == {5, 6}
    assert {o.local_start.strftime("%H:%M") for o in offers} == {"10:30"}
    db.commit()
    template_id = db.scalars(select(Slot.template_id)).first()
    db.rollback()  # on SQLite an open transaction holds the write lock the app needs
    response = client.post(
        f"/visits/templates/{template_id}/stop", data={"csrf_token": token}, follow_redirects=True
    )
    assert "no new bookings" in response.get_data(as_text=True)
    db.expire_all()
    assert visits.available_slots(db, inmate, now, rules) == []
    db.rollback()
