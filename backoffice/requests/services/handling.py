"""Staff work a case: claim and release it, forward it to another department, add notes, answer it
(from a template)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from ...audit.services import Actor, record
from ...db import utcnow
from ...errors import Conflict, Forbidden, InvalidInput
from ...people.models import Prison
from ...staff.models import StaffUser
from ...words import word
from ..models import OPEN, EventKind, RejectionReason, Request, RequestEvent, RequestStatus
from .rules import ANSWER_MAX, GOVERNORS_OFFICE, NOTE_MAX, Rules, local_day
from .scope import _handled_case
from .steps import _event, _move, _touch


def claim(db: Session, actor: Actor, request_id: int, *, now: datetime | None = None) -> Request:
    case_, scope = _handled_case(db, actor, request_id)
    if case_.status not in OPEN:
        raise Conflict(
            "Request %(receipt)s is %(status)s; only open cases are claimed.",
            receipt=case_.receipt,
            status=word(case_.status),
        )
    if case_.assigned_to_id == scope.staff_id:
        return case_
    if case_.assigned_to_id is not None:
        holder = db.get(StaffUser, case_.assigned_to_id)
        if holder is None:
            raise Conflict(
                "Request %(receipt)s is already claimed by someone else.", receipt=case_.receipt
            )
        raise Conflict(
            "Request %(receipt)s is already claimed by %(name)s.",
            receipt=case_.receipt,
            name=holder.full_name,
        )
    case_.assigned_to_id = scope.staff_id
    if case_.status == RequestStatus.SUBMITTED:
        _move(db, case_, actor, RequestStatus.IN_PROGRESS, EventKind.CLAIMED, now=now)
    else:
        _event(db, case_, actor, EventKind.CLAIMED, now=now)
        _touch(case_, now)
    record(db, actor, "request.claim", target_type="request", target_id=case_.id)
    return case_


def release(db: Session, actor: Actor, request_id: int, *, now: datetime | None = None) -> Request:
    """Gives a claimed case back to the department's queue."""
    case_, scope = _handled_case(db, actor, request_id)
    if case_.status not in OPEN or case_.assigned_to_id is None:
        raise Conflict("Request %(receipt)s is not claimed.", receipt=case_.receipt)
    if case_.assigned_to_id != scope.staff_id and not scope.supervises & {
        case_.department_code,
        GOVERNORS_OFFICE,
    }:
        raise Forbidden("Only the handler or a supervisor may release a claimed case.")
    case_.assigned_to_id = None
    _touch(case_, now)
    _event(db, case_, actor, EventKind.NOTE, now=now, body="Released", visible_to_inmate=False)
    record(db, actor, "request.release", target_type="request", target_id=case_.id)
    return case_


def forward(
    db: Session,
    actor: Actor,
    rules: Rules,
    request_id: int,
    to_department: str,
    reason: str = "",
    *,
    now: datetime | None = None,
) -> Request:
    """Moves an open case to another department; the deadline stays (the inmate's wait does not
    start again) and the history keeps where it has been."""
    case_, _scope = _handled_case(db, actor, request_id)
    if case_.status not in OPEN:
        raise Conflict(
            "Request %(receipt)s is %(status)s; only open cases move.",
            receipt=case_.receipt,
            status=word(case_.status),
        )
    if to_department not in rules.catalogue.departments:
        raise InvalidInput("Department: %(code)r is not a request department.", code=to_department)
    if to_department == case_.department_code:
        raise InvalidInput(
            "Request %(receipt)s is already with %(department)s.",
            receipt=case_.receipt,
            # The department by its name for an Estonian or Russian reader; English keeps the
            # code staff type in the forward form.
            department={
                "et": rules.catalogue.department_name(to_department, "et"),
                "ru": rules.catalogue.department_name(to_department, "ru"),
                "en": to_department,
            },
        )
    if case_.confidential and to_department != GOVERNORS_OFFICE:
        raise Conflict(
            "Request %(receipt)s is confidential: it stays with the governor's office.",
            receipt=case_.receipt,
        )
    reason = reason.strip()
    if len(reason) > NOTE_MAX:
        raise InvalidInput("Reason: at most %(most)s characters.", most=NOTE_MAX)
    from_department = case_.department_code
    case_.department_code = to_department
    case_.assigned_to_id = None
    _touch(case_, now)
    # The inmate sees where the case went; the reason is for staff.
    _event(
        db,
        case_,
        actor,
        EventKind.FORWARDED,
        now=now,
        from_department=from_department,
        to_department=to_department,
    )
    if reason:
        _event(db, case_, actor, EventKind.NOTE, now=now, body=reason, visible_to_inmate=False)
    record(
        db,
        actor,
        "request.forward",
        target_type="request",
        target_id=case_.id,
        from_department=from_department,
        to_department=to_department,
    )
    return case_


def add_note(
    db: Session,
    actor: Actor,
    request_id: int,
    body: str,
    *,
    visible_to_inmate: bool,
    now: datetime | None = None,
) -> RequestEvent:
    case_, _scope = _handled_case(db, actor, request_id)
    body = (body or "").strip()
    if not 1 <= len(body) <= NOTE_MAX:
        raise InvalidInput("Note: write 1 to %(most)s characters.", most=NOTE_MAX)
    _touch(case_, now)
    # The department that wrote it, so the inmate's history still names it after a forward.
    event = _event(
        db,
        case_,
        actor,
        EventKind.NOTE,
        now=now,
        body=body,
        visible_to_inmate=visible_to_inmate,
        to_department=case_.department_code,
    )
    record(
        db,
        actor,
        "request.note",
        target_type="request",
        target_id=case_.id,
        visible_to_inmate=visible_to_inmate,
    )
    return event


OUTCOMES = (RequestStatus.APPROVED, RequestStatus.DECLINED, RequestStatus.REJECTED)


def answer(
    db: Session,
    actor: Actor,
    rules: Rules,
    request_id: int,
    outcome: str,
    answer_text: str,
    *,
    reason: str | None = None,
    now: datetime | None = None,
) -> Request:
    """Approves, declines or rejects (with a standard reason) an open case. The answer text is
    what the inmate reads; staff may write it in any language."""
    now = now or utcnow()
    case_, scope = _handled_case(db, actor, request_id)
    try:
        to = RequestStatus(outcome)
    except ValueError:
        to = RequestStatus.SUBMITTED
    if to not in OUTCOMES:
        raise InvalidInput("Outcome: approved, declined or rejected.")
    answer_text = (answer_text or "").strip()
    if len(answer_text) > ANSWER_MAX:
        raise InvalidInput("Answer: at most %(most)s characters.", most=ANSWER_MAX)
    if to == RequestStatus.REJECTED:
        if reason not in {r.value for r in RejectionReason}:
            raise InvalidInput("Reason: a rejection needs wrong_type, duplicate or abusive.")
    else:
        reason = None
        if not answer_text:
            raise InvalidInput("Answer: write the answer the inmate will read.")
    if case_.status not in OPEN:
        raise Conflict(
            "Request %(receipt)s is %(status)s; it has been answered.",
            receipt=case_.receipt,
            status=word(case_.status),
        )
    prison = db.get(Prison, case_.prison_id)
    today = local_day(now, prison.timezone if prison else rules.timezone)
    case_.answer_text = answer_text
    case_.rejection_reason = reason
    case_.answered_at = now
    case_.answered_on = today
    case_.answer_working_days = rules.calendar.between(case_.submitted_on, today)
    if case_.assigned_to_id is None:
        case_.assigned_to_id = scope.staff_id
    request_type = rules.catalogue.type(case_.type_code)
    days = rules.appeal_window_days
    if request_type is not None and request_type.appeal_days is not None:
        days = request_type.appeal_days
    # An appeal's answer is final here; after it the inmate goes to the courts or ombudsman.
    if case_.appeal_of_id is not None or days == 0:
        case_.appeal_until_on = None
    else:
        case_.appeal_until_on = today + timedelta(days=days)
    _move(db, case_, actor, to, EventKind.ANSWERED, now=now, body=answer_text)
    record(
        db,
        actor,
        "request.answer",
        target_type="request",
        target_id=case_.id,
        outcome=to.value,
        reason=reason,
        on_time=today <= case_.due_on,
    )
    return case_


def answer_templates(rules: Rules, case_: Request) -> list[tuple[str, str, str]]:
    """(code, title, body in the inmate's language) of the answers staff may start from."""
    return [
        (t.code, t.title, t.body(case_.language))
        for t in rules.catalogue.templates_for(case_.type_code)
    ]
