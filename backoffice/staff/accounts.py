"""Staff accounts administered in the back office: roles, prison, disabled, a new password.
`scope` is the acting administrator's prison (None: national); an administrator of one prison
manages only that prison's staff and gives out only that prison. No one disables themself."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.services import Actor, record
from ..errors import Forbidden, InvalidInput, NotFound
from ..people.models import Prison
from ..settings import LANGUAGES
from .models import Role, StaffRole, StaffUser
from .services import hash_password


def staff_in(db: Session, scope: int | None) -> list[StaffUser]:
    stmt = select(StaffUser).order_by(StaffUser.username)
    if scope is not None:
        stmt = stmt.where(StaffUser.prison_id == scope)
    return list(db.scalars(stmt))


def staff_of(db: Session, user_id: int, scope: int | None) -> StaffUser:
    user = db.get(StaffUser, user_id)
    if user is None or (scope is not None and user.prison_id != scope):
        raise NotFound("No such member of staff in your prison.")
    return user


def check_prison(db: Session, prison_id: int | None, scope: int | None) -> int | None:
    """The prison a new or changed account works in, as the administrator may give it."""
    if scope is not None and prison_id != scope:
        raise Forbidden("You give out only your own prison.")
    if prison_id is not None and db.get(Prison, prison_id) is None:
        raise InvalidInput("Prison: no such prison.")
    return prison_id


def set_roles(db: Session, actor: Actor, user_id: int, roles: list[str], scope: int | None) -> None:
    user = staff_of(db, user_id, scope)
    wanted = set(roles)
    if not wanted or not wanted <= {r.value for r in Role}:
        raise InvalidInput(
            "Roles: at least one of %(roles)s.", roles=", ".join(r.value for r in Role)
        )
    before = sorted(user.roles)
    user.role_rows = [StaffRole(role=r) for r in sorted(wanted)]
    user.session_version += 1  # a changed duty takes effect at once
    db.flush()
    record(db, actor, "staff.roles", target_type="staff_user", target_id=user.id,
           before=before, after=sorted(wanted))  # fmt: skip


def set_prison(
    db: Session, actor: Actor, user_id: int, prison_id: int | None, scope: int | None
) -> None:
    user = staff_of(db, user_id, scope)
    before, user.prison_id = user.prison_id, check_prison(db, prison_id, scope)
    user.session_version += 1
    db.flush()
    record(db, actor, "staff.prison", target_type="staff_user", target_id=user.id,
           before=before, after=prison_id)  # fmt: skip


def set_active(db: Session, actor: Actor, user_id: int, active: bool, scope: int | None) -> None:
    user = staff_of(db, user_id, scope)
    if not active and user.id == actor.id:
        raise Forbidden("You cannot disable your own account.")
    user.active = active
    if not active:
        user.session_version += 1  # signed out everywhere at once
    db.flush()
    record(db, actor, "staff.enable" if active else "staff.disable", target_type="staff_user",
           target_id=user.id)  # fmt: skip


def reset_password(
    db: Session,
    actor: Actor,
    user_id: int,
    password: str,
    *,
    min_password_length: int,
    scope: int | None,
) -> None:
    user = staff_of(db, user_id, scope)
    if len(password) < min_password_length:
        raise InvalidInput("Password: at least %(least)s characters.", least=min_password_length)
    user.password_hash = hash_password(password)
    user.session_version += 1
    user.failed_sign_ins, user.locked_until = 0, None
    db.flush()
    record(db, actor, "staff.password_reset", target_type="staff_user", target_id=user.id)


def set_language(db: Session, actor: Actor, user_id: int, language: str) -> None:
    """The language the back office speaks to a member of staff; each chooses their own."""
    if actor.id != user_id:
        raise Forbidden("Each member of staff chooses their own language.")
    if language not in LANGUAGES:
        raise InvalidInput("Language: choose Estonian, Russian or English.")
    user = staff_of(db, user_id, None)
    before, user.language = user.language, language
    db.flush()
    record(db, actor, "staff.language", target_type="staff_user", target_id=user.id,
           before=before, after=language)  # fmt: skip
