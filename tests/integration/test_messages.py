"""Messages on both engines, through the services: a contact writes, screening holds it, an
officer passes it, the inmate reads and replies at a price, the reply is rejected with a reason
and the price given back; rules per prison, limits, blocks, photos without metadata, and
privileged correspondence that screening never reads."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select

import ledger
from backoffice.audit.models import AuditEvent
from backoffice.audit.services import Actor
from backoffice.errors import Conflict, Forbidden, InvalidInput, NotFound
from backoffice.messages import services as messages
from backoffice.messages.models import Message
from backoffice.money import services as money
from backoffice.outbox.models import OutboxMessage
from backoffice.people.models import Prison
from backoffice.settings import Settings
from backoffice.staff.models import StaffUser
from backoffice.staff.services import create_staff_user
from backoffice.visits import services as visits
from tests.integration.accounts_world import actor_of
from tests.integration.test_visits import NOW, World, inmate_actor
from tests.integration.test_visits import world as world

# Whoever sets the rules in these tests (the rules' own page is the officers', not tried here).
RULES = Actor.system("rules")
FAMILY = "http://127.0.0.1:8004"


def photo(kind: str = "JPEG", size: tuple[int, int] = (64, 48), gps: bool = True) -> bytes:
    image = Image.new("RGB", size, (200, 40, 40))
    out = io.BytesIO()
    exif = Image.Exif()
    if gps:
        exif[0x010F] = "PhoneMaker"  # Make
        exif[0x8825] = {2: (59.0, 26.0, 0.0), 4: (24.0, 45.0, 0.0)}  # GPS: Tallinn
    image.save(out, kind, exif=exif.tobytes() if kind == "JPEG" else None)
    return out.getvalue()


@pytest.fixture
def officer(world: World) -> Actor:
    """A security officer of the world's prison."""
    user = create_staff_user(world.db, Actor.system("test"), username="screening.officer",
                             full_name="Screening Officer", password="screening-password-1",
                             roles=["officer"], min_password_length=12,
                             prison_id=world.prison.id)  # fmt: skip
    world.db.commit()
    return actor_of(user)


def rules(world: World, **fields: object) -> None:
    values = {"auto_pass": False, "held_words": [], "max_per_day": 5, "max_length": 2000,
              "price_cents": 0, **fields}  # fmt: skip
    messages.set_rules(world.db, RULES, world.prison.id, now=NOW, **values)  # type: ignore[arg-type]
    world.db.commit()


def fund(world: World, inmate, cents: int, settings: Settings) -> int:  # type: ignore[no-untyped-def]
    money.receive_money(world.db, Actor.system("t"), inmate, key=f"fund-{inmate.id}",
                        amount_cents=cents, source_code="family_deposits",
                        code=ledger.TransferCode.DEPOSIT, reason="deposit",
                        rules=money.income_rules(settings))  # fmt: skip
    world.db.commit()
    return money.inmate_accounts(world.db, inmate).spendable.id


def test_write_hold_pass_read_reply_reject_with_reason_and_refund(
    world: World, settings: Settings, officer: Actor
) -> None:
    db = world.db
    rules(world, price_cents=50)
    inmate, contact = world.inmate_with_contact(legal_status="remand")  # no income split
    spendable = fund(world, inmate, 1_000, settings)

    written = messages.write_to_inmate(db, contact, "Hello, we miss you. Grandma is well.", NOW)
    db.commit()
    assert (written.status, written.held_because) == ("held", ["every message is read"])
    assert messages.thread_for_inmate(db, inmate, contact.id, NOW) == [], "not before screening"
    assert [m.id for m in messages.screening_queue(db, officer, world.prison.id)] == [written.id]

    messages.pass_message(db, officer, written.id, NOW, family_url=FAMILY)
    db.commit()
    [conversation] = messages.conversations_of(db, inmate)
    assert conversation.contact.id == contact.id and conversation.unread == 1
    [read] = messages.thread_for_inmate(db, inmate, contact.id, NOW + timedelta(minutes=1))
    db.commit()
    assert read.body.startswith("Hello") and read.read_at is not None
    assert messages.conversations_of(db, inmate)[0].unread == 0

    reply = messages.write_to_contact(db, inmate_actor(inmate), inmate, contact.id,
                                      "Thank you, all is fine here.", NOW,
                                      family_url=FAMILY)  # fmt: skip
    db.commit()
    assert reply.status == "held" and reply.price_cents == 50
    assert ledger.balance(db, spendable).available_cents == 950, "the price is held"
    assert messages.thread_for_contact(db, contact, NOW) == [written], "not before screening"

    messages.reject_message(db, officer, reply.id, NOW, reason="Names a staff member.",
                            family_url=FAMILY)  # fmt: skip
    db.commit()
    assert ledger.balance(db, spendable).available_cents == 1_000, "given back"
    assert ledger.check(db) == []
    mine = messages.thread_for_inmate(db, inmate, contact.id, NOW)
    assert [(m.id, m.status, m.reject_reason) for m in mine][-1] == (
        reply.id, "rejected", "Names a staff member.")  # fmt: skip
    assert reply.id not in [m.id for m in messages.thread_for_contact(db, contact, NOW)]
    with pytest.raises(Conflict):
        messages.pass_message(db, officer, reply.id, NOW, family_url=FAMILY)
    db.rollback()

    second = messages.write_to_contact(db, inmate_actor(inmate), inmate, contact.id,
                                       "Second try.", NOW, family_url=FAMILY)  # fmt: skip
    messages.pass_message(db, officer, second.id, NOW, family_url=FAMILY)
    db.commit()
    assert ledger.balance(db, spendable).posted_cents == 950, "a passed message is paid"
    kinds = db.scalars(select(OutboxMessage.kind).where(OutboxMessage.contact_id == contact.id))
    assert "message_reply" in kinds.all(), "the contact is told of the new message"
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.target_type == "message"))
    assert {"messages.sent", "messages.passed", "messages.rejected"} <= set(actions)


def test_the_prisons_rules_pass_clean_messages_and_hold_words_photos_and_watched_contacts(
    world: World, make_staff: Callable[..., StaffUser]
) -> None:
    db = world.db
    # A contact's standing is set by a member of staff who works in the contact's prison.
    security = actor_of(make_staff("security.officer", "officer"))
    rules(world, auto_pass=True, held_words=["Escape", "phone card"])
    inmate, contact = world.inmate_with_contact()
    assert messages.write_to_inmate(db, contact, "See you soon!", NOW).status == "passed"
    held = messages.write_to_inmate(db, contact, "Bring a PHONE CARD and plan the escape.", NOW)
    assert sorted(held.held_because) == ["word: escape", "word: phone card"]
    assert messages.write_to_inmate(db, contact, "Escaped cat found.", NOW).status == "passed"
    pictured = messages.write_to_inmate(db, contact, "", NOW,
                                        photos=[messages.clean_photo(photo())])  # fmt: skip
    assert (pictured.status, pictured.held_because) == ("held", ["attachment"])
    messages.set_standing(db, security, contact.id, on_watch=True, blocked=False,
                          reason="intelligence report 17", now=NOW)  # fmt: skip
    assert messages.write_to_inmate(db, contact, "Hi", NOW).held_because == ["contact on watch"]
    messages.set_standing(db, security, contact.id, on_watch=False, blocked=True,
                          reason="threats", now=NOW)  # fmt: skip
    with pytest.raises(Forbidden, match="blocked"):
        messages.write_to_inmate(db, contact, "Hi", NOW)
    with pytest.raises(Forbidden, match="blocked"):
        messages.write_to_contact(db, inmate_actor(inmate), inmate, contact.id, "Hi", NOW,
                                  family_url=FAMILY)  # fmt: skip


def test_limits_per_day_and_length(world: World) -> None:
    db = world.db
    rules(world, auto_pass=True, max_per_day=2, max_length=20)
    inmate, contact = world.inmate_with_contact()
    with pytest.raises(InvalidInput, match="at most 20 characters"):
        messages.write_to_inmate(db, contact, "x" * 21, NOW)
    for _ in range(2):
        messages.write_to_inmate(db, contact, "x" * 20, NOW)
    with pytest.raises(Conflict, match="At most 2 messages a day"):
        messages.write_to_inmate(db, contact, "again", NOW)
    # The inmate's own count is apart from the contact's; the next day starts again.
    messages.write_to_contact(db, inmate_actor(inmate), inmate, contact.id, "ok", NOW,
                              family_url=FAMILY)  # fmt: skip
    messages.write_to_inmate(db, contact, "tomorrow", NOW + timedelta(days=1))


def test_privileged_correspondence_is_never_shown_to_screening(
    world: World, officer: Actor
) -> None:
    db = world.db
    rules(world, auto_pass=False, held_words=["escape"])
    inmate = world.make_inmate()
    lawyer = visits.request_contact(db, inmate_actor(inmate), inmate, full_name="Advokaat Mets",
                                    relation="lawyer", email="mets@law.example",
                                    now=NOW)  # fmt: skip
    visits.decide_contact(db, world.staff, lawyer.id, approve=True, reason="bar member", now=NOW)
    assert lawyer.privileged
    letter = messages.write_to_inmate(db, lawyer, "About the escape charge: we appeal.", NOW,
                                      photos=[messages.clean_photo(photo())])  # fmt: skip
    db.commit()
    assert (letter.status, letter.held_because) == ("passed", []), "never screened"
    assert messages.screening_queue(db, officer, world.prison.id) == []
    with pytest.raises(Forbidden, match="privileged"):
        messages.message_for_screening(db, officer, letter.id)
    db.commit()  # the refusal's audit row stays
    with pytest.raises(Forbidden, match="privileged"):
        messages.attachment_for_screening(db, officer, letter.attachments[0].id)
    with pytest.raises(Forbidden):
        messages.reject_message(db, officer, letter.id, NOW, reason="x", family_url=FAMILY)
    db.rollback()
    logged = db.scalars(
        select(AuditEvent).where(
            AuditEvent.target_type == "message", AuditEvent.target_id == str(letter.id)
        )
    )
    rows = [(e.action, e.outcome) for e in logged]
    assert ("messages.privileged_sent", "ok") in rows
    assert ("messages.privileged_refused", "refused") in rows
    assert all("escape" not in str(e.details) for e in db.scalars(select(AuditEvent)))
    assert [m.body for m in messages.thread_for_inmate(db, inmate, lawyer.id, NOW)] == [letter.body]


def test_an_officer_of_another_prison_cannot_screen_its_messages(
    world: World, officer: Actor, other_prison: Prison
) -> None:
    db = world.db
    rules(world, auto_pass=False)
    _, contact = world.inmate_with_contact()
    held = messages.write_to_inmate(db, contact, "See you soon", NOW,
                                    photos=[messages.clean_photo(photo())])  # fmt: skip
    db.commit()
    viru = actor_of(create_staff_user(db, Actor.system("test"), username="viru.officer",
                                      full_name="Viru Officer", password="viru-password-123",
                                      roles=["officer"], min_password_length=12,
                                      prison_id=other_prison.id))  # fmt: skip
    db.commit()
    refused = [
        lambda: messages.screening_queue(db, viru, world.prison.id),
        lambda: messages.message_for_screening(db, viru, held.id),
        lambda: messages.attachment_for_screening(db, viru, held.attachments[0].id),
        lambda: messages.pass_message(db, viru, held.id, NOW, family_url=FAMILY),
        lambda: messages.reject_message(db, viru, held.id, NOW, reason="no", family_url=FAMILY),
    ]
    for attempt in refused:
        with pytest.raises(NotFound):  # not "forbidden": the message's existence does not leak
            attempt()
        db.rollback()
    assert db.get(Message, held.id).status == "held"  # type: ignore[union-attr]
    assert messages.screening_queue(db, viru, other_prison.id) == []
    assert [m.id for m in messages.screening_queue(db, officer, world.prison.id)] == [held.id]
    messages.pass_message(db, officer, held.id, NOW, family_url=FAMILY)
    assert held.status == "passed"


def test_an_inmate_never_sees_another_inmates_messages(world: World, officer: Actor) -> None:
    db = world.db
    rules(world, auto_pass=True)
    inmate, contact = world.inmate_with_contact()
    other, _ = world.inmate_with_contact()
    sent = messages.write_to_inmate(db, contact, "For you only", NOW,
                                    photos=[messages.clean_photo(photo())])  # fmt: skip
    messages.pass_message(db, officer, sent.id, NOW, family_url=FAMILY)
    db.commit()
    with pytest.raises(NotFound):
        messages.thread_for_inmate(db, other, contact.id, NOW)
    with pytest.raises(NotFound):
        messages.photo_for_inmate(db, other, sent.attachments[0].id)
    with pytest.raises(NotFound):
        messages.write_to_contact(db, inmate_actor(other), other, contact.id, "hi", NOW,
                                  family_url=FAMILY)  # fmt: skip
    assert all(c.contact.id != contact.id for c in messages.conversations_of(db, other))
    assert (
        messages.photo_for_inmate(db, inmate, sent.attachments[0].id).content_type == "image/jpeg"
    )


def test_photos_are_kept_without_their_metadata_and_within_their_limits() -> None:
    raw = photo(gps=True)
    assert Image.open(io.BytesIO(raw)).getexif(), "the phone's photo has EXIF (maker, GPS)"
    clean = messages.clean_photo(raw)
    kept = Image.open(io.BytesIO(clean.data))
    assert (clean.content_type, kept.size) == ("image/jpeg", (64, 48))
    assert not kept.getexif() and "exif" not in kept.info and b"PhoneMaker" not in clean.data
    assert messages.clean_photo(photo("PNG", gps=False)).content_type == "image/png"
    with pytest.raises(InvalidInput, match="at most 1 MB"):
        messages.clean_photo(raw + bytes(1024 * 1024), max_bytes=1024 * 1024)
    gif = io.BytesIO()
    Image.new("RGB", (4, 4)).save(gif, "GIF")
    with pytest.raises(InvalidInput, match="Only JPEG and PNG"):
        messages.clean_photo(gif.getvalue())
    with pytest.raises(InvalidInput, match="not a photo"):
        messages.clean_photo(b"%PDF-1.4 not an image")


def test_a_contact_confirms_their_address_with_a_code(world: World) -> None:
    db = world.db
    _, contact = world.inmate_with_contact()
    messages.send_code(db, contact.email.upper(), NOW)
    messages.send_code(db, "stranger@example.org", NOW)  # nothing is said, nothing is sent
    db.commit()
    [sent] = db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "sign_in_code")).all()
    assert sent.address == contact.email
    code = next(w for w in sent.subject.split() if w.isdigit())
    with pytest.raises(Forbidden, match="not right"):
        messages.confirm_code(db, contact.email, "000000" if code != "000000" else "111111", NOW)
    db.commit()
    assert messages.confirm_code(db, contact.email, code, NOW) == [contact.id]
    with pytest.raises(Forbidden, match="ask for a new one"):
        messages.confirm_code(db, contact.email, code, NOW)
    for _ in range(6):
        messages.send_code(db, contact.email, NOW + timedelta(minutes=1))
    codes = db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "sign_in_code")).all()
    assert len(codes) == 5, "at most five codes an hour to one address"
