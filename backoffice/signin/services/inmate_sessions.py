"""Inmate sessions: one active session per inmate, bound to one device (the kiosk's, the
tablet's sign-in, the agent's); started after a sign-in, checked on each request, ended."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...audit.services import Actor, record
from ...db import utcnow
from ...devices.models import Device
from ...devices.services import may_sign_in_at
from ...errors import InvalidInput
from ...people.models import Inmate
from ..crypto import secret_hash
from ..models import InmateSession, SignInMethod
from .attempts import _lock_inmate
from .policy import DEFAULT_POLICY, SignInPolicy, SignInRefused, _now


def start_session(
    db: Session,
    actor: Actor,
    device: Device,
    inmate: Inmate,
    *,
    method: str,
    now: datetime | None = None,
    policy: SignInPolicy = DEFAULT_POLICY,
) -> tuple[InmateSession, str]:
    """Open the inmate's session on this device, ending any other session of theirs."""
    now = _now(now)
    if method not in {m.value for m in SignInMethod}:
        raise InvalidInput("Method: face, card or pin.")
    if not may_sign_in_at(db, device, inmate.id):
        raise SignInRefused("not-allowed-here", "You cannot sign in on this device.")
    _lock_inmate(db, inmate.id)
    others = db.scalars(
        select(InmateSession)
        .where(InmateSession.inmate_id == inmate.id, InmateSession.ended_at.is_(None))
        .with_for_update()
    )
    for other in others:
        _end(db, actor, other, now, "replaced by a new sign-in")
    token = secrets.token_urlsafe(32)
    session = InmateSession(
        inmate_id=inmate.id,
        device_id=device.id,
        token_hash=secret_hash(token),
        method=method,
        started_at=now,
        last_seen_at=now,
    )
    db.add(session)
    db.flush()
    record(
        db,
        actor,
        "inmate.session_start",
        target_type="inmate",
        target_id=inmate.id,
        session_id=session.id,
        method=method,
    )
    return session, token


def session_for_token(
    db: Session,
    device: Device,
    token: str,
    now: datetime,
    *,
    policy: SignInPolicy = DEFAULT_POLICY,
) -> InmateSession | None:
    if not token:
        return None
    session = db.scalar(select(InmateSession).where(InmateSession.token_hash == secret_hash(token)))
    if session is None or session.ended_at is not None:
        return None
    if session.device_id != device.id:
        # A token carried to another device is refused there, and kept alive on its own.
        return None
    system = Actor(kind="system", id=None, name="signin", device_id=device.id)
    reason = ""
    if device.revoked_at is not None:
        reason = "device revoked"
    elif now - session.last_seen_at > policy.idle:
        reason = "idle"
    elif now - session.started_at > policy.session_max:
        reason = "too long"
    elif not may_sign_in_at(db, device, session.inmate_id):
        reason = "moved away from the device"
    if reason:
        _end(db, system, session, now, reason)
        return None
    return session


def touch(db: Session, session: InmateSession, now: datetime) -> None:
    session.last_seen_at = now
    db.flush()


def end_session(
    db: Session, actor: Actor, session: InmateSession, reason: str = "signed out"
) -> None:
    if session.ended_at is None:
        _end(db, actor, session, utcnow(), reason)


def end_device_sessions(db: Session, actor: Actor, device: Device, reason: str) -> int:
    sessions = list(
        db.scalars(
            select(InmateSession).where(
                InmateSession.device_id == device.id, InmateSession.ended_at.is_(None)
            )
        )
    )
    now = utcnow()
    for session in sessions:
        _end(db, actor, session, now, reason)
    return len(sessions)


def _end(db: Session, actor: Actor, session: InmateSession, now: datetime, reason: str) -> None:
    session.ended_at = now
    session.end_reason = reason[:32]
    db.flush()
    record(
        db,
        actor,
        "inmate.session_end",
        target_type="inmate",
        target_id=session.inmate_id,
        session_id=session.id,
        reason=reason,
    )
