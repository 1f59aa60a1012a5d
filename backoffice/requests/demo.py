"""Demo data for requests (`cellgate seed demo`): who works in which department, and a handful
of cases in every state, one of them overdue and one confidential."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.services import Actor
from ..people.models import Inmate, Prison
from ..settings import load_settings
from ..staff.models import StaffUser
from . import services

# (username, department, supervisor)
DEMO_MEMBERS = [
    ("requests", "wing_office", True),
    ("requests", "healthcare", False),
    ("requests", "security", False),
    ("requests", "finance", False),
    ("requests", "chaplaincy", False),
    ("officer", "governors_office", True),
]


def seed_demo_requests(db: Session, actor: Actor, prison: Prison) -> None:
    rules = services.rules_from_settings(load_settings())
    admin = Actor(kind="system", id=None, name="seed", roles=frozenset({"admin"}))
    staff = {u.username: u for u in db.scalars(select(StaffUser))}
    for username, department, supervisor in DEMO_MEMBERS:
        if username in staff:
            services.set_membership(
                db, admin, rules, staff[username].id, department, supervisor=supervisor
            )
    inmates = list(
        db.scalars(select(Inmate).where(Inmate.prison_id == prison.id).order_by(Inmate.id))
    )
    if len(inmates) < 4 or "requests" not in staff or "officer" not in staff:
        return
    handler = _staff_actor(staff["requests"])
    governor = _staff_actor(staff["officer"])
    now = datetime.now(UTC)

    def submit(inmate: Inmate, type_code: str, fields: dict[str, object], days_ago: int) -> int:
        me = Actor(kind="inmate", id=inmate.id, name=inmate.prison_number)
        when = now - timedelta(days=days_ago)
        return services.submit(db, me, rules, inmate, type_code, fields, now=when).id

    first, second, third, fourth = inmates[:4]
    submit(first, "see_doctor", {"reason": "Hammas valutab juba kolm päeva."}, 1)
    late = submit(second, "court_form", {"form": "Заявление о юридической помощи"}, 12)
    services.claim(db, handler, late, now=now - timedelta(days=10))
    answered = submit(
        third,
        "add_phone_number",
        {"contact": {"name": "Sarah Smith", "phone": "+447700900123"}, "relationship": "family"},
        6,
    )
    services.claim(db, handler, answered, now=now - timedelta(days=5))
    services.add_note(
        db,
        handler,
        answered,
        "Number checked against the barred list: clear.",
        visible_to_inmate=False,
        now=now - timedelta(days=4),
    )
    services.answer(
        db,
        handler,
        rules,
        answered,
        "approved",
        "The number is checked and added to your allowed contacts.",
        now=now - timedelta(days=3),
    )
    submit(
        fourth,
        "complaint",
        {"what_happened": "Dušš teisel korrusel on nädal aega külm olnud."},
        2,
    )
    secret = submit(
        first,
        "staff_complaint",
        {
            "what_happened": "An officer shouted at me during the evening count.",
            "happened_on": (now - timedelta(days=4)).date().isoformat(),
        },
        3,
    )
    services.claim(db, governor, secret, now=now - timedelta(days=2))
    services.escalate_overdue(db, actor, rules, now=now)


def _staff_actor(user: StaffUser) -> Actor:
    return Actor(kind="staff", id=user.id, name=user.username, roles=user.roles)
