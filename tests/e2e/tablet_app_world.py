"""What the tablet app's end-to-end tests (and bench/tablet_app.py) stand on: a PostgreSQL
database with the demo prison (its tablets, catalogue with photos, contacts, request types,
video-call sessions) plus, for the two inmates of cell A-101 where the demo tablet hangs, money,
a PIN, an enrolled face, orders in the states the orders screen acts on, and a conversation
with a photo screening has passed (and one message still held, which the app never shows).
"""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

from PIL import Image as Picture
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.audit.services import Actor
from backoffice.db import make_engine, make_session_factory, utcnow
from backoffice.messages import services as messages
from backoffice.people.models import Prison
from backoffice.seed import DEMO_PRISON_CODE, seed_demo
from backoffice.settings import Settings, load_settings
from backoffice.shop import services as shop
from backoffice.shop.models import Order, Product
from backoffice.signin import services as signin
from backoffice.visits.models import Contact
from hardware.faces import FaceMatcher, Image
from tests.e2e.kiosk_world import PIN, family_deposits, inmate
from tests.integration.tablet_world import always_open

# The demo tablet of cell A-101 (backoffice/seed.py) and its two inmates: an Estonian speaker
# who signs in by PIN and a Russian speaker whose enrolled face is a real photograph.
TABLET_CREDENTIAL = "cgd_tableta101.demo-tablet-A101-secret-000000000000"
PIN_INMATE = "TRT1001"
FACE_INMATE = "TRT1025"
DEPOSIT_CENTS = 6_000

__all__ = ["FACE_INMATE", "PIN", "PIN_INMATE", "TABLET_CREDENTIAL", "build_world"]


def build_world(url: str, matcher: FaceMatcher | None = None, face: Image | None = None) -> None:
    """Seed the (migrated) database at `url`."""
    settings = load_settings({}).with_overrides({"mode": "test", "database_url": url})
    engine = make_engine(url)
    with make_session_factory(engine)() as db:
        seed_demo(db, min_password_length=settings["auth"]["min_password_length"])
        db.commit()
        add_tablet_data(db, settings, matcher, face)
        db.commit()
    engine.dispose()


def add_tablet_data(
    db: Session, settings: Settings, matcher: FaceMatcher | None, face: Image | None
) -> None:
    actor = Actor.system("tablet-app-e2e")
    prison = db.scalar(select(Prison).where(Prison.code == DEMO_PRISON_CODE))
    assert prison is not None
    always_open(db, prison)
    db.flush()
    family_deposits(db, actor, settings, {PIN_INMATE: DEPOSIT_CENTS, FACE_INMATE: DEPOSIT_CENTS})
    signin.set_pin(db, actor, inmate(db, PIN_INMATE), PIN)
    if matcher is not None and face is not None:
        signin.enroll_face(db, actor, inmate(db, FACE_INMATE), [face], matcher)
    _orders(db, settings)
    _messages(db)


def _jpeg() -> bytes:
    """A real JPEG: a colour gradient, 320 x 200."""
    picture = Picture.new("RGB", (320, 200))
    picture.putdata([(x * 255 // 319, y * 255 // 199, 128) for y in range(200) for x in range(320)])
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85)
    return out.getvalue()


def _messages(db: Session) -> None:
    person = inmate(db, PIN_INMATE)
    contact = db.scalars(
        select(Contact).where(Contact.inmate_id == person.id, Contact.status == "approved")
    ).first()
    assert contact is not None
    photo = messages.clean_photo(_jpeg())
    sent = messages.write_to_inmate(db, contact, "Pildid järve äärest.", utcnow(), photos=[photo])
    messages.pass_message(db, Actor.system("screening"), sent.id, utcnow(), family_url="http://x")
    messages.write_to_inmate(db, contact, "Veel üks pilt.", utcnow(), photos=[photo])  # held


def _orders(db: Session, settings: Settings) -> None:
    """One order delivered (an item of it can be reported missing) and one packed whose
    delivery day has come (its delivery can be acknowledged)."""
    person = inmate(db, PIN_INMATE)
    staff = Actor.system("shop")
    by_sku = {p.sku: p for p in db.scalars(select(Product))}
    protocols = shop.protocols_from(settings)

    def place(key: str, skus: dict[str, int]) -> Order:
        lines = [shop.CartLine(by_sku[sku].id, quantity) for sku, quantity in skus.items()]
        buyer = Actor(kind="inmate", id=person.id, name=person.prison_number)
        return shop.place_order(
            db, buyer, person, lines, key=key, protocols=protocols, settings=settings
        )

    delivered = place("tablet-e2e-delivered", {"TEA-25": 1, "SOAP-100": 2})
    shop.pack_order(db, staff, delivered.id, {})
    shop.deliver_order(db, staff, delivered.id)
    packed = place("tablet-e2e-packed", {"JUICE-1L": 1})
    shop.pack_order(db, staff, packed.id, {})
    packed.delivery_on = utcnow().date() - timedelta(days=1)
    db.flush()


def orders_of(db: Session, number: str) -> list[Any]:
    return list(
        db.scalars(select(Order).where(Order.inmate_id == inmate(db, number).id).order_by(Order.id))
    )
