"""What staff read: the departments' queues with their counts, a queue by view, a case's history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session, selectinload

from ...audit.services import Actor
from ...errors import InvalidInput, NotFound
from ..models import ANSWERED, OPEN, Request, RequestEvent
from .rules import Rules
from .scope import get_for_staff, staff_scope, staff_today


@dataclass(frozen=True)
class DepartmentQueue:
    code: str
    name: str
    open: int
    overdue: int
    due_soon: int
    handles: bool


def department_queues(
    db: Session, actor: Actor, rules: Rules, *, now: datetime | None = None
) -> list[DepartmentQueue]:
    """The departments this member of staff sees, with their open, overdue and due-soon counts."""
    scope = staff_scope(db, actor)
    today = staff_today(db, scope, rules, now)
    soon = rules.calendar.add(today, rules.due_soon_working_days)
    rows = db.execute(
        select(
            Request.department_code,
            func.count(),
            func.sum(case((Request.due_on < today, 1), else_=0)),
            func.sum(case((and_(Request.due_on >= today, Request.due_on <= soon), 1), else_=0)),
        )
        .where(Request.status.in_(OPEN), scope.visible())
        .group_by(Request.department_code)
    )
    counts = {code: (n, int(late or 0), int(near or 0)) for code, n, late, near in rows}
    return [
        DepartmentQueue(
            code=code,
            name=department.name("en"),
            open=counts.get(code, (0, 0, 0))[0],
            overdue=counts.get(code, (0, 0, 0))[1],
            due_soon=counts.get(code, (0, 0, 0))[2],
            handles=scope.governor or code in scope.departments,
        )
        for code, department in rules.catalogue.departments.items()
        if scope.sees_department(code) or code in counts
    ]


QUEUE_VIEWS = ("open", "overdue", "due_soon", "escalated", "answered", "mine")


def queue(
    db: Session,
    actor: Actor,
    rules: Rules,
    department_code: str,
    *,
    view: str = "open",
    now: datetime | None = None,
    limit: int = 200,
) -> list[Request]:
    """A department's cases for one of QUEUE_VIEWS, the most urgent first."""
    scope = staff_scope(db, actor)
    if view not in QUEUE_VIEWS:
        raise InvalidInput("View: one of %(views)s.", views=", ".join(QUEUE_VIEWS))
    if department_code not in rules.catalogue.departments:
        raise NotFound("No such department.")
    today = staff_today(db, scope, rules, now)
    stmt = select(Request).where(scope.visible())
    if view == "escalated":
        stmt = stmt.where(
            Request.status.in_(OPEN),
            Request.escalated_at.is_not(None),
            or_(
                Request.department_code == department_code,
                Request.escalated_department == department_code,
            ),
        )
    else:
        stmt = stmt.where(Request.department_code == department_code)
    if view in ("open", "overdue", "due_soon", "mine"):
        stmt = stmt.where(Request.status.in_(OPEN))
    if view == "overdue":
        stmt = stmt.where(Request.due_on < today)
    elif view == "due_soon":
        soon = rules.calendar.add(today, rules.due_soon_working_days)
        stmt = stmt.where(Request.due_on >= today, Request.due_on <= soon)
    elif view == "mine":
        stmt = stmt.where(Request.assigned_to_id == scope.staff_id)
    if view == "answered":
        stmt = stmt.where(Request.status.in_(ANSWERED)).order_by(Request.answered_at.desc())
    else:
        stmt = stmt.order_by(Request.due_on, Request.id)
    stmt = stmt.options(selectinload(Request.inmate), selectinload(Request.assigned_to))
    return list(db.scalars(stmt.limit(limit)))


def overdue(
    db: Session, actor: Actor, rules: Rules, department_code: str, *, now: datetime | None = None
) -> list[Request]:
    return queue(db, actor, rules, department_code, view="overdue", now=now)


def due_soon(
    db: Session, actor: Actor, rules: Rules, department_code: str, *, now: datetime | None = None
) -> list[Request]:
    return queue(db, actor, rules, department_code, view="due_soon", now=now)


def history(db: Session, actor: Actor, request_id: int) -> list[RequestEvent]:
    case_ = get_for_staff(db, actor, request_id)
    return list(
        db.scalars(
            select(RequestEvent)
            .where(RequestEvent.request_id == case_.id)
            .order_by(RequestEvent.id)
        )
    )
