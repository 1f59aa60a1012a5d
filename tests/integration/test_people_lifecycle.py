"""An inmate's life in custody on SQLite and PostgreSQL: admitted, moved twice, out at court
and back, transferred, released; with an order (and its hold), a video call and a request open
at each step, and what each step did to each of them. At the end the books balance, his money
was paid out by two accountants, and he can sign in nowhere."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

import ledger
from backoffice.accounts.models import ManualEntry
from backoffice.accounts.services import approve_entry
from backoffice.accounts.services.release import enter_release_payouts, final_statement
from backoffice.audit.models import AuditEvent
from backoffice.audit.services import Actor
from backoffice.cli import main
from backoffice.devices.models import Device
from backoffice.devices.services import inmates_allowed_at, may_sign_in_at, register_device
from backoffice.errors import Conflict, Forbidden
from backoffice.money.services import income_rules, receive_money
from backoffice.people import services as people
from backoffice.people.models import Cell, Inmate, InmateMovement, Prison, Wing
from backoffice.requests import services as requests
from backoffice.requests.models import Request
from backoffice.settings import Settings
from backoffice.shop import services as shop
from backoffice.shop.models import Category, Order, Product
from backoffice.signin import services as signin
from backoffice.signin.models import InmateSession
from backoffice.signin.services import SignInPolicy, SignInRefused
from backoffice.staff.models import StaffUser
from backoffice.visits import services as visits
from backoffice.visits.models import Booking, Notification, Slot
from tests.integration.test_shop_flow import FRIDAY, MONDAY, ledger_sums_to_zero

OFFICER = Actor(kind="staff", id=None, name="officer.tamm", roles=frozenset({"admin"}))
PIN = "482913"
POLICY = SignInPolicy(pin_allowed=True)


def staff_actor(user: StaffUser) -> Actor:
    return Actor(kind="staff", id=user.id, name=user.username, roles=user.roles)


def cell_of(prison: Prison, number: str) -> Cell:
    return next(c for w in prison.wings for c in w.cells if c.number == number)


@dataclass
class World:
    db: Session
    here: Prison
    there: Prison
    settings: Settings
    coffee: Product
    devices: dict[str, Device]
    now: datetime

    def order(self, inmate: Inmate) -> Order:
        order = shop.place_order(
            self.db,
            Actor(kind="inmate", id=inmate.id, name=inmate.prison_number),
            inmate,
            [shop.CartLine(self.coffee.id, 1)],
            key=secrets.token_hex(8),
            protocols=shop.protocols_from(self.settings),
            settings=self.settings,
            now=MONDAY,
        )
        self.db.commit()
        return order

    def call(self, inmate: Inmate, contact_id: int, days_ahead: int) -> Booking:
        day = self.now.date() + timedelta(days=days_ahead)
        prison = self.db.get(Prison, inmate.prison_id)
        assert prison is not None
        visits.open_slots(self.db, prison, day, day)
        slot = self.db.scalars(
            select(Slot)
            .where(
                Slot.prison_id == prison.id, Slot.starts_at >= datetime.combine(day, time(0), UTC)
            )
            .order_by(Slot.starts_at, Slot.id)
        ).first()
        assert slot is not None
        me = Actor(kind="inmate", id=inmate.id, name=inmate.prison_number)
        rules = visits.VisitRules.from_settings(self.settings)
        held = visits.hold_slot(self.db, me, inmate, slot.id, contact_id, self.now, rules)
        visits.confirm_booking(self.db, me, inmate, held.id, self.now, rules)
        self.db.commit()
        booking = self.db.get(Booking, held.id)
        assert booking is not None and booking.status == "confirmed"
        return booking

    def request(self, inmate: Inmate) -> Request:
        rules = requests.rules_from_settings(self.settings)
        me = Actor(kind="inmate", id=inmate.id, name=inmate.prison_number)
        case = requests.submit(
            self.db,
            me,
            rules,
            inmate,
            "complaint",
            {"what_happened": "The shower is cold."},
            now=self.now,
        )
        self.db.commit()
        found = self.db.get(Request, case.id)
        assert found is not None
        return found

    def sign_in(self, inmate: Inmate, device: str) -> InmateSession:
        tablet = self.devices[device]
        signin.pin_sign_in(
            self.db,
            signin.device_actor(tablet),
            tablet,
            inmate.prison_number,
            PIN,
            self.now,
            policy=POLICY,
        )
        session, _token = signin.start_session(
            self.db, signin.device_actor(tablet), tablet, inmate, method="pin", now=self.now
        )
        self.db.commit()
        return session

    def status(self, row: Order | Booking | Request | InmateSession) -> str:
        self.db.refresh(row)
        if isinstance(row, InmateSession):
            return "ended" if row.ended_at else "open"
        return str(row.status)

    def hold_pending(self, order: Order) -> bool:
        self.db.refresh(order)
        assert order.hold_transfer_id is not None
        voided = self.db.scalar(
            select(ledger.Transfer.id).where(ledger.Transfer.pending_id == order.hold_transfer_id)
        )
        return voided is None


@pytest.fixture
def world(db: Session, prison: Prison, settings: Settings, system: Actor) -> World:
    there = Prison(code="TWO", name="Second Prison")
    db.add(there)
    wing = Wing(prison=there, code="C", name="Wing C")
    db.add_all([wing, Cell(wing=wing, number="C1")])
    db.add(Category(code="food", name_et="Toit", name_ru="Еда", name_en="Food"))
    db.flush()
    coffee = shop.create_product(
        db,
        OFFICER,
        sku="COF-1",
        category_code="food",
        names={"et": "Kohv", "ru": "Кофе", "en": "Coffee"},
        price_cents=350,
        stock=100,
        tags=[],
    )
    for place in (prison, there):
        visits.add_session_template(
            db,
            OFFICER,
            place.id,
            name="Calls",
            weekdays=range(7),
            starts_at_local=time(14, 0),
            length_minutes=30,
            parallel_calls=2,
            valid_from=date(2026, 1, 1),
        )
        visits.add_endpoint(db, OFFICER, place.id, kind="booth", name=f"Booth {place.code}")
    db.flush()
    devices = {}
    for place in (prison, there):
        for w in place.wings:
            devices[f"kiosk-{w.code}"] = register_device(
                db, system, kind="kiosk", name=f"kiosk-{w.code}", wing_id=w.id
            ).device
            for c in w.cells:
                devices[c.number] = register_device(
                    db, system, kind="tablet", name=f"tablet-{c.number}", cell_id=c.id
                ).device
    db.commit()
    now = datetime.now(UTC).replace(microsecond=0)
    return World(db, prison, there, settings, coffee, devices, now)


def test_an_inmate_from_admission_to_release(
    world: World, make_staff: Callable[..., StaffUser], database_url: str
) -> None:
    db, here, there = world.db, world.here, world.there
    shop_staff = Actor(kind="staff", id=None, name="sirje", roles=frozenset({"shop"}))
    # Setting a PIN is checked against the prisons the officer works in: a real member of
    # staff (national: both prisons).
    officer = staff_actor(make_staff("officer.tamm", "admin", "officer"))

    # Admitted on remand to A1.
    inmate = people.admit(
        db,
        officer,
        prison_number="tst0100",
        first_name="Jaan",
        last_name="Kask",
        date_of_birth=date(1990, 5, 1),
        legal_status="remand",
        language="et",
        cell=cell_of(here, "A1"),
        reason="arrest warrant 1-23",
    )
    signin.set_pin(db, officer, inmate, PIN, policy=POLICY)
    db.commit()
    assert (inmate.prison_number, inmate.status, inmate.wing.code) == ("TST0100", "active", "A")
    contact = visits.request_contact(
        db,
        Actor(kind="inmate", id=inmate.id, name=inmate.prison_number),
        inmate,
        full_name="Mari Kask",
        relation="parent",
        email="mari@example.org",
        now=world.now,
    )
    visits.decide_contact(db, officer, contact.id, approve=True, reason="checked", now=world.now)
    people.change_legal_status(db, officer, inmate, "convicted", reason="sentence in force")
    db.commit()
    assert inmate.legal_status == "convicted"
    # Convicted: of money received, 20 % goes to his release fund.
    receive_money(
        db, officer, inmate, key="family-1", amount_cents=10_000, source_code="family_deposits",
        code=ledger.TransferCode.DEPOSIT, reason="from his mother",
        rules=income_rules(world.settings),
    )  # fmt: skip
    db.commit()

    order1, call1, case1 = (
        world.order(inmate),
        world.call(inmate, contact.id, 3),
        world.request(inmate),
    )
    session = world.sign_in(inmate, "A1")

    # First move: another cell on the same wing. His session ends at once; A1's tablet no
    # longer knows him, A2's does; the order stays on the wing's round; the call and the
    # request are untouched.
    moved = people.move(db, officer, inmate, cell_of(here, "A2"), reason="cell repairs")
    db.commit()
    assert world.status(session) == "ended"
    assert inmate.id not in {i.id for i in db.scalars(inmates_allowed_at(world.devices["A1"]))}
    assert may_sign_in_at(db, world.devices["A2"], inmate.id)
    assert (world.status(order1), world.hold_pending(order1)) == ("placed", True)
    assert (world.status(call1), world.status(case1)) == ("confirmed", "submitted")
    assert moved.effects == {"sessions_ended": 1}

    # Second move: to wing B. Order 1 was packed meanwhile and follows him; order 2, not yet
    # packed, is cancelled and its hold voided.
    assert shop.start_picking(db, shop_staff, inmate.wing_id, FRIDAY) == 1
    shop.pack_order(db, shop_staff, order1.id, {order1.lines[0].id: 1})
    db.commit()
    order2 = world.order(inmate)
    session = world.sign_in(inmate, "A2")
    moved = people.move(db, officer, inmate, cell_of(here, "B1"))
    db.commit()
    assert world.status(session) == "ended"
    assert (world.status(order1), order1.wing.code, world.hold_pending(order1)) == (
        "packed",
        "B",
        True,
    )
    assert (world.status(order2), world.hold_pending(order2)) == ("cancelled", False)
    assert moved.effects["orders_cancelled"] == [order2.number]
    assert moved.effects["orders_followed"] == [order1.number]
    assert (world.status(call1), world.status(case1)) == ("confirmed", "submitted")

    # Out at court for the day: no sign-in, everything kept; back, he may sign in again.
    people.go_out(db, officer, inmate, "court", reason="hearing")
    db.commit()
    assert not may_sign_in_at(db, world.devices["B1"], inmate.id)
    with pytest.raises(SignInRefused):
        world.sign_in(inmate, "B1")
    db.rollback()
    assert (world.status(order1), world.status(call1), world.status(case1)) == (
        "packed",
        "confirmed",
        "submitted",
    )
    people.come_back(db, officer, inmate)
    db.commit()

    # Transferred to the second prison: the packed order is cancelled with the reason (its
    # goods back on the shelf), the placed one too; the call is cancelled and the contact
    # told; the request goes with him, unclaimed.
    order3 = world.order(inmate)
    session = world.sign_in(inmate, "B1")
    stock_before = world.coffee.stock
    moved = people.transfer(db, officer, inmate, there, cell_of(there, "C1"), reason="court order")
    db.commit()
    assert (inmate.prison_id, inmate.cell.number) == (there.id, "C1")
    assert world.status(session) == "ended"
    for order in (order1, order3):
        assert (world.status(order), world.hold_pending(order)) == ("cancelled", False)
    db.refresh(world.coffee)
    assert world.coffee.stock == stock_before + 1  # order 1's packed coffee
    assert world.status(call1) == "cancelled"
    told = db.scalars(select(Notification).where(Notification.booking_id == call1.id)).all()
    assert [n.kind for n in told][-1] == "cancelled"
    db.refresh(case1)
    assert (case1.status, case1.prison_id, case1.assigned_to_id) == ("submitted", there.id, None)
    assert moved.effects["requests_followed"] == [case1.receipt]
    assert not may_sign_in_at(db, world.devices["B1"], inmate.id)
    assert may_sign_in_at(db, world.devices["C1"], inmate.id)

    # Released from the second prison with an order, a call and a request open.
    order4, call2, case2 = (
        world.order(inmate),
        world.call(inmate, contact.id, 4),
        world.request(inmate),
    )
    session = world.sign_in(inmate, "C1")
    released = people.release(db, officer, inmate, reason="sentence served")
    db.commit()
    assert (inmate.status, inmate.cell_id, inmate.released_on) == (
        "released",
        None,
        released.effective_on,
    )
    assert world.status(session) == "ended"
    assert (world.status(order4), world.hold_pending(order4)) == ("cancelled", False)
    assert world.status(call2) == "cancelled"
    assert world.status(case2) == "submitted"  # the prison still owes the answer

    # His money: one accountant enters the payouts, another approves them.
    maker = staff_actor(make_staff("acc.maker", "accountant"))
    checker = staff_actor(make_staff("acc.checker", "accountant"))
    entries = enter_release_payouts(db, maker, inmate)
    db.commit()
    assert [e.amount_cents for e in entries] == [8_000, 2_000]
    with pytest.raises(Forbidden):
        approve_entry(db, maker, entries[0].id)
    db.rollback()
    for entry in entries:
        approve_entry(db, checker, entry.id)
    db.commit()
    statement = final_statement(db, inmate)
    assert statement.paid_out
    assert db.scalars(select(ManualEntry.status)).all() == ["approved", "approved"]
    ledger_sums_to_zero(db)
    db.rollback()  # the command opens its own connection (SQLite: one writer at a time)
    env = {"CELLGATE_DATABASE_URL": database_url}
    result = CliRunner().invoke(main, ["ledger", "check"], env=env)
    assert result.exit_code == 0, result.output

    # He can sign in nowhere, and a second release is refused.
    assert not any(may_sign_in_at(db, device, inmate.id) for device in world.devices.values())
    for device in world.devices.values():
        with pytest.raises(SignInRefused):
            signin.pin_sign_in(
                db, signin.device_actor(device), device, inmate.prison_number, PIN, world.now,
                policy=POLICY,
            )  # fmt: skip
        db.rollback()
    with pytest.raises(Conflict):
        people.release(db, officer, inmate)
    db.rollback()

    kinds = [m.kind for m in people.movements_of(db, inmate.id)]
    assert kinds == [
        "admitted",
        "legal_status",
        "moved",
        "moved",
        "out",
        "returned",
        "transferred",
        "released",
    ]
    audited = db.scalars(
        select(AuditEvent.action).where(
            AuditEvent.target_type == "inmate",
            AuditEvent.target_id == str(inmate.id),
            AuditEvent.action.like("inmate.%ed"),
        )
    ).all()
    assert "inmate.released" in audited and "inmate.transferred" in audited
    assert db.scalar(select(InmateMovement.id).where(InmateMovement.kind == "released"))
