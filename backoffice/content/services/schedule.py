"""The library's schedule, run by the jobs runner (`cellgate content publish-due`): approved
items go live at their publish_at, and come off at their unpublish_at, each step audited as the
system's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...audit.services import Actor
from ..models import Item, Status
from .editorial import move


@dataclass(frozen=True)
class DueResult:
    published: int
    unpublished: int


def run_due(db: Session, now: datetime) -> DueResult:
    """The jobs runner's turn: publish what is scheduled for now, take off what has expired."""
    system = Actor.system("content-schedule")
    due = db.scalars(
        select(Item.id).where(Item.status == Status.SCHEDULED, Item.publish_at <= now)
    ).all()
    for item_id in due:
        move(db, system, item_id, "publish_due", now=now)
    expired = db.scalars(
        select(Item.id).where(Item.status == Status.PUBLISHED, Item.unpublish_at <= now)
    ).all()
    for item_id in expired:
        move(db, system, item_id, "unpublish_due", now=now)
    return DueResult(published=len(due), unpublished=len(expired))
