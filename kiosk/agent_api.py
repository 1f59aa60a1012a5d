"""The kiosk agent's endpoints (see hardware/agent.py): card challenge, answer and removal,
under the kiosk's device credential. The kiosk app mounts them with `init_app(app)`.

Every answer is JSON. A missing or wrong credential is 401 {"code": "device"}; a revoked or
expired device's is 401 {"code": "device-revoked"} or {"code": "device-expired"} (audited, and
its open inmate sessions end); a refused sign-in step is 401 with the SignInRefused code and
message.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, g, jsonify, request

from backoffice.db import utcnow
from backoffice.devices.models import Device
from backoffice.devices.services import Standing, find_device, registration_of
from backoffice.errors import InvalidInput, ServiceError
from backoffice.signin import services
from backoffice.signin.services import SignInPolicy
from backoffice.surface import get_db, remote_addr, settings
from backoffice.surface.json_body import MalformedJson, parse_json

agent_bp = Blueprint("agent", __name__, url_prefix="/agent")


def init_app(app: Flask) -> None:
    app.register_blueprint(agent_bp)
    csrf = app.extensions.get("csrf")
    if csrf is not None:
        # The agent is not a browser: it proves itself with its credential on every call.
        csrf.exempt(agent_bp)


def _policy() -> SignInPolicy:
    return SignInPolicy.from_settings(settings())


def _problem(code: str, message: str, status: int) -> Any:
    return jsonify({"code": code, "message": message}), status


REFUSED_DEVICE = {
    Standing.REVOKED: "This kiosk was taken out of service in the back office.",
    Standing.EXPIRED: "This kiosk's registration has expired: renew it in the back office.",
}


def _device() -> Device | None:
    """The kiosk calling, when its credential admits it."""
    if "agent_device" not in g:
        g.agent_device, g.agent_standing = _authenticate()
    if g.agent_standing != Standing.ADMITTED:
        return None
    return g.agent_device  # type: ignore[no-any-return]


def _authenticate() -> tuple[Device | None, Standing]:
    """The device a credential names (only when its secret is right) and its standing."""
    header = request.headers.get("Authorization", "")
    scheme, _, credential = header.partition(" ")
    if scheme.lower() != "bearer" or not credential:
        return None, Standing.UNKNOWN
    return find_device(get_db(), credential.strip(), utcnow(), registration_of(settings()))


BODY_REFUSALS = {
    "not-utf8": "The body is not UTF-8.",
    "syntax": "The body is not JSON.",
    "too-deep": "The body is nested too deep.",
    "not-a-number": "The body has NaN, Infinity or a number too large.",
    "duplicate-key": "The body has the same key twice.",
    "characters": "The body has a NUL character or a lone surrogate.",
}


def _body() -> dict[str, Any]:
    try:
        body = parse_json(request.get_data(cache=False))
    except MalformedJson as malformed:
        raise ServiceError(BODY_REFUSALS[malformed.reason]) from None
    if not isinstance(body, dict):
        raise ServiceError("The body must be a JSON object.")
    return body


def _field(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value or len(value) > 200:
        raise InvalidInput(f"{name}: required text.")
    return value


@agent_bp.errorhandler(ServiceError)
def _refused(error: ServiceError) -> Any:
    # Failure counts and audit rows written before the refusal must stay.
    get_db().commit()
    return _problem(error.code, error.message, error.status)


@agent_bp.before_request
def _require_device() -> Any:
    if _device() is None:
        standing = g.agent_standing
        if standing in REFUSED_DEVICE:
            # Revoked or expired: on the record, and whoever was signed in is signed out.
            db = get_db()
            services.device_refused(
                db, g.agent_device, standing.value, surface="agent", remote_addr=remote_addr()
            )
            db.commit()
            return _problem(f"device-{standing.value}", REFUSED_DEVICE[standing], 401)
        return _problem("device", "This device is not registered.", 401)
    if not request.is_json:
        return _problem("invalid-input", "Send JSON.", 415)
    return None


@agent_bp.post("/card/challenge")
def challenge() -> Any:
    device = _device()
    assert device is not None
    body = _body()
    challenge_id, challenge_bytes = services.card_challenge(
        get_db(), device, _field(body, "card_number"), policy=_policy()
    )
    get_db().commit()
    return jsonify({"challenge_id": challenge_id, "challenge": challenge_bytes.hex()})


@agent_bp.post("/card/verify")
def verify() -> Any:
    device = _device()
    assert device is not None
    body = _body()
    try:
        response = bytes.fromhex(_field(body, "response"))
    except ValueError:
        return _problem("invalid-input", "response: hex digits.", 422)
    pending = services.card_verify(
        get_db(),
        services.device_actor(device, remote_addr()),
        device,
        _field(body, "challenge_id"),
        response,
        policy=_policy(),
    )
    get_db().commit()
    return jsonify(
        {
            "status": "pin-required",
            "challenge_id": pending.challenge_id,
            "first_name": pending.inmate.first_name,
            "expires_at": pending.expires_at.isoformat(),
        }
    )


@agent_bp.post("/card/removed")
def removed() -> Any:
    device = _device()
    assert device is not None
    body = _body()
    services.card_removed(
        get_db(),
        services.device_actor(device, remote_addr()),
        device,
        _field(body, "card_number"),
        utcnow(),
    )
    get_db().commit()
    return jsonify({"status": "ok"})
