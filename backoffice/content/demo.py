"""The demo prison's library: a few pages in the three languages, written by one officer and
approved by another as the editorial flow asks, so that a newcomer's first look at the library
is not an empty screen. (No urgent notice: it would stand before every inmate's home screen.)"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from ..audit.services import Actor
from ..people.models import Prison
from ..staff.models import StaffUser
from . import services

GUIDES = "guides"
GUIDE_NAMES = {"et": "Juhendid", "ru": "Справки", "en": "Guides"}
# (et, ru, en): each a (title, body) pair.
PAGES = [
    (
        ("Päevakava", "Äratus 6.30, hommikusöök 7.00, lõuna 12.30, õhtusöök 17.30, rahu 22.00."),
        ("Распорядок дня", "Подъём 6.30, завтрак 7.00, обед 12.30, ужин 17.30, отбой 22.00."),
        ("Daily schedule", "Wake-up 6.30, breakfast 7.00, lunch 12.30, dinner 17.30, quiet 22.00."),
    ),
    (
        (
            "Kuidas taotlust esitada",
            "Vali kioskis „Taotlused“, siis taotluse liik. Vastus tuleb tööpäevade jooksul.",
        ),
        (
            "Как подать обращение",
            "Выберите в киоске «Обращения», затем вид обращения. Ответ придёт в рабочие дни.",
        ),
        (
            "How to send a request",
            "Choose “Requests” on the kiosk, then the kind of request. Staff answer within "
            "working days.",
        ),
    ),
    (
        ("Raamatukogu lahtiolekuajad", "Raamatukogu on avatud teisipäeviti ja neljapäeviti."),
        ("Часы работы библиотеки", "Библиотека открыта по вторникам и четвергам."),
        ("Library hours", "The library is open on Tuesdays and Thursdays."),
    ),
]


def seed_demo_library(db: Session, prison: Prison, author: StaffUser, reviewer: StaffUser) -> None:
    """Publish the demo pages to everyone in `prison`."""
    now = datetime.now(UTC)
    writer = Actor(kind="staff", id=author.id, name=author.username)
    checker = Actor(kind="staff", id=reviewer.id, name=reviewer.username)
    category = services.upsert_category(db, writer, GUIDES, GUIDE_NAMES)
    for page in PAGES:
        texts = [
            services.VersionText(language=language, title=title, body=body)
            for language, (title, body) in zip(("et", "ru", "en"), page, strict=True)
        ]
        spec = services.ItemSpec(kind="page", category_id=category.id, texts=texts)
        item = services.create_item(db, writer, spec, now)
        services.set_targets(db, writer, item.id, [services.TargetSpec(prison.id)], now)
        services.move(db, writer, item.id, "submit", now=now)
        services.move(db, checker, item.id, "approve", now=now)
