"""`cellgate seed demo`: a demo prison with two wings, inmates in three languages, staff of every
role and registered devices. Deterministic, so the sign-ins it prints stay the same."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from .accounts.demo import seed_demo_accounts
from .audit.services import Actor
from .content.demo import seed_demo_library
from .devices.services import register_device
from .people.demo import seed_second_prison
from .people.models import Cell, Inmate, Prison, Wing
from .requests.demo import seed_demo_requests
from .shop.demo import seed_demo_shop
from .signin.demo import seed_demo_signin
from .staff.models import Role
from .staff.services import create_staff_user
from .visits.demo import seed_demo_visits

DEMO_PRISON_CODE = "TRT"

ESTONIAN = [
    ("Mart", "Tamm"),
    ("Jaan", "Saar"),
    ("Andres", "Mägi"),
    ("Priit", "Kask"),
    ("Tõnu", "Rebane"),
    ("Rein", "Ilves"),
    ("Margus", "Kukk"),
    ("Urmas", "Pärn"),
    ("Siim", "Lepik"),
    ("Indrek", "Koppel"),
    ("Kalle", "Sepp"),
    ("Toomas", "Oja"),
    ("Raivo", "Kivi"),
    ("Peeter", "Lill"),
    ("Aivar", "Vaher"),
]
RUSSIAN = [
    ("Сергей", "Иванов"),
    ("Алексей", "Смирнов"),
    ("Дмитрий", "Кузнецов"),
    ("Андрей", "Попов"),
    ("Игорь", "Васильев"),
    ("Николай", "Петров"),
    ("Павел", "Соколов"),
    ("Максим", "Михайлов"),
    ("Олег", "Новиков"),
    ("Виктор", "Фёдоров"),
    ("Роман", "Морозов"),
    ("Юрий", "Волков"),
    ("Артём", "Алексеев"),
    ("Владимир", "Лебедев"),
    ("Евгений", "Семёнов"),
]
ENGLISH = [
    ("John", "Smith"),
    ("David", "Jones"),
    ("Michael", "Taylor"),
    ("James", "Brown"),
    ("Robert", "Wilson"),
    ("Daniel", "Evans"),
    ("Thomas", "Walker"),
    ("Paul", "Wright"),
    ("Mark", "Hughes"),
    ("Peter", "Green"),
    ("Simon", "Hall"),
    ("Gary", "Clarke"),
    ("Kevin", "Baker"),
    ("Steven", "King"),
]

DEMO_STAFF = [
    ("admin", "Anu Admin", [Role.ADMIN]),
    ("shop", "Sirje Shop", [Role.SHOP]),
    ("accountant", "Kadri Accountant", [Role.ACCOUNTANT]),
    ("accountant2", "Leena Checker", [Role.ACCOUNTANT]),
    ("officer", "Olev Officer", [Role.OFFICER]),
    ("officer2", "Tiit Officer", [Role.OFFICER]),
    ("requests", "Riina Requests", [Role.REQUESTS]),
    ("visits", "Viljar Visits", [Role.VISITS]),
]


def demo_password(username: str) -> str:
    return f"demo-{username}-pass"


@dataclass(frozen=True)
class DemoDevice:
    name: str
    kind: str
    where: str
    credential: str


def demo_devices() -> list[tuple[str, str, str, str, str]]:
    """(name, kind, wing code, cell number or '', fixed credential secret)."""
    return [
        ("kiosk-A", "kiosk", "A", "", "demo-kiosk-A-secret-0000000000000000"),
        ("kiosk-B", "kiosk", "B", "", "demo-kiosk-B-secret-0000000000000000"),
        ("tablet-A-101", "tablet", "A", "101", "demo-tablet-A101-secret-000000000000"),
        ("tablet-B-201", "tablet", "B", "201", "demo-tablet-B201-secret-000000000000"),
    ]


def is_seeded(db: Session) -> bool:
    return db.scalar(select(Prison.id).where(Prison.code == DEMO_PRISON_CODE)) is not None


def seed_demo(
    db: Session, *, min_password_length: int, money_for_wing_a: bool = True
) -> list[DemoDevice]:
    """Create the demo prison. The caller commits; refuses to run twice. `money_for_wing_a`
    false: wing A's inmates get no money (tests that count theirs to the cent)."""
    if is_seeded(db):
        raise RuntimeError("the demo prison is already there")
    actor = Actor.system("seed")
    rng = random.Random(2026)
    prison = Prison(code=DEMO_PRISON_CODE, name="Tartu Prison (demo)", timezone="Europe/Tallinn")
    db.add(prison)
    wings = {
        "A": Wing(prison=prison, code="A", name="Wing A (convicted)"),
        "B": Wing(prison=prison, code="B", name="Wing B (remand)"),
    }
    cells: dict[str, list[Cell]] = {}
    for code, wing in wings.items():
        first = 100 if code == "A" else 200
        cells[code] = [Cell(wing=wing, number=str(first + n), capacity=2) for n in range(1, 13)]
        db.add_all(cells[code])
    db.flush()

    people = (
        [(n, "et") for n in ESTONIAN] + [(n, "ru") for n in RUSSIAN] + [(n, "en") for n in ENGLISH]
    )
    for index, ((first_name, last_name), language) in enumerate(people):
        wing_code = "A" if index % 2 == 0 else "B"
        cell = cells[wing_code][(index // 2) % len(cells[wing_code])]
        admitted = date(2026, 1, 1) + timedelta(days=rng.randrange(0, 300))
        db.add(
            Inmate(
                prison_number=f"{DEMO_PRISON_CODE}{1001 + index}",
                first_name=first_name,
                last_name=last_name,
                date_of_birth=date(1960, 1, 1) + timedelta(days=rng.randrange(0, 365 * 40)),
                language=language,
                legal_status="convicted" if wing_code == "A" else "remand",
                regime_level=rng.choice(["basic", "standard", "standard", "enhanced"]),
                prison=prison,
                wing=wings[wing_code],
                cell=cell,
                admitted_on=admitted,
                expected_release_on=admitted + timedelta(days=rng.randrange(200, 2000)),
            )
        )
    db.flush()

    staff = {}
    for username, full_name, roles in DEMO_STAFF:
        staff[username] = create_staff_user(
            db,
            actor,
            username=username,
            full_name=full_name,
            password=demo_password(username),
            roles=[r.value for r in roles],
            min_password_length=min_password_length,
            prison_id=prison.id,
        )

    made = []
    for name, kind, wing_code, cell_number, secret in demo_devices():
        cell = next((c for c in cells[wing_code] if c.number == cell_number), None)
        new = register_device(
            db,
            actor,
            kind=kind,
            name=name,
            wing_id=wings[wing_code].id,
            cell_id=cell.id if cell else None,
            location=f"demo {name}",
            key_id=name.lower().replace("-", ""),
            secret=secret,
        )
        where = f"wing {wing_code}" + (f", cell {cell_number}" if cell_number else "")
        made.append(DemoDevice(name, kind, where, new.credential))
    db.flush()
    seed_demo_visits(db, actor, prison)
    seed_demo_requests(db, actor, prison)
    seed_demo_shop(db, actor, prison, money_for_wing_a=money_for_wing_a)
    seed_demo_signin(db, actor, prison)
    seed_demo_accounts(db, actor, prison)
    # One officer writes the library's pages, another approves them.
    seed_demo_library(db, prison, staff["officer"], staff["officer2"])
    seed_second_prison(db, actor, password_of=demo_password,
                       min_password_length=min_password_length)  # fmt: skip
    return made
