"""Reading: what each side sees of a conversation. The recipient sees what has passed; the
sender sees their own messages with their state (waiting, passed, or rejected and why). An
inmate sees only their own contacts' conversations; asking for another's reads as not found."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from ...errors import NotFound
from ...people.models import Inmate
from ...visits.models import Contact, ContactStatus
from ..models import Attachment, Direction, M, Message


@dataclass(frozen=True)
class Conversation:
    contact: Contact
    unread: int
    last_at: datetime | None


def _visible_to(mine: Direction) -> object:
    """The messages one side sees: its own, and the other side's that passed."""
    return or_(Message.direction == mine.value, Message.status == M.PASSED.value)


def conversations_of(db: Session, inmate: Inmate) -> list[Conversation]:
    contacts = list(
        db.scalars(
            select(Contact)
            .where(Contact.inmate_id == inmate.id, Contact.status == ContactStatus.APPROVED.value)
            .order_by(Contact.full_name, Contact.id)
        )
    )
    rows = db.execute(
        select(
            Message.contact_id,
            func.count().filter(
                Message.direction == Direction.IN.value,
                Message.status == M.PASSED.value,
                Message.read_at.is_(None),
            ),
            func.max(Message.created_at),
        )
        .where(Message.inmate_id == inmate.id, _visible_to(Direction.OUT))
        .group_by(Message.contact_id)
    ).all()
    found = {contact_id: (int(unread), last) for contact_id, unread, last in rows}
    return [Conversation(c, *found.get(c.id, (0, None))) for c in contacts]


def _thread(db: Session, inmate_id: int, contact_id: int, mine: Direction) -> list[Message]:
    return list(
        db.scalars(
            select(Message)
            .options(selectinload(Message.attachments))
            .where(
                Message.inmate_id == inmate_id, Message.contact_id == contact_id, _visible_to(mine)
            )
            .order_by(Message.created_at, Message.id)
            .execution_options(populate_existing=True)
        )
    )


def _mark_read(
    db: Session, inmate_id: int, contact_id: int, theirs: Direction, now: datetime
) -> None:
    db.execute(
        update(Message)
        .where(
            Message.inmate_id == inmate_id,
            Message.contact_id == contact_id,
            Message.direction == theirs.value,
            Message.status == M.PASSED.value,
            Message.read_at.is_(None),
        )
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    )


def inmate_contact(db: Session, inmate: Inmate, contact_id: int) -> Contact:
    contact = db.get(Contact, contact_id)
    if contact is None or contact.inmate_id != inmate.id:
        raise NotFound("No such contact.")
    return contact


def thread_for_inmate(db: Session, inmate: Inmate, contact_id: int, now: datetime) -> list[Message]:
    """The inmate's conversation with one contact; the contact's new messages become read."""
    contact = inmate_contact(db, inmate, contact_id)
    _mark_read(db, inmate.id, contact.id, Direction.IN, now)
    return _thread(db, inmate.id, contact.id, Direction.OUT)


def thread_for_contact(db: Session, contact: Contact, now: datetime) -> list[Message]:
    _mark_read(db, contact.inmate_id, contact.id, Direction.OUT, now)
    return _thread(db, contact.inmate_id, contact.id, Direction.IN)


def photo_for_inmate(db: Session, inmate: Inmate, attachment_id: int) -> Attachment:
    """A photo a contact sent that passed screening, for its inmate only."""
    attachment = db.get(Attachment, attachment_id)
    message = attachment.message if attachment is not None else None
    if message is None or message.inmate_id != inmate.id or message.status != M.PASSED.value:
        raise NotFound("No such photo.")
    return attachment  # type: ignore[return-value]


def message_photo_for_inmate(
    db: Session, inmate: Inmate, contact_id: int, message_id: int, number: int
) -> Attachment:
    """Photo `number` (the first is 1) of a message in the inmate's conversation with a contact,
    once screening passed it (privileged mail passes unread). Another inmate's message, a held
    or rejected one, or a photo it does not have: not found, the same answer for each."""
    message = db.get(Message, message_id)
    if (
        message is None
        or message.inmate_id != inmate.id
        or message.contact_id != contact_id
        or message.status != M.PASSED.value
        or not 1 <= number <= len(message.attachments)
    ):
        raise NotFound("No such photo.")
    return message.attachments[number - 1]


def photo_for_contact(db: Session, contact: Contact, attachment_id: int) -> Attachment:
    attachment = db.get(Attachment, attachment_id)
    message = attachment.message if attachment is not None else None
    if message is None or message.contact_id != contact.id:
        raise NotFound("No such photo.")
    return attachment  # type: ignore[return-value]
