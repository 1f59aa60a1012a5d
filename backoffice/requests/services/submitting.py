"""The inmate files: the forms their prison offers, a new case, a reply on an open one,
withdrawing it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...audit.services import Actor, record
from ...db import utcnow
from ...errors import Conflict, Forbidden, InvalidInput
from ...people.models import Inmate, InmateStatus
from ..catalogue import RequestType
from ..catalogue import message as field_message
from ..messages import text
from ..models import OPEN, EventKind, Request, RequestStatus
from .inmate_cases import (
    FieldView,
    InmateCase,
    TypeView,
    _check_inmate_actor,
    _inmate_case,
    _own_case,
)
from .rules import MESSAGE_MAX, Rules, local_day
from .steps import _event, _move, _new_case, _touch


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
                    when=f.when,
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
