"""The kiosk's side of inmate sign-in: the one place that calls the sign-in services.

Sign-in itself (PIN, face, card + PIN), the inmate sessions and their rules live in
backoffice.signin.services; this module turns a browser's request into those calls (frames
from JPEG to RGB arrays, the kiosk as the acting device) and says refusals in the language on
screen.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from backoffice.db import utcnow
from backoffice.devices.models import Device
from backoffice.errors import ServiceError
from backoffice.people.models import Inmate
from backoffice.settings import Settings
from backoffice.signin import services as signin
from backoffice.surface import equipment

# Frames larger than this are refused before decoding (a 640x480 JPEG is about 60 KB).
MAX_FRAME_BYTES = 1_000_000


def policy(settings: Settings) -> signin.SignInPolicy:
    return signin.SignInPolicy.from_settings(settings)


def pin_allowed(settings: Settings) -> bool:
    return bool(settings["signin.pin_allowed"])


def _start(
    db: Session, device: Device, inmate: Inmate, method: str, remote_addr: str, settings: Settings
) -> tuple[Inmate, str]:
    actor = signin.device_actor(device, remote_addr)
    _session, token = signin.start_session(
        db, actor, device, inmate, method=method, policy=policy(settings)
    )
    return inmate, token


def sign_in_pin(
    db: Session,
    device: Device,
    prison_number: str,
    pin: str,
    remote_addr: str,
    settings: Settings,
) -> tuple[Inmate, str]:
    actor = signin.device_actor(device, remote_addr)
    inmate = signin.pin_sign_in(
        db, actor, device, prison_number, pin, utcnow(), policy=policy(settings)
    )
    return _start(db, device, inmate, "pin", remote_addr, settings)


def decode_frames(blobs: Sequence[bytes]) -> list[signin.Image]:
    frames = []
    for blob in blobs:
        if len(blob) > MAX_FRAME_BYTES:
            continue
        frame = signin.decode_photo(blob)
        if frame is not None:
            frames.append(frame)
    return frames


def sign_in_face(
    db: Session, device: Device, blobs: Sequence[bytes], remote_addr: str, settings: Settings
) -> tuple[Inmate, str]:
    actor = signin.device_actor(device, remote_addr)
    inmate = signin.face_sign_in(
        db,
        actor,
        device,
        decode_frames(blobs),
        utcnow(),
        equipment().face_matcher,
        policy=policy(settings),
    )
    return _start(db, device, inmate, "face", remote_addr, settings)


def card_state(db: Session, device: Device) -> dict[str, Any]:
    """What the start screen should show about the card reader."""
    pending = signin.pending_card(db, device, utcnow())
    if pending is None:
        return {"pin_needed": False}
    return {"pin_needed": True, "message": _("Card found. Type your PIN.")}


def pending_card(db: Session, device: Device) -> signin.CardPending | None:
    return signin.pending_card(db, device, utcnow())


def sign_in_card_pin(
    db: Session, device: Device, challenge_id: str, pin: str, remote_addr: str, settings: Settings
) -> tuple[Inmate, str]:
    actor = signin.device_actor(device, remote_addr)
    inmate = signin.card_pin_confirm(
        db, actor, device, challenge_id, pin, utcnow(), policy=policy(settings)
    )
    return _start(db, device, inmate, "card", remote_addr, settings)


def inmate_for(db: Session, token: str, device: Device, settings: Settings) -> Inmate | None:
    """The inmate of a live session opened on this kiosk; each use keeps it alive."""
    now = utcnow()
    session = signin.session_for_token(db, device, token, now, policy=policy(settings))
    if session is None:
        db.commit()  # an expired session has just been ended and audited
        return None
    signin.touch(db, session, now)
    db.commit()
    return session.inmate


def end(db: Session, device: Device | None, token: str, reason: str, remote_addr: str) -> None:
    if device is None:
        return
    session = signin.session_for_token(db, device, token, utcnow())
    if session is not None:
        signin.end_session(db, signin.device_actor(device, remote_addr), session, reason)


def refusal(error: ServiceError) -> str:
    """A sign-in refusal in the language on screen."""
    code = getattr(error, "code", "")
    minutes = error.details.get("minutes")
    words = {
        "device-paused": _("Too many failed sign-ins on this kiosk. Wait a minute."),
        "locked": _("Sign-in is locked after too many failed attempts. Ask an officer."),
        "wrong-pin": _("Wrong prison number or PIN."),
        "pin-not-allowed": _(
            "Sign-in with a PIN alone is not allowed here. Use your face or card."
        ),
        "pin-not-set": _("You have no PIN yet. Ask an officer."),
        "no-face": _("No face found. Look straight at the camera."),
        "several-faces": _("More than one face in view. Only you, please."),
        "face-too-small": _("Come closer to the camera."),
        "face-moved": _("Keep your face in front of the camera."),
        "no-match": _("Your face was not recognised. Try again or use your card."),
        "ambiguous": _("Your face was not recognised surely. Use your card."),
        "not-live": _("Please blink or turn your head a little while the camera looks."),
        "card-not-valid": _("This card is not valid. Ask an officer."),
        "card-refused": _("This card could not be verified. Ask an officer."),
        "challenge-expired": _("That took too long. Put the card in again."),
        "challenge-unknown": _("Take the card out and put it in again."),
        "not-allowed-here": _("You cannot sign in on this kiosk."),
    }
    if code == "locked" and isinstance(minutes, int):
        return _(
            "Sign-in is locked after too many failed attempts. Try again in %(minutes)s "
            "minutes or ask an officer.",
            minutes=minutes,
        )
    return words.get(code, error.message)
