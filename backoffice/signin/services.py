"""Inmate sign-in services: the API the kiosk and the tablet API call.

Every function takes the database session first and only flushes; the caller commits once
(also after a refusal: failure counts and audit rows must stay). `actor` is who acts: for
sign-in, the device (`device_actor(device, remote_addr)`); for enrolment and cards, staff.
`now` is an aware UTC datetime. `policy` defaults to config/default.toml's [signin] values;
entry points pass `SignInPolicy.from_settings(settings)`.

Sessions (one active session per inmate, bound to one device):
    start_session(db, actor, device, inmate, *, method, now=None, policy=...)
        -> tuple[InmateSession, str]            # the row and the raw token; only its hash is kept
    session_for_token(db, device, token, now, *, policy=...) -> InmateSession | None
        # None when unknown, ended, idle too long, older than session_minutes, on another device,
        # the device is revoked, or the inmate may no longer sign in there (ends the session)
    touch(db, session, now) -> None             # call on each request that used the session
    end_session(db, actor, session, reason="signed out") -> None
    end_device_sessions(db, actor, device, reason) -> int   # e.g. after revoking a device
    device_refused(db, device, why, *, surface, remote_addr="") -> int
        # a revoked or expired device tried to serve: audit it, end its open sessions

Sign-in (each raises SignInRefused(ServiceError) with a stable .code and a message to show):
    pin_sign_in(db, actor, device, prison_number, pin, now, *, policy=...) -> Inmate
        # only when policy.pin_allowed
    face_sign_in(db, actor, device, frames, now, matcher, *, policy=...) -> Inmate
        # frames: a short burst (3-5) of RGB numpy images; 1:N among inmates allowed at the
        # device; liveness (blink or head turn) over the burst
    card_challenge(db, device, card_number, now=None, *, policy=...) -> tuple[str, bytes]
        # (challenge_id, 32 challenge bytes) for the card in this device's reader
    card_verify(db, actor, device, challenge_id, response, now=None, *, policy=...)
        -> CardPending                          # the card proved its key; now ask for the PIN
    pending_card(db, device, now) -> CardPending | None   # what the kiosk screen should ask
    card_pin_confirm(db, actor, device, challenge_id, pin, now, *, policy=...) -> Inmate
    card_removed(db, actor, device, card_number, now) -> None
        # closes its open challenges and ends card sessions on this device
    After a successful sign-in the caller calls start_session(..., method="face"|"card"|"pin").

    SignInRefused codes: device-paused, locked, wrong-pin, pin-not-allowed, pin-not-set,
    no-face, several-faces, face-too-small, face-moved, face-changed, no-match, ambiguous,
    not-live, card-not-valid, card-refused, challenge-expired, challenge-unknown,
    not-allowed-here.

Staff (back office):
    set_pin(db, actor, inmate, pin, *, policy=...) -> None
    unlock(db, actor, inmate) -> None
    issue_card(db, actor, inmate, *, card_number=None, policy=...) -> tuple[InmateCard, bytes]
        # the key is returned once, to be written onto the card
    block_card(db, actor, card, reason) -> None
    replace_card(db, actor, card, reason, *, policy=...) -> tuple[InmateCard, bytes]
    enroll_face(db, actor, inmate, images, matcher, *, source="upload", replace=False,
                policy=...) -> list[FaceTemplate]   # quality checks; InvalidInput when refused
    delete_faces(db, actor, inmate) -> int
    check_face_image(image, matcher, *, policy=...) -> FaceBox   # raises InvalidInput
    identify(db, device, probe_template, *, policy=...) -> Match  # 1:N without liveness
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import cv2
import numpy as np
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hardware.cards import CHALLENGE_BYTES, card_response
from hardware.faces import (
    FaceBox,
    FaceMatcher,
    Image,
    distances,
    from_bytes,
    liveness,
    sharpness,
    to_bytes,
)

from ..audit.services import Actor, record
from ..db import utcnow
from ..devices.models import Device
from ..devices.services import inmates_allowed_at, may_sign_in_at
from ..errors import Conflict, InvalidInput, ServiceError
from ..people.models import Inmate
from ..settings import DEFAULT_TEMPLATE_KEY, Settings
from .crypto import seal, unseal
from .models import (
    CardChallenge,
    CardStatus,
    DeviceThrottle,
    FaceTemplate,
    InmateCard,
    InmateCredentials,
    InmateSession,
    SignInMethod,
)

_hasher = PasswordHasher()
_DUMMY_PIN_HASH = _hasher.hash("no such inmate, constant-time path")
CARD_KEY_BYTES = 32
# Where an app keeps its face matcher (app.extensions); tests put their own there.
MATCHER_EXTENSION = "cellgate.signin.matcher"
# Two enrolled people closer than the tolerance plus this are too alike to tell apart safely.
AMBIGUITY_MARGIN = 0.06


@dataclass(frozen=True)
class SignInPolicy:
    face_tolerance: float = 0.5
    face_upsample: int = 0
    min_face_pixels: int = 80
    min_sharpness: float = 30.0
    blink_ear: float = 0.2
    open_ear: float = 0.25
    head_turn: float = 0.12
    pin_allowed: bool = False
    pin_min_length: int = 4
    max_failures: int = 5
    lockout: timedelta = timedelta(minutes=15)
    device_max_failures_per_minute: int = 20
    idle: timedelta = timedelta(seconds=120)
    session_max: timedelta = timedelta(minutes=60)
    challenge_ttl: timedelta = timedelta(seconds=30)
    template_key: str = DEFAULT_TEMPLATE_KEY
    audit_face_images: bool = False

    @classmethod
    def from_settings(cls, settings: Settings) -> SignInPolicy:
        s = settings["signin"]
        return cls(
            face_tolerance=float(s["face_tolerance"]),
            face_upsample=s["face_upsample"],
            min_face_pixels=s["min_face_pixels"],
            min_sharpness=float(s["min_sharpness"]),
            blink_ear=float(s["blink_ear"]),
            open_ear=float(s["open_ear"]),
            head_turn=float(s["head_turn"]),
            pin_allowed=s["pin_allowed"],
            pin_min_length=s["pin_min_length"],
            max_failures=s["max_failures"],
            lockout=timedelta(minutes=s["lockout_minutes"]),
            device_max_failures_per_minute=s["device_max_failures_per_minute"],
            idle=timedelta(seconds=s["idle_seconds"]),
            session_max=timedelta(minutes=s["session_minutes"]),
            challenge_ttl=timedelta(seconds=s["challenge_seconds"]),
            template_key=s["template_key"],
            audit_face_images=s["audit_face_images"],
        )


DEFAULT_POLICY = SignInPolicy()


class SignInRefused(ServiceError):
    """A sign-in attempt was refused. `code` is stable (for the kiosk's translations), the
    message is safe to show to the inmate."""

    status = 401

    def __init__(self, code: str, message: str, **details: object) -> None:
        super().__init__(message, **details)
        self.code = code


@dataclass(frozen=True)
class CardPending:
    """A card that answered its challenge: the inmate must now type the PIN."""

    challenge_id: str
    inmate: Inmate
    card_number: str
    expires_at: datetime


def device_actor(device: Device, remote_addr: str = "") -> Actor:
    return Actor(
        kind="device", id=device.id, name=device.name, device_id=device.id, remote_addr=remote_addr
    )


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now(now: datetime | None) -> datetime:
    return now if now is not None else utcnow()


# --- sessions -----------------------------------------------------------------------------


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
        token_hash=_hash_token(token),
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
    session = db.scalar(select(InmateSession).where(InmateSession.token_hash == _hash_token(token)))
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


def device_refused(
    db: Session, device: Device, why: str, *, surface: str, remote_addr: str = ""
) -> int:
    """A revoked or expired device (`why`) tried to serve on `surface`: the attempt is audited
    and every inmate session still open on it ends (one revoked by a bare service call, or one
    that outlived the registration). How many ended."""
    actor = device_actor(device, remote_addr)
    record(
        db,
        actor,
        "device.refused",
        target_type="device",
        target_id=device.id,
        outcome="refused",
        why=why,
        surface=surface,
    )
    return end_device_sessions(db, actor, device, f"device {why}")


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


# --- failure counting -----------------------------------------------------------------------


def _lock_inmate(db: Session, inmate_id: int) -> None:
    """Serialise sign-in changes of one inmate (sessions, failure counts) across hosts."""
    db.execute(select(Inmate.id).where(Inmate.id == inmate_id).with_for_update())


def _credentials(db: Session, inmate_id: int) -> InmateCredentials:
    """The inmate's credentials row, locked; made on first use. The inmate row is locked first
    so that two first attempts at once do not both insert it."""
    _lock_inmate(db, inmate_id)
    credentials = db.get(InmateCredentials, inmate_id, with_for_update=True, populate_existing=True)
    if credentials is None:
        credentials = InmateCredentials(inmate_id=inmate_id, failed_attempts=0)
        db.add(credentials)
        db.flush()
    return credentials


def _check_device(db: Session, device: Device, now: datetime, policy: SignInPolicy) -> None:
    if device.revoked_at is not None:
        raise SignInRefused("not-allowed-here", "This device is not in service.")
    # One attempt at a time per device (a kiosk has one person in front of it); locks are taken
    # device first, then inmate, everywhere.
    db.execute(select(Device.id).where(Device.id == device.id).with_for_update())
    throttle = db.get(DeviceThrottle, device.id, with_for_update=True, populate_existing=True)
    if throttle is None or now - throttle.window_started_at >= timedelta(minutes=1):
        return
    if throttle.failures >= policy.device_max_failures_per_minute:
        raise SignInRefused(
            "device-paused", "Too many failed sign-ins on this device. Wait a minute."
        )


def _device_failed(db: Session, device: Device, now: datetime) -> None:
    throttle = db.get(DeviceThrottle, device.id, with_for_update=True)
    if throttle is None:
        db.add(DeviceThrottle(device_id=device.id, window_started_at=now, failures=1))
    elif now - throttle.window_started_at >= timedelta(minutes=1):
        throttle.window_started_at, throttle.failures = now, 1
    else:
        throttle.failures += 1
    db.flush()


def _check_locked(credentials: InmateCredentials, now: datetime) -> None:
    if credentials.locked_until is not None and credentials.locked_until > now:
        minutes = max(1, int((credentials.locked_until - now).total_seconds() // 60) + 1)
        raise SignInRefused(
            "locked",
            f"Sign-in is locked after too many failed attempts. Try again in {minutes} minutes "
            "or ask an officer.",
            minutes=minutes,
        )


def _inmate_failed(
    db: Session, credentials: InmateCredentials, now: datetime, policy: SignInPolicy
) -> bool:
    """Count a failure; True if it locked the inmate out."""
    credentials.failed_attempts += 1
    locked = credentials.failed_attempts >= policy.max_failures
    if locked:
        credentials.locked_until = now + policy.lockout
        credentials.failed_attempts = 0
    db.flush()
    return locked


def _refuse(
    db: Session,
    actor: Actor,
    device: Device,
    now: datetime,
    method: str,
    code: str,
    message: str,
    *,
    inmate_id: int | None = None,
    credentials: InmateCredentials | None = None,
    policy: SignInPolicy,
    count_device: bool = True,
    **details: Any,
) -> SignInRefused:
    """Count the failure where it belongs, write the audit row, and return the error."""
    if count_device:
        _device_failed(db, device, now)
    if credentials is not None and _inmate_failed(db, credentials, now, policy):
        details["locked"] = True
        code = "locked"
        minutes = int(policy.lockout.total_seconds() // 60)
        message = (
            f"{message} Too many failed attempts: sign-in is locked for {minutes} minutes."
        ).strip()
    record(
        db,
        actor,
        "inmate.sign_in",
        target_type="inmate" if inmate_id else "",
        target_id=inmate_id or "",
        outcome="refused",
        method=method,
        reason=code,
        device=device.name,
        **details,
    )
    return SignInRefused(code, message)


def _succeeded(
    db: Session,
    actor: Actor,
    device: Device,
    inmate: Inmate,
    credentials: InmateCredentials,
    method: str,
    **details: Any,
) -> Inmate:
    credentials.failed_attempts = 0
    credentials.locked_until = None
    db.flush()
    record(
        db,
        actor,
        "inmate.sign_in",
        target_type="inmate",
        target_id=inmate.id,
        method=method,
        device=device.name,
        **details,
    )
    return inmate


def unlock(db: Session, actor: Actor, inmate: Inmate) -> None:
    credentials = _credentials(db, inmate.id)
    credentials.failed_attempts = 0
    credentials.locked_until = None
    db.flush()
    record(db, actor, "inmate.sign_in_unlock", target_type="inmate", target_id=inmate.id)


# --- PIN ----------------------------------------------------------------------------------


def _check_pin_rules(pin: str, policy: SignInPolicy) -> None:
    if not pin.isdigit() or not policy.pin_min_length <= len(pin) <= 12:
        raise InvalidInput(f"PIN: {policy.pin_min_length} to 12 digits.")
    if len(set(pin)) == 1 or pin in "01234567890" or pin in "09876543210":
        raise InvalidInput("PIN: not the same digit repeated and not a run like 1234.")


def set_pin(
    db: Session, actor: Actor, inmate: Inmate, pin: str, *, policy: SignInPolicy = DEFAULT_POLICY
) -> None:
    _check_pin_rules(pin, policy)
    credentials = _credentials(db, inmate.id)
    credentials.pin_hash = _hasher.hash(pin)
    credentials.pin_set_at = utcnow()
    credentials.failed_attempts = 0
    credentials.locked_until = None
    db.flush()
    record(db, actor, "inmate.pin_set", target_type="inmate", target_id=inmate.id)


def _pin_matches(credentials: InmateCredentials | None, pin: str) -> bool:
    pin_hash = credentials.pin_hash if credentials is not None else None
    try:
        return _hasher.verify(pin_hash or _DUMMY_PIN_HASH, pin) and pin_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def pin_sign_in(
    db: Session,
    actor: Actor,
    device: Device,
    prison_number: str,
    pin: str,
    now: datetime,
    *,
    policy: SignInPolicy = DEFAULT_POLICY,
) -> Inmate:
    method = SignInMethod.PIN.value
    if not policy.pin_allowed:
        raise SignInRefused(
            "pin-not-allowed",
            "Sign-in with a PIN alone is not allowed here. Use your face or card.",
        )
    _check_device(db, device, now, policy)
    inmate = db.scalar(
        inmates_allowed_at(device).where(Inmate.prison_number == prison_number.strip().upper())
    )
    if inmate is None:
        _pin_matches(None, pin)  # same time as a real check, so numbers cannot be probed
        raise _refuse(
            db,
            actor,
            device,
            now,
            method,
            "wrong-pin",
            "Wrong prison number or PIN.",
            policy=policy,
        )
    credentials = _credentials(db, inmate.id)
    try:
        _check_locked(credentials, now)
    except SignInRefused as locked:
        raise _refuse(
            db,
            actor,
            device,
            now,
            method,
            "locked",
            locked.message,
            inmate_id=inmate.id,
            policy=policy,
        ) from None
    if not _pin_matches(credentials, pin):
        raise _refuse(
            db,
            actor,
            device,
            now,
            method,
            "wrong-pin",
            "Wrong prison number or PIN.",
            inmate_id=inmate.id,
            credentials=credentials,
            policy=policy,
        )
    return _succeeded(db, actor, device, inmate, credentials, method)


# --- faces --------------------------------------------------------------------------------


def check_face_image(
    image: Image, matcher: FaceMatcher, *, policy: SignInPolicy = DEFAULT_POLICY
) -> FaceBox:
    """The one face of an enrolment photo, or InvalidInput saying what is wrong with it."""
    boxes = matcher.detect(image)
    if not boxes:
        raise InvalidInput("No face found in the photo: the face must be clearly visible.")
    if len(boxes) > 1:
        raise InvalidInput(f"{len(boxes)} faces found in the photo: it must show the inmate alone.")
    box = boxes[0]
    if box.size < policy.min_face_pixels:
        raise InvalidInput(
            f"The face is too small ({box.size} pixels, at least {policy.min_face_pixels}): "
            "come closer to the camera or use a larger photo."
        )
    sharp = sharpness(image, box)
    if sharp < policy.min_sharpness:
        raise InvalidInput(
            f"The photo is blurred (sharpness {sharp:.0f}, at least {policy.min_sharpness:.0f})."
        )
    return box


def _templates(
    db: Session, policy: SignInPolicy, inmate_ids: Any = None
) -> tuple[np.ndarray, np.ndarray]:
    """(inmate id per row, templates as an (n, 128) float32 matrix), decrypted."""
    stmt = select(FaceTemplate.id, FaceTemplate.inmate_id, FaceTemplate.template_encrypted)
    if inmate_ids is not None:
        stmt = stmt.where(FaceTemplate.inmate_id.in_(inmate_ids))
    rows = db.execute(stmt.order_by(FaceTemplate.id)).all()
    owners = np.array([row.inmate_id for row in rows], dtype=np.int64)
    matrix = np.zeros((len(rows), 128), dtype=np.float32)
    for i, row in enumerate(rows):
        raw = unseal(policy.template_key, row.template_encrypted, f"face:{row.inmate_id}")
        matrix[i] = from_bytes(raw)
    return owners, matrix


@dataclass(frozen=True)
class Match:
    inmate_id: int | None
    distance: float
    runner_up: float


def best_match(owners: np.ndarray, matrix: np.ndarray, probe: np.ndarray) -> Match:
    """The closest inmate and the distance to the closest other inmate (1:N)."""
    if len(owners) == 0:
        return Match(None, float("inf"), float("inf"))
    found = distances(matrix, probe)
    best = int(np.argmin(found))
    owner = int(owners[best])
    others = found[owners != owner]
    runner_up = float(others.min()) if len(others) else float("inf")
    return Match(owner, float(found[best]), runner_up)


def identify(
    db: Session, device: Device, probe: np.ndarray, *, policy: SignInPolicy = DEFAULT_POLICY
) -> Match:
    """1:N: the enrolled inmate allowed at this device whose face is closest to the probe."""
    owners, matrix = _allowed_templates(db, device, policy)
    return best_match(owners, matrix, probe)


def _allowed_templates(
    db: Session, device: Device, policy: SignInPolicy
) -> tuple[np.ndarray, np.ndarray]:
    allowed = inmates_allowed_at(device).with_only_columns(Inmate.id).scalar_subquery()
    return _templates(db, policy, allowed)


def enroll_face(
    db: Session,
    actor: Actor,
    inmate: Inmate,
    images: Sequence[Image],
    matcher: FaceMatcher,
    *,
    source: str = "upload",
    replace: bool = False,
    policy: SignInPolicy = DEFAULT_POLICY,
) -> list[FaceTemplate]:
    """Enrol one or more photos of the inmate. Each must pass the quality checks; together they
    must show one person, who is not enrolled as somebody else already."""
    if not images:
        raise InvalidInput("Photos: give at least one photo of the inmate.")
    probes = []
    for n, image in enumerate(images, start=1):
        try:
            box = check_face_image(image, matcher, policy=policy)
        except InvalidInput as error:
            prefix = f"Photo {n}: " if len(images) > 1 else ""
            raise InvalidInput(prefix + error.message) from None
        probes.append(matcher.encode(image, box))
    owners, matrix = _templates(db, policy)
    own = matrix[owners == inmate.id] if not replace else np.zeros((0, 128), np.float32)
    mine = np.vstack([own, np.asarray(probes, dtype=np.float32)])
    for probe in probes:
        if float(distances(mine, probe).max()) > policy.face_tolerance:
            raise InvalidInput(
                "These photos do not all show the same person; enrol photos of this inmate only."
            )
        other = best_match(owners[owners != inmate.id], matrix[owners != inmate.id], probe)
        if (
            other.inmate_id is not None
            and other.distance <= policy.face_tolerance + AMBIGUITY_MARGIN
        ):
            raise Conflict(
                "This face is enrolled for another inmate already; check the photo and the "
                "inmate, or delete the other enrolment first.",
                other_inmate_id=other.inmate_id,
            )
    if replace:
        removed = _delete_templates(db, inmate)
        record(db, actor, "face.delete", target_type="inmate", target_id=inmate.id, count=removed)
    templates = []
    for probe in probes:
        template = FaceTemplate(
            inmate_id=inmate.id,
            template_encrypted=seal(policy.template_key, to_bytes(probe), f"face:{inmate.id}"),
            source=source,
            enrolled_by=actor.name,
        )
        db.add(template)
        templates.append(template)
    db.flush()
    record(
        db,
        actor,
        "face.reenrol" if replace else "face.enrol",
        target_type="inmate",
        target_id=inmate.id,
        count=len(templates),
        source=source,
    )
    return templates


def _delete_templates(db: Session, inmate: Inmate) -> int:
    templates = list(db.scalars(select(FaceTemplate).where(FaceTemplate.inmate_id == inmate.id)))
    for template in templates:
        db.delete(template)
    db.flush()
    return len(templates)


def delete_faces(db: Session, actor: Actor, inmate: Inmate) -> int:
    removed = _delete_templates(db, inmate)
    record(db, actor, "face.delete", target_type="inmate", target_id=inmate.id, count=removed)
    return removed


def face_count(db: Session, inmate_id: int) -> int:
    return len(list(db.scalars(select(FaceTemplate.id).where(FaceTemplate.inmate_id == inmate_id))))


def _thumbnail(image: Image) -> str:
    height, width = image.shape[:2]
    scale = 160 / max(height, width)
    small = cv2.resize(image, (max(1, int(width * scale)), max(1, int(height * scale))))
    ok, jpeg = cv2.imencode(".jpg", cv2.cvtColor(small, cv2.COLOR_RGB2BGR))
    return base64.b64encode(jpeg.tobytes()).decode() if ok else ""


def face_sign_in(
    db: Session,
    actor: Actor,
    device: Device,
    frames: Sequence[Image],
    now: datetime,
    matcher: FaceMatcher,
    *,
    policy: SignInPolicy = DEFAULT_POLICY,
) -> Inmate:
    """Identify the face in a burst of frames among the inmates allowed at this device, and
    check over the burst that it is a live face."""
    method = SignInMethod.FACE.value
    _check_device(db, device, now, policy)
    extra: dict[str, Any] = {}
    if policy.audit_face_images and frames:
        extra["image_jpeg_base64"] = _thumbnail(frames[len(frames) // 2])

    def refuse(code: str, message: str, **details: Any) -> SignInRefused:
        return _refuse(
            db, actor, device, now, method, code, message, policy=policy, **details, **extra
        )

    if len(frames) < 2:
        raise refuse("not-live", "Look at the camera for a moment and blink.", frames=len(frames))
    boxes = []
    for frame in frames:
        found = matcher.detect(frame)
        if not found:
            raise refuse("no-face", "No face found. Look straight at the camera.")
        if len(found) > 1:
            raise refuse("several-faces", "More than one face in view. Only you, please.")
        boxes.append(found[0])
    if min(box.size for box in boxes) < policy.min_face_pixels:
        raise refuse("face-too-small", "Come closer to the camera.")
    for a, b in itertools.pairwise(boxes):
        moved = abs((a.left + a.right) - (b.left + b.right)) + abs(
            (a.top + a.bottom) - (b.top + b.bottom)
        )
        if moved / 2 > max(a.width, b.width):
            raise refuse("face-moved", "Keep your face in front of the camera.")
    middle = len(frames) // 2
    probe = matcher.encode(frames[middle], boxes[middle])
    owners, matrix = _allowed_templates(db, device, policy)
    match = best_match(owners, matrix, probe)
    score = round(match.distance, 4) if match.inmate_id is not None else None
    if match.inmate_id is None or match.distance > policy.face_tolerance:
        raise refuse(
            "no-match", "Your face was not recognised. Try again or use your card.", score=score
        )
    if match.runner_up <= match.distance + AMBIGUITY_MARGIN:
        raise refuse(
            "ambiguous",
            "Your face was not recognised surely. Use your card.",
            score=score,
            runner_up=round(match.runner_up, 4),
        )
    # The whole burst shows the same person: the first and last frames match them too.
    own = matrix[owners == match.inmate_id]
    for index in sorted({0, len(frames) - 1} - {middle}):
        other = matcher.encode(frames[index], boxes[index])
        if float(distances(own, other).min()) > policy.face_tolerance:
            raise refuse("face-changed", "Keep your face in front of the camera.", score=score)
    inmate = db.get(Inmate, match.inmate_id)
    assert inmate is not None
    credentials = _credentials(db, inmate.id)
    try:
        _check_locked(credentials, now)
    except SignInRefused as locked:
        raise _refuse(
            db,
            actor,
            device,
            now,
            method,
            "locked",
            locked.message,
            inmate_id=inmate.id,
            policy=policy,
            score=score,
            **extra,
        ) from None
    live = liveness(
        [matcher.landmarks(frame, box) for frame, box in zip(frames, boxes, strict=True)],
        blink_ear=policy.blink_ear,
        open_ear=policy.open_ear,
        min_turn=policy.head_turn,
    )
    if not live.live:
        raise _refuse(
            db,
            actor,
            device,
            now,
            method,
            "not-live",
            "Blink or turn your head slowly while looking at the camera.",
            inmate_id=inmate.id,
            credentials=credentials,
            policy=policy,
            score=score,
            liveness=live.reason,
            turn=live.turn,
            ear_min=live.ear_min,
            ear_max=live.ear_max,
            **extra,
        )
    return _succeeded(
        db, actor, device, inmate, credentials, method, score=score, liveness=live.reason, **extra
    )


# --- cards --------------------------------------------------------------------------------


def _new_card_number(db: Session) -> str:
    while True:
        number = f"CG{secrets.randbelow(10**10):010d}"
        if db.scalar(select(InmateCard.id).where(InmateCard.card_number == number)) is None:
            return number


def issue_card(
    db: Session,
    actor: Actor,
    inmate: Inmate,
    *,
    card_number: str | None = None,
    key: bytes | None = None,
    policy: SignInPolicy = DEFAULT_POLICY,
) -> tuple[InmateCard, bytes]:
    """A new card for the inmate. Returns the card and its secret key, to be written onto the
    card now; the server keeps the key only encrypted. `key` is for the demo seed only, so its
    emulated card stays the same between runs."""
    active = db.scalar(
        select(InmateCard).where(
            InmateCard.inmate_id == inmate.id, InmateCard.status == CardStatus.ACTIVE.value
        )
    )
    if active is not None:
        raise Conflict(
            f"{inmate.full_name} has an active card ({active.card_number}): replace it instead."
        )
    number = (card_number or _new_card_number(db)).strip().upper()
    if not number.isalnum() or len(number) > 32:
        raise InvalidInput("Card number: letters and digits, at most 32.")
    if db.scalar(select(InmateCard.id).where(InmateCard.card_number == number)) is not None:
        raise Conflict(f"Card number {number} is used already.")
    key = key or secrets.token_bytes(CARD_KEY_BYTES)
    card = InmateCard(
        inmate_id=inmate.id,
        card_number=number,
        key_encrypted=seal(policy.template_key, key, f"card:{number}"),
        status=CardStatus.ACTIVE.value,
    )
    db.add(card)
    db.flush()
    record(db, actor, "card.issue", target_type="inmate", target_id=inmate.id, card=number)
    return card, key


def block_card(db: Session, actor: Actor, card: InmateCard, reason: str) -> None:
    if card.status != CardStatus.ACTIVE.value:
        return
    card.status = CardStatus.BLOCKED.value
    card.ended_at = utcnow()
    card.end_reason = reason[:200]
    _close_card_challenges(db, card, card.ended_at)
    db.flush()
    record(
        db,
        actor,
        "card.block",
        target_type="inmate",
        target_id=card.inmate_id,
        card=card.card_number,
        reason=reason,
    )


def replace_card(
    db: Session,
    actor: Actor,
    card: InmateCard,
    reason: str,
    *,
    policy: SignInPolicy = DEFAULT_POLICY,
) -> tuple[InmateCard, bytes]:
    now = utcnow()
    if card.status == CardStatus.ACTIVE.value:
        card.status = CardStatus.REPLACED.value
        card.ended_at = now
        card.end_reason = reason[:200]
        _close_card_challenges(db, card, now)
        db.flush()
    record(
        db,
        actor,
        "card.replace",
        target_type="inmate",
        target_id=card.inmate_id,
        card=card.card_number,
        reason=reason,
    )
    return issue_card(db, actor, card.inmate, policy=policy)


def _close_card_challenges(db: Session, card: InmateCard, now: datetime) -> None:
    db.execute(
        update(CardChallenge)
        .where(CardChallenge.card_id == card.id, CardChallenge.closed_at.is_(None))
        .values(closed_at=now)
    )


def cards_of(db: Session, inmate_id: int) -> list[InmateCard]:
    return list(
        db.scalars(
            select(InmateCard)
            .where(InmateCard.inmate_id == inmate_id)
            .order_by(InmateCard.issued_at.desc(), InmateCard.id.desc())
        )
    )


def card_challenge(
    db: Session,
    device: Device,
    card_number: str,
    now: datetime | None = None,
    *,
    policy: SignInPolicy = DEFAULT_POLICY,
) -> tuple[str, bytes]:
    """A fresh challenge for the card this device's reader holds."""
    now = _now(now)
    actor = device_actor(device)
    method = SignInMethod.CARD.value
    _check_device(db, device, now, policy)
    card = db.scalar(select(InmateCard).where(InmateCard.card_number == card_number.strip()))
    if card is None or card.status != CardStatus.ACTIVE.value:
        raise _refuse(
            db,
            actor,
            device,
            now,
            method,
            "card-not-valid",
            "This card is not valid. Ask an officer.",
            inmate_id=card.inmate_id if card else None,
            policy=policy,
            card=card_number[:32],
        )
    if not may_sign_in_at(db, device, card.inmate_id):
        raise _refuse(
            db,
            actor,
            device,
            now,
            method,
            "not-allowed-here",
            "You cannot sign in on this device.",
            inmate_id=card.inmate_id,
            policy=policy,
            card=card.card_number,
        )
    challenge = CardChallenge(
        id=secrets.token_hex(16),
        device_id=device.id,
        card_id=card.id,
        challenge=secrets.token_bytes(CHALLENGE_BYTES),
        created_at=now,
        expires_at=now + policy.challenge_ttl,
    )
    db.add(challenge)
    db.flush()
    record(
        db,
        actor,
        "inmate.card_challenge",
        target_type="inmate",
        target_id=card.inmate_id,
        card=card.card_number,
        device=device.name,
    )
    return challenge.id, challenge.challenge


def _open_challenge(db: Session, device: Device, challenge_id: str, now: datetime) -> CardChallenge:
    challenge = db.get(CardChallenge, challenge_id, with_for_update=True)
    if challenge is None or challenge.device_id != device.id or challenge.closed_at is not None:
        raise SignInRefused("challenge-unknown", "Take the card out and put it in again.")
    if challenge.expires_at <= now:
        challenge.closed_at = now
        db.flush()
        raise SignInRefused("challenge-expired", "That took too long. Put the card in again.")
    return challenge


def card_verify(
    db: Session,
    actor: Actor,
    device: Device,
    challenge_id: str,
    response: bytes,
    now: datetime | None = None,
    *,
    policy: SignInPolicy = DEFAULT_POLICY,
) -> CardPending:
    """Check the card's answer to the challenge. A right answer waits for the PIN."""
    now = _now(now)
    method = SignInMethod.CARD.value
    _check_device(db, device, now, policy)
    challenge = _open_challenge(db, device, challenge_id, now)
    if challenge.verified_at is not None:
        raise SignInRefused("challenge-unknown", "Take the card out and put it in again.")
    card = challenge.card
    credentials = _credentials(db, card.inmate_id)
    try:
        _check_locked(credentials, now)
    except SignInRefused as locked:
        challenge.closed_at = now
        raise _refuse(
            db,
            actor,
            device,
            now,
            method,
            "locked",
            locked.message,
            inmate_id=card.inmate_id,
            policy=policy,
            card=card.card_number,
        ) from None
    key = unseal(policy.template_key, card.key_encrypted, f"card:{card.card_number}")
    if card.status != CardStatus.ACTIVE.value or not hmac.compare_digest(
        card_response(key, challenge.challenge), bytes(response)
    ):
        challenge.closed_at = now
        raise _refuse(
            db,
            actor,
            device,
            now,
            method,
            "card-refused",
            "This card could not be verified. Ask an officer.",
            inmate_id=card.inmate_id,
            credentials=credentials,
            policy=policy,
            card=card.card_number,
            step="challenge",
        )
    challenge.verified_at = now
    # The PIN may take longer to type than the card took to answer.
    challenge.expires_at = now + 2 * policy.challenge_ttl
    db.flush()
    record(
        db,
        actor,
        "inmate.card_verified",
        target_type="inmate",
        target_id=card.inmate_id,
        card=card.card_number,
        device=device.name,
    )
    return CardPending(challenge.id, card.inmate, card.card_number, challenge.expires_at)


def pending_card(db: Session, device: Device, now: datetime) -> CardPending | None:
    """The card in this device's reader that answered its challenge and waits for the PIN."""
    challenge = db.scalar(
        select(CardChallenge)
        .where(
            CardChallenge.device_id == device.id,
            CardChallenge.verified_at.is_not(None),
            CardChallenge.closed_at.is_(None),
            CardChallenge.expires_at > now,
        )
        .order_by(CardChallenge.verified_at.desc())
        .limit(1)
    )
    if challenge is None:
        return None
    return CardPending(
        challenge.id, challenge.card.inmate, challenge.card.card_number, challenge.expires_at
    )


def card_pin_confirm(
    db: Session,
    actor: Actor,
    device: Device,
    challenge_id: str,
    pin: str,
    now: datetime,
    *,
    policy: SignInPolicy = DEFAULT_POLICY,
) -> Inmate:
    method = SignInMethod.CARD.value
    _check_device(db, device, now, policy)
    challenge = _open_challenge(db, device, challenge_id, now)
    if challenge.verified_at is None:
        raise SignInRefused("challenge-unknown", "Take the card out and put it in again.")
    card = challenge.card
    credentials = _credentials(db, card.inmate_id)
    if credentials.pin_hash is None:
        challenge.closed_at = now
        raise SignInRefused("pin-not-set", "You have no PIN yet. Ask an officer to set one.")
    if not _pin_matches(credentials, pin):
        error = _refuse(
            db,
            actor,
            device,
            now,
            method,
            "wrong-pin",
            "Wrong PIN.",
            inmate_id=card.inmate_id,
            credentials=credentials,
            policy=policy,
            card=card.card_number,
            step="pin",
        )
        if error.code == "locked":
            challenge.closed_at = now
        raise error
    challenge.closed_at = now
    db.flush()
    return _succeeded(db, actor, device, card.inmate, credentials, method, card=card.card_number)


def card_removed(
    db: Session, actor: Actor, device: Device, card_number: str, now: datetime
) -> None:
    """The card left the reader: nothing may go on in its name on this device."""
    card = db.scalar(select(InmateCard).where(InmateCard.card_number == card_number.strip()))
    if card is None:
        return
    db.execute(
        update(CardChallenge)
        .where(
            CardChallenge.card_id == card.id,
            CardChallenge.device_id == device.id,
            CardChallenge.closed_at.is_(None),
        )
        .values(closed_at=now)
    )
    sessions = db.scalars(
        select(InmateSession).where(
            InmateSession.inmate_id == card.inmate_id,
            InmateSession.device_id == device.id,
            InmateSession.method == SignInMethod.CARD.value,
            InmateSession.ended_at.is_(None),
        )
    )
    for session in sessions:
        _end(db, actor, session, now, "card removed")
    db.flush()
    record(
        db,
        actor,
        "inmate.card_removed",
        target_type="inmate",
        target_id=card.inmate_id,
        card=card.card_number,
        device=device.name,
    )
