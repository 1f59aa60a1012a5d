"""What inmates get back: their own cases as plain frozen dataclasses, built only from the rows
meant for them, never an ORM row (a template or JSON encoder cannot walk to a staff-only note)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ... import dates
from ...audit.services import Actor
from ...db import utcnow
from ...errors import Forbidden, NotFound
from ...money.amounts import money
from ...people.models import Inmate
from ..messages import text
from ..models import (
    ANSWERED,
    OPEN,
    EventKind,
    Request,
    RequestAttachment,
    RequestEvent,
    RequestStatus,
)
from .rules import Rules, _type_name, local_day


@dataclass(frozen=True)
class FieldView:
    code: str
    kind: str
    label: str
    required: bool
    max_length: int
    choices: tuple[tuple[str, str], ...] = ()  # (code, label)
    when: str = "any"  # a date's: "past", "future" or "any"


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


def list_for_inmate(db: Session, inmate: Inmate, rules: Rules | None = None) -> list[CaseSummary]:
    cases = db.scalars(
        select(Request).where(Request.inmate_id == inmate.id).order_by(Request.id.desc())
    )
    return [_summary(c, inmate.language, rules) for c in cases]


def get_for_inmate(db: Session, rules: Rules, inmate: Inmate, request_id: int) -> InmateCase:
    return _inmate_case(db, rules, _own_case(db, inmate, request_id))


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
        return money(value, language)
    if kind == "contact" and isinstance(value, Mapping):
        return f"{value.get('name', '')} {value.get('phone', '')}".strip()
    if kind == "choice":
        for choice in spec_choices:
            if choice.code == value:
                return str(choice.label(language))
    if kind == "date" and isinstance(value, str):
        try:
            return dates.day(date.fromisoformat(value), language)
        except ValueError:
            pass  # an old answer kept as it was typed
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
    """The inmate's view of a case, built only from rows meant for the inmate, in the
    language he reads now (the case keeps the one he wrote in, for staff's answer)."""
    language = case_.inmate.language
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
