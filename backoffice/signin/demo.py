"""Sign-in demo data: PINs for some demo inmates and one card whose key is fixed, so that the
card emulator can put it in a virtual reader (with pcscd and vpcd running):

    python -m hardware.card_emulator --card-number CGDEMO0001 \
        --key-hex c0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ff
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.services import Actor
from ..people.models import Inmate, Prison
from . import services

DEMO_PIN = "2468"
DEMO_CARD_NUMBER = "CGDEMO0001"
DEMO_CARD_KEY = bytes.fromhex("c0ffee" * 10 + "c0ff")
PINS_FOR = 8


def seed_demo_signin(db: Session, actor: Actor, prison: Prison) -> None:
    """PIN 2468 for the first inmates by number; a card for the first of them."""
    inmates = list(
        db.scalars(
            select(Inmate)
            .where(Inmate.prison_id == prison.id)
            .order_by(Inmate.prison_number)
            .limit(PINS_FOR)
        )
    )
    for inmate in inmates:
        services.set_pin(db, actor, inmate, DEMO_PIN)
    if inmates:
        services.issue_card(db, actor, inmates[0], card_number=DEMO_CARD_NUMBER, key=DEMO_CARD_KEY)
