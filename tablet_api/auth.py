"""Signing in on a tablet (PIN or face frames), refreshing the tokens, signing out."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any

from backoffice.db import utcnow
from backoffice.people.models import Inmate
from backoffice.signin import services as signin
from backoffice.signin.services import tablet_sessions
from backoffice.surface import equipment, get_db, remote_addr

from . import http
from .api import bp, profile_of, sign_in_methods
from .openapi import DEVICE, INMATE, Routes
from .problems import Problem, language

# Every way in (PIN, face, a refresh token) answers 201 with new tokens.
route = Routes(bp, tag="session", auth=DEVICE, status=201, response="Tokens")


def _tokens_answer(tokens: tablet_sessions.Tokens) -> Any:
    life = http.lifetimes()
    session = tokens.session
    inmate = tokens.inmate
    return http.json_response(
        {
            "access_token": tokens.access_token,
            "token_type": "Bearer",
            "expires_in": max(0, int((session.access_expires_at - utcnow()).total_seconds())),
            "refresh_token": tokens.refresh_token,
            "refresh_expires_in": max(0, int((session.expires_at - utcnow()).total_seconds())),
            "idle_timeout": int(life.idle.total_seconds()),
            "inmate": profile_of(inmate),
        },
        status=201,
        headers={"Content-Language": inmate.language},
    )


REFUSALS = {
    "locked": "sign-in-locked",
    "device-paused": "sign-in-locked",
    "pin-not-allowed": "sign-in-method-disabled",
}


def _policy() -> signin.SignInPolicy:
    return signin.SignInPolicy.from_settings(http.settings())


def _signed_in(method: str, prove: Callable[..., Inmate], *evidence: Any) -> Any:
    """Run the sign-in helper's check `prove(db, actor, device, *evidence, policy=...)`, then
    open the inmate's session and our tokens on it."""
    db = get_db()
    found = http.device()
    policy = _policy()
    device_actor = signin.device_actor(found, remote_addr())
    try:
        person = prove(db, device_actor, found, *evidence, policy=policy)
        if not tablet_sessions.may_use(found, person):
            raise signin.SignInRefused("not-allowed-here", "Not on this tablet.")
        inmate_session, _token = signin.start_session(
            db, device_actor, found, person, method=method, policy=policy
        )
    except signin.SignInRefused as refused:
        db.commit()  # the failure counts towards the lockout, and its audit row stays
        raise Problem(REFUSALS.get(refused.code, "sign-in-failed")) from None
    tokens = tablet_sessions.start(
        db,
        tablet_sessions.inmate_actor(person, found, remote_addr()),
        found,
        person,
        method=method,
        lifetimes=http.lifetimes(),
        inmate_session_id=inmate_session.id,
    )
    db.commit()
    return _tokens_answer(tokens)


def _method_allowed(method: str) -> None:
    if method not in sign_in_methods():
        raise Problem("sign-in-method-disabled")
    http.hit(http.settings()["tablet.sign_in_rate_limit"], "sign-in", str(http.device().id))


@route(
    "/session/pin",
    "POST",
    body="PinSignIn",
    errors=(403, 423),
    example={"prison_number": "TRT1001", "pin": "4321"},
)
def sign_in_pin() -> Any:
    """Sign in with prison number and PIN (where the prison allows PIN sign-in)"""
    _method_allowed("pin")
    data = http.body()
    return _signed_in("pin", signin.pin_sign_in, data["prison_number"], data["pin"], utcnow())


def _frame(index: int, encoded: str) -> Any:
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    image = signin.decode_photo(raw)
    if image is None:
        # The schema checks the base64; what it decodes to is this refusal's to say.
        field = f"frames[{index}]"
        raise Problem(
            "frame-unreadable",
            extra={"errors": [{"field": field, "reason": FRAME_REASON[language()]}]},
        )
    return image


FRAME_REASON = {
    "et": "ei ole JPEG- ega PNG-pilt",
    "ru": "не является изображением JPEG или PNG",
    "en": "is not a JPEG or PNG image",
}


@route(
    "/session/face",
    "POST",
    body="FaceSignIn",
    errors=(403, 423),
    max_body_setting="tablet.max_face_body_bytes",
)
def sign_in_face() -> Any:
    """Sign in by face: a short burst of camera frames (JPEG or PNG, base64)"""
    _method_allowed("face")
    frames = [_frame(i, f) for i, f in enumerate(http.body()["frames"])]
    return _signed_in("face", signin.face_sign_in, frames, utcnow(), equipment().face_matcher)


@route(
    "/session/refresh",
    "POST",
    body="Refresh",
    example={"refresh_token": "cgr_0000000000000000000000000000000000000000000"},
)
def refresh() -> Any:
    """New access and refresh tokens (only from the tablet that signed in)"""
    db = get_db()
    try:
        tokens = tablet_sessions.refresh(
            db,
            http.device(),
            http.body()["refresh_token"],
            http.lifetimes(),
            remote_addr=remote_addr(),
        )
    except tablet_sessions.SessionProblem as refused:
        db.commit()  # a replayed token's session stays ended
        raise Problem(refused.code) from None
    db.commit()
    return _tokens_answer(tokens)


@route("/session", "DELETE", auth=INMATE, status=204, response=None)
def sign_out() -> Any:
    """Sign out: the access and refresh tokens stop working at once"""
    db = get_db()
    tablet_sessions.sign_out(db, http.actor(), http.tablet_session())
    db.commit()
    return "", 204
