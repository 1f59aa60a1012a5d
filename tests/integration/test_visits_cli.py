"""`cellgate visits sweep` on both engines: an expired hold gives its place back and the calls
of a released inmate are cancelled, with the contact told."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.audit.services import Actor
from backoffice.cli import main
from backoffice.people.models import Inmate, Prison
from backoffice.settings import Settings
from backoffice.visits import services as visits
from backoffice.visits.models import Booking, Notification, Slot

STAFF = Actor(kind="staff", id=None, name="setup")


def test_sweep_command_expires_holds_and_cancels_calls_of_the_released(
    db: Session,
    database_url: str,
    prison: Prison,
    settings: Settings,
    make_inmate: Callable[..., Inmate],
) -> None:
    rules = visits.VisitRules.from_settings(settings)
    now = datetime.now(UTC)
    visits.add_session_template(
        db, STAFF, prison.id, name="Calls", weekdays=range(7), starts_at_local=time(14),
        length_minutes=30, parallel_calls=2, valid_from=date(2026, 1, 1),
    )  # fmt: skip
    visits.add_endpoint(db, STAFF, prison.id, kind="booth", name="Booth 1")
    visits.add_endpoint(db, STAFF, prison.id, kind="booth", name="Booth 2")
    slots = visits.available_slots(db, make_inmate(), now, rules)
    leaving, staying = make_inmate(), make_inmate()
    ids = []
    for inmate in (leaving, staying):
        contact = visits.request_contact(
            db, STAFF, inmate, full_name=f"Family {inmate.id}", relation="parent",
            email=f"f{inmate.id}@example.org", now=now,
        )  # fmt: skip
        visits.decide_contact(db, Actor.system("setup"), contact.id, approve=True, reason="ok",
                              now=now)  # fmt: skip
        held = visits.hold_slot(db, STAFF, inmate, slots[0].slot_id, contact.id, now, rules)
        ids.append(held.id)
    # The leaving inmate's call is confirmed; the staying inmate's hold is 11 minutes old.
    visits.confirm_booking(db, STAFF, leaving, ids[0], now, rules)
    stale = db.get(Booking, ids[1])
    assert stale is not None
    stale.held_at = now - timedelta(minutes=11)
    stale.hold_expires_at = now - timedelta(minutes=1)
    leaving.status = "released"
    db.commit()

    env = {"CELLGATE_DATABASE_URL": database_url, "CELLGATE_MODE": "test"}
    result = CliRunner().invoke(main, ["visits", "sweep"], env=env)
    assert result.exit_code == 0, result.output
    assert "1 holds expired, 1 calls cancelled for release or transfer" in result.output
    db.expire_all()
    statuses = db.scalars(select(Booking.status).order_by(Booking.id)).all()
    assert statuses == ["cancelled", "expired"]
    kinds = db.scalars(select(Notification.kind).order_by(Notification.id)).all()
    assert kinds == ["invitation", "cancelled"]
    places = db.scalars(select(Booking.place).where(Booking.slot_id == slots[0].slot_id)).all()
    assert places == [None, None]
    assert db.get(Slot, slots[0].slot_id) is not None
    db.rollback()
