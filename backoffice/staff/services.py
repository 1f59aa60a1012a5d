from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.services import Actor, record
from ..db import utcnow
from ..errors import Conflict, Forbidden, InvalidInput, NotFound
from ..surface.i18n import N_
from .models import Role, StaffRole, StaffUser

# argon2id with the library's current recommended cost (RFC 9106 low-memory profile).
_hasher = PasswordHasher()
# Verified against when the username is unknown, so timing does not tell which names exist.
_DUMMY_HASH = _hasher.hash("no such user, constant-time path")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_staff_user(
    db: Session,
    actor: Actor,
    *,
    username: str,
    full_name: str,
    password: str,
    roles: list[str],
    min_password_length: int,
    prison_id: int | None = None,
    language: str = "et",
) -> StaffUser:
    username = username.strip().lower()
    if not username or not username.replace(".", "").replace("-", "").isalnum():
        raise InvalidInput("Username: use letters, digits, dots and dashes only.")
    unknown = sorted(set(roles) - {r.value for r in Role})
    if unknown or not roles:
        raise InvalidInput(
            "Roles: choose from %(roles)s; got %(unknown)s.",
            roles=", ".join(r.value for r in Role),
            unknown=", ".join(unknown),
        )
    if len(password) < min_password_length:
        raise InvalidInput("Password: at least %(least)s characters.", least=min_password_length)
    if db.scalar(select(StaffUser.id).where(StaffUser.username == username)) is not None:
        raise Conflict("A staff user named %(name)r exists already.", name=username)
    user = StaffUser(
        username=username,
        full_name=full_name.strip(),
        password_hash=hash_password(password),
        prison_id=prison_id,
        language=language,
        role_rows=[StaffRole(role=r) for r in sorted(set(roles))],
    )
    db.add(user)
    db.flush()
    record(
        db,
        actor,
        "staff.create",
        target_type="staff_user",
        target_id=user.id,
        username=username,
        roles=sorted(set(roles)),
    )
    return user


@dataclass(frozen=True)
class SignInPolicy:
    max_failed: int
    lockout: timedelta


class SignInRefused(Exception):
    """A refused staff sign-in. `text` is the catalogue's English (with %(name)s for `values`),
    so the sign-in page can say it in the reader's language; `message` is it filled in."""

    def __init__(self, text: str, **values: object) -> None:
        self.text = text
        self.values = values
        self.message = text % values if values else text
        super().__init__(self.message)


def authenticate(
    db: Session, actor: Actor, username: str, password: str, policy: SignInPolicy
) -> StaffUser:
    """Check a staff member's password. Raises SignInRefused with a message safe to show.

    The row is locked for the update of its failure count, so parallel guesses all count.
    """
    username = username.strip().lower()
    user = db.scalar(select(StaffUser).where(StaffUser.username == username).with_for_update())
    now = utcnow()
    attempt = Actor(
        kind="staff",
        id=user.id if user else None,
        name=username,
        remote_addr=actor.remote_addr,
        device_id=actor.device_id,
    )
    if user is None or not user.active:
        _verify(_DUMMY_HASH, password)
        record(db, attempt, "staff.sign_in", outcome="refused", reason="unknown or inactive")
        raise SignInRefused(N_("Wrong username or password."))
    if user.locked_until is not None and user.locked_until > now:
        _refused(db, attempt, user, "locked")
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        raise SignInRefused(
            N_(
                "This account is locked after too many wrong passwords. Try again in "
                "%(minutes)s minutes or ask an administrator to unlock it."
            ),
            minutes=minutes,
        )
    if not _verify(user.password_hash, password):
        user.failed_sign_ins += 1
        reason = "wrong password"
        if user.failed_sign_ins >= policy.max_failed:
            user.locked_until = now + policy.lockout
            user.failed_sign_ins = 0
            user.session_version += 1
            reason = "wrong password; locked"
        db.flush()
        _refused(db, attempt, user, reason)
        if user.locked_until is not None and user.locked_until > now:
            raise SignInRefused(
                N_("Too many wrong passwords: this account is now locked for %(minutes)s minutes."),
                minutes=int(policy.lockout.total_seconds() // 60),
            )
        raise SignInRefused(N_("Wrong username or password."))
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.failed_sign_ins = 0
    user.locked_until = None
    user.last_sign_in_at = now
    db.flush()
    record(db, attempt, "staff.sign_in", target_type="staff_user", target_id=user.id)
    return user


def _refused(db: Session, attempt: Actor, user: StaffUser, reason: str) -> None:
    """The audit row of a sign-in refused for a known staff user."""
    record(
        db,
        attempt,
        "staff.sign_in",
        target_type="staff_user",
        target_id=user.id,
        outcome="refused",
        reason=reason,
    )


def acting_staff(db: Session, username: str, duty: Role, *, prison_id: int | None = None) -> Actor:
    """The named member of staff acting from the command line, refused unless they hold the
    duty (no other role stands in for it) and, when prison_id is given, work in that prison."""
    user = db.scalar(select(StaffUser).where(StaffUser.username == username.strip().lower()))
    if user is None or not user.active:
        raise NotFound("No active staff user named %(name)r.", name=username)
    if not user.has_role(duty):
        raise Forbidden(f"{user.username} is not {_a(duty)} {duty.value}: this is their work.")
    if prison_id is not None and user.prison_id not in (None, prison_id):
        raise Forbidden("%(name)s works in another prison.", name=user.username)
    return Actor(kind="staff", id=user.id, name=user.username, roles=user.roles)


def _a(role: Role) -> str:
    return "an" if role.value[0] in "aeiou" else "a"


def unlock(db: Session, actor: Actor, user: StaffUser) -> None:
    user.locked_until = None
    user.failed_sign_ins = 0
    db.flush()
    record(db, actor, "staff.unlock", target_type="staff_user", target_id=user.id)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
