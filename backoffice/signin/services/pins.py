"""PINs: staff set them, inmates sign in with prison number and PIN (where allowed)."""

from __future__ import annotations

from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from ...audit.services import Actor, record
from ...db import utcnow
from ...devices.models import Device
from ...devices.services import inmates_allowed_at
from ...errors import InvalidInput
from ...people.models import Inmate
from ...staff.scope import check_in_scope
from ..models import InmateCredentials, SignInMethod
from .attempts import Attempt, _credentials
from .policy import DEFAULT_POLICY, SignInPolicy, SignInRefused

_hasher = PasswordHasher()
_DUMMY_PIN_HASH = _hasher.hash("no such inmate, constant-time path")


def _check_pin_rules(pin: str, policy: SignInPolicy) -> None:
    if not pin.isdigit() or not policy.pin_min_length <= len(pin) <= 12:
        raise InvalidInput("PIN: %(least)s to 12 digits.", least=policy.pin_min_length)
    if len(set(pin)) == 1 or pin in "01234567890" or pin in "09876543210":
        raise InvalidInput("PIN: not the same digit repeated and not a run like 1234.")


def set_pin(
    db: Session, actor: Actor, inmate: Inmate, pin: str, *, policy: SignInPolicy = DEFAULT_POLICY
) -> None:
    check_in_scope(db, actor, inmate.prison_id, "inmate")
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
    """Sign in with prison number and PIN, where the policy allows a PIN alone; a wrong number
    answers as a wrong PIN, in the same time."""
    if not policy.pin_allowed:
        raise SignInRefused(
            "pin-not-allowed",
            "Sign-in with a PIN alone is not allowed here. Use your face or card.",
        )
    attempt = Attempt(db, actor, device, now, SignInMethod.PIN.value, policy).begin()
    inmate = db.scalar(
        inmates_allowed_at(device).where(Inmate.prison_number == prison_number.strip().upper())
    )
    if inmate is None:
        _pin_matches(None, pin)  # same time as a real check, so numbers cannot be probed
        raise attempt.refuse("wrong-pin", "Wrong prison number or PIN.")
    credentials = attempt.credentials_unless_locked(inmate.id)
    if not _pin_matches(credentials, pin):
        raise attempt.refuse("wrong-pin", "Wrong prison number or PIN.")
    return attempt.succeeded(inmate, credentials)
