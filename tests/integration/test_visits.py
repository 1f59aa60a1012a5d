"""Video visits on both engines: contacts and bars, booking rules at their boundaries, holds,
quotas, blocked dates, automatic cancellation, invitation links and Jitsi room tokens.

The clock is fixed: NOW is Tuesday 1 December 2026, 12:00 in Tallinn (10:00 UTC). The session
template runs every day at 14:00 Tallinn time (12:00 UTC) for 30 minutes.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import jwt
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backoffice.audit.models import AuditEvent
from backoffice.audit.services import Actor
from backoffice.errors import Conflict, Forbidden, InvalidInput, NotFound
from backoffice.people.models import Inmate, Prison
from backoffice.settings import Settings
from backoffice.staff.services import create_staff_user
from backoffice.visits import services as visits
from backoffice.visits.models import Booking, Contact, Invitation, Notification, Slot

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
TODAY = date(2026, 12, 1)  # local (Tallinn) date of NOW
STAFF = Actor(kind="staff", id=1, name="viljar", roles=frozenset({"visits"}))


def at(day: date, hh: int = 12, mm: int = 0, ss: int = 0) -> datetime:
    """A UTC moment on a local day (the template starts at 12:00 UTC = 14:00 Tallinn)."""
    return datetime(day.year, day.month, day.day, hh, mm, ss, tzinfo=UTC)


def ahead(days: int) -> date:
    return TODAY + timedelta(days=days)


def inmate_actor(inmate: Inmate) -> Actor:
    return Actor(kind="inmate", id=inmate.id, name=inmate.prison_number)


@dataclass
class World:
    db: Session
    prison: Prison
    rules: visits.VisitRules
    make_inmate: Callable[..., Inmate]
    # A real member of visit staff of every prison: deciding on a contact asks who they are.
    staff: Actor

    def inmate_with_contact(self, **fields: Any) -> tuple[Inmate, Contact]:
        inmate = self.make_inmate(**fields)
        contact = visits.request_contact(
            self.db,
            inmate_actor(inmate),
            inmate,
            full_name=f"Mother of {inmate.last_name}",
            relation="parent",
            email=f"mother.{inmate.id}@example.org",
            now=NOW,
        )
        visits.decide_contact(
            self.db, self.staff, contact.id, approve=True, reason="identity checked", now=NOW
        )
        self.db.commit()
        return inmate, contact

    def slot_on(self, day: date) -> Slot:
        visits.open_slots(self.db, self.prison, day, day)
        slot = self.db.scalars(
            select(Slot).where(Slot.starts_at == at(day)).order_by(Slot.id)
        ).first()
        assert slot is not None, day
        return slot

    def hold(self, inmate: Inmate, contact: Contact, day: date, now: datetime = NOW, **kw: Any):  # type: ignore[no-untyped-def]
        slot = self.slot_on(day)
        return visits.hold_slot(
            self.db, inmate_actor(inmate), inmate, slot.id, contact.id, now, self.rules, **kw
        )

    def book(self, inmate: Inmate, contact: Contact, day: date, **kw: Any) -> visits.Confirmed:
        booking = self.hold(inmate, contact, day, **kw)
        confirmed = visits.confirm_booking(
            self.db, inmate_actor(inmate), inmate, booking.id, NOW, self.rules
        )
        self.db.commit()
        return confirmed


@pytest.fixture
def world(
    db: Session, prison: Prison, settings: Settings, make_inmate: Callable[..., Inmate]
) -> World:
    visits.add_session_template(
        db,
        STAFF,
        prison.id,
        name="Afternoon calls",
        weekdays=range(7),
        starts_at_local=time(14, 0),
        length_minutes=30,
        parallel_calls=2,
        valid_from=date(2026, 1, 1),
    )
    for name in ("Booth 1", "Booth 2", "Booth 3"):
        visits.add_endpoint(db, STAFF, prison.id, kind="booth", name=name)
    user = create_staff_user(db, Actor.system("test"), username="visits.checker",
                             full_name="Visits Checker", password="visits-checker-password",
                             roles=["visits"], min_password_length=12)  # fmt: skip
    db.commit()
    checker = Actor(kind="staff", id=user.id, name=user.username, roles=frozenset({"visits"}))
    return World(db, prison, visits.VisitRules.from_settings(settings), make_inmate, checker)


# --- contacts --------------------------------------------------------------------------------


def test_inmate_asks_for_a_contact_and_staff_approve_with_a_reason(world: World) -> None:
    db = world.db
    inmate = world.make_inmate()
    contact = visits.request_contact(
        db,
        inmate_actor(inmate),
        inmate,
        full_name="  Mari   Tamm ",
        relation="spouse",
        phone="+372 5555 1234",
        now=NOW,
    )
    assert (contact.full_name, contact.phone, contact.status) == (
        "Mari Tamm",
        "+37255551234",
        "pending",
    )
    with pytest.raises(Conflict, match="already on your list"):
        visits.request_contact(
            db, inmate_actor(inmate), inmate, full_name="Mari T", relation="spouse",
            phone="+37255551234", now=NOW,
        )  # fmt: skip
    assert [c.id for c in visits.pending_contacts(db, world.prison.id)] == [contact.id]
    with pytest.raises(InvalidInput, match="reason"):
        visits.decide_contact(db, world.staff, contact.id, approve=True, reason=" ", now=NOW)
    visits.decide_contact(db, world.staff, contact.id, approve=True, reason="ID card seen", now=NOW)
    db.commit()
    assert visits.contacts_of(db, inmate)[0].status == "approved"
    assert contact.decided_by == world.staff.name and contact.decision_reason == "ID card seen"
    assert not contact.privileged
    with pytest.raises(Conflict, match="already decided"):
        visits.decide_contact(db, world.staff, contact.id, approve=False, reason="again", now=NOW)
    actions = db.scalars(
        select(AuditEvent.action).where(AuditEvent.target_type == "visit_contact")
    ).all()
    assert actions == ["visits.contact_requested", "visits.contact_approved"]


def test_visit_staff_of_another_prison_cannot_decide_on_a_contact(
    world: World, other_prison: Prison
) -> None:
    db = world.db
    inmate = world.make_inmate()
    contact = visits.request_contact(db, inmate_actor(inmate), inmate, full_name="Mari Tamm",
                                     relation="spouse", phone="+37255551234", now=NOW)  # fmt: skip
    user = create_staff_user(db, Actor.system("test"), username="viru.visits",
                             full_name="Viru Visits", password="viru-visits-password",
                             roles=["visits"], min_password_length=12,
                             prison_id=other_prison.id)  # fmt: skip
    viru = Actor(kind="staff", id=user.id, name=user.username, roles=frozenset({"visits"}))
    db.commit()
    for approve in (True, False):
        with pytest.raises(NotFound):  # not "forbidden": the contact's existence does not leak
            visits.decide_contact(db, viru, contact.id, approve=approve, reason="x", now=NOW)
        db.rollback()
    assert db.get(Contact, contact.id).status == "pending"  # type: ignore[union-attr]
    decided = visits.decide_contact(db, world.staff, contact.id, approve=True, reason="ID seen",
                                    now=NOW)  # fmt: skip
    assert decided.status == "approved"


def test_contact_needs_a_phone_or_an_email_and_a_known_relation(world: World) -> None:
    inmate = world.make_inmate()
    ask = lambda **kw: visits.request_contact(  # noqa: E731
        world.db, inmate_actor(inmate), inmate, now=NOW, **kw
    )
    with pytest.raises(InvalidInput, match="phone number or e-mail"):
        ask(full_name="A B", relation="friend")
    with pytest.raises(InvalidInput, match="how you know"):
        ask(full_name="A B", relation="cellmate", phone="5551234")
    with pytest.raises(InvalidInput, match="e-mail address"):
        ask(full_name="A B", relation="friend", email="not-an-address")


def test_a_barred_person_is_refused_on_the_spot_and_the_inmate_is_not_told_why(
    world: World,
) -> None:
    db = world.db
    inmate = world.make_inmate()
    visits.bar_person(
        db, STAFF, inmate, full_name="Victim Person", phone="+3725000000",
        category="victim", reason="court order 1-23-456", now=NOW,
    )  # fmt: skip
    contact = visits.request_contact(
        db, inmate_actor(inmate), inmate, full_name="Someone Else", relation="friend",
        phone="+372 500 0000", now=NOW,
    )  # fmt: skip
    assert contact.status == "barred" and contact.status_for_inmate == "refused"
    assert "victim" in contact.decision_reason
    with pytest.raises(Conflict):
        visits.decide_contact(db, world.staff, contact.id, approve=True, reason="x", now=NOW)


def test_barring_an_approved_contact_cancels_their_calls_and_tells_them(world: World) -> None:
    db = world.db
    inmate, contact = world.inmate_with_contact()
    confirmed = world.book(inmate, contact, ahead(3))
    visits.bar_person(
        db, STAFF, inmate, full_name=contact.full_name, category="co_accused",
        reason="same case", now=NOW,
    )  # fmt: skip
    db.commit()
    assert contact.status == "barred"
    assert confirmed.booking.status == "cancelled"
    kinds = db.scalars(select(Notification.kind).where(Notification.contact_id == contact.id))
    assert list(kinds) == ["invitation", "cancelled"]


def test_a_lawyer_is_privileged_and_never_monitored(world: World) -> None:
    db = world.db
    inmate = world.make_inmate()
    lawyer = visits.request_contact(
        db, inmate_actor(inmate), inmate, full_name="Advokaat Kask", relation="lawyer",
        email="kask@law.example", now=NOW,
    )  # fmt: skip
    visits.decide_contact(db, world.staff, lawyer.id, approve=True, reason="bar member", now=NOW)
    mother = visits.request_contact(
        db, inmate_actor(inmate), inmate, full_name="Ema", relation="parent",
        email="ema@example.org", now=NOW,
    )  # fmt: skip
    visits.decide_contact(db, world.staff, mother.id, approve=True, reason="ok", now=NOW)
    db.commit()
    assert lawyer.privileged
    with_lawyer = world.book(inmate, lawyer, ahead(3)).booking
    with_mother = world.book(inmate, mother, ahead(4)).booking
    assert with_lawyer.privileged
    during = at(ahead(3), 12, 10)
    with pytest.raises(Forbidden, match="never monitored"):
        visits.monitor_token(db, STAFF, with_lawyer.id, during, world.rules)
    monitor = visits.monitor_token(db, STAFF, with_mother.id, at(ahead(4), 12, 10), world.rules)
    assert monitor.room == with_mother.room
    token = visits.join_token_for_inmate(db, inmate, with_lawyer.id, during, world.rules)
    claims = jwt.decode(
        token.token, world.rules.jitsi_secret, algorithms=["HS256"], audience="jitsi",
        options={"verify_exp": False, "verify_nbf": False, "verify_iat": False},
    )  # fmt: skip
    assert claims["context"]["privileged"] is True
    assert claims["context"]["features"]["recording"] is False


# --- booking rules at their boundaries --------------------------------------------------------


@pytest.mark.parametrize(("days", "allowed"), [(1, False), (2, True), (28, True), (29, False)])
def test_booking_is_2_to_28_days_ahead(world: World, days: int, allowed: bool) -> None:
    inmate, contact = world.inmate_with_contact()
    if allowed:
        booking = world.hold(inmate, contact, ahead(days))
        assert booking.status == "held"
    else:
        with pytest.raises(Conflict, match="days ahead"):
            world.hold(inmate, contact, ahead(days))


def test_the_day_boundary_is_local_midnight_not_utc(world: World) -> None:
    inmate, contact = world.inmate_with_contact()
    # 21:59 UTC on 1 December is 23:59 in Tallinn: 3 December is 2 days ahead...
    assert world.hold(inmate, contact, ahead(2), now=at(TODAY, 21, 59)).status == "held"
    # ...but at 22:00 UTC it is already 2 December in Tallinn: 3 December is 1 day ahead.
    with pytest.raises(Conflict, match="at least 2 days"):
        world.hold(inmate, contact, ahead(2), now=at(TODAY, 22, 0))


def test_available_slots_cover_exactly_days_2_to_28(world: World) -> None:
    inmate, _ = world.inmate_with_contact()
    offers = visits.available_slots(world.db, inmate, NOW, world.rules)
    days = [o.local_start.date() for o in offers]
    assert days[0] == ahead(2) and days[-1] == ahead(28) and len(days) == 27
    assert all(o.places_left == 2 and o.within_quota for o in offers)
    assert offers[0].local_start.hour == 14
    world.db.commit()
    again = visits.available_slots(world.db, inmate, NOW, world.rules)
    assert [o.slot_id for o in again] == [o.slot_id for o in offers]
    opened = world.db.scalars(
        select(AuditEvent.details).where(AuditEvent.action == "visits.slots_opened")
    ).all()
    assert [d["created"] for d in opened] == [27]


def test_the_hold_expires_at_exactly_ten_minutes(world: World) -> None:
    db = world.db
    inmate, contact = world.inmate_with_contact()
    booking = world.hold(inmate, contact, ahead(5))
    with pytest.raises(Conflict, match="hold has expired"):
        visits.confirm_booking(
            db, inmate_actor(inmate), inmate, booking.id, NOW + timedelta(minutes=10), world.rules
        )
    confirmed = visits.confirm_booking(
        db,
        inmate_actor(inmate),
        inmate,
        booking.id,
        NOW + timedelta(minutes=10) - timedelta(microseconds=1),
        world.rules,
    )
    assert confirmed.booking.status == "confirmed"


def test_an_expired_hold_gives_its_place_to_the_next_inmate(world: World) -> None:
    db = world.db
    first, c1 = world.inmate_with_contact()
    second, c2 = world.inmate_with_contact()
    third, c3 = world.inmate_with_contact()
    world.hold(first, c1, ahead(5))
    world.hold(second, c2, ahead(5))
    db.commit()
    just_before = NOW + timedelta(minutes=10) - timedelta(seconds=1)
    with pytest.raises(Conflict, match="full"):
        world.hold(third, c3, ahead(5), now=just_before)
    db.rollback()
    offer = next(
        o
        for o in visits.available_slots(db, third, just_before, world.rules)
        if o.local_start.date() == ahead(5)
    )
    assert offer.places_left == 0
    held = world.hold(third, c3, ahead(5), now=NOW + timedelta(minutes=10))
    db.commit()
    assert held.place == 1
    statuses = db.scalars(select(Booking.status).order_by(Booking.id)).all()
    assert statuses == ["expired", "expired", "held"]


def test_holding_another_session_gives_the_first_place_back(world: World) -> None:
    inmate, contact = world.inmate_with_contact()
    first = world.hold(inmate, contact, ahead(5))
    second = world.hold(inmate, contact, ahead(6))
    assert (first.status, first.place) == ("cancelled", None)
    assert second.status == "held"


def test_unapproved_contact_cannot_be_booked(world: World) -> None:
    inmate = world.make_inmate()
    pending = visits.request_contact(
        world.db, inmate_actor(inmate), inmate, full_name="New Friend", relation="friend",
        phone="5554321", now=NOW,
    )  # fmt: skip
    with pytest.raises(Forbidden, match="not an approved contact"):
        world.hold(inmate, pending, ahead(5))


def test_remand_quota_is_three_calls_a_week(world: World) -> None:
    inmate, contact = world.inmate_with_contact(legal_status="remand")
    # Week of Monday 30 November: Thursday 3, Friday 4, Saturday 5 December.
    for day in (3, 4, 5):
        world.book(inmate, contact, date(2026, 12, day))
    with pytest.raises(Conflict, match="used your 3 video calls for the week of 2026-11-30"):
        world.hold(inmate, contact, date(2026, 12, 6))  # Sunday, same week
    world.db.rollback()
    assert world.hold(inmate, contact, date(2026, 12, 7)).status == "held"  # next Monday
    offers = {
        o.local_start.date(): o.within_quota
        for o in visits.available_slots(world.db, inmate, NOW, world.rules)
    }
    assert offers[date(2026, 12, 6)] is False and offers[date(2026, 12, 8)] is True


def test_convicted_quota_follows_the_regime_level_and_configuration(
    world: World, settings: Settings
) -> None:
    basic, c1 = world.inmate_with_contact(regime_level="basic")
    world.book(basic, c1, ahead(3))
    with pytest.raises(Conflict, match="used your 1 video calls"):
        world.hold(basic, c1, ahead(4))
    world.db.rollback()
    more = visits.VisitRules.from_settings(
        settings.with_overrides({"visits.weekly_quota.convicted.basic": 2})
    )
    slot = world.slot_on(ahead(4))
    booking = visits.hold_slot(world.db, inmate_actor(basic), basic, slot.id, c1.id, NOW, more)
    assert booking.status == "held"


def test_cancelling_gives_back_the_place_and_the_quota(world: World) -> None:
    db = world.db
    inmate, contact = world.inmate_with_contact(legal_status="remand")
    bookings = [world.book(inmate, contact, date(2026, 12, d)).booking for d in (3, 4, 5)]
    cancelled = visits.cancel_booking(
        db, inmate_actor(inmate), inmate, bookings[0].id, NOW, world.rules
    )
    db.commit()
    assert (cancelled.status, cancelled.place) == ("cancelled", None)
    assert world.book(inmate, contact, date(2026, 12, 6)).booking.status == "confirmed"
    kinds = db.scalars(select(Notification.kind).order_by(Notification.id)).all()
    assert kinds.count("cancelled") == 1
    other = world.make_inmate()
    with pytest.raises(NotFound):
        visits.cancel_booking(db, inmate_actor(other), other, bookings[1].id, NOW, world.rules)


def test_blocked_date_is_not_offered_and_its_calls_are_cancelled(world: World) -> None:
    db = world.db
    inmate, contact = world.inmate_with_contact()
    booked = world.book(inmate, contact, ahead(5)).booking
    visits.block_date(db, STAFF, world.prison.id, ahead(5), reason="lockdown drill", now=NOW)
    db.commit()
    assert booked.status == "cancelled" and "lockdown drill" in booked.close_reason
    days = {o.local_start.date() for o in visits.available_slots(db, inmate, NOW, world.rules)}
    assert ahead(5) not in days and ahead(4) in days and ahead(6) in days
    with pytest.raises(Conflict, match="no calls on"):
        world.hold(inmate, contact, ahead(5))
    db.rollback()
    with pytest.raises(Conflict, match="already blocked"):
        visits.block_date(db, STAFF, world.prison.id, ahead(5), reason="again", now=NOW)
    db.rollback()
    blocked = visits.blocked_dates(db, world.prison.id)
    visits.unblock_date(db, STAFF, blocked[0].id)
    db.commit()
    assert world.hold(inmate, contact, ahead(5)).status == "held"


def test_release_and_transfer_cancel_future_calls_and_tell_the_contacts(
    world: World, db: Session
) -> None:
    released, c1 = world.inmate_with_contact()
    moved, c2 = world.inmate_with_contact()
    staying, c3 = world.inmate_with_contact()
    b1 = world.book(released, c1, ahead(3)).booking
    b2 = world.book(moved, c2, ahead(3)).booking
    b3 = world.book(staying, c3, ahead(4)).booking
    released.status = "released"
    other = Prison(code="OTH", name="Other Prison")
    db.add(other)
    db.flush()
    moved.prison_id = other.id
    db.commit()
    result = visits.sweep(db, Actor.system("sweep"), NOW)
    db.commit()
    assert result.cancelled_for_departure == 2
    assert (b1.status, b1.close_reason) == ("cancelled", "released")
    assert (b2.status, b2.close_reason) == ("cancelled", "transferred")
    assert b3.status == "confirmed"
    told = db.scalars(
        select(Notification).where(Notification.kind == "cancelled").order_by(Notification.id)
    ).all()
    assert [(n.contact_id, n.channel) for n in told] == [(c1.id, "email"), (c2.id, "email")]
    assert released.full_name in told[0].body
    with pytest.raises(Forbidden):
        visits.available_slots(db, released, NOW, world.rules)


def test_sweep_expires_old_holds(world: World) -> None:
    inmate, contact = world.inmate_with_contact()
    booking = world.hold(inmate, contact, ahead(4))
    world.db.commit()
    assert visits.sweep(world.db, STAFF, NOW + timedelta(minutes=9)).holds_expired == 0
    assert visits.sweep(world.db, STAFF, NOW + timedelta(minutes=10)).holds_expired == 1
    assert (booking.status, booking.place) == ("expired", None)


def test_one_slot_place_can_never_hold_two_bookings(world: World) -> None:
    db = world.db
    a, ca = world.inmate_with_contact()
    b, cb = world.inmate_with_contact()
    first = world.hold(a, ca, ahead(5))
    db.commit()
    twin = Booking(
        slot_id=first.slot_id, place=first.place, inmate_id=b.id, contact_id=cb.id,
        status="held", held_at=NOW, hold_expires_at=NOW + timedelta(minutes=10),
    )  # fmt: skip
    db.add(twin)
    with pytest.raises(IntegrityError):
        db.flush()
    db.rollback()


def test_an_inmate_cannot_have_two_calls_at_the_same_time(world: World) -> None:
    inmate, contact = world.inmate_with_contact()
    world.book(inmate, contact, ahead(5))
    with pytest.raises(Conflict, match="already have a call"):
        world.hold(inmate, contact, ahead(5))


# --- joining ---------------------------------------------------------------------------------


def decode(token: str, rules: visits.VisitRules, **options: Any) -> dict[str, Any]:
    # The fixed NOW is not the machine's clock: exp and nbf are compared by value below.
    return jwt.decode(
        token,
        rules.jitsi_secret,
        algorithms=["HS256"],
        audience=rules.jitsi_audience,
        issuer=rules.jitsi_app_id,
        options={"verify_exp": False, "verify_nbf": False, "verify_iat": False, **options},
    )


def test_room_token_claims_follow_jitsi_conventions(world: World) -> None:
    db = world.db
    inmate, contact = world.inmate_with_contact()
    confirmed = world.book(inmate, contact, ahead(3))
    booking = confirmed.booking
    start, end = at(ahead(3)), at(ahead(3), 12, 30)
    room = visits.join_token_for_inmate(db, inmate, booking.id, start, world.rules)
    claims = decode(room.token, world.rules, require=["exp", "nbf", "aud", "iss", "sub", "room"])
    assert claims["aud"] == "jitsi" and claims["iss"] == "cellgate"
    assert claims["sub"] == "meet.example.org"
    assert claims["room"] == booking.room and booking.room.startswith("cellgate-")
    assert claims["exp"] == int(end.timestamp())
    assert claims["nbf"] == int((start - timedelta(minutes=5)).timestamp())
    assert claims["context"]["user"]["name"] == inmate.full_name
    assert jwt.get_unverified_header(room.token)["alg"] == "HS256"
    assert room.url == f"https://meet.example.org/{booking.room}?jwt={room.token}"
    token = confirmed.invitation_url.rsplit("/", 1)[1]
    theirs = visits.join_token_for_contact(db, token, start, world.rules, booking_id=booking.id)
    their_claims = decode(theirs.token, world.rules)
    assert their_claims["room"] == booking.room
    assert their_claims["context"]["user"]["name"] == contact.full_name
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(
            room.token, "another-secret-of-enough-length!!", algorithms=["HS256"],
            audience="jitsi", options={"verify_exp": False, "verify_nbf": False},
        )  # fmt: skip
    issued = db.scalars(
        select(AuditEvent.details).where(AuditEvent.action == "visits.room_token_issued")
    ).all()
    assert [d["side"] for d in issued] == ["inmate", "contact"]


@pytest.mark.parametrize(
    ("moment", "allowed"),
    [
        ((11, 54, 59), False),  # 5 minutes and 1 second before the start
        ((11, 55, 0), True),  # exactly 5 minutes before
        ((12, 29, 59), True),  # the last second of the slot
        ((12, 30, 0), False),  # the slot's end
    ],
)
def test_no_token_outside_the_join_window(
    world: World, moment: tuple[int, int, int], allowed: bool
) -> None:
    inmate, contact = world.inmate_with_contact()
    confirmed = world.book(inmate, contact, ahead(3))
    now = at(ahead(3), *moment)
    token = confirmed.invitation_url.rsplit("/", 1)[1]
    if allowed:
        assert visits.join_token_for_inmate(
            world.db, inmate, confirmed.booking.id, now, world.rules
        )
        assert visits.join_token_for_contact(world.db, token, now, world.rules)
    else:
        with pytest.raises(Forbidden):
            visits.join_token_for_inmate(world.db, inmate, confirmed.booking.id, now, world.rules)
        with pytest.raises(Forbidden):
            visits.join_token_for_contact(world.db, token, now, world.rules)


def test_no_token_for_a_contact_who_is_no_longer_approved(world: World) -> None:
    db = world.db
    inmate, contact = world.inmate_with_contact()
    booking = world.book(inmate, contact, ahead(3)).booking
    during = at(ahead(3), 12, 5)
    # Approval lost without the booking being cancelled (say, a decision made elsewhere).
    db.execute(
        text("UPDATE visit_contacts SET status = 'refused' WHERE id = :id"), {"id": contact.id}
    )
    db.commit()
    db.expire_all()
    with pytest.raises(Forbidden, match="not approved"):
        visits.join_token_for_inmate(db, inmate, booking.id, during, world.rules)


def test_withdrawn_approval_cancels_calls_and_no_token_follows(world: World) -> None:
    db = world.db
    inmate, contact = world.inmate_with_contact()
    confirmed = world.book(inmate, contact, ahead(3))
    visits.withdraw_approval(db, STAFF, contact.id, reason="threats in a letter", now=NOW)
    db.commit()
    during = at(ahead(3), 12, 5)
    with pytest.raises(Forbidden):
        visits.join_token_for_inmate(db, inmate, confirmed.booking.id, during, world.rules)
    token = confirmed.invitation_url.rsplit("/", 1)[1]
    with pytest.raises(Forbidden, match="cancelled"):
        visits.join_token_for_contact(db, token, during, world.rules)


def test_invitation_link_cannot_be_guessed_reused_or_used_late(world: World) -> None:
    db = world.db
    inmate, contact = world.inmate_with_contact()
    first = world.book(inmate, contact, ahead(3))
    second = world.book(inmate, contact, ahead(4))
    token = first.invitation_url.rsplit("/", 1)[1]
    other_token = second.invitation_url.rsplit("/", 1)[1]
    assert re.fullmatch(r"[A-Za-z0-9_-]{43,}", token) and token != other_token
    during = at(ahead(3), 12, 5)
    # Only a hash is stored.
    stored = db.scalars(select(Invitation.token_hash).order_by(Invitation.id)).all()
    assert len(stored) == 2 and token not in stored and all(len(h) == 64 for h in stored)
    # Guessing: a random token, or the real one with one character changed.
    for guess in (secrets.token_urlsafe(32), token[:-1] + ("A" if token[-1] != "A" else "B"), ""):
        with pytest.raises(NotFound, match="not valid"):
            visits.join_token_for_contact(db, guess, during, world.rules)
    # Reuse for another booking.
    with pytest.raises(Forbidden, match="another call"):
        visits.join_token_for_contact(db, token, during, world.rules, booking_id=second.booking.id)
    assert visits.join_token_for_contact(
        db, token, during, world.rules, booking_id=first.booking.id
    )
    # Expiry at the end of its slot; the next day's link still works the next day.
    with pytest.raises(Forbidden, match="expired"):
        visits.invitation_for(db, token, at(ahead(3), 12, 30))
    assert visits.invitation_for(db, other_token, at(ahead(3), 12, 30)).booking_id == (
        second.booking.id
    )


def test_a_delivered_invitation_leaves_no_link_in_the_database(world: World) -> None:
    db = world.db
    inmate, contact = world.inmate_with_contact()
    confirmed = world.book(inmate, contact, ahead(3))
    token = confirmed.invitation_url.rsplit("/", 1)[1]
    [note] = visits.outbox(db)
    assert note.address == contact.email and token in note.body
    visits.mark_sent(db, note.id, NOW)
    db.commit()
    assert visits.outbox(db) == []
    assert token not in db.get(Notification, note.id).body  # type: ignore[union-attr]


# --- staff: calls of the day, ending, technical failure ---------------------------------------


def test_staff_see_the_days_calls_per_booth_and_end_one(world: World) -> None:
    db = world.db
    a, ca = world.inmate_with_contact()
    b, cb = world.inmate_with_contact()
    ba = world.book(a, ca, ahead(3)).booking
    bb = world.book(b, cb, ahead(3)).booking
    groups = visits.calls_of_day(db, world.prison.id, ahead(3))
    assert [(g.endpoint.name, [x.id for x in g.bookings]) for g in groups] == [  # type: ignore[union-attr]
        ("Booth 1", [ba.id]),
        ("Booth 2", [bb.id]),
    ]
    during = at(ahead(3), 12, 10)
    visits.end_call(db, STAFF, ba.id, reason="passing a code word", now=during)
    db.commit()
    assert ba.status == "ended"
    with pytest.raises(Forbidden, match="ended"):
        visits.join_token_for_inmate(db, a, ba.id, during, world.rules)
    assert visits.calls_of_day(db, world.prison.id, ahead(4)) == []


def test_a_failed_call_is_rebooked_without_using_the_quota(world: World) -> None:
    db = world.db
    inmate, contact = world.inmate_with_contact(legal_status="remand")
    week1 = [world.book(inmate, contact, date(2026, 12, d)).booking for d in (3, 4, 5)]
    week2 = [world.book(inmate, contact, date(2026, 12, d)).booking for d in (8, 9, 10)]
    visits.mark_failed(db, STAFF, week1[0].id, reason="no sound", now=at(date(2026, 12, 3), 12, 5))
    db.commit()
    assert week1[0].status == "failed"
    assert db.scalars(select(Notification.kind).where(Notification.kind == "failed")).all()
    later = at(date(2026, 12, 3), 13)
    slot = world.slot_on(date(2026, 12, 11))
    slot2 = world.slot_on(date(2026, 12, 12))
    db.commit()
    # Both weeks are full: only the rebooking of the failed call goes through.
    with pytest.raises(Conflict, match="used your 3"):
        visits.hold_slot(db, inmate_actor(inmate), inmate, slot.id, contact.id, later, world.rules)
    db.rollback()
    rebooked = visits.hold_slot(
        db, inmate_actor(inmate), inmate, slot.id, contact.id, later, world.rules,
        rebook_of=week1[0].id,
    )  # fmt: skip
    assert rebooked.quota_exempt and rebooked.rebook_of_id == week1[0].id
    db.commit()
    with pytest.raises(Conflict, match="already rebooked"):
        visits.hold_slot(
            db, inmate_actor(inmate), inmate, slot2.id, contact.id, later, world.rules,
            rebook_of=week1[0].id,
        )  # fmt: skip
    db.rollback()
    with pytest.raises(Conflict, match="failed for technical reasons"):
        visits.hold_slot(
            db, inmate_actor(inmate), inmate, slot2.id, contact.id, later, world.rules,
            rebook_of=week2[0].id,
        )  # fmt: skip
    assert len(week2) == 3


def test_every_change_is_audited(world: World) -> None:
    db = world.db
    inmate, contact = world.inmate_with_contact()
    booking = world.book(inmate, contact, ahead(3)).booking
    visits.cancel_booking(db, inmate_actor(inmate), inmate, booking.id, NOW, world.rules)
    db.commit()
    rows = db.scalars(
        select(AuditEvent).where(
            AuditEvent.target_type == "visit_booking", AuditEvent.target_id == str(booking.id)
        )
    ).all()
    assert [r.action for r in rows] == [
        "visits.slot_held",
        "visits.booking_confirmed",
        "visits.invitation_issued",
        "visits.booking_cancelled",
    ]
    assert {r.actor_kind for r in rows} == {"inmate"}


def test_the_demo_prison_offers_calls_with_approved_contacts(
    db: Session, settings: Settings
) -> None:
    from backoffice.seed import DEMO_PRISON_CODE, seed_demo

    seed_demo(db, min_password_length=12)
    db.commit()
    # Tartu's: the demo's second prison is there for the separation of its books, no calls.
    tartu = Inmate.prison.has(code=DEMO_PRISON_CODE)
    inmate = db.scalars(select(Inmate).where(tartu).order_by(Inmate.prison_number)).first()
    assert inmate is not None
    contacts = {c.full_name: c for c in visits.contacts_of(db, inmate)}
    assert contacts["Maie Tamm"].approved and contacts["Jüri Kask"].privileged
    rules = visits.VisitRules.from_settings(settings)
    offers = visits.available_slots(db, inmate, NOW, rules)
    assert offers and all(o.places_left >= 2 for o in offers)
    booking = visits.hold_slot(
        db, inmate_actor(inmate), inmate, offers[0].slot_id, contacts["Maie Tamm"].id, NOW, rules,
    )  # fmt: skip
    assert booking.endpoint is not None
    assert [c.full_name for c in visits.pending_contacts(db)] == ["Jüri Saar"]


def test_a_new_invitation_link_replaces_the_old_one(world: World) -> None:
    db = world.db
    inmate, contact = world.inmate_with_contact()
    confirmed = world.book(inmate, contact, ahead(3))
    old = confirmed.invitation_url.rsplit("/", 1)[1]
    new_url = visits.reissue_invitation(db, STAFF, confirmed.booking.id, NOW, world.rules)
    db.commit()
    new = new_url.rsplit("/", 1)[1]
    during = at(ahead(3), 12, 5)
    with pytest.raises(Forbidden, match="newer link"):
        visits.join_token_for_contact(db, old, during, world.rules)
    assert visits.join_token_for_contact(db, new, during, world.rules).room == (
        confirmed.booking.room
    )
    invitations = db.scalars(
        select(Notification.kind).where(Notification.contact_id == contact.id)
    ).all()
    assert invitations == ["invitation", "invitation"]


def test_an_inmate_cannot_book_a_session_of_another_prison(world: World, db: Session) -> None:
    inmate, contact = world.inmate_with_contact()
    other = Prison(code="OTH", name="Other Prison")
    db.add(other)
    db.flush()
    visits.add_session_template(
        db, STAFF, other.id, name="Theirs", weekdays=range(7), starts_at_local=time(9, 0),
        length_minutes=30, parallel_calls=1, valid_from=date(2026, 1, 1),
    )  # fmt: skip
    visits.open_slots(db, other, ahead(5), ahead(5))
    theirs = db.scalars(select(Slot).where(Slot.prison_id == other.id)).one()
    with pytest.raises(NotFound, match="No such video call session"):
        visits.hold_slot(db, inmate_actor(inmate), inmate, theirs.id, contact.id, NOW, world.rules)
    offered = {o.slot_id for o in visits.available_slots(db, inmate, NOW, world.rules)}
    assert theirs.id not in offered


def test_quota_falls_back_to_the_default_of_the_legal_status(settings: Settings) -> None:
    rules = visits.VisitRules.from_settings(settings)
    unknown_level = Inmate(legal_status="convicted", regime_level="trusted")
    remand = Inmate(legal_status="remand", regime_level="enhanced")
    assert rules.quota_for(unknown_level) == 2 and rules.quota_for(remand) == 3
