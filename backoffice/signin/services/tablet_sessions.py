"""Tablet sessions: tokens after an inmate signed in on a tablet (the tablet API issues them
and checks them on every call; the rules are the sign-in feature's).

An access token lives `access_token_minutes`; the session also ends after `idle_minutes` without
a call and `session_hours` after sign-in. The refresh token gives a new pair, only from the same
tablet, and only once: a refresh token presented a second time means someone copied it, and the
session ends. Services take the session and the actor and only flush.
"""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import instance_dict, manager_of_class, set_committed_value
from sqlalchemy.orm.util import identity_key

from ...audit.services import Actor, record
from ...db import read_on_driver, utcnow
from ...devices.models import Device
from ...devices.services import DEFAULT_REGISTRATION, Standing, credential_key_id, standing
from ...people.models import Inmate, InmateStatus
from ...settings import Settings
from ..crypto import secret_hash as token_hash
from ..models import InmateSession, TabletSession
from .inmate_sessions import end_session

ACCESS_PREFIX = "cga_"
REFRESH_PREFIX = "cgr_"
# last_seen is written at most this often, so a busy tablet does not write on every read.
TOUCH_EVERY = timedelta(seconds=20)

# A tablet session, its inmate, and when the sign-in helper's session ended (if it did).
FoundSession = tuple[TabletSession, Inmate, datetime | None]


@dataclass(frozen=True)
class Tokens:
    session: TabletSession
    inmate: Inmate
    access_token: str
    refresh_token: str


@dataclass(frozen=True)
class Lifetimes:
    access: timedelta
    idle: timedelta
    session: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> Lifetimes:
        return cls(
            access=timedelta(minutes=settings["tablet.access_token_minutes"]),
            idle=timedelta(minutes=settings["tablet.idle_minutes"]),
            session=timedelta(hours=settings["tablet.session_hours"]),
        )


class SessionProblem(Exception):
    """Why a token is refused: a problem code of the tablet API's (tablet_api/problems.py)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def inmate_actor(inmate: Inmate, device: Device, remote_addr: str) -> Actor:
    return Actor(
        kind="inmate",
        id=inmate.id,
        name=f"{inmate.prison_number} {inmate.full_name}",
        device_id=device.id,
        remote_addr=remote_addr,
    )


def may_use(device: Device, inmate: Inmate) -> bool:
    """An inmate may use a tablet only while he is held in its cell."""
    return (
        device.revoked_at is None
        and device.cell_id is not None
        and inmate.status == InmateStatus.ACTIVE
        and inmate.cell_id == device.cell_id
        and inmate.prison_id == device.prison_id
    )


def start(
    db: Session,
    actor: Actor,
    device: Device,
    inmate: Inmate,
    *,
    method: str,
    lifetimes: Lifetimes,
    inmate_session_id: int | None = None,
    now: datetime | None = None,
) -> Tokens:
    """A new session for an inmate who has just proved who he is on this tablet. His earlier
    tablet sessions end: one inmate, one tablet session."""
    now = now or utcnow()
    for old in db.scalars(
        select(TabletSession).where(
            TabletSession.inmate_id == inmate.id, TabletSession.ended_at.is_(None)
        )
    ):
        old.ended_at = now
        old.end_reason = "replaced"
    access, refresh = _new_tokens()
    session = TabletSession(
        device_id=device.id,
        inmate_id=inmate.id,
        inmate_session_id=inmate_session_id,
        method=method,
        access_hash=token_hash(access),
        access_expires_at=now + lifetimes.access,
        refresh_hash=token_hash(refresh),
        expires_at=now + lifetimes.session,
        started_at=now,
        last_seen_at=now,
    )
    db.add(session)
    db.flush()
    record(
        db,
        actor,
        "tablet.sign_in",
        target_type="tablet_session",
        target_id=session.id,
        method=method,
    )
    return Tokens(session, inmate, access, refresh)


def _new_tokens() -> tuple[str, str]:
    return ACCESS_PREFIX + secrets.token_urlsafe(32), REFRESH_PREFIX + secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Authenticated:
    session: TabletSession
    inmate: Inmate
    # The call wrote (the last_seen touch): the entry point commits it at once, so those rows
    # are not kept locked for the rest of the request. Most calls write nothing.
    wrote: bool


@dataclass(frozen=True)
class SignedInCall:
    """What a signed-in call's one statement read: the device whose credential was presented
    (None when the credential is not a device's), its standing (only an admitted device may
    go on) and the session of the access token."""

    device: Device | None
    standing: Standing
    session: FoundSession | None
    # The values of the caller's `beside` columns (None each where no session was found).
    beside: tuple[Any, ...] = ()


def read_signed_in_call(
    db: Session,
    credential: str,
    access_token: str,
    now: datetime | None = None,
    registration: timedelta = DEFAULT_REGISTRATION,
    beside: tuple[Any, ...] = (),
) -> SignedInCall:
    """The device of `credential` and the session of `access_token` (an access token, with its
    prefix), in one statement. The device passes the devices service's own credential check
    (`standing`); the session is checked by `check_session`. Nothing is cached.

    `beside`: more columns for the same statement, scalar expressions that may name the
    session's inmate's columns (the catalogue's version for his wing): what a view needs
    besides the session costs no round trip of its own. The caller uses them only once the
    device and the session have passed their checks. Run outside a transaction where none is
    open (`read_on_driver`): a signed-in GET that reads nothing more sends no BEGIN or ROLLBACK.

    The tablet API's one hand-written fast path, run on every signed-in call: one statement
    (`_CALL_OF`) on the driver's cursor (`run_on_driver`, PostgreSQL; SQLite through SQLAlchemy)
    whose rows become objects as if the session had loaded them (`as_loaded`). What it buys, CPU
    per call in-process on PostgreSQL (min of 5 runs): session and inmate in one statement on
    the driver, GET /balance 2.94 -> 2.41 ms, GET /me 2.83 -> 2.43 ms, POST /orders 4.58 ->
    3.86 ms; the device's row in the same statement, one fewer, GET /balance 2.59 -> 2.27 ms,
    GET /me 2.52 -> 2.15 ms, POST /orders 3.42 -> 3.11 ms. bench/tablet_api.py's balance phase
    (rate, ratio to /ping, CPU per request) is the figure to keep when changing it."""
    key_id = credential_key_id(credential)
    if key_id is None:
        return SignedInCall(None, Standing.UNKNOWN, None)
    params = {"key_id": key_id, "digest": token_hash(access_token)}
    rows = read_on_driver(db, _call_of(beside), params)
    if not rows:
        return SignedInCall(None, Standing.UNKNOWN, None)
    row, also = rows[0][:_CALL_COLUMNS], tuple(rows[0][_CALL_COLUMNS:])
    split = len(_DEVICE_KEYS)
    device = as_loaded(db, Device, dict(zip(_DEVICE_KEYS, row[:split], strict=True)))
    found = standing(device, credential, now, registration)
    if found == Standing.UNKNOWN:
        return SignedInCall(None, found, None)
    if found != Standing.ADMITTED:
        return SignedInCall(device, found, None)
    return SignedInCall(device, found, _session_from(db, row[split:]), also)


def check_session(
    db: Session,
    device: Device,
    found: FoundSession | None,
    lifetimes: Lifetimes,
    now: datetime | None = None,
) -> Authenticated:
    """The rules a session read for `device` must pass. Read afresh on every call (nothing
    cached): an ended session or a revoked device is refused at once."""
    now = now or utcnow()
    if found is None:
        raise SessionProblem("sign-in-required")
    session, inmate, inmate_session_ended_at = found
    if session.device_id != device.id:
        # A token copied to another tablet: it is not his session there.
        raise SessionProblem("sign-in-required")
    if session.ended_at is not None:
        raise SessionProblem("session-ended")
    if inmate_session_ended_at is not None:
        # Signed in elsewhere (a kiosk), or ended by staff: the tablet session ends too.
        _end(session, now, "replaced")
        raise SessionProblem("session-ended")
    if now - session.last_seen_at > lifetimes.idle or now >= session.expires_at:
        _end(session, now, "idle" if now < session.expires_at else "expired")
        raise SessionProblem("session-ended")
    if now >= session.access_expires_at:
        raise SessionProblem("access-token-expired")
    if not may_use(device, inmate):
        _end(session, now, "moved")
        raise SessionProblem("session-ended")
    if now - session.last_seen_at < TOUCH_EVERY:
        return Authenticated(session, inmate, wrote=False)
    # A plain UPDATE, not an ORM change: no flush of the row on every request.
    db.execute(
        update(TabletSession)
        .where(TabletSession.id == session.id)
        .values(last_seen_at=now)
        .execution_options(synchronize_session=False)
    )
    if session.inmate_session_id is not None:
        db.execute(
            update(InmateSession)
            .where(InmateSession.id == session.inmate_session_id)
            .values(last_seen_at=now)
            .execution_options(synchronize_session=False)
        )
    # What the row now holds, without marking it changed (which would flush it again).
    set_committed_value(session, "last_seen_at", now)
    return Authenticated(session, inmate, wrote=True)


# A session, its inmate and the sign-in helper's session, in one statement run on the driver's
# cursor (`run_on_driver`) and made into objects as if loaded.
_SESSION_TABLE, _INMATE_TABLE = TabletSession.__table__, Inmate.__table__
_DEVICE_TABLE = Device.__table__
_SESSION_OF = (
    select(*_SESSION_TABLE.c, *_INMATE_TABLE.c, InmateSession.ended_at)
    .join(_INMATE_TABLE, _INMATE_TABLE.c.id == _SESSION_TABLE.c.inmate_id)
    .outerjoin(InmateSession, InmateSession.id == _SESSION_TABLE.c.inmate_session_id)
    .where(_SESSION_TABLE.c.access_hash == bindparam("digest"))
)
# What every signed-in call reads (`read_signed_in_call`): the same, with the row of the
# presented credential's device in front, so the call makes one statement, not two. The
# device's row alone (the session's columns NULL) when the token finds no session; no row
# when no device has that key.
_CALL_OF = (
    select(*_DEVICE_TABLE.c, *_SESSION_OF.selected_columns)
    .select_from(_DEVICE_TABLE)
    .outerjoin(_SESSION_TABLE, _SESSION_TABLE.c.access_hash == bindparam("digest"))
    .outerjoin(_INMATE_TABLE, _INMATE_TABLE.c.id == _SESSION_TABLE.c.inmate_id)
    .outerjoin(InmateSession, InmateSession.id == _SESSION_TABLE.c.inmate_session_id)
    .where(_DEVICE_TABLE.c.key_id == bindparam("key_id"))
)


_CALL_COLUMNS = len(_CALL_OF.selected_columns)


@functools.cache
def _call_of(beside: tuple[Any, ...]) -> Any:
    return _CALL_OF.add_columns(*beside) if beside else _CALL_OF


_SESSION_KEYS = [TabletSession.__mapper__.get_property_by_column(c).key for c in _SESSION_TABLE.c]
_INMATE_KEYS = [Inmate.__mapper__.get_property_by_column(c).key for c in _INMATE_TABLE.c]
_DEVICE_KEYS = [Device.__mapper__.get_property_by_column(c).key for c in _DEVICE_TABLE.c]


def _session_from(db: Session, row: tuple[Any, ...]) -> FoundSession | None:
    split, end = len(_SESSION_KEYS), len(_SESSION_KEYS) + len(_INMATE_KEYS)
    if row[0] is None:
        return None  # the outer join found no session
    session = as_loaded(db, TabletSession, dict(zip(_SESSION_KEYS, row[:split], strict=True)))
    inmate = as_loaded(db, Inmate, dict(zip(_INMATE_KEYS, row[split:end], strict=True)))
    return session, inmate, row[end]


_Model = TypeVar("_Model")


def as_loaded(db: Session, model: type[_Model], values: dict[str, Any]) -> _Model:
    """The object of a row just read, in the session as if the session had loaded it; an
    object the session holds already stays as it is (as a query without populate_existing)."""
    held = db.identity_map.get(identity_key(model, values["id"]))
    if held is not None:
        return held
    # The values go straight into the object's state, as loading puts them: not through the
    # constructor, whose every attribute set fires events and keeps history for a change
    # that is none (a third of the cost of the signed-in call's three objects).
    made = manager_of_class(model).new_instance()
    instance_dict(made).update(values)
    make_transient_to_detached(made)
    db.add(made)
    return made


def _end(session: TabletSession, now: datetime, reason: str) -> None:
    session.ended_at = now
    session.end_reason = reason


def refresh(
    db: Session,
    device: Device,
    refresh_token: str,
    lifetimes: Lifetimes,
    *,
    remote_addr: str = "",
    now: datetime | None = None,
) -> Tokens:
    """A new access and refresh token for a live session of this tablet. Refreshing is not
    activity: the idle clock keeps running, so an unattended tablet still signs out."""
    now = now or utcnow()
    digest = token_hash(refresh_token)
    session = db.scalar(
        select(TabletSession).where(TabletSession.refresh_hash == digest).with_for_update()
    )
    if session is None:
        replayed = db.scalar(
            select(TabletSession)
            .where(TabletSession.previous_refresh_hash == digest)
            .with_for_update()
        )
        if replayed is not None and replayed.ended_at is None:
            _end(replayed, now, "refresh-replayed")
            inmate = db.get(Inmate, replayed.inmate_id)
            assert inmate is not None
            record(
                db,
                inmate_actor(inmate, device, remote_addr),
                "tablet.refresh_replayed",
                target_type="tablet_session",
                target_id=replayed.id,
                outcome="refused",
            )
        raise SessionProblem("refresh-token-invalid")
    inmate = db.get(Inmate, session.inmate_id)
    assert inmate is not None
    actor = inmate_actor(inmate, device, remote_addr)
    if session.device_id != device.id:
        _end(session, now, "refresh-other-device")
        record(
            db,
            actor,
            "tablet.refresh_other_device",
            target_type="tablet_session",
            target_id=session.id,
            outcome="refused",
            session_device_id=session.device_id,
        )
        raise SessionProblem("refresh-token-invalid")
    inmate_session = (
        db.get(InmateSession, session.inmate_session_id) if session.inmate_session_id else None
    )
    if session.ended_at is not None:
        raise SessionProblem("refresh-token-invalid")
    if inmate_session is not None and inmate_session.ended_at is not None:
        _end(session, now, "replaced")
        raise SessionProblem("session-ended")
    if now - session.last_seen_at > lifetimes.idle or now >= session.expires_at:
        _end(session, now, "idle" if now < session.expires_at else "expired")
        raise SessionProblem("session-ended")
    if not may_use(device, inmate):
        _end(session, now, "moved")
        raise SessionProblem("session-ended")
    access, new_refresh = _new_tokens()
    session.previous_refresh_hash = digest
    session.refresh_hash = token_hash(new_refresh)
    session.access_hash = token_hash(access)
    session.access_expires_at = min(now + lifetimes.access, session.expires_at)
    db.flush()
    record(db, actor, "tablet.refresh", target_type="tablet_session", target_id=session.id)
    return Tokens(session, inmate, access, new_refresh)


def sign_out(
    db: Session, actor: Actor, session: TabletSession, now: datetime | None = None
) -> None:
    if session.ended_at is None:
        _end(session, now or utcnow(), "signed-out")
        db.flush()
        record(db, actor, "tablet.sign_out", target_type="tablet_session", target_id=session.id)
    if session.inmate_session_id is not None:
        inmate_session = db.get(InmateSession, session.inmate_session_id)
        if inmate_session is not None:
            end_session(db, actor, inmate_session, "signed out on the tablet")
