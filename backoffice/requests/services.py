"""Requests: every inmate application or complaint is a tracked case.

Lifecycle (allowed moves in models.TRANSITIONS): submitted (the receipt number is given at
once) -> in progress (a handler claims it) -> approved / declined / rejected (rejected carries a
standard reason: wrong type, duplicate, abusive) -> closed once the appeal window has passed.
An answer may be appealed within the window (`requests.appeal_window_days` calendar days, or the
type's own `appeal_days`): the appeal is a new case for the type's appeal department, and the
appealed case waits in "appealed" until the appeal is closed. Open cases may be withdrawn by the
inmate. Every step writes a RequestEvent (the case's history) and an audit row.

Inmate side: what the kiosk and the tablet call
-----------------------------------------------
All take the session, the acting person (an Actor of kind "inmate" whose id is the inmate's, or
staff entering a paper request for the inmate), the Rules (`rules_from_settings(settings)`, one
per app) and the Inmate. None commits: the entry point commits once. They return plain frozen
dataclasses, never ORM rows, so a template or JSON encoder cannot walk from a case to its
staff-only notes. Texts are in the inmate's language (Inmate.language: et, ru or en). Refusals
raise backoffice.errors.ServiceError subclasses (InvalidInput 422, Conflict 409, NotFound 404)
whose message is in the inmate's language and may be shown as it is; InvalidInput about a form
field carries `details["field"]` with the field's code.

    types_for_inmate(rules, inmate) -> list[TypeView]
        The request types the inmate's prison offers, in its order, with their forms.
    submit(db, actor, rules, inmate, type_code, fields, *, now=None) -> InmateCase
        `fields` maps field codes to values: text and choice codes as str, dates as
        "YYYY-MM-DD" (or date), amounts in euros as "12.50" (or int cents), contacts as
        {"name": ..., "phone": ...}. The returned case has its receipt number and due date.
    list_for_inmate(db, inmate, rules=None) -> list[CaseSummary]
        The inmate's own cases, newest first (type names in the inmate's language when rules
        are given, else the type codes).
    get_for_inmate(db, rules, inmate, request_id) -> InmateCase
        One of the inmate's own cases with its history: only the events and documents meant for
        the inmate, never a staff-only note, never the names of staff. Another inmate's case, or
        one that does not exist, is the same NotFound.
    reply(db, actor, rules, inmate, request_id, body, *, now=None) -> InmateCase
        Adds the inmate's message to an open case.
    withdraw(db, actor, rules, inmate, request_id, *, now=None) -> InmateCase
    appeal(db, actor, rules, inmate, request_id, body, *, now=None) -> InmateCase
        Appeals an answer within its window; returns the new appeal case (its own receipt).
    document_for_inmate(db, inmate, request_id, document_id) -> DocumentFile
        A document staff attached and marked for the inmate (the bytes to show).

Staff side: the back office and the `cellgate requests` commands
----------------------------------------------------------------
Staff belong to request departments (DepartmentStaff; managed with `set_membership`). Members
handle their departments' queues; supervisors also see their departments' escalated cases.
Members of the governor's office see and handle every department's cases and are the only staff
who ever see a confidential case (a confidential case cannot leave the governor's office).
Admins read the non-confidential queues but handle nothing unless they are members. Staff tied
to a prison see that prison's cases only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.elements import ColumnElement

from ..audit.services import Actor, record
from ..db import utcnow
from ..errors import Conflict, Forbidden, InvalidInput, NotFound
from ..money.amounts import euros
from ..people.models import Inmate, InmateStatus, Prison
from ..settings import ROOT, Settings
from ..staff.models import Role, StaffUser
from . import stats as stats_module
from .calendar import WorkingDays
from .messages import text
from .models import (
    ANSWERED,
    OPEN,
    TRANSITIONS,
    DepartmentStaff,
    EventKind,
    ReceiptCounter,
    RejectionReason,
    Request,
    RequestAttachment,
    RequestEvent,
    RequestStatus,
)
from .types import DEFAULT_APPEAL_DEPARTMENT, Catalogue, RequestType, cached_catalogue
from .types import message as field_message

GOVERNORS_OFFICE = DEFAULT_APPEAL_DEPARTMENT
MESSAGE_MAX = 2000
APPEAL_MIN = 10
ANSWER_MAX = 8000
NOTE_MAX = 4000


# --- configuration -------------------------------------------------------------------------


@dataclass(frozen=True)
class Rules:
    """What the request services need from settings, read once per app."""

    catalogue: Catalogue
    calendar: WorkingDays
    appeal_window_days: int = 7
    due_soon_working_days: int = 2
    attachment_max_bytes: int = 5 * 1024 * 1024
    timezone: str = "Europe/Tallinn"


def rules_from_settings(settings: Settings) -> Rules:
    section = settings["requests"]
    path = Path(section["types_file"])
    if not path.is_absolute():
        path = ROOT / path
    return Rules(
        catalogue=cached_catalogue(path),
        calendar=WorkingDays.from_strings(section["holidays"]),
        appeal_window_days=section["appeal_window_days"],
        due_soon_working_days=section["due_soon_working_days"],
        attachment_max_bytes=section["attachment_max_bytes"],
        timezone=settings["timezone"],
    )


def local_day(moment: datetime, timezone: str) -> date:
    return moment.astimezone(ZoneInfo(timezone)).date()


# --- what inmates get back -----------------------------------------------------------------


@dataclass(frozen=True)
class FieldView:
    code: str
    kind: str
    label: str
    required: bool
    max_length: int
    choices: tuple[tuple[str, str], ...] = ()  # (code, label)


@dataclass(frozen=True)
class TypeView:
    code: str
    name: str
    help: str
    deadline_working_days: int
    one_open_at_a_time: bool
    fields: tuple[FieldView, ...]


@dataclass(frozen=True)
class CaseSummary:
    id: int
    receipt: str
    type_code: str
    type_name: str
    status: str
    status_text: str
    submitted_at: datetime
    due_on: date
    updated_at: datetime


@dataclass(frozen=True)
class CaseEntry:
    occurred_at: datetime
    kind: str
    title: str
    body: str


@dataclass(frozen=True)
class DocumentView:
    id: int
    filename: str
    content_type: str
    size_bytes: int


@dataclass(frozen=True)
class DocumentFile:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class InmateCase:
    id: int
    receipt: str
    type_code: str
    type_name: str
    department_name: str
    status: str
    status_text: str
    submitted_at: datetime
    due_on: date
    answers: tuple[tuple[str, str], ...]  # (field label, value as written)
    answer_text: str
    rejection_reason_text: str
    appeal_until_on: date | None
    appeal_of_receipt: str
    can_reply: bool
    can_withdraw: bool
    can_appeal: bool
    entries: tuple[CaseEntry, ...]
    documents: tuple[DocumentView, ...] = field(default=())


# --- inmate side ---------------------------------------------------------------------------


def types_for_inmate(rules: Rules, inmate: Inmate) -> list[TypeView]:
    language = inmate.language
    return [
        TypeView(
            code=t.code,
            name=t.name(language),
            help=t.help(language),
            deadline_working_days=t.deadline_working_days,
            one_open_at_a_time=t.one_open_at_a_time,
            fields=tuple(
                FieldView(
                    code=f.code,
                    kind=f.kind,
                    label=f.label(language),
                    required=f.required,
                    max_length=f.max_length,
                    choices=tuple((c.code, c.label(language)) for c in f.choices),
                )
                for f in t.fields
            ),
        )
        for t in rules.catalogue.offered_in(inmate.prison.code)
    ]


def submit(
    db: Session,
    actor: Actor,
    rules: Rules,
    inmate: Inmate,
    type_code: str,
    fields: Mapping[str, Any],
    *,
    now: datetime | None = None,
) -> InmateCase:
    now = now or utcnow()
    language = inmate.language
    _check_inmate_actor(actor, inmate)
    if inmate.status != InmateStatus.ACTIVE:
        raise Forbidden(text("not_active", language))
    request_type = rules.catalogue.type(type_code)
    offered = {t.code for t in rules.catalogue.offered_in(inmate.prison.code)}
    if request_type is None or type_code not in offered:
        raise InvalidInput(text("not_offered", language), field="type")
    today = local_day(now, inmate.prison.timezone)
    cleaned = _clean_fields(request_type, fields, language, today)
    # One submission at a time per inmate: the open-request check and the insert must not
    # interleave with a second kiosk (SQLite serialises writers at BEGIN IMMEDIATE anyway).
    db.execute(select(Inmate.id).where(Inmate.id == inmate.id).with_for_update())
    if request_type.one_open_at_a_time:
        open_receipt = db.scalar(
            select(Request.receipt).where(
                Request.inmate_id == inmate.id,
                Request.type_code == type_code,
                Request.status.in_(OPEN),
            )
        )
        if open_receipt is not None:
            raise Conflict(text("one_open", language, receipt=open_receipt), receipt=open_receipt)
    case_ = _new_case(
        db,
        actor,
        rules,
        inmate=inmate,
        request_type=request_type,
        department=request_type.department,
        fields=cleaned,
        now=now,
        body="",
    )
    return _inmate_case(db, rules, case_)


def list_for_inmate(db: Session, inmate: Inmate, rules: Rules | None = None) -> list[CaseSummary]:
    cases = db.scalars(
        select(Request).where(Request.inmate_id == inmate.id).order_by(Request.id.desc())
    )
    return [_summary(c, inmate.language, rules) for c in cases]


def get_for_inmate(db: Session, rules: Rules, inmate: Inmate, request_id: int) -> InmateCase:
    return _inmate_case(db, rules, _own_case(db, inmate, request_id))


def reply(
    db: Session,
    actor: Actor,
    rules: Rules,
    inmate: Inmate,
    request_id: int,
    body: str,
    *,
    now: datetime | None = None,
) -> InmateCase:
    _check_inmate_actor(actor, inmate)
    language = inmate.language
    case_ = _own_case(db, inmate, request_id, lock=True)
    body = (body or "").strip()
    if not 1 <= len(body) <= MESSAGE_MAX:
        raise InvalidInput(text("message_length", language, n=MESSAGE_MAX), field="body")
    if case_.status not in OPEN:
        raise Conflict(text("reply_closed", language, receipt=case_.receipt))
    _event(db, case_, actor, EventKind.INMATE_REPLY, now=now, body=body)
    _touch(case_, now)
    record(db, actor, "request.reply", target_type="request", target_id=case_.id)
    return _inmate_case(db, rules, case_)


def withdraw(
    db: Session,
    actor: Actor,
    rules: Rules,
    inmate: Inmate,
    request_id: int,
    *,
    now: datetime | None = None,
) -> InmateCase:
    _check_inmate_actor(actor, inmate)
    case_ = _own_case(db, inmate, request_id, lock=True)
    if case_.status not in OPEN:
        raise Conflict(text("cannot_withdraw", inmate.language, receipt=case_.receipt))
    _move(db, case_, actor, RequestStatus.WITHDRAWN, EventKind.WITHDRAWN, now=now)
    case_.closed_at = now or utcnow()
    record(db, actor, "request.withdraw", target_type="request", target_id=case_.id)
    return _inmate_case(db, rules, case_)


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


def document_for_inmate(
    db: Session, inmate: Inmate, request_id: int, document_id: int
) -> DocumentFile:
    case_ = _own_case(db, inmate, request_id)
    document = db.scalar(
        select(RequestAttachment).where(
            RequestAttachment.id == document_id,
            RequestAttachment.request_id == case_.id,
            RequestAttachment.visible_to_inmate.is_(True),
        )
    )
    if document is None:
        raise NotFound(text("not_found", inmate.language))
    return DocumentFile(document.filename, document.content_type, document.data)


def _check_inmate_actor(actor: Actor, inmate: Inmate) -> None:
    if actor.kind == "inmate" and actor.id != inmate.id:
        raise Forbidden(text("not_found", inmate.language))
    if actor.kind not in ("inmate", "staff", "system"):
        raise Forbidden("Only the inmate or staff may act on an inmate's requests.")


def _own_case(db: Session, inmate: Inmate, request_id: int, *, lock: bool = False) -> Request:
    stmt = select(Request).where(Request.id == request_id, Request.inmate_id == inmate.id)
    if lock:
        stmt = stmt.with_for_update()
    case_ = db.scalar(stmt)
    if case_ is None:
        raise NotFound(text("not_found", inmate.language))
    return case_


def _clean_fields(
    request_type: RequestType, fields: Mapping[str, Any], language: str, today: date
) -> dict[str, Any]:
    unknown = sorted(set(fields) - {f.code for f in request_type.fields})
    if unknown:
        raise InvalidInput(field_message("unknown", language, label=unknown[0]), field=unknown[0])
    cleaned: dict[str, Any] = {}
    for spec in request_type.fields:
        value = spec.clean(fields.get(spec.code), language, today)
        if value is not None:
            cleaned[spec.code] = value
    return cleaned


def _type_name(rules: Rules | None, type_code: str, language: str) -> str:
    request_type = rules.catalogue.type(type_code) if rules else None
    return request_type.name(language) if request_type else type_code


def _summary(case_: Request, language: str, rules: Rules | None) -> CaseSummary:
    return CaseSummary(
        id=case_.id,
        receipt=case_.receipt,
        type_code=case_.type_code,
        type_name=_type_name(rules, case_.type_code, language),
        status=case_.status,
        status_text=text(f"status.{case_.status}", language),
        submitted_at=case_.submitted_at,
        due_on=case_.due_on,
        updated_at=case_.updated_at,
    )


def _display(value: Any, kind: str, spec_choices: Sequence[Any], language: str) -> str:
    if kind == "amount" and isinstance(value, int):
        return f"{euros(value)} EUR"
    if kind == "contact" and isinstance(value, Mapping):
        return f"{value.get('name', '')} {value.get('phone', '')}".strip()
    if kind == "choice":
        for choice in spec_choices:
            if choice.code == value:
                return str(choice.label(language))
    return str(value)


def case_answers(rules: Rules, case_: Request, language: str) -> tuple[tuple[str, str], ...]:
    request_type = rules.catalogue.type(case_.type_code)
    rows: list[tuple[str, str]] = []
    for code, value in case_.fields.items():
        spec = request_type.field(code) if request_type else None
        if spec is None:
            rows.append((code, str(value)))
        else:
            rows.append((spec.label(language), _display(value, spec.kind, spec.choices, language)))
    return tuple(rows)


def _inmate_case(db: Session, rules: Rules, case_: Request) -> InmateCase:
    """The inmate's view of a case, built only from rows meant for the inmate."""
    language = case_.language
    catalogue = rules.catalogue
    events = db.scalars(
        select(RequestEvent)
        .where(RequestEvent.request_id == case_.id, RequestEvent.visible_to_inmate.is_(True))
        .order_by(RequestEvent.id)
    )
    entries = []
    for event in events:
        if not event.visible_to_inmate:  # belt and braces: the query already says so
            continue
        department = catalogue.department_name(
            event.to_department or case_.department_code, language
        )
        title = text(
            f"event.{event.kind}",
            language,
            department=department,
            receipt=event.body if event.kind == EventKind.APPEALED else "",
        )
        body = event.body if event.kind in _EVENT_BODY_FOR_INMATE else ""
        entries.append(CaseEntry(event.occurred_at, event.kind, title, body))
    documents = db.execute(
        select(
            RequestAttachment.id,
            RequestAttachment.filename,
            RequestAttachment.content_type,
            RequestAttachment.size_bytes,
        )
        .where(
            RequestAttachment.request_id == case_.id,
            RequestAttachment.visible_to_inmate.is_(True),
        )
        .order_by(RequestAttachment.id)
    )
    today = local_day(utcnow(), case_.inmate.prison.timezone)
    appeal_of_receipt = ""
    if case_.appeal_of_id is not None:
        appeal_of_receipt = (
            db.scalar(select(Request.receipt).where(Request.id == case_.appeal_of_id)) or ""
        )
    return InmateCase(
        id=case_.id,
        receipt=case_.receipt,
        type_code=case_.type_code,
        type_name=(
            text("appeal_of", language, receipt=appeal_of_receipt)
            if appeal_of_receipt
            else _type_name(rules, case_.type_code, language)
        ),
        department_name=catalogue.department_name(case_.department_code, language),
        status=case_.status,
        status_text=text(f"status.{case_.status}", language),
        submitted_at=case_.submitted_at,
        due_on=case_.due_on,
        answers=case_answers(rules, case_, language),
        answer_text=case_.answer_text if case_.status != RequestStatus.WITHDRAWN else "",
        rejection_reason_text=(
            text(f"reason.{case_.rejection_reason}", language) if case_.rejection_reason else ""
        ),
        appeal_until_on=case_.appeal_until_on,
        appeal_of_receipt=appeal_of_receipt,
        can_reply=case_.status in OPEN,
        can_withdraw=case_.status in OPEN,
        can_appeal=(
            case_.status in ANSWERED
            and case_.appeal_until_on is not None
            and today <= case_.appeal_until_on
        ),
        entries=tuple(entries),
        documents=tuple(DocumentView(*row) for row in documents),
    )


# Events whose text the inmate reads: their own words, the answer, notes meant for them.
_EVENT_BODY_FOR_INMATE = frozenset(
    {EventKind.SUBMITTED, EventKind.INMATE_REPLY, EventKind.ANSWERED, EventKind.NOTE}
)


# --- shared steps --------------------------------------------------------------------------


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
        actor_kind=actor.kind,
        actor_id=actor.id,
        actor_name=actor.name,
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
    if to not in TRANSITIONS[current]:
        raise Conflict(f"Request {case_.receipt} is {current.value}; it cannot become {to.value}.")
    case_.status = to.value
    _touch(case_, now)
    _event(db, case_, actor, kind, now=now, body=body, from_status=current, to_status=to)


# --- staff side ----------------------------------------------------------------------------


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
        raise InvalidInput(f"Department: {department_code!r} is not a request department.")
    user = db.get(StaffUser, staff_user_id)
    if user is None:
        raise NotFound("No such staff user.")
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


def memberships(db: Session) -> list[DepartmentStaff]:
    return list(
        db.scalars(
            select(DepartmentStaff)
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
        raise InvalidInput(f"View: one of {', '.join(QUEUE_VIEWS)}.")
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


def get_for_staff(db: Session, actor: Actor, request_id: int) -> Request:
    """A case this member of staff may read. A case they may not read is 'not found', so its
    existence is not revealed (confidential complaints about staff)."""
    scope = staff_scope(db, actor)
    case_ = db.get(Request, request_id)
    if case_ is None or not scope.can_read(case_):
        raise NotFound("There is no such request, or it is not yours to see.")
    return case_


def history(db: Session, actor: Actor, request_id: int) -> list[RequestEvent]:
    case_ = get_for_staff(db, actor, request_id)
    return list(
        db.scalars(
            select(RequestEvent)
            .where(RequestEvent.request_id == case_.id)
            .order_by(RequestEvent.id)
        )
    )


def _handled_case(db: Session, actor: Actor, request_id: int) -> tuple[Request, StaffScope]:
    scope = staff_scope(db, actor)
    case_ = db.scalar(select(Request).where(Request.id == request_id).with_for_update())
    if case_ is None or not scope.can_read(case_):
        raise NotFound("There is no such request, or it is not yours to see.")
    if not scope.can_handle(case_):
        raise Forbidden(
            f"Request {case_.receipt} belongs to {case_.department_code}; only its members "
            "(or the governor's office) may work on it."
        )
    return case_, scope


def claim(db: Session, actor: Actor, request_id: int, *, now: datetime | None = None) -> Request:
    case_, scope = _handled_case(db, actor, request_id)
    if case_.status not in OPEN:
        raise Conflict(f"Request {case_.receipt} is {case_.status}; only open cases are claimed.")
    if case_.assigned_to_id == scope.staff_id:
        return case_
    if case_.assigned_to_id is not None:
        holder = db.get(StaffUser, case_.assigned_to_id)
        raise Conflict(
            f"Request {case_.receipt} is already claimed by "
            f"{holder.full_name if holder else 'someone else'}."
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
        raise Conflict(f"Request {case_.receipt} is not claimed.")
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
        raise Conflict(f"Request {case_.receipt} is {case_.status}; only open cases move.")
    if to_department not in rules.catalogue.departments:
        raise InvalidInput(f"Department: {to_department!r} is not a request department.")
    if to_department == case_.department_code:
        raise InvalidInput(f"Request {case_.receipt} is already with {to_department}.")
    if case_.confidential and to_department != GOVERNORS_OFFICE:
        raise Conflict(
            f"Request {case_.receipt} is confidential: it stays with the governor's office."
        )
    reason = reason.strip()
    if len(reason) > NOTE_MAX:
        raise InvalidInput(f"Reason: at most {NOTE_MAX} characters.")
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
        raise InvalidInput(f"Note: write 1 to {NOTE_MAX} characters.")
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
        raise InvalidInput(f"Answer: at most {ANSWER_MAX} characters.")
    if to == RequestStatus.REJECTED:
        if reason not in {r.value for r in RejectionReason}:
            raise InvalidInput("Reason: a rejection needs wrong_type, duplicate or abusive.")
    else:
        reason = None
        if not answer_text:
            raise InvalidInput("Answer: write the answer the inmate will read.")
    if case_.status not in OPEN:
        raise Conflict(f"Request {case_.receipt} is {case_.status}; it has been answered.")
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


def close(db: Session, actor: Actor, request_id: int, *, now: datetime | None = None) -> Request:
    """Closes an answered case once it can no longer be appealed."""
    now = now or utcnow()
    case_, _scope = _handled_case(db, actor, request_id)
    _close(db, actor, case_, now)
    return case_


def _close(db: Session, actor: Actor, case_: Request, now: datetime) -> None:
    if case_.status not in ANSWERED:
        raise Conflict(f"Request {case_.receipt} is {case_.status}; only answered cases close.")
    prison = db.get(Prison, case_.prison_id)
    today = local_day(now, prison.timezone if prison else "UTC")
    if case_.appeal_until_on is not None and today <= case_.appeal_until_on:
        raise Conflict(
            f"Request {case_.receipt} may be appealed until {case_.appeal_until_on}; "
            "it closes after that."
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


def close_settled(db: Session, actor: Actor, *, now: datetime | None = None) -> int:
    """Closes every answered case whose appeal window has passed (run daily). Returns how many."""
    now = now or utcnow()
    closed = 0
    for prison in db.scalars(select(Prison)):
        today = local_day(now, prison.timezone)
        cases = db.scalars(
            select(Request)
            .where(
                Request.prison_id == prison.id,
                Request.status.in_(ANSWERED),
                or_(Request.appeal_until_on.is_(None), Request.appeal_until_on < today),
            )
            .order_by(Request.id)
            .with_for_update()
        )
        for case_ in cases:
            _close(db, actor, case_, now)
            closed += 1
    return closed


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


def escalate_overdue(
    db: Session, actor: Actor, rules: Rules, *, now: datetime | None = None
) -> list[Request]:
    """Escalates every open case past its deadline, once, to its department's supervisors (or
    the governor's office's). Run it daily (`cellgate requests escalate`)."""
    now = now or utcnow()
    escalated: list[Request] = []
    for prison in db.scalars(select(Prison).order_by(Prison.id)):
        today = local_day(now, prison.timezone)
        cases = db.scalars(
            select(Request)
            .where(
                Request.prison_id == prison.id,
                Request.status.in_(OPEN),
                Request.escalated_at.is_(None),
                Request.due_on < today,
            )
            .order_by(Request.id)
            .with_for_update()
        )
        for case_ in cases:
            supervisors = supervisors_of(db, case_.department_code, prison.id)
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


# --- documents -----------------------------------------------------------------------------

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
EXTENSIONS = {PDF: (".pdf",), PNG: (".png",), JPEG: (".jpg", ".jpeg")}


def sniff_document(filename: str, data: bytes, max_bytes: int) -> str:
    """The content type of a scanned document judged by its bytes, or InvalidInput saying why it
    is refused: only PDF, PNG and JPEG, whole files, not larger than max_bytes, with a name
    that matches what the bytes are."""
    if len(data) > max_bytes:
        raise InvalidInput(
            f"The file is too large ({len(data):,} bytes); the limit is {max_bytes:,} bytes."
        )
    if not data:
        raise InvalidInput("The file is empty.")
    if data.startswith(b"%PDF-"):
        # A real PDF ends with %%EOF (possibly followed by a line end or some padding).
        if b"%%EOF" not in data[-1024:]:
            raise InvalidInput("The file starts like a PDF but is not a complete PDF document.")
        content_type = PDF
    elif data.startswith(b"\x89PNG\r\n\x1a\n"):
        if data[12:16] != b"IHDR" or b"IEND" not in data[-16:]:
            raise InvalidInput("The file starts like a PNG image but is not a complete one.")
        content_type = PNG
    elif data.startswith(b"\xff\xd8\xff"):
        if b"\xff\xd9" not in data[-16:]:
            raise InvalidInput("The file starts like a JPEG image but is not a complete one.")
        content_type = JPEG
    else:
        raise InvalidInput(
            "Only scanned documents as PDF, PNG or JPEG files may be attached; "
            "this file is none of them."
        )
    name = filename.lower()
    if not name.endswith(EXTENSIONS[content_type]):
        raise InvalidInput(
            f"The file is named {filename!r} but its contents are {content_type}; "
            "rename it or attach the right file."
        )
    return content_type


def attach(
    db: Session,
    actor: Actor,
    rules: Rules,
    request_id: int,
    filename: str,
    data: bytes,
    *,
    visible_to_inmate: bool = False,
    now: datetime | None = None,
) -> RequestAttachment:
    """Attaches a scanned document. Everything is checked before anything is stored, so a
    refused file leaves no trace in the database."""
    filename = Path((filename or "").replace("\\", "/")).name.strip()[:200]
    if not filename:
        raise InvalidInput("The file needs a name.")
    case_, scope = _handled_case(db, actor, request_id)
    content_type = sniff_document(filename, data, rules.attachment_max_bytes)
    attachment = RequestAttachment(
        request_id=case_.id,
        filename=filename,
        content_type=content_type,
        size_bytes=len(data),
        data=data,
        visible_to_inmate=visible_to_inmate,
        uploaded_by_id=scope.staff_id,
        uploaded_at=now or utcnow(),
    )
    db.add(attachment)
    db.flush()
    _touch(case_, now)
    _event(
        db,
        case_,
        actor,
        EventKind.ATTACHED,
        now=now,
        body=filename,
        visible_to_inmate=visible_to_inmate,
    )
    record(
        db,
        actor,
        "request.attach",
        target_type="request",
        target_id=case_.id,
        attachment_id=attachment.id,
        content_type=content_type,
        size_bytes=len(data),
        visible_to_inmate=visible_to_inmate,
    )
    return attachment


def attachment_for_staff(
    db: Session, actor: Actor, request_id: int, attachment_id: int
) -> RequestAttachment:
    case_ = get_for_staff(db, actor, request_id)
    attachment = db.get(RequestAttachment, attachment_id)
    if attachment is None or attachment.request_id != case_.id:
        raise NotFound("No such document on this request.")
    return attachment


def attachments_of(db: Session, request_id: int) -> list[tuple[int, str, str, int, bool]]:
    return [
        tuple(row)  # type: ignore[misc]
        for row in db.execute(
            select(
                RequestAttachment.id,
                RequestAttachment.filename,
                RequestAttachment.content_type,
                RequestAttachment.size_bytes,
                RequestAttachment.visible_to_inmate,
            )
            .where(RequestAttachment.request_id == request_id)
            .order_by(RequestAttachment.id)
        )
    ]


# --- statistics ----------------------------------------------------------------------------


@dataclass(frozen=True)
class StatsReport:
    since: date
    until: date
    answered: int
    by_type: list[stats_module.AnswerStats]
    by_department: list[stats_module.AnswerStats]
    type_chart: stats_module.Chart | None
    department_chart: stats_module.Chart | None


def answer_stats(db: Session, actor: Actor, rules: Rules, since: date, until: date) -> StatsReport:
    """Answer times of cases answered from `since` to `until` (inclusive) that this member of
    staff may see, per type and per department. The database groups the cases into a histogram
    (type, department, working days, on time) so a year of a large prison is a few hundred rows."""
    scope = staff_scope(db, actor)
    on_time = case((Request.answered_on <= Request.due_on, True), else_=False)
    rows = db.execute(
        select(
            Request.type_code,
            Request.department_code,
            Request.answer_working_days,
            on_time,
            func.count(),
        )
        .where(
            Request.answered_on.is_not(None),
            Request.answered_on >= since,
            Request.answered_on <= until,
            scope.visible(),
        )
        .group_by(Request.type_code, Request.department_code, Request.answer_working_days, on_time)
    )
    by_type: dict[str, Counter[tuple[int, bool]]] = {}
    by_department: dict[str, Counter[tuple[int, bool]]] = {}
    total = 0
    for type_code, department_code, days, in_time, count in rows:
        key = (int(days or 0), bool(in_time))
        by_type.setdefault(type_code, Counter())[key] += count
        by_department.setdefault(department_code, Counter())[key] += count
        total += count
    catalogue = rules.catalogue
    type_rows = [
        stats_module.summarize_histogram(_type_name(rules, code, "en"), by_type[code], code=code)
        for code in sorted(by_type)
    ]
    department_rows = [
        stats_module.summarize_histogram(
            catalogue.department_name(code, "en"), by_department[code], code=code
        )
        for code in sorted(by_department)
    ]
    deadlines = [t.deadline_working_days for t in catalogue.types.values()]
    deadline = max(deadlines) if deadlines else None
    return StatsReport(
        since=since,
        until=until,
        answered=total,
        by_type=type_rows,
        by_department=department_rows,
        type_chart=stats_module.chart(type_rows, deadline) if type_rows else None,
        department_chart=stats_module.chart(department_rows, deadline) if department_rows else None,
    )


def answer_templates(rules: Rules, case_: Request) -> list[tuple[str, str, str]]:
    """(code, title, body in the inmate's language) of the answers staff may start from."""
    return [
        (t.code, t.title, t.body(case_.language))
        for t in rules.catalogue.templates_for(case_.type_code)
    ]
