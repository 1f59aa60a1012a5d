"""Many inmates book the last places of one session at the same moment, each on its own
PostgreSQL connection: the session is never overbooked, and every inmate who missed out gets a
clear "full" answer (not a database error)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from functools import partial

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.audit.services import Actor
from backoffice.db import make_engine, make_session_factory
from backoffice.errors import Conflict
from backoffice.people.models import Inmate, Prison
from backoffice.settings import Settings
from backoffice.visits import services as visits
from backoffice.visits.models import Booking, Slot
from tests.concurrency import Start, run_together

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
STAFF = Actor(kind="staff", id=1, name="viljar")
INMATES = 24
PLACES = 4


@pytest.mark.postgres_only
def test_many_inmates_booking_the_last_places_never_overbook(
    db: Session,
    database_url: str,
    prison: Prison,
    settings: Settings,
    make_inmate: Callable[..., Inmate],
) -> None:
    rules = visits.VisitRules.from_settings(settings)
    visits.add_session_template(
        db, STAFF, prison.id, name="Evening", weekdays=[3], starts_at_local=time(18, 0),
        length_minutes=30, parallel_calls=PLACES, valid_from=date(2026, 1, 1),
    )  # fmt: skip
    for n in range(PLACES + 2):
        visits.add_endpoint(db, STAFF, prison.id, kind="booth", name=f"Booth {n + 1}")
    people = []
    for n in range(INMATES):
        inmate = make_inmate(wing="A" if n % 2 else "B")
        contact = visits.request_contact(
            db, Actor.system(), inmate, full_name=f"Family {n}", relation="parent",
            phone=f"+37250000{n:03d}", now=NOW,
        )  # fmt: skip
        visits.decide_contact(db, Actor.system("setup"), contact.id, approve=True,
                              reason="checked", now=NOW)  # fmt: skip
        people.append((inmate.id, contact.id))
    # Thursday 3 December, 18:00 Tallinn; one place is already taken, so PLACES - 1 are left.
    visits.open_slots(db, prison, date(2026, 12, 3), date(2026, 12, 3))
    slot_id = db.scalars(select(Slot.id)).one()
    first_inmate = db.get(Inmate, people[0][0])
    assert first_inmate is not None
    visits.hold_slot(db, Actor.system(), first_inmate, slot_id, people[0][1], NOW, rules)
    db.commit()

    # One connection per inmate, so that they really race.
    racing = make_engine(database_url, pool_size=INMATES, max_overflow=0)
    sessions = make_session_factory(racing)
    outcomes: list[str] = []
    lock = threading.Lock()

    def book(start: Start, inmate_id: int, contact_id: int) -> None:
        with sessions() as s:
            inmate = s.get(Inmate, inmate_id)
            assert inmate is not None
            s.rollback()  # start the race from a fresh transaction
            start()
            try:
                held = visits.hold_slot(s, Actor.system(), inmate, slot_id, contact_id, NOW, rules)
                visits.confirm_booking(s, Actor.system(), inmate, held.id, NOW, rules)
                s.commit()
                outcome = "booked"
            except Conflict as refused:
                s.rollback()
                outcome = "full" if "full" in refused.message else refused.message
            except Exception as error:  # recorded so the test names any database error
                s.rollback()
                outcome = f"{type(error).__name__}: {error}"
        with lock:
            outcomes.append(outcome)

    run_together([partial(book, inmate_id=i, contact_id=c) for i, c in people[1:]])
    racing.dispose()
    assert len(outcomes) == INMATES - 1
    assert sorted(outcomes) == ["booked"] * (PLACES - 1) + ["full"] * (INMATES - PLACES)
    db.expire_all()
    occupied = db.scalar(
        select(func.count())
        .select_from(Booking)
        .where(Booking.slot_id == slot_id, Booking.place.is_not(None))
    )
    places = sorted(db.scalars(select(Booking.place).where(Booking.slot_id == slot_id)))
    assert occupied == PLACES and places == list(range(1, PLACES + 1))
    offer = visits.available_slots(db, first_inmate, NOW, rules)
    assert [o.places_left for o in offer if o.slot_id == slot_id] == [0]
