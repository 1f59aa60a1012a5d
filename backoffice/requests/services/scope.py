"""Who works in which department, and so which cases a member of staff reads and handles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, or_, select, true
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.elements import ColumnElement

from ...audit.services import Actor, record
from ...db import utcnow
from ...errors import Forbidden, InvalidInput, NotFound
from ...people.models import Prison
from ...staff.models import Role, StaffUser
from ...staff.scope import in_scope, scope_of
from ..models import DepartmentStaff, Request
from .rules import GOVERNORS_OFFICE, Rules, local_day


@dataclass(frozen=True)
class StaffScope:
    """Which cases a member of staff sees and handles: their departments' (and, for the
    governor's office, every department's). Being an administrator opens no cases."""

    staff_id: int
    prison_id: int | None
    departments: frozenset[str]
    supervises: frozenset[str]

    @property
    def governor(self) -> bool:
        return GOVERNORS_OFFICE in self.departments

    def sees_department(self, code: str) -> bool:
        return self.governor or code in self.departments

    def _in_prison(self, case_: Request) -> bool:
        return self.prison_id is None or case_.prison_id == self.prison_id

    def can_read(self, case_: Request) -> bool:
        if not self._in_prison(case_):
            return False
        if case_.confidential:
            return self.governor
        return (
            self.sees_department(case_.department_code)
            or case_.escalated_department in self.supervises
        )

    def can_handle(self, case_: Request) -> bool:
        if not self._in_prison(case_):
            return False
        if self.governor:
            return True
        return not case_.confidential and case_.department_code in self.departments

    def visible(self) -> ColumnElement[bool]:
        """The same rule as can_read, as SQL."""
        clauses: list[ColumnElement[bool]] = []
        if self.prison_id is not None:
            clauses.append(Request.prison_id == self.prison_id)
        if not self.governor:
            clauses.append(Request.confidential.is_(False))
            clauses.append(
                or_(
                    Request.department_code.in_(self.departments or [""]),
                    Request.escalated_department.in_(self.supervises or [""]),
                )
            )
        return and_(true(), *clauses)


def staff_scope(db: Session, actor: Actor) -> StaffScope:
    if actor.kind != "staff" or actor.id is None:
        raise Forbidden("Only staff may work on requests.")
    user = db.get(StaffUser, actor.id)
    if user is None or not user.active:
        raise Forbidden("Only active staff may work on requests.")
    rows = list(db.scalars(select(DepartmentStaff).where(DepartmentStaff.staff_user_id == user.id)))
    return StaffScope(
        staff_id=user.id,
        prison_id=user.prison_id,
        departments=frozenset(r.department_code for r in rows),
        supervises=frozenset(r.department_code for r in rows if r.supervisor),
    )


def set_membership(
    db: Session,
    actor: Actor,
    rules: Rules,
    staff_user_id: int,
    department_code: str,
    *,
    member: bool = True,
    supervisor: bool = False,
) -> None:
    """Adds, changes or (member=False) removes a staff user's place in a department."""
    if Role.ADMIN.value not in actor.roles:
        raise Forbidden("Only an administrator may change who works in which department.")
    if department_code not in rules.catalogue.departments:
        raise InvalidInput(
            "Department: %(code)r is not a request department.", code=department_code
        )
    user = in_scope(db, actor, StaffUser, staff_user_id, "staff user")
    row = db.get(DepartmentStaff, (department_code, staff_user_id))
    if not member:
        if row is not None:
            db.delete(row)
    elif row is None:
        db.add(
            DepartmentStaff(
                department_code=department_code, staff_user_id=user.id, supervisor=supervisor
            )
        )
    else:
        row.supervisor = supervisor
    db.flush()
    record(
        db,
        actor,
        "request.department_membership",
        target_type="staff_user",
        target_id=user.id,
        department=department_code,
        member=member,
        supervisor=supervisor and member,
    )


def memberships(db: Session, actor: Actor) -> list[DepartmentStaff]:
    """Who works in which department, among the staff of the prisons `actor` works in."""
    return list(
        db.scalars(
            select(DepartmentStaff)
            .join(DepartmentStaff.staff_user)
            .where(scope_of(db, actor).where(StaffUser.prison_id))
            .options(selectinload(DepartmentStaff.staff_user))
            .order_by(DepartmentStaff.department_code, DepartmentStaff.staff_user_id)
        )
    )


def staff_today(db: Session, scope: StaffScope, rules: Rules, now: datetime | None = None) -> date:
    timezone = rules.timezone
    if scope.prison_id is not None:
        prison = db.get(Prison, scope.prison_id)
        timezone = prison.timezone if prison else timezone
    return local_day(now or utcnow(), timezone)


def get_for_staff(db: Session, actor: Actor, request_id: int) -> Request:
    """A case this member of staff may read. A case they may not read is 'not found', so its
    existence is not revealed (confidential complaints about staff)."""
    scope = staff_scope(db, actor)
    case_ = db.get(Request, request_id)
    if case_ is None or not scope.can_read(case_):
        raise NotFound("There is no such request, or it is not yours to see.")
    return case_


def _handled_case(db: Session, actor: Actor, request_id: int) -> tuple[Request, StaffScope]:
    scope = staff_scope(db, actor)
    case_ = db.scalar(select(Request).where(Request.id == request_id).with_for_update())
    if case_ is None or not scope.can_read(case_):
        raise NotFound("There is no such request, or it is not yours to see.")
    if not scope.can_handle(case_):
        raise Forbidden(
            "Request %(receipt)s belongs to %(department)s; only its members "
            "(or the governor's office) may work on it.",
            receipt=case_.receipt,
            department=case_.department_code,
        )
    return case_, scope
