"""Messages through every surface on both engines: the contact confirms their address with a
code and writes with a photo on the family site; a security officer reads and passes it in the
back office; the inmate reads it on the kiosk and replies from the tablet API at a price; the
officer rejects the reply with a reason and the price goes back. An inmate never sees another's
messages; privileged correspondence never reaches screening staff."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

import ledger
from backoffice.audit.models import AuditEvent
from backoffice.audit.services import Actor
from backoffice.db import utcnow
from backoffice.devices.services import register_device
from backoffice.family import create_app as create_family
from backoffice.messages import services as messages
from backoffice.messages.models import Message
from backoffice.money.services import inmate_accounts
from backoffice.outbox.models import OutboxMessage
from backoffice.people.models import Inmate, Prison
from backoffice.visits import services as visits
from backoffice.visits.models import Contact
from backoffice.web import create_app as create_backoffice
from kiosk import create_app as create_kiosk
from tablet_api import create_app as create_tablet_api
from tests.conftest import wing_of
from tests.integration.staff_client import csrf_token, signed_in
from tests.integration.tablet_world import World, build_world, tablet, tablet_settings
from tests.integration.test_kiosk_app import kiosk_client
from tests.integration.test_kiosk_app import sign_in as kiosk_sign_in
from tests.integration.test_messages import photo

SYSTEM = Actor.system("test")


@pytest.fixture
def world(db: Session, prison: Prison, make_inmate: Callable[..., Inmate]) -> World:
    return build_world(db, prison, make_inmate)


@pytest.fixture
def apps(database_url: str, world: World) -> Iterator[dict[str, Flask]]:
    settings = tablet_settings(database_url)
    made = {"family": create_family(settings), "backoffice": create_backoffice(settings),
            "kiosk": create_kiosk(settings), "tablet": create_tablet_api(settings)}  # fmt: skip
    yield made
    for app in made.values():
        app.extensions["cellgate"]["engine"].dispose()


def approved_contact(db: Session, inmate: Inmate, relation: str = "parent") -> Contact:
    contact = visits.request_contact(
        db, SYSTEM, inmate, full_name=f"{relation.title()} of {inmate.first_name}",
        relation=relation, email=f"{relation}.{inmate.id}@example.org", now=utcnow(),
    )  # fmt: skip
    visits.decide_contact(db, SYSTEM, contact.id, approve=True, reason="checked", now=utcnow())
    db.commit()
    return contact


def family_signs_in(family: Flask, db: Session, contact: Contact) -> FlaskClient:
    client = family.test_client()
    token = csrf_token(client, "/messages")
    client.post("/messages/code", data={"csrf_token": token, "address": contact.email})
    subject = db.scalars(
        select(OutboxMessage.subject).where(
            OutboxMessage.kind == "sign_in_code", OutboxMessage.address == contact.email
        )
    ).one()
    form = {"csrf_token": token, "address": contact.email,
            "code": re.search(r"\d{6}", subject).group(0)}  # type: ignore[union-attr]  # fmt: skip
    db.commit()  # ends the read: on SQLite a transaction holds the write lock
    assert client.post("/messages/confirm", data=form).status_code == 302
    return client


def officer(apps: dict[str, Flask], make_staff: Callable[..., object], db: Session) -> FlaskClient:
    make_staff("olev", "officer")
    db.commit()
    return signed_in(apps["backoffice"], "olev")


def kiosk_of(apps: dict[str, Flask], world: World, db: Session, inmate: Inmate) -> FlaskClient:
    credential = register_device(db, SYSTEM, kind="kiosk", name=f"kiosk-{inmate.id}",
                                 wing_id=wing_of(db, world.prison, "A").id).credential  # fmt: skip
    db.commit()
    kiosk = kiosk_client(apps["kiosk"], credential)
    kiosk_sign_in(kiosk, inmate.prison_number)
    return kiosk


def rules(db: Session, prison: Prison, **fields: object) -> None:
    values = {"auto_pass": True, "held_words": [], "max_per_day": 5, "max_length": 2000,
              "price_cents": 0, **fields}  # fmt: skip
    messages.set_rules(db, SYSTEM, prison.id, now=utcnow(), **values)  # type: ignore[arg-type]
    db.commit()


def test_write_screen_read_on_the_kiosk_reply_from_the_tablet_reject_and_refund(
    apps: dict[str, Flask], world: World, db: Session, make_staff: Callable[..., object]
) -> None:
    alice = world.alice
    rules(db, world.prison, price_cents=25)
    contact = approved_contact(db, alice)

    # The contact writes with a photo from the phone (EXIF: maker and place).
    family = family_signs_in(apps["family"], db, contact)
    page = f"/messages/{contact.id}"
    form = {"csrf_token": csrf_token(family, page), "body": "Hugs!",
            "photos": (io.BytesIO(photo()), "IMG_0001.jpg")}  # fmt: skip
    answer = family.post(page, data=form, content_type="multipart/form-data")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert "The prison reads it before it is passed on." in answer.get_data(as_text=True)
    written = db.scalars(select(Message)).one()
    db.commit()  # ends the read: on SQLite a transaction holds the write lock
    assert written.held_because == ["attachment"], "a photo is always held"

    # The officer reads it, photo included, and passes it.
    staff = officer(apps, make_staff, db)
    queue = staff.get("/messages/").get_data(as_text=True)
    assert "Hugs!" not in queue and f'href="/messages/{written.id}"' in queue
    shown = staff.get(f"/messages/{written.id}").get_data(as_text=True)
    assert "Hugs!" in shown and "attachment" in shown
    [photo_path] = re.findall(r'src="(/messages/photos/\d+)"', shown)
    picture = Image.open(io.BytesIO(staff.get(photo_path).data))
    assert picture.format == "JPEG" and not picture.getexif(), "metadata stripped"
    token = csrf_token(staff, f"/messages/{written.id}")
    staff.post(f"/messages/{written.id}/pass", data={"csrf_token": token})

    # The inmate reads it on the kiosk.
    kiosk = kiosk_of(apps, world, db, alice)
    listing = kiosk.get("/messages").get_data(as_text=True)
    assert contact.full_name in listing and "1 new" in listing
    thread = kiosk.get(f"/messages/{contact.id}").get_data(as_text=True)
    assert "Hugs!" in thread and "A message costs" in thread
    [kiosk_photo] = re.findall(r'src="(/messages/photos/\d+)"', thread)
    assert kiosk.get(kiosk_photo).mimetype == "image/jpeg"
    assert "1 new" not in kiosk.get("/messages").get_data(as_text=True), "now read"

    # The inmate replies from the tablet; it passes and its price is taken.
    spendable = inmate_accounts(db, alice).spendable.id
    before = ledger.balance(db, spendable).available_cents
    db.commit()  # ends the read: on SQLite a transaction holds the write lock
    a1 = tablet(apps["tablet"], world.tablet_a1)
    a1.sign_in(alice)
    reply = a1.post(f"/api/v1/messages/{contact.id}", json={"body": "Thank you! Call me."})
    assert reply.status_code == 201, reply.json
    assert (reply.json["status"], reply.json["price_cents"]) == ("passed", 25)
    assert ledger.balance(db, spendable).available_cents == before - 25
    db.commit()  # ends the read: on SQLite a transaction holds the write lock

    # With every message read by an officer, the next reply waits; rejected, it is refunded.
    rules(db, world.prison, auto_pass=False, price_cents=25)
    held = a1.post(f"/api/v1/messages/{contact.id}", json={"body": "Bring the thing."}).json
    assert held["status"] == "held"
    assert ledger.balance(db, spendable).available_cents == before - 50
    db.commit()  # ends the read: on SQLite a transaction holds the write lock
    token = csrf_token(staff, f"/messages/{held['id']}")
    form = {"csrf_token": token, "reason": "Unclear request for an item."}
    done = staff.post(f"/messages/{held['id']}/reject", data=form, follow_redirects=True)
    assert "the sender reads why" in done.get_data(as_text=True)
    assert ledger.balance(db, spendable).available_cents == before - 25, "the price went back"
    db.commit()  # ends the read: on SQLite a transaction holds the write lock
    items = a1.get(f"/api/v1/messages/{contact.id}").json["items"]
    assert [(m["direction"], m["status"]) for m in items] == [
        ("in", "passed"), ("out", "passed"), ("out", "rejected")]  # fmt: skip
    assert items[-1]["reject_reason"] == "Unclear request for an item."
    family_thread = family.get(page).get_data(as_text=True)
    assert "Thank you! Call me." in family_thread and "Bring the thing." not in family_thread


def test_an_inmate_never_sees_another_inmates_messages(
    apps: dict[str, Flask], world: World, db: Session
) -> None:
    contact = approved_contact(db, world.alice)
    rules(db, world.prison)
    sent = messages.write_to_inmate(db, contact, "For Alice only", utcnow(),
                                    photos=[messages.clean_photo(photo())])  # fmt: skip
    messages.pass_message(db, SYSTEM, sent.id, utcnow(), family_url="http://x")
    photo_id = sent.attachments[0].id
    db.commit()
    a1 = tablet(apps["tablet"], world.tablet_a1)
    a1.sign_in(world.bob)  # Alice's cellmate, on the same tablet
    assert a1.get(f"/api/v1/messages/{contact.id}").status_code == 404
    assert a1.post(f"/api/v1/messages/{contact.id}", json={"body": "hi"}).status_code == 404
    assert all(c["contact_id"] != contact.id for c in a1.get("/api/v1/messages").json["items"])
    kiosk = kiosk_of(apps, world, db, world.bob)
    assert kiosk.get(f"/messages/{contact.id}").status_code == 404
    assert kiosk.get(f"/messages/photos/{photo_id}").status_code == 404


def test_the_tablet_gives_a_passed_messages_photos_to_its_inmate_only(
    apps: dict[str, Flask], world: World, db: Session
) -> None:
    contact = approved_contact(db, world.alice)
    rules(db, world.prison)  # clean text passes by itself; a photo is always held
    photos = [messages.clean_photo(photo("JPEG")), messages.clean_photo(photo("PNG"))]
    sent = messages.write_to_inmate(db, contact, "Us at the lake", utcnow(), photos=photos)
    held = messages.write_to_inmate(db, contact, "Still waiting", utcnow(), photos=photos[:1])
    refused = messages.write_to_inmate(db, contact, "Not this one", utcnow(), photos=photos[:1])
    db.commit()
    a1 = tablet(apps["tablet"], world.tablet_a1)
    a1.sign_in(world.alice)
    base = f"/api/v1/messages/{contact.id}"
    assert a1.get(f"{base}/{sent.id}/photos/1").status_code == 404, "held: not yet"
    messages.pass_message(db, SYSTEM, sent.id, utcnow(), family_url="http://x")
    messages.reject_message(db, SYSTEM, refused.id, utcnow(), reason="A face of a guard.",
                            family_url="http://x")  # fmt: skip
    db.commit()
    [shown] = a1.get(base).json["items"]
    assert (shown["id"], shown["photos"]) == (sent.id, 2)
    first = a1.get(f"{base}/{sent.id}/photos/1")
    assert first.status_code == 200 and first.mimetype == "image/jpeg"
    picture = Image.open(io.BytesIO(first.data))
    assert (picture.format, picture.size) == ("JPEG", (64, 48))
    assert not picture.getexif(), "no camera, no place: what was kept has no metadata"
    assert first.headers["Cache-Control"] == "private, no-cache"
    again = a1.get(f"{base}/{sent.id}/photos/1", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    second = a1.get(f"{base}/{sent.id}/photos/2")
    assert second.mimetype == "image/png" and Image.open(io.BytesIO(second.data)).format == "PNG"
    elsewhere = f"/api/v1/messages/{contact.id + 999}/{sent.id}/photos/1"  # not this contact's
    for path in (f"{base}/{sent.id}/photos/3", f"{base}/{held.id}/photos/1",
                 f"{base}/{refused.id}/photos/1", elsewhere):  # fmt: skip
        answer = a1.get(path)
        assert answer.status_code == 404 and answer.mimetype == "application/problem+json", path
    a1.call("DELETE", "/api/v1/session")
    a1.sign_in(world.bob)  # Alice's cellmate, on the same tablet: the same answer as no photo
    answer = a1.get(f"{base}/{sent.id}/photos/1", headers={"If-None-Match": first.headers["ETag"]})
    assert answer.status_code == 404 and "lake" not in answer.get_data(as_text=True)
    carol = tablet(apps["tablet"], world.tablet_a2)
    carol.sign_in(world.carol)
    assert carol.get(f"{base}/{sent.id}/photos/1").status_code == 404


def test_privileged_correspondence_is_never_shown_to_screening_staff(
    apps: dict[str, Flask], world: World, db: Session, make_staff: Callable[..., object]
) -> None:
    lawyer = approved_contact(db, world.alice, relation="lawyer")
    letter = messages.write_to_inmate(db, lawyer, "Privileged: our appeal strategy.", utcnow(),
                                      photos=[messages.clean_photo(photo())])  # fmt: skip
    other = messages.write_to_inmate(db, approved_contact(db, world.carol), "News.", utcnow())
    letter_id, photo_id, other_id = letter.id, letter.attachments[0].id, other.id
    db.commit()
    staff = officer(apps, make_staff, db)
    queue = staff.get("/messages/").get_data(as_text=True)
    assert f'href="/messages/{other_id}"' in queue, "screening works"
    assert f'href="/messages/{letter_id}"' not in queue and "appeal" not in queue
    for path in (f"/messages/{letter_id}", f"/messages/photos/{photo_id}"):
        answer = staff.get(path)
        assert answer.status_code == 403 and "appeal" not in answer.get_data(as_text=True)
    token = csrf_token(staff, "/messages/")
    form = {"csrf_token": token, "reason": "x"}
    assert staff.post(f"/messages/{letter_id}/reject", data=form).status_code == 403
    a1 = tablet(apps["tablet"], world.tablet_a1)
    a1.sign_in(world.alice)
    [read] = a1.get(f"/api/v1/messages/{lawyer.id}").json["items"]
    assert read["body"].startswith("Privileged"), "the inmate reads it as usual"
    db.expire_all()
    assert db.get(Message, letter_id).status == "passed"  # type: ignore[union-attr]
    refused = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "messages.privileged_refused")
    ).all()
    assert len(refused) == 3 and {e.actor_name for e in refused} == {"olev"}
