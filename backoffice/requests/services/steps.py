"""Steps every use case shares: a new case with its receipt number, an event in its history, a
status move allowed by models.TRANSITIONS, and the daily sweeps' walk over each prison's cases."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ...audit.services import Actor, record
from ...db import utcnow
from ...errors import Phrase
from ...people.models import Inmate, Prison
from ...states import check_move
from ...words import N_
from ..catalogue import RequestType
from ..models import TRANSITIONS, EventKind, ReceiptCounter, Request, RequestEvent, RequestStatus
from .rules import Rules, local_day


def _next_receipt(db: Session, prison: Prison, year: int) -> str:
    """PRISON-YEAR-NNNNNN, numbered without gaps per prison and year under a row lock."""
    where = (ReceiptCounter.prison_id == prison.id, ReceiptCounter.year == year)
    counter = db.scalar(select(ReceiptCounter).where(*where).with_for_update())
    if counter is None:
        try:
            with db.begin_nested():
                counter = ReceiptCounter(prison_id=prison.id, year=year, last_number=0)
                db.add(counter)
        except IntegrityError:  # another submission created this year's counter first
            counter = db.scalar(select(ReceiptCounter).where(*where).with_for_update())
            assert counter is not None
    counter.last_number += 1
    db.flush()
    return f"{prison.code}-{year}-{counter.last_number:06d}"


def _new_case(
    db: Session,
    actor: Actor,
    rules: Rules,
    *,
    inmate: Inmate,
    request_type: RequestType | None,
    department: str,
    fields: dict[str, Any],
    now: datetime,
    body: str,
    type_code: str = "",
    appeal_of: Request | None = None,
) -> Request:
    prison = inmate.prison
    today = local_day(now, prison.timezone)
    deadline = request_type.deadline_working_days if request_type else 5
    case_ = Request(
        receipt=_next_receipt(db, prison, today.year),
        prison_id=prison.id,
        inmate_id=inmate.id,
        type_code=request_type.code if request_type else type_code,
        department_code=department,
        status=RequestStatus.SUBMITTED.value,
        language=inmate.language,
        fields=fields,
        confidential=(request_type.confidential if request_type else False)
        or bool(appeal_of and appeal_of.confidential),
        submitted_at=now,
        submitted_on=today,
        due_on=rules.calendar.add(today, deadline),
        answer_text="",
        appeal_of_id=appeal_of.id if appeal_of else None,
        updated_at=now,
    )
    db.add(case_)
    db.flush()
    _event(
        db,
        case_,
        actor,
        EventKind.SUBMITTED,
        now=now,
        to_status=RequestStatus.SUBMITTED,
        to_department=department,
        body=body,
    )
    record(
        db,
        actor,
        "request.submit",
        target_type="request",
        target_id=case_.id,
        receipt=case_.receipt,
        type=case_.type_code,
        department=department,
        due_on=case_.due_on.isoformat(),
        appeal_of=appeal_of.receipt if appeal_of else None,
    )
    return case_


def _event(
    db: Session,
    case_: Request,
    actor: Actor,
    kind: EventKind,
    *,
    now: datetime | None = None,
    body: str = "",
    visible_to_inmate: bool = True,
    from_status: str | None = None,
    to_status: str | None = None,
    from_department: str | None = None,
    to_department: str | None = None,
) -> RequestEvent:
    event = RequestEvent(
        request_id=case_.id,
        occurred_at=now or utcnow(),
        kind=kind.value,
        **actor.columns(),
        from_status=from_status,
        to_status=to_status,
        from_department=from_department,
        to_department=to_department,
        body=body,
        visible_to_inmate=visible_to_inmate,
    )
    db.add(event)
    db.flush()
    return event


def _touch(case_: Request, now: datetime | None) -> None:
    case_.updated_at = now or utcnow()


def _move(
    db: Session,
    case_: Request,
    actor: Actor,
    to: RequestStatus,
    kind: EventKind,
    *,
    now: datetime | None = None,
    body: str = "",
) -> None:
    current = RequestStatus(case_.status)
    check_move(TRANSITIONS, current, to, Phrase(N_("Request %(receipt)s"), receipt=case_.receipt))
    case_.status = to.value
    _touch(case_, now)
    _event(db, case_, actor, kind, now=now, body=body, from_status=current, to_status=to)


def _swept(
    db: Session,
    now: datetime,
    statuses: Iterable[str],
    due: Callable[[date], Iterable[ColumnElement[bool]]],
) -> Iterator[Request]:
    """For a daily sweep: each prison's cases in `statuses` that `due(today)` picks, today being
    the prison's own local day; locked, oldest first, prison by prison."""
    for prison in db.scalars(select(Prison).order_by(Prison.id)):
        today = local_day(now, prison.timezone)
        cases = db.scalars(
            select(Request)
            .where(Request.prison_id == prison.id, Request.status.in_(statuses), *due(today))
            .order_by(Request.id)
            .with_for_update()
        )
        yield from cases
