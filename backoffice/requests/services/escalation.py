"""Deadlines: an open case past its due day goes, once, to its department's supervisors (or the
governor's office's); supervisors see what was escalated to them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from ...audit.services import Actor, record
from ...db import utcnow
from ...staff.models import StaffUser
from ..models import OPEN, DepartmentStaff, EventKind, Request
from .rules import GOVERNORS_OFFICE, Rules
from .scope import staff_scope
from .steps import _event, _swept


def supervisors_of(db: Session, department_code: str, prison_id: int) -> list[StaffUser]:
    def find(code: str) -> list[StaffUser]:
        return list(
            db.scalars(
                select(StaffUser)
                .join(DepartmentStaff, DepartmentStaff.staff_user_id == StaffUser.id)
                .where(
                    DepartmentStaff.department_code == code,
                    DepartmentStaff.supervisor.is_(True),
                    StaffUser.active.is_(True),
                    or_(StaffUser.prison_id.is_(None), StaffUser.prison_id == prison_id),
                )
                .order_by(StaffUser.id)
            )
        )

    # A department without a supervisor hands its overdue cases to the governor's office.
    return find(department_code) or find(GOVERNORS_OFFICE)


def _overdue(today: date) -> tuple[ColumnElement[bool], ...]:
    """An open case past its deadline, not escalated yet."""
    return (Request.escalated_at.is_(None), Request.due_on < today)


def escalate_overdue(
    db: Session, actor: Actor, rules: Rules, *, now: datetime | None = None
) -> list[Request]:
    """Escalates every open case past its deadline, once, to its department's supervisors (or
    the governor's office's). Run it daily (`cellgate requests escalate`)."""
    now = now or utcnow()
    escalated: list[Request] = []
    for case_ in _swept(db, now, OPEN, _overdue):
        supervisors = supervisors_of(db, case_.department_code, case_.prison_id)
        names = ", ".join(s.full_name for s in supervisors) or "nobody (no supervisor set)"
        case_.escalated_at = now
        case_.escalated_department = case_.department_code
        _event(
            db,
            case_,
            actor,
            EventKind.ESCALATED,
            now=now,
            body=f"Overdue since {case_.due_on.isoformat()}; escalated to {names}.",
            visible_to_inmate=False,
        )
        record(
            db,
            actor,
            "request.escalate",
            target_type="request",
            target_id=case_.id,
            department=case_.department_code,
            due_on=case_.due_on.isoformat(),
            supervisors=[s.username for s in supervisors],
        )
        escalated.append(case_)
    return escalated


def escalated_to_me(db: Session, actor: Actor) -> list[Request]:
    """Open escalated cases of the departments this member of staff supervises."""
    scope = staff_scope(db, actor)
    if not scope.supervises:
        return []
    stmt = select(Request).where(
        scope.visible(), Request.status.in_(OPEN), Request.escalated_at.is_not(None)
    )
    if GOVERNORS_OFFICE not in scope.supervises:
        stmt = stmt.where(
            or_(
                Request.escalated_department.in_(scope.supervises),
                Request.department_code.in_(scope.supervises),
            )
        )
    return list(db.scalars(stmt.order_by(Request.due_on, Request.id).limit(500)))
