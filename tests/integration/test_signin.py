"""Inmate sessions, PIN and smartcard sign-in, lockouts and device binding, on both engines."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from backoffice.audit.models import AuditEvent
from backoffice.audit.services import Actor
from backoffice.db import make_session_factory, utcnow
from backoffice.devices.models import Device
from backoffice.devices.services import register_device, revoke_device
from backoffice.errors import Conflict, InvalidInput
from backoffice.people.models import Cell, Inmate, Prison
from backoffice.signin import services as signin
from backoffice.signin.models import CardStatus, InmateCard, InmateCredentials, InmateSession
from backoffice.signin.services import SignInPolicy, SignInRefused, device_actor
from hardware.cards import CellgateCard, FakeCardReader, answer_challenge, read_card
from tests.concurrency import Start, run_together
from tests.conftest import wing_of

PIN_POLICY = SignInPolicy(pin_allowed=True, max_failures=3)


def _device(db: Session, kind: str, name: str, **where: Any) -> Device:
    device = register_device(db, Actor.system("test"), kind=kind, name=name, **where).device
    db.commit()
    return device


@pytest.fixture
def kiosk_a(db: Session, prison: Prison) -> Device:
    return _device(db, "kiosk", "kiosk-A", wing_id=wing_of(db, prison, "A").id)


@pytest.fixture
def tablet_a1(db: Session, prison: Prison) -> Device:
    cell = db.scalar(select(Cell).where(Cell.number == "A1"))
    return _device(db, "tablet", "tab-A1", cell_id=cell.id)


@pytest.fixture
def tablet_a2(db: Session, prison: Prison) -> Device:
    cell = db.scalar(select(Cell).where(Cell.number == "A2"))
    return _device(db, "tablet", "tab-A2", cell_id=cell.id)


def _refusals(db: Session, reason: str) -> list[AuditEvent]:
    return [
        e
        for e in db.scalars(select(AuditEvent).where(AuditEvent.action == "inmate.sign_in"))
        if e.outcome == "refused" and e.details.get("reason") == reason
    ]


# --- sessions and device binding ------------------------------------------------------------


def test_a_session_is_bound_to_its_device_and_one_per_inmate(
    db: Session,
    system: Actor,
    kiosk_a: Device,
    tablet_a1: Device,
    make_inmate: Callable[..., Inmate],
) -> None:
    inmate = make_inmate("A", "A1")
    now = utcnow()
    first, first_token = signin.start_session(db, system, kiosk_a, inmate, method="pin", now=now)
    db.commit()
    assert signin.session_for_token(db, kiosk_a, first_token, now) is first
    # The kiosk's token carried to the tablet is refused there.
    assert signin.session_for_token(db, tablet_a1, first_token, now) is None
    second, second_token = signin.start_session(
        db, system, tablet_a1, inmate, method="face", now=now
    )
    db.commit()
    # Signing in on the tablet ended the kiosk session.
    assert signin.session_for_token(db, kiosk_a, first_token, now) is None
    assert first.end_reason == "replaced by a new sign-in"
    assert signin.session_for_token(db, tablet_a1, second_token, now) is second
    assert second.token_hash != second_token and second_token not in second.token_hash


def test_idle_and_overlong_sessions_end(
    db: Session, system: Actor, kiosk_a: Device, make_inmate: Callable[..., Inmate]
) -> None:
    inmate = make_inmate("A", "A1")
    policy = SignInPolicy(idle=timedelta(seconds=120), session_max=timedelta(minutes=10))
    start = utcnow()
    session, token = signin.start_session(db, system, kiosk_a, inmate, method="pin", now=start)
    for minute in range(1, 10):
        now = start + timedelta(minutes=minute)
        assert signin.session_for_token(db, kiosk_a, token, now, policy=policy) is session
        signin.touch(db, session, now)
    late = start + timedelta(minutes=10, seconds=30)
    assert signin.session_for_token(db, kiosk_a, token, late, policy=policy) is None
    assert session.end_reason == "too long"

    other, other_token = signin.start_session(db, system, kiosk_a, inmate, method="pin", now=start)
    late = start + timedelta(seconds=121)
    assert signin.session_for_token(db, kiosk_a, other_token, late, policy=policy) is None
    assert other.end_reason == "idle"


def test_revoking_a_device_ends_its_sessions_at_once(
    db: Session, system: Actor, tablet_a1: Device, make_inmate: Callable[..., Inmate]
) -> None:
    inmate = make_inmate("A", "A1")
    session, token = signin.start_session(db, system, tablet_a1, inmate, method="face")
    db.commit()
    revoke_device(db, system, tablet_a1.id, reason="stolen")
    db.commit()
    assert signin.session_for_token(db, tablet_a1, token, utcnow()) is None
    assert session.end_reason == "device revoked"
    # The back office can also end every open session of a device outright.
    other = make_inmate("A", "A1")
    kiosk = _device(db, "kiosk", "kiosk-A-2", wing_id=other.wing_id)
    signin.start_session(db, system, kiosk, other, method="pin")
    signin.start_session(db, system, kiosk, inmate, method="pin")
    assert signin.end_device_sessions(db, system, kiosk, "kiosk taken out of service") == 2
    open_sessions = select(InmateSession).where(InmateSession.ended_at.is_(None))
    assert db.scalars(open_sessions).all() == []


def test_a_tablet_refuses_an_inmate_of_another_cell(
    db: Session,
    system: Actor,
    tablet_a1: Device,
    tablet_a2: Device,
    make_inmate: Callable[..., Inmate],
) -> None:
    in_a2 = make_inmate("A", "A2")
    with pytest.raises(SignInRefused) as refused:
        signin.start_session(db, system, tablet_a1, in_a2, method="face")
    assert refused.value.code == "not-allowed-here"
    # Moved out of the cell: the open session on the old cell's tablet ends.
    session, token = signin.start_session(db, system, tablet_a2, in_a2, method="face")
    in_a2.cell_id = db.scalar(select(Cell.id).where(Cell.number == "A3"))
    db.commit()
    assert signin.session_for_token(db, tablet_a2, token, utcnow()) is None
    assert session.end_reason == "moved away from the device"


# --- PIN -------------------------------------------------------------------------------------


def test_pin_sign_in_only_where_allowed_and_locks_after_failures(
    db: Session, system: Actor, kiosk_a: Device, make_inmate: Callable[..., Inmate]
) -> None:
    inmate = make_inmate("A", "A1")
    signin.set_pin(db, system, inmate, "4071", policy=PIN_POLICY)
    db.commit()
    actor = device_actor(kiosk_a)
    now = utcnow()
    with pytest.raises(SignInRefused) as refused:
        signin.pin_sign_in(db, actor, kiosk_a, inmate.prison_number, "4071", now)
    assert refused.value.code == "pin-not-allowed"
    assert (
        signin.pin_sign_in(db, actor, kiosk_a, inmate.prison_number, "4071", now, policy=PIN_POLICY)
        is inmate
    )
    codes = []
    for _ in range(3):
        with pytest.raises(SignInRefused) as refused:
            signin.pin_sign_in(
                db, actor, kiosk_a, inmate.prison_number, "9999", now, policy=PIN_POLICY
            )
        codes.append(refused.value.code)
    db.commit()
    assert codes == ["wrong-pin", "wrong-pin", "locked"]
    # Locked: even the right PIN is refused until the lockout ends.
    with pytest.raises(SignInRefused, match="locked") as refused:
        signin.pin_sign_in(db, actor, kiosk_a, inmate.prison_number, "4071", now, policy=PIN_POLICY)
    later = now + PIN_POLICY.lockout + timedelta(seconds=1)
    assert (
        signin.pin_sign_in(
            db, actor, kiosk_a, inmate.prison_number, "4071", later, policy=PIN_POLICY
        )
        is inmate
    )
    assert len(_refusals(db, "wrong-pin")) == 2 and len(_refusals(db, "locked")) == 2


def test_unknown_number_and_other_wing_answer_like_a_wrong_pin(
    db: Session, system: Actor, kiosk_a: Device, make_inmate: Callable[..., Inmate]
) -> None:
    in_b = make_inmate("B", "B1")
    signin.set_pin(db, system, in_b, "4071", policy=PIN_POLICY)
    actor = device_actor(kiosk_a)
    for number in ("NOPE0001", in_b.prison_number):
        with pytest.raises(SignInRefused, match="Wrong prison number or PIN") as refused:
            signin.pin_sign_in(db, actor, kiosk_a, number, "4071", utcnow(), policy=PIN_POLICY)
        assert refused.value.code == "wrong-pin"


@pytest.mark.parametrize("pin", ["12", "1111", "1234", "98765", "12a4"])
def test_weak_or_malformed_pins_are_refused(
    db: Session, system: Actor, make_inmate: Callable[..., Inmate], pin: str
) -> None:
    with pytest.raises(InvalidInput, match="PIN"):
        signin.set_pin(db, system, make_inmate(), pin)


def test_a_busy_device_is_paused_after_many_failures(
    db: Session, system: Actor, kiosk_a: Device
) -> None:
    policy = SignInPolicy(pin_allowed=True, device_max_failures_per_minute=4)
    now = utcnow()
    for n in range(4):
        with pytest.raises(SignInRefused, match="Wrong"):
            signin.pin_sign_in(
                db, device_actor(kiosk_a), kiosk_a, f"X{n}", "4071", now, policy=policy
            )
    with pytest.raises(SignInRefused) as refused:
        signin.pin_sign_in(db, device_actor(kiosk_a), kiosk_a, "X9", "4071", now, policy=policy)
    assert refused.value.code == "device-paused"
    after = now + timedelta(minutes=1)
    with pytest.raises(SignInRefused) as refused:
        signin.pin_sign_in(db, device_actor(kiosk_a), kiosk_a, "X9", "4071", after, policy=policy)
    assert refused.value.code == "wrong-pin"


# --- cards -----------------------------------------------------------------------------------


def _card_in_reader(card: InmateCard, key: bytes) -> FakeCardReader:
    reader = FakeCardReader()
    reader.insert(CellgateCard(card.card_number, key))
    return reader


def test_card_challenge_response_then_pin_signs_in(
    db: Session, system: Actor, kiosk_a: Device, make_inmate: Callable[..., Inmate]
) -> None:
    inmate = make_inmate("A", "A2")
    signin.set_pin(db, system, inmate, "4071")
    card, key = signin.issue_card(db, system, inmate)
    db.commit()
    assert key not in card.key_encrypted
    reader = _card_in_reader(card, key)
    actor = device_actor(kiosk_a)
    number = read_card(reader).card_number
    challenge_id, challenge = signin.card_challenge(db, kiosk_a, number)
    pending = signin.card_verify(
        db, actor, kiosk_a, challenge_id, answer_challenge(reader, challenge)
    )
    assert pending.inmate is inmate
    assert signin.pending_card(db, kiosk_a, utcnow()).challenge_id == challenge_id
    with pytest.raises(SignInRefused, match="Wrong PIN"):
        signin.card_pin_confirm(db, actor, kiosk_a, challenge_id, "1357", utcnow())
    assert signin.card_pin_confirm(db, actor, kiosk_a, challenge_id, "4071", utcnow()) is inmate
    # Used once.
    with pytest.raises(SignInRefused) as refused:
        signin.card_pin_confirm(db, actor, kiosk_a, challenge_id, "4071", utcnow())
    assert refused.value.code == "challenge-unknown"
    assert signin.pending_card(db, kiosk_a, utcnow()) is None


def test_a_cloned_card_number_with_a_wrong_key_is_refused(
    db: Session, system: Actor, kiosk_a: Device, make_inmate: Callable[..., Inmate]
) -> None:
    inmate = make_inmate("A", "A2")
    card, _key = signin.issue_card(db, system, inmate)
    db.commit()
    clone = _card_in_reader(card, b"\x00" * 32)
    challenge_id, challenge = signin.card_challenge(db, kiosk_a, card.card_number)
    with pytest.raises(SignInRefused) as refused:
        signin.card_verify(
            db, device_actor(kiosk_a), kiosk_a, challenge_id, answer_challenge(clone, challenge)
        )
    assert refused.value.code == "card-refused"
    assert signin.pending_card(db, kiosk_a, utcnow()) is None
    assert _refusals(db, "card-refused")[0].target_id == str(inmate.id)


def test_replayed_answers_expired_challenges_and_other_devices_are_refused(
    db: Session,
    system: Actor,
    kiosk_a: Device,
    prison: Prison,
    make_inmate: Callable[..., Inmate],
) -> None:
    inmate = make_inmate("A", "A2")
    card, key = signin.issue_card(db, system, inmate)
    other_kiosk = _device(db, "kiosk", "kiosk-A-2", wing_id=wing_of(db, prison, "A").id)
    reader = _card_in_reader(card, key)
    now = utcnow()
    first_id, first = signin.card_challenge(db, kiosk_a, card.card_number, now)
    answer = answer_challenge(reader, first)
    # An answer relayed to another device's challenge id is not found there.
    with pytest.raises(SignInRefused) as refused:
        signin.card_verify(db, device_actor(other_kiosk), other_kiosk, first_id, answer, now)
    assert refused.value.code == "challenge-unknown"
    # The same answer replayed for a fresh challenge does not fit it.
    second_id, _second = signin.card_challenge(db, kiosk_a, card.card_number, now)
    with pytest.raises(SignInRefused) as refused:
        signin.card_verify(db, device_actor(kiosk_a), kiosk_a, second_id, answer, now)
    assert refused.value.code == "card-refused"
    late = now + timedelta(seconds=31)
    with pytest.raises(SignInRefused) as refused:
        signin.card_verify(db, device_actor(kiosk_a), kiosk_a, first_id, answer, late)
    assert refused.value.code == "challenge-expired"


def test_blocked_and_replaced_cards_stop_working(
    db: Session, system: Actor, kiosk_a: Device, make_inmate: Callable[..., Inmate]
) -> None:
    inmate = make_inmate("A", "A2")
    card, _key = signin.issue_card(db, system, inmate)
    with pytest.raises(Conflict, match="replace it"):
        signin.issue_card(db, system, inmate)
    new_card, new_key = signin.replace_card(db, system, card, "lost")
    assert card.status == CardStatus.REPLACED and new_card.status == CardStatus.ACTIVE
    with pytest.raises(SignInRefused) as refused:
        signin.card_challenge(db, kiosk_a, card.card_number)
    assert refused.value.code == "card-not-valid"
    challenge_id, challenge = signin.card_challenge(db, kiosk_a, new_card.card_number)
    signin.block_card(db, system, new_card, "found in another cell")
    reader = _card_in_reader(new_card, new_key)
    with pytest.raises(SignInRefused) as refused:
        signin.card_verify(
            db, device_actor(kiosk_a), kiosk_a, challenge_id, answer_challenge(reader, challenge)
        )
    assert refused.value.code == "challenge-unknown"
    with pytest.raises(SignInRefused, match="not valid"):
        signin.card_challenge(db, kiosk_a, new_card.card_number)
    actions = [e.action for e in db.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert {"card.issue", "card.replace", "card.block"} <= set(actions)


def test_card_failures_lock_face_and_pin_too_and_pulling_the_card_ends_its_session(
    db: Session, system: Actor, kiosk_a: Device, make_inmate: Callable[..., Inmate]
) -> None:
    inmate = make_inmate("A", "A2")
    signin.set_pin(db, system, inmate, "4071")
    card, key = signin.issue_card(db, system, inmate)
    reader = _card_in_reader(card, key)
    actor = device_actor(kiosk_a)
    policy = SignInPolicy(max_failures=2, pin_allowed=True)
    challenge_id, challenge = signin.card_challenge(db, kiosk_a, card.card_number, policy=policy)
    signin.card_verify(
        db, actor, kiosk_a, challenge_id, answer_challenge(reader, challenge), policy=policy
    )
    codes = []
    for _ in range(2):
        with pytest.raises(SignInRefused) as refused:
            signin.card_pin_confirm(
                db, actor, kiosk_a, challenge_id, "1357", utcnow(), policy=policy
            )
        codes.append(refused.value.code)
    assert codes == ["wrong-pin", "locked"]
    # The same lock holds for the PIN route.
    with pytest.raises(SignInRefused, match="locked"):
        signin.pin_sign_in(
            db, actor, kiosk_a, inmate.prison_number, "4071", utcnow(), policy=policy
        )
    signin.unlock(db, system, inmate)
    challenge_id, challenge = signin.card_challenge(db, kiosk_a, card.card_number)
    signin.card_verify(db, actor, kiosk_a, challenge_id, answer_challenge(reader, challenge))
    signed_in = signin.card_pin_confirm(db, actor, kiosk_a, challenge_id, "4071", utcnow())
    session, token = signin.start_session(db, actor, kiosk_a, signed_in, method="card")
    db.commit()
    signin.card_removed(db, actor, kiosk_a, card.card_number, utcnow())
    db.commit()
    assert signin.session_for_token(db, kiosk_a, token, utcnow()) is None
    assert session.end_reason == "card removed"


# --- concurrency (row locks) -------------------------------------------------------------


def _in_parallel(engine: Engine, count: int, work: Callable[[Session], object]) -> list[object]:
    """Run `work` in `count` threads at once, each with its own session, committing after."""
    sessions = make_session_factory(engine)

    def run(start: Start) -> object:
        with sessions() as db:
            start()
            try:
                result = work(db)
            except SignInRefused as refused:
                result = refused.code
            db.commit()
            return result

    return run_together([run] * count, timeout=60)


@pytest.mark.postgres_only
def test_parallel_sign_ins_leave_one_session_and_count_every_failure(
    engine: Engine, db: Session, system: Actor, kiosk_a: Device, make_inmate: Callable[..., Inmate]
) -> None:
    inmate = make_inmate("A", "A1")
    kiosk_id, inmate_id, number = kiosk_a.id, inmate.id, inmate.prison_number
    signin.set_pin(db, system, inmate, "4071")
    db.commit()

    def start(session: Session) -> object:
        device, person = session.get(Device, kiosk_id), session.get(Inmate, inmate_id)
        return signin.start_session(session, system, device, person, method="pin")[0].id

    _in_parallel(engine, 4, start)
    active = db.scalars(
        select(InmateSession).where(
            InmateSession.inmate_id == inmate_id, InmateSession.ended_at.is_(None)
        )
    ).all()
    assert len(active) == 1

    policy = SignInPolicy(pin_allowed=True, max_failures=10)

    def guess(session: Session) -> object:
        device = session.get(Device, kiosk_id)
        return signin.pin_sign_in(
            session, device_actor(device), device, number, "9999", utcnow(), policy=policy
        )

    assert _in_parallel(engine, 6, guess) == ["wrong-pin"] * 6
    db.expire_all()
    assert db.get(InmateCredentials, inmate_id).failed_attempts == 6


def test_a_card_issued_in_one_prison_opens_no_session_in_another(
    db: Session,
    system: Actor,
    kiosk_a: Device,
    other_prison: Prison,
    make_inmate: Callable[..., Inmate],
) -> None:
    viru_inmate = make_inmate("A", "A1", held_in=other_prison)
    signin.set_pin(db, system, viru_inmate, "4071")
    card, key = signin.issue_card(db, system, viru_inmate)
    viru_kiosk = _device(db, "kiosk", "viru-kiosk-A", wing_id=wing_of(db, other_prison, "A").id)
    reader = _card_in_reader(card, key)
    # The test prison's kiosk on wing A: the card's own key does not open a challenge there.
    with pytest.raises(SignInRefused) as refused:
        signin.card_challenge(db, kiosk_a, read_card(reader).card_number)
    assert refused.value.code == "not-allowed-here"
    with pytest.raises(SignInRefused) as refused:
        signin.start_session(db, system, kiosk_a, viru_inmate, method="card")
    assert refused.value.code == "not-allowed-here"
    assert db.scalar(select(InmateSession.id)) is None
    # At home the card and its PIN sign in.
    challenge_id, challenge = signin.card_challenge(db, viru_kiosk, card.card_number)
    actor = device_actor(viru_kiosk)
    signin.card_verify(db, actor, viru_kiosk, challenge_id, answer_challenge(reader, challenge))
    assert signin.card_pin_confirm(db, actor, viru_kiosk, challenge_id, "4071", utcnow()) is (
        viru_inmate
    )
