from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

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
    **details: Any,
) -> AuditEvent:
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
    db.flush()
    return event


@dataclass(frozen=True)
class AuditQuery:
    actor_name: str = ""
    action: str = ""
    target_type: str = ""
    target_id: str = ""
    outcome: str = ""
    since: datetime | None = None
    until: datetime | None = None


def search(db: Session, query: AuditQuery, *, limit: int = 200) -> list[AuditEvent]:
    stmt = select(AuditEvent)
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
