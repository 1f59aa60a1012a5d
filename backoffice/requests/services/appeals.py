"""An answer appealed within its window becomes a new case for the type's appeal department; an
answered case closes once the window has passed (and an appeal's close closes what it appealed)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ColumnElement, or_
from sqlalchemy.orm import Session

from ...audit.services import Actor, record
from ...db import utcnow
from ...errors import Conflict, InvalidInput
from ...people.models import Inmate, Prison
from ...words import word
from ..messages import text
from ..models import ANSWERED, EventKind, Request, RequestStatus
from .inmate_cases import InmateCase, _check_inmate_actor, _inmate_case, _own_case
from .rules import APPEAL_MIN, GOVERNORS_OFFICE, MESSAGE_MAX, Rules, local_day
from .scope import _handled_case
from .steps import _move, _new_case, _swept


def appeal(
    db: Session,
    actor: Actor,
    rules: Rules,
    inmate: Inmate,
    request_id: int,
    body: str,
    *,
    now: datetime | None = None,
) -> InmateCase:
    now = now or utcnow()
    _check_inmate_actor(actor, inmate)
    language = inmate.language
    original = _own_case(db, inmate, request_id, lock=True)
    body = (body or "").strip()
    if original.status not in ANSWERED:
        raise Conflict(text("not_answered", language, receipt=original.receipt))
    if original.appeal_until_on is None:
        raise Conflict(text("no_appeal", language))
    today = local_day(now, inmate.prison.timezone)
    if today > original.appeal_until_on:
        raise Conflict(text("appeal_ended", language, day=original.appeal_until_on.isoformat()))
    if not APPEAL_MIN <= len(body) <= MESSAGE_MAX:
        raise InvalidInput(
            text("appeal_length", language, low=APPEAL_MIN, n=MESSAGE_MAX), field="body"
        )
    request_type = rules.catalogue.type(original.type_code)
    department = request_type.appeal_department if request_type else GOVERNORS_OFFICE
    appeal_case = _new_case(
        db,
        actor,
        rules,
        inmate=inmate,
        request_type=request_type,
        type_code=original.type_code,
        department=department,
        fields=dict(original.fields),
        now=now,
        body=body,
        appeal_of=original,
    )
    _move(
        db,
        original,
        actor,
        RequestStatus.APPEALED,
        EventKind.APPEALED,
        now=now,
        body=appeal_case.receipt,
    )
    record(
        db,
        actor,
        "request.appeal",
        target_type="request",
        target_id=original.id,
        appeal_id=appeal_case.id,
        appeal_receipt=appeal_case.receipt,
    )
    return _inmate_case(db, rules, appeal_case)


def close(db: Session, actor: Actor, request_id: int, *, now: datetime | None = None) -> Request:
    """Closes an answered case once it can no longer be appealed."""
    now = now or utcnow()
    case_, _scope = _handled_case(db, actor, request_id)
    _close(db, actor, case_, now)
    return case_


def _close(db: Session, actor: Actor, case_: Request, now: datetime) -> None:
    if case_.status not in ANSWERED:
        raise Conflict(
            "Request %(receipt)s is %(status)s; only answered cases close.",
            receipt=case_.receipt,
            status=word(case_.status),
        )
    prison = db.get(Prison, case_.prison_id)
    today = local_day(now, prison.timezone if prison else "UTC")
    if case_.appeal_until_on is not None and today <= case_.appeal_until_on:
        raise Conflict(
            "Request %(receipt)s may be appealed until %(day)s; it closes after that.",
            receipt=case_.receipt,
            day=case_.appeal_until_on,
        )
    _move(db, case_, actor, RequestStatus.CLOSED, EventKind.CLOSED, now=now)
    case_.closed_at = now
    record(db, actor, "request.close", target_type="request", target_id=case_.id)
    if case_.appeal_of_id is not None:
        original = db.get(Request, case_.appeal_of_id)
        if original is not None and original.status == RequestStatus.APPEALED:
            _move(db, original, actor, RequestStatus.CLOSED, EventKind.CLOSED, now=now)
            original.closed_at = now
            record(db, actor, "request.close", target_type="request", target_id=original.id)


def _settled(today: date) -> tuple[ColumnElement[bool]]:
    """An answered case whose appeal window has passed."""
    return (or_(Request.appeal_until_on.is_(None), Request.appeal_until_on < today),)


def close_settled(db: Session, actor: Actor, *, now: datetime | None = None) -> int:
    """Closes every answered case whose appeal window has passed (run daily). Returns how many."""
    now = now or utcnow()
    closed = 0
    for case_ in _swept(db, now, ANSWERED, _settled):
        _close(db, actor, case_, now)
        closed += 1
    return closed
