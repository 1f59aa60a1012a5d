"""Demo data for video visits (`cellgate seed demo`): the session template, booths and cell
tablets as call endpoints, approved contacts (one a lawyer; every inmate has at least one, so
each can book a call from the tablet), one contact waiting for staff and one barred person."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.services import Actor
from ..devices.models import Device, DeviceKind
from ..people.models import Inmate, Prison
from . import services

DEMO_CONTACTS = [
    # (inmate index, name, relation, phone, e-mail, decision)
    (0, "Maie Tamm", "parent", "+3725550001", "maie.tamm@example.org", "approve"),
    (0, "Jüri Kask", "lawyer", "", "kask@law.example.org", "approve"),
    (1, "Ольга Иванова", "spouse", "+3725550002", "", "approve"),
    (2, "Sarah Smith", "sibling", "", "sarah.smith@example.org", "approve"),
    (3, "Jüri Saar", "friend", "+3725550003", "", "pending"),
]
# For every other inmate, a relative with his surname: (first name, relation).
RELATIVES = [("Anne", "parent"), ("Liis", "sibling"), ("Maria", "spouse"), ("Helen", "parent")]


def seed_demo_visits(db: Session, actor: Actor, prison: Prison) -> None:
    now = datetime.now(UTC)
    services.add_session_template(
        db,
        actor,
        prison.id,
        name="Afternoon video calls",
        weekdays=[0, 1, 2, 3, 4, 5],
        starts_at_local=time(14, 0),
        length_minutes=30,
        parallel_calls=3,
        valid_from=date(2026, 1, 1),
    )
    services.add_session_template(
        db,
        actor,
        prison.id,
        name="Evening video calls",
        weekdays=[1, 3, 6],
        starts_at_local=time(18, 30),
        length_minutes=45,
        parallel_calls=2,
        valid_from=date(2026, 1, 1),
    )
    for wing in prison.wings:
        services.add_endpoint(
            db, actor, prison.id, kind="booth", name=f"Booth {wing.code}1", wing_id=wing.id
        )
    services.add_endpoint(db, actor, prison.id, kind="booth", name="Visits hall booth")
    tablets = db.scalars(
        select(Device)
        .where(Device.prison_id == prison.id, Device.kind == DeviceKind.TABLET.value)
        .order_by(Device.name)
    )
    for tablet in tablets:
        services.add_endpoint(
            db, actor, prison.id, kind="tablet", name=tablet.name, device_id=tablet.id
        )
    inmates = list(
        db.scalars(
            select(Inmate).where(Inmate.prison_id == prison.id).order_by(Inmate.prison_number)
        )
    )
    for index, name, relation, phone, email, decision in DEMO_CONTACTS:
        inmate = inmates[index]
        contact = services.request_contact(
            db,
            Actor(kind="inmate", id=inmate.id, name=inmate.prison_number),
            inmate,
            full_name=name,
            relation=relation,
            phone=phone,
            email=email,
            now=now,
        )
        if decision == "approve":
            services.decide_contact(
                db, actor, contact.id, approve=True, reason="demo: identity checked", now=now
            )
    approved = {index for index, *_rest, decision in DEMO_CONTACTS if decision == "approve"}
    for index, inmate in enumerate(inmates):
        if index in approved:
            continue
        first_name, relation = RELATIVES[index % len(RELATIVES)]
        contact = services.request_contact(
            db,
            Actor(kind="inmate", id=inmate.id, name=inmate.prison_number),
            inmate,
            full_name=f"{first_name} {inmate.last_name}",
            relation=relation,
            phone=f"+37255601{index:02d}",
            email="",
            now=now,
        )
        services.decide_contact(
            db, actor, contact.id, approve=True, reason="demo: identity checked", now=now
        )
    services.bar_person(
        db,
        actor,
        inmates[0],
        full_name="Kalev Kuusk",
        phone="+3725559999",
        category="victim",
        reason="demo: restraining order",
        now=now,
    )
