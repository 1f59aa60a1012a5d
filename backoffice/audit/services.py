from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from ..db import utcnow
from .models import AuditEvent


@dataclass(frozen=True)
class Actor:
    """Who acts: passed into every service, written into every audit row."""

    kind: str  # staff | inmate | device | system
    id: int | None
    name: str
    device_id: int | None = None
    remote_addr: str = ""
    roles: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        return cls(kind="system", id=None, name=name)

    def columns(self) -> dict[str, Any]:
        """Who acted, as a history row's actor_kind, actor_id and actor_name columns."""
        return {"actor_kind": self.kind, "actor_id": self.id, "actor_name": self.name}


def record(
    db: Session,
    actor: Actor,
    action: str,
    *,
    target_type: str = "",
    target_id: Any = "",
    outcome: str = "ok",
    flush: bool = True,
    **details: Any,
) -> AuditEvent:
    """Write the row; `flush=False` leaves it to the caller's next flush (a batch of many)."""
    event = AuditEvent(
        **actor.columns(),
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        outcome=outcome,
        device_id=actor.device_id,
        remote_addr=actor.remote_addr,
        details=details,
    )
    db.add(event)
    if flush:
        db.flush()
    return event


def record_each(
    db: Session, actor: Actor, action: str, targets: list[tuple[str, Any, dict[str, Any]]]
) -> None:
    """`record` for many rows of one action at once (target type, target id, details each),
    in one insert: a statement's thousands of held deposits."""
    record_many(db, [(actor, action, kind, target, details) for kind, target, details in targets])


def record_many(db: Session, rows: list[tuple[Actor, str, str, Any, dict[str, Any]]]) -> None:
    """`record` for many rows (actor, action, target type, target id, details each), in their
    order, in one insert without reading their ids back: a register feed's thousands of steps."""
    if not rows:
        return
    now = utcnow()
    db.execute(
        # The table's insert, not the ORM's: the ORM's bulk insert leaves out the None
        # values and so splits rows of different shapes into many statements.
        insert(AuditEvent.__table__),
        [
            {
                "occurred_at": now,
                "actor_kind": actor.kind,
                "actor_id": actor.id,
                "actor_name": actor.name,
                "action": action,
                "target_type": target_type,
                "target_id": str(target_id),
                "outcome": "ok",
                "device_id": actor.device_id,
                "remote_addr": actor.remote_addr,
                "details": details,
            }
            for actor, action, target_type, target_id, details in rows
        ],
    )


@dataclass(frozen=True)
class AuditQuery:
    actor_name: str = ""
    action: str = ""
    target_type: str = ""
    target_id: str = ""
    outcome: str = ""
    since: datetime | None = None
    until: datetime | None = None


def search(
    db: Session,
    query: AuditQuery,
    *,
    within: ColumnElement[bool] | None = None,
    limit: int = 200,
) -> list[AuditEvent]:
    """The events that match `query`, among those `within` admits (the reader's prisons:
    `staff.scope.PrisonScope.audit_events`)."""
    stmt = select(AuditEvent)
    if within is not None:
        stmt = stmt.where(within)
    if query.actor_name:
        stmt = stmt.where(AuditEvent.actor_name.ilike(f"%{query.actor_name}%"))
    if query.action:
        stmt = stmt.where(AuditEvent.action.ilike(f"{query.action}%"))
    if query.target_type:
        stmt = stmt.where(AuditEvent.target_type == query.target_type)
    if query.target_id:
        stmt = stmt.where(AuditEvent.target_id == query.target_id)
    if query.outcome:
        stmt = stmt.where(AuditEvent.outcome == query.outcome)
    if query.since:
        stmt = stmt.where(AuditEvent.occurred_at >= query.since)
    if query.until:
        stmt = stmt.where(AuditEvent.occurred_at < query.until)
    stmt = stmt.order_by(AuditEvent.id.desc()).limit(limit)
    return list(db.scalars(stmt))
