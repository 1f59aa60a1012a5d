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
    face_matcher(kind, upsample) -> FaceMatcher  # signin.face_matcher: real or fake

Where each part lives: policy (SignInPolicy, SignInRefused, device_actor), inmate_sessions,
device_refusals, attempts (failure counting, lockout, the audit row of every attempt, unlock),
pins, faces (enrolment and matching), cards; tablet_sessions (the tablet API's access and
refresh tokens on top of an inmate session, and the one-statement read of a signed-in call).
"""

from __future__ import annotations

from ...audit.services import Actor
from .attempts import unlock
from .cards import (
    CARD_KEY_BYTES,
    CardPending,
    block_card,
    card_challenge,
    card_pin_confirm,
    card_removed,
    card_verify,
    cards_of,
    issue_card,
    pending_card,
    replace_card,
)
from .device_refusals import device_refused
from .faces import (
    AMBIGUITY_MARGIN,
    FaceMatcher,
    Image,
    Match,
    best_match,
    check_face_image,
    decode_photo,
    delete_faces,
    enroll_face,
    face_count,
    face_matcher,
    face_sign_in,
    identify,
)
from .inmate_sessions import (
    end_device_sessions,
    end_session,
    session_for_token,
    start_session,
    touch,
)
from .pins import pin_sign_in, set_pin
from .policy import DEFAULT_POLICY, SignInPolicy, SignInRefused, device_actor

__all__ = [
    "AMBIGUITY_MARGIN",
    "CARD_KEY_BYTES",
    "DEFAULT_POLICY",
    "Actor",
    "CardPending",
    "FaceMatcher",
    "Image",
    "Match",
    "SignInPolicy",
    "SignInRefused",
    "best_match",
    "block_card",
    "card_challenge",
    "card_pin_confirm",
    "card_removed",
    "card_verify",
    "cards_of",
    "check_face_image",
    "decode_photo",
    "delete_faces",
    "device_actor",
    "device_refused",
    "end_device_sessions",
    "end_session",
    "enroll_face",
    "face_count",
    "face_matcher",
    "face_sign_in",
    "identify",
    "issue_card",
    "pending_card",
    "pin_sign_in",
    "replace_card",
    "session_for_token",
    "set_pin",
    "start_session",
    "touch",
    "unlock",
]
