"""The Prisoners' Register's feed on SQLite and PostgreSQL: each event applied once and in the
person's order; one that cannot be applied waits, visibly, with the reason; the file command and
the machine endpoint are the same feed; the nightly comparison lists every difference."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.audit.models import AuditEvent
from backoffice.audit.services import Actor
from backoffice.cli import main
from backoffice.people.models import Cell, Inmate, InmateMovement, Prison, Wing
from backoffice.register import services as register
from backoffice.register.models import RegisterEvent
from backoffice.settings import Settings
from backoffice.staff.models import StaffUser
from backoffice.web import create_app
from tests.conftest import test_settings
from tests.integration.staff_client import post_form, sign_in

FEED = Actor.system("register")
TOKEN = "t" * 40


def admission(number: str, sequence: int = 1, cell: str = "A1", **data: Any) -> dict[str, Any]:
    person = {"first_name": "Jaan", "last_name": "Kask", "date_of_birth": "1990-05-01",
              "legal_status": "remand", "prison": "TST", "wing": cell[0], "cell": cell}  # fmt: skip
    return event(number, sequence, "admission", **{**person, **data})


def event(number: str, sequence: int, kind: str, **data: Any) -> dict[str, Any]:
    return {
        "event_id": f"R-{number}-{sequence}",
        "prison_number": number,
        "sequence": sequence,
        "kind": kind,
        "data": data,
    }


def move(number: str, sequence: int, cell: str) -> dict[str, Any]:
    return event(number, sequence, "move", prison="TST", wing=cell[0], cell=cell)


def inmate(db: Session, number: str) -> Inmate | None:
    return db.scalar(select(Inmate).where(Inmate.prison_number == number))


def movements(db: Session) -> int:
    return db.scalar(select(func.count(InmateMovement.id))) or 0


def test_the_same_event_twice_changes_nothing_the_second_time(db: Session, prison: Prison) -> None:
    first = register.receive(db, FEED, [admission("TST0001")], source="test")
    db.commit()
    again = register.receive(db, FEED, [admission("TST0001")], source="test")
    db.commit()
    assert (first.applied, again.applied, again.duplicates, again.received) == (1, 0, 1, 0)
    assert movements(db) == 1
    changed = admission("TST0001", first_name="Other")
    refused = register.receive(db, FEED, [changed], source="test")
    assert refused.refused == [(1, "R-TST0001-1: the same id with other content")]


def test_events_out_of_order_wait_and_apply_in_the_persons_order(
    db: Session, prison: Prison
) -> None:
    later = register.receive(db, FEED, [move("TST0002", 2, "B1")], source="test")
    db.commit()
    assert (later.applied, later.waiting) == (0, 1)
    assert inmate(db, "TST0002") is None
    assert [e.reason for e in register.waiting(db)] == ["waits for event 1 of TST0002"]

    register.receive(db, FEED, [move("TST0002", 3, "A2"), admission("TST0002")], source="test")
    db.commit()
    person = inmate(db, "TST0002")
    assert person is not None and person.cell is not None and person.cell.number == "A2"
    steps = db.scalars(select(InmateMovement.register_event_id).order_by(InmateMovement.id)).all()
    assert steps == ["R-TST0002-1", "R-TST0002-2", "R-TST0002-3"]
    assert register.waiting(db) == []


def test_an_event_for_an_unknown_cell_waits_whole_and_its_successors_behind_it(
    db: Session, prison: Prison, app: Flask, make_staff: Callable[..., StaffUser]
) -> None:
    register.receive(
        db,
        FEED,
        [admission("TST0003"), move("TST0003", 2, "C9"), move("TST0003", 3, "A3")],
        source="test",
    )
    db.commit()
    person = inmate(db, "TST0003")
    assert person is not None and person.cell is not None and person.cell.number == "A1"
    assert [(e.sequence, e.reason) for e in register.waiting(db)] == [
        (2, "unknown cell TST/C/C9"),
        (3, "waits for event 2 of TST0003"),
    ]
    # Staff see why, make the missing wing and cell, and try again.
    make_staff("officer1", "officer")
    client = app.test_client()
    sign_in(client, "officer1")
    page = client.get("/register").get_data(as_text=True)
    assert "unknown cell TST/C/C9" in page and "waits for event 2 of TST0003" in page
    wing = Wing(prison_id=prison.id, code="C", name="Wing C")
    db.add(wing)
    db.add(Cell(wing=wing, number="C9"))
    db.commit()
    after = post_form(client, "/register/retry", "/register")
    assert "2 applied, 0 still waiting." in after and "Nothing waits." in after
    db.expire_all()
    person = inmate(db, "TST0003")
    assert person is not None and person.cell is not None and person.cell.number == "A3"
    assert register.waiting(db) == []


def test_an_event_for_a_released_person_waits_with_the_reason(db: Session, prison: Prison) -> None:
    register.receive(
        db,
        FEED,
        [admission("TST0004"), event("TST0004", 2, "release"), move("TST0004", 3, "B2")],
        source="test",
    )
    db.commit()
    assert [e.reason for e in register.waiting(db)] == [
        "TST0004 is released: the step move is not allowed."
    ]
    person = inmate(db, "TST0004")
    assert person is not None and person.status == "released"


def test_the_file_command_imports_once_and_reconcile_lists_differences(
    db: Session, prison: Prison, database_url: str, tmp_path: Path
) -> None:
    feed = tmp_path / "feed.jsonl"
    lines = [admission(f"TST1{n:03d}", cell=f"A{n % 3 + 1}") for n in range(5)]
    lines.append(event("TST1000", 2, "status_change", legal_status="convicted"))
    feed.write_text("\n".join(json.dumps(line) for line in lines) + "\nnot json\n")
    env = {"CELLGATE_DATABASE_URL": database_url}
    first = CliRunner().invoke(main, ["register", "import", str(feed)], env=env)
    assert first.exit_code == 1  # the last line is refused; the rest applied
    assert "6 new events, 6 applied, 0 waiting, 0 seen before, 1 refused" in first.output
    second = CliRunner().invoke(main, ["register", "import", str(feed)], env=env)
    assert "0 new events, 0 applied, 0 waiting, 6 seen before" in second.output

    listed = tmp_path / "list.jsonl"
    people = [
        {"prison_number": f"TST1{n:03d}", "prison": "TST", "wing": "A", "cell": f"A{n % 3 + 1}",
         "legal_status": "convicted" if n == 0 else "remand"}
        for n in range(1, 5)
    ]  # fmt: skip
    people[0]["cell"] = "A3"
    people.append({"prison_number": "TST9999", "prison": "TST", "wing": "A", "cell": "A1"})
    listed.write_text("\n".join(json.dumps(p) for p in people))
    compared = CliRunner().invoke(main, ["register", "reconcile", str(listed)], env=env)
    assert compared.exit_code == 1
    assert compared.output.splitlines() == [
        "TST1000: active in Cellgate, not in the register's list",
        "TST1001: cell 'A2' in Cellgate, 'A3' in the register",
        "TST9999: held by the register, unknown to Cellgate",
        "3 differences among 5 people listed",
    ]


@pytest.fixture
def feed_app(database_url: str, prison: Prison) -> Flask:
    settings: Settings = test_settings(database_url, **{"register.feed_token": TOKEN})
    return create_app(settings)


def test_the_machine_endpoint_takes_the_token_only_and_is_idempotent(
    feed_app: Flask, db: Session
) -> None:
    client = feed_app.test_client()
    body = json.dumps([admission("TST0005"), move("TST0005", 2, "B3")])
    refused = client.post("/register/feed", data=body, headers={"Authorization": "Bearer nope"})
    assert refused.status_code == 401
    assert db.scalar(select(func.count(RegisterEvent.id))) == 0
    db.rollback()  # SQLite: the app's connection writes next
    bearer = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    done = client.post("/register/feed", data=body, headers=bearer)
    assert done.status_code == 200
    assert done.get_json()["applied"] == 2
    lines = "\n".join(json.dumps(e) for e in json.loads(body))
    again = client.post("/register/feed", data=lines, headers=bearer)
    assert again.get_json() == {
        "received": 0,
        "duplicates": 2,
        "applied": 0,
        "waiting": 0,
        "refused": [],
    }
    person = inmate(db, "TST0005")
    assert person is not None and person.cell is not None and person.cell.number == "B3"
    feed_app.extensions["cellgate"]["engine"].dispose()


def test_ten_thousand_events_are_applied_once_each_in_every_persons_order(
    db: Session, prison: Prison
) -> None:
    wing = Wing(prison_id=prison.id, code="Z", name="Wing Z")
    db.add(wing)
    db.add_all(Cell(wing=wing, number=f"Z{n}", capacity=4) for n in range(1, 1001))
    db.commit()
    delivery = []
    for person in range(2500):
        number = f"TST{person:05d}"
        delivery.append(
            event(number, 1, "admission", first_name="Jaan", last_name=f"Kask{person}",
                  date_of_birth="1990-05-01", legal_status="remand", prison="TST", wing="Z",
                  cell=f"Z{person % 1000 + 1}")
        )  # fmt: skip
        delivery.append(event(number, 2, "status_change", legal_status="convicted"))
        for sequence in (3, 4):
            cell = f"Z{(person + 7 * sequence) % 1000 + 1}"
            delivery.append(event(number, sequence, "move", prison="TST", wing="Z", cell=cell))
    # The register's order of a day: people interleaved, and one person's last move first.
    delivery.sort(key=lambda e: (e["sequence"], e["prison_number"]))
    delivery.insert(0, delivery.pop())
    first = register.receive(db, FEED, delivery, source="test")
    db.commit()
    assert (first.received, first.applied, first.waiting, first.refused) == (10_000, 10_000, 0, [])
    again = register.receive(db, FEED, delivery, source="test")
    db.commit()
    assert (again.duplicates, again.applied) == (10_000, 0)
    assert movements(db) == 10_000
    last = inmate(db, "TST02499")
    assert last is not None and last.legal_status == "convicted"
    assert last.cell is not None and last.cell.number == f"Z{(2499 + 28) % 1000 + 1}"
    # Every step's movement and audit row name the person it moved (written after the new
    # inmates got their ids).
    numbers = dict(db.execute(select(Inmate.id, Inmate.prison_number)).all())
    moved = db.execute(select(InmateMovement.inmate_id, InmateMovement.register_event_id)).all()
    assert all(step.startswith(f"R-{numbers[i]}-") for i, step in moved)
    audited = db.execute(
        select(AuditEvent.target_id, AuditEvent.details).where(AuditEvent.action.like("inmate.%"))
    ).all()
    assert len(audited) == 10_000
    assert all(d["register_event_id"].startswith(f"R-{numbers[int(i)]}-") for i, d in audited)
