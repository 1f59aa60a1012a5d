import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session

from backoffice.audit.services import Actor, AuditQuery, record, search


def test_audit_rows_cannot_be_edited_or_deleted(db: Session, system: Actor) -> None:
    event = record(db, system, "test.thing", target_type="inmate", target_id=7, why="because")
    db.commit()
    for statement in ("UPDATE audit_events SET action = 'forged'", "DELETE FROM audit_events"):
        with pytest.raises(DatabaseError, match="append-only"):
            db.execute(text(statement))
        db.rollback()
    assert db.get(type(event), event.id).action == "test.thing"


def test_search_finds_by_person_action_and_record(db: Session) -> None:
    officer = Actor(kind="staff", id=5, name="olev", remote_addr="10.0.0.9")
    record(db, officer, "device.revoke", target_type="device", target_id=3)
    record(db, Actor.system(), "staff.sign_in", outcome="refused")
    db.commit()
    found = search(db, AuditQuery(actor_name="ole", action="device"))
    assert [(e.actor_name, e.action, e.target_id, e.remote_addr) for e in found] == [
        ("olev", "device.revoke", "3", "10.0.0.9")
    ]
    assert [e.action for e in search(db, AuditQuery(outcome="refused"))] == ["staff.sign_in"]
