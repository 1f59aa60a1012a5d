"""The screening queue: the held messages of a prison, for a security officer to pass or to
reject with a reason the sender reads. Privileged correspondence never reaches it: not in the
queue, and refused (and logged) when asked for by its id. An officer screens the messages of
the prison they work in (national staff: any); another prison's message is not found."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ...audit.services import Actor, record
from ...db import lock_by_id
from ...errors import Conflict, Forbidden, InvalidInput, NotFound
from ...staff.scope import check_in_scope
from ...words import word
from ..models import TRANSITIONS, Attachment, M, Message, MessageStatus
from .writing import settle


def screening_queue(
    db: Session, actor: Actor, prison_id: int, *, limit: int = 200
) -> list[Message]:
    """The prison's held messages, oldest first; never a privileged one."""
    check_in_scope(db, actor, prison_id, "prison")
    stmt = (
        select(Message)
        .options(
            selectinload(Message.inmate),
            selectinload(Message.contact),
            selectinload(Message.attachments),
        )
        .where(
            Message.prison_id == prison_id,
            Message.status == M.HELD.value,
            Message.privileged.is_(False),
        )
        .order_by(Message.created_at, Message.id)
        .limit(limit)
    )
    return list(db.scalars(stmt))


def _screenable(db: Session, actor: Actor, message: Message | None) -> Message:
    if message is None:
        raise NotFound("No such message.")
    check_in_scope(db, actor, message.prison_id, "message")
    if message.privileged:
        record(db, actor, "messages.privileged_refused", target_type="message",
               target_id=message.id, outcome="refused")  # fmt: skip
        raise Forbidden("This is privileged correspondence: screening never reads it.")
    return message


def message_for_screening(db: Session, actor: Actor, message_id: int) -> Message:
    return _screenable(db, actor, db.get(Message, message_id))


def attachment_for_screening(db: Session, actor: Actor, attachment_id: int) -> Attachment:
    attachment = db.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFound("No such photo.")
    _screenable(db, actor, attachment.message)
    return attachment


def _decide(
    db: Session,
    actor: Actor,
    message_id: int,
    to: MessageStatus,
    now: datetime,
    *,
    reason: str,
    family_url: str,
) -> Message:
    message = _screenable(db, actor, lock_by_id(db, Message, message_id))
    current = MessageStatus(message.status)
    if to not in TRANSITIONS[current]:
        raise Conflict("This message is %(status)s already.", status=word(current))
    message.status = to.value
    message.decided_at = now
    message.decided_by = actor.name
    message.reject_reason = reason
    db.flush()
    record(db, actor, f"messages.{to.value}", target_type="message", target_id=message.id,
           reason=reason, held_because=message.held_because)  # fmt: skip
    settle(db, actor, message, now, family_url=family_url)
    return message


def pass_message(
    db: Session, actor: Actor, message_id: int, now: datetime, *, family_url: str
) -> Message:
    return _decide(db, actor, message_id, M.PASSED, now, reason="", family_url=family_url)


def reject_message(
    db: Session, actor: Actor, message_id: int, now: datetime, *, reason: str, family_url: str
) -> Message:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Write why the message is rejected: the sender reads it.")
    return _decide(db, actor, message_id, M.REJECTED, now, reason=reason, family_url=family_url)
