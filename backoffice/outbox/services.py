"""Queuing a message with its cause, and what staff see and do with the outbox.

    queue_for_contact(db, contact, kind, *, dedupe_key, now, **values) -> OutboxMessage
        In the contact's language, by their channel (e-mail when they gave one, else SMS);
        a second call with the same dedupe_key returns the first message. The caller commits,
        with its cause.
    messages(db, *, status=None, limit=200) -> list[OutboxMessage]   (newest first)
    counts(db) -> dict[status, int]
    retry(db, actor, message_id, now) -> OutboxMessage               (a failed one, again)
    choose_language(db, contact, language, now)                      (the contact's choice)

Delivery (claiming, sending, marking) is `delivery.deliver_due`, run by the jobs runner."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..audit.services import Actor, record
from ..db import lock_by_id
from ..errors import Conflict, InvalidInput, NotFound
from ..settings import Settings
from ..staff.scope import NATIONAL, PrisonScope, scope_of
from ..visits.models import Contact
from ..words import word
from .models import TRANSITIONS, Channel, ContactLanguage, MessageStatus, OutboxMessage
from .texts import LANGUAGES, render

S = MessageStatus


@dataclass(frozen=True)
class OutboxRules:
    max_attempts: int = 8
    retry_base: timedelta = timedelta(seconds=60)
    retry_max: timedelta = timedelta(hours=1)
    # How long a sender's claim on a batch lasts; longer than any one send may take.
    claim: timedelta = timedelta(seconds=300)
    send_timeout_seconds: float = 10.0
    batch_size: int = 200

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("outbox.max_attempts must be at least 1")
        if self.claim.total_seconds() <= 2 * self.send_timeout_seconds:
            raise ValueError(
                "outbox.claim_seconds must be more than twice outbox.send_timeout_seconds: "
                "a claim that ran out during a send would let a second sender send it again"
            )

    @classmethod
    def from_settings(cls, settings: Settings) -> OutboxRules:
        v = settings["outbox"]
        return cls(
            max_attempts=v["max_attempts"],
            retry_base=timedelta(seconds=v["retry_base_seconds"]),
            retry_max=timedelta(seconds=v["retry_max_seconds"]),
            claim=timedelta(seconds=v["claim_seconds"]),
            send_timeout_seconds=float(v["send_timeout_seconds"]),
            batch_size=v["batch_size"],
        )

    def backoff(self, attempts: int) -> timedelta:
        """The wait after the `attempts`-th failed attempt: base, 2 x base, 4 x base, ...
        up to retry_max."""
        return min(self.retry_base * (2 ** max(attempts - 1, 0)), self.retry_max)


def _move(message: OutboxMessage, to: MessageStatus) -> None:
    current = MessageStatus(message.status)
    if to not in TRANSITIONS[current]:
        raise Conflict(
            "This message is %(current)s: it cannot become %(to)s.",
            current=word(current),
            to=word(to),
        )
    message.status = to.value


def language_of(db: Session, contact: Contact) -> str:
    chosen = db.get(ContactLanguage, contact.id)
    if chosen is not None:
        return chosen.language
    return contact.inmate.language if contact.inmate.language in LANGUAGES else "en"


def choose_language(db: Session, contact: Contact, language: str, now: datetime) -> None:
    if language not in LANGUAGES:
        raise InvalidInput("Choose Estonian, Russian or English.")
    chosen = db.get(ContactLanguage, contact.id)
    if chosen is None:
        db.add(ContactLanguage(contact_id=contact.id, language=language, chosen_at=now))
    elif chosen.language != language:
        chosen.language = language
        chosen.chosen_at = now
    db.flush()


def queue_for_contact(
    db: Session,
    contact: Contact,
    kind: str,
    *,
    dedupe_key: str,
    now: datetime,
    **values: Any,
) -> OutboxMessage:
    """Queue one message to the contact, rendered now in their language."""
    existing = db.scalars(
        select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key)
    ).first()
    if existing is not None:
        return existing
    language = language_of(db, contact)
    subject, body = render(kind, language, **values)
    channel = Channel.EMAIL if contact.email else Channel.SMS
    message = OutboxMessage(
        key=uuid.uuid4().hex,
        dedupe_key=dedupe_key,
        kind=kind,
        channel=channel.value,
        address=contact.email or contact.phone,
        language=language,
        subject=subject,
        body=body,
        contact_id=contact.id,
        prison_id=contact.inmate.prison_id,
        status=S.QUEUED.value,
        attempts=0,
        created_at=now,
        next_attempt_at=now,
    )
    db.add(message)
    try:
        with db.begin_nested():
            db.flush()
    except IntegrityError:
        # The same cause queued it in a transaction that committed first.
        raise Conflict("This message is queued already; try again.") from None
    return message


def messages(
    db: Session, *, status: str | None = None, limit: int = 200, within: PrisonScope = NATIONAL
) -> list[OutboxMessage]:
    """The newest messages of the prisons `within` covers (a message of no prison is national
    staff's)."""
    stmt = (
        select(OutboxMessage)
        .where(within.where(OutboxMessage.prison_id))
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    if status:
        stmt = stmt.where(OutboxMessage.status == status)
    return list(db.scalars(stmt))


def counts(db: Session, *, within: PrisonScope = NATIONAL) -> dict[str, int]:
    rows = db.execute(
        select(OutboxMessage.status, func.count())
        .where(within.where(OutboxMessage.prison_id))
        .group_by(OutboxMessage.status)
    ).all()
    found = {status: int(n) for status, n in rows}
    return {s.value: found.get(s.value, 0) for s in MessageStatus}


def retry(db: Session, actor: Actor, message_id: int, now: datetime) -> OutboxMessage:
    """A member of staff sends a failed message again (the address was fixed, the gateway is
    back): it starts over with a fresh count of attempts and the same identity."""
    message = lock_by_id(db, OutboxMessage, message_id)
    if message is None or not scope_of(db, actor).covers(message.prison_id):
        raise NotFound("No such message.")
    if message.status != S.FAILED.value:
        raise Conflict(
            "This message is %(status)s: only a failed one is sent again.",
            status=word(message.status),
        )
    _move(message, S.QUEUED)
    message.attempts = 0
    message.next_attempt_at = now
    db.flush()
    record(db, actor, "outbox.retried", target_type="outbox_message", target_id=message.id,
           last_error=message.last_error)  # fmt: skip
    return message
