"""When an inmate moves, leaves or goes out: every session he holds, on any kiosk or tablet,
ends at once (the devices of his old place no longer let him in anyway: they admit only the
inmates held there)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...audit.services import Actor
from ..models import InmateSession, TabletSession
from .inmate_sessions import _end as _end_inmate_session
from .tablet_sessions import _end as _end_tablet_session


def end_sessions_of(db: Session, actor: Actor, inmate_id: int, reason: str, now: datetime) -> int:
    """End the inmate's open sessions (the sign-in helper's and the tablets'); how many."""
    ended = 0
    for session in db.scalars(
        select(InmateSession)
        .where(InmateSession.inmate_id == inmate_id, InmateSession.ended_at.is_(None))
        .order_by(InmateSession.id)
        .with_for_update()
    ).all():
        _end_inmate_session(db, actor, session, now, reason)
        ended += 1
    for tablet in db.scalars(
        select(TabletSession)
        .where(TabletSession.inmate_id == inmate_id, TabletSession.ended_at.is_(None))
        .order_by(TabletSession.id)
        .with_for_update()
    ).all():
        _end_tablet_session(tablet, now, reason[:32])
        ended += 1
    db.flush()
    return ended
