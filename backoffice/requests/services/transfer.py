"""An inmate transferred to another prison takes his open requests with him: each goes to the
same department of the new prison, unclaimed (its handler works in the old one), with its
deadline and its history kept."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...audit.services import Actor, record
from ...people.models import Prison
from ..models import OPEN, EventKind, Request
from .steps import _event, _touch


def follow_inmate(
    db: Session, actor: Actor, inmate_id: int, to_prison: Prison, now: datetime
) -> list[str]:
    """Move his open requests to `to_prison`; their receipt numbers."""
    cases = db.scalars(
        select(Request)
        .where(Request.inmate_id == inmate_id, Request.status.in_([s.value for s in OPEN]))
        .order_by(Request.id)
        .with_for_update()
    ).all()
    for case_ in cases:
        if case_.prison_id == to_prison.id:
            continue
        from_prison = case_.prison_id
        case_.prison_id = to_prison.id
        case_.assigned_to_id = None
        _touch(case_, now)
        _event(
            db,
            case_,
            actor,
            EventKind.NOTE,
            now=now,
            body=f"Transferred with the inmate to {to_prison.name}.",
            visible_to_inmate=False,
        )
        record(
            db,
            actor,
            "request.followed",
            target_type="request",
            target_id=case_.id,
            from_prison_id=from_prison,
            to_prison_id=to_prison.id,
        )
    return [c.receipt for c in cases]
