"""Writing: the contact to the inmate (from the family site), the inmate to the contact (kiosk,
tablet). Each message is checked against the limits, then screened: privileged ones pass
unread; held ones wait for an officer; the rest pass where the prison lets clean ones pass. An
inmate's message may cost i-money: held in the ledger, posted when it passes, given back when
it is rejected."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import ledger

from ...audit.services import Actor, record
from ...db import lock_by_id
from ...errors import Conflict, Forbidden, InvalidInput, NotFound
from ...money.services import inmate_accounts, prison_account
from ...outbox.services import queue_for_contact
from ...people.models import Inmate, InmateStatus
from ...visits.models import Contact
from ..models import Attachment, Direction, M, Message
from .photos import MAX_PHOTOS, CleanPhoto
from .rules import held_words_in, rules_for, standing_of

# A hold of a message's price lasts this long; one still held then goes back to the inmate.
PRICE_HOLD = timedelta(days=60)


def _day_start(now: datetime, timezone: str) -> datetime:
    local = now.astimezone(ZoneInfo(timezone))
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def _check_pair(db: Session, inmate: Inmate, contact: Contact) -> None:
    if contact.inmate_id != inmate.id:
        raise NotFound("No such contact.")
    if not contact.approved:
        raise Forbidden("Messages go only to and from approved contacts.", why="not_approved")
    if inmate.status != InmateStatus.ACTIVE.value:
        raise Forbidden("Messages cannot be sent now.", why="cannot")
    standing = standing_of(db, contact.id)
    if standing is not None and standing.blocked:
        raise Forbidden("Messages with this contact are blocked.", why="blocked")


def _check_limits(
    db: Session, inmate: Inmate, contact: Contact, direction: Direction, body: str, now: datetime
) -> None:
    rules = rules_for(db, inmate.prison_id)
    if len(body) > rules.max_length:
        raise InvalidInput(
            "A message may be at most %(limit)s characters long.",
            why="too_long",
            limit=rules.max_length,
        )
    if contact.privileged:
        return  # legal correspondence is not rationed
    sent_today = db.scalar(
        select(func.count()).where(
            Message.inmate_id == inmate.id,
            Message.contact_id == contact.id,
            Message.direction == direction.value,
            Message.created_at >= _day_start(now, inmate.prison.timezone),
        )
    )
    if (sent_today or 0) >= rules.max_per_day:
        raise Conflict(
            "At most %(limit)s messages a day can be sent here.",
            why="per_day",
            limit=rules.max_per_day,
        )


def _screen(db: Session, message: Message, has_photos: bool) -> list[str]:
    """Why the message must be read by an officer (nothing: it may pass)."""
    rules = rules_for(db, message.prison_id)
    why = [f"word: {w}" for w in held_words_in(message.body, rules.held_words)]
    if has_photos:
        why.append("attachment")
    standing = standing_of(db, message.contact_id)
    if standing is not None and standing.on_watch:
        why.append("contact on watch")
    if not rules.auto_pass and not why:
        why.append("every message is read")
    return why


def _new(
    db: Session,
    actor: Actor,
    inmate: Inmate,
    contact: Contact,
    direction: Direction,
    body: str,
    photos: list[CleanPhoto],
    now: datetime,
) -> Message:
    body = (body or "").strip()
    if not body and not photos:
        raise InvalidInput("Write something.", why="empty")
    if len(photos) > MAX_PHOTOS:
        raise InvalidInput(
            "At most %(limit)s photos in one message.", why="photos", limit=MAX_PHOTOS
        )
    # The inmate's row is the lock every writer of this pair takes: the day's count holds.
    lock_by_id(db, Inmate, inmate.id)
    _check_pair(db, inmate, contact)
    _check_limits(db, inmate, contact, direction, body, now)
    message = Message(
        prison_id=inmate.prison_id,
        inmate_id=inmate.id,
        contact_id=contact.id,
        direction=direction.value,
        body=body,
        privileged=contact.privileged,
        status=M.HELD.value,
        held_because=[],
        created_at=now,
        price_cents=0,
    )
    db.add(message)
    db.flush()
    for photo in photos:
        db.add(Attachment(message_id=message.id, content_type=photo.content_type,
                          size_bytes=len(photo.data), width=photo.width, height=photo.height,
                          sha256=photo.sha256, data=photo.data))  # fmt: skip
    if message.privileged:
        # Never screened: only the fact that it was sent is logged, never what it says.
        message.status = M.PASSED.value
        record(db, actor, "messages.privileged_sent", target_type="message",
               target_id=message.id, direction=direction.value)  # fmt: skip
    else:
        message.held_because = _screen(db, message, bool(photos))
        if not message.held_because:
            message.status = M.PASSED.value
            message.decided_at = now
            message.decided_by = "screening rules"
        record(db, actor, "messages.sent", target_type="message", target_id=message.id,
               direction=direction.value, status=message.status,
               held_because=message.held_because, photos=len(photos))  # fmt: skip
    db.flush()
    return message


def write_to_inmate(
    db: Session,
    contact: Contact,
    body: str,
    now: datetime,
    *,
    photos: list[CleanPhoto] | None = None,
    remote_addr: str = "",
) -> Message:
    """The contact writes to their inmate from the family site."""
    actor = Actor(kind="contact", id=contact.id, name=contact.full_name, remote_addr=remote_addr)
    return _new(db, actor, contact.inmate, contact, Direction.IN, body, photos or [], now)


def write_to_contact(
    db: Session,
    actor: Actor,
    inmate: Inmate,
    contact_id: int,
    body: str,
    now: datetime,
    *,
    family_url: str,
) -> Message:
    """The inmate writes to one of their contacts. A prison's price is held from their
    spendable money (privileged letters are free); the contact is told once it has passed."""
    contact = db.get(Contact, contact_id)
    if contact is None or contact.inmate_id != inmate.id:
        raise NotFound("No such contact.")
    message = _new(db, actor, inmate, contact, Direction.OUT, body, [], now)
    price = 0 if message.privileged else rules_for(db, inmate.prison_id).price_cents
    if price:
        hold = ledger.transfer(
            db, key=f"message:{message.id}:price", amount_cents=price,
            debit_account_id=inmate_accounts(db, inmate).spendable.id,
            credit_account_id=prison_account(db, inmate.prison_id, "messages").id,
            code=ledger.TransferCode.MESSAGE, requested_by=actor.name,
            reason=f"message {message.id}", pending=True, expires_at=now + PRICE_HOLD,
            reference=f"message:{message.id}", now=now,
        )  # fmt: skip
        message.price_cents = price
        message.hold_transfer_id = hold.id
    if message.status == M.PASSED.value:
        settle(db, actor, message, now, family_url=family_url)
    db.flush()
    return message


def settle(db: Session, actor: Actor, message: Message, now: datetime, *, family_url: str) -> None:
    """What follows a message's screening: its price posted (passed) or given back
    (rejected), and the contact told of a message for them or of theirs refused."""
    if message.hold_transfer_id is not None:
        key = f"message:{message.id}:{message.status}"
        why = f"message {message.id} {message.status}"
        try:
            if message.status == M.PASSED.value:
                ledger.post_pending(db, key=key, pending_id=message.hold_transfer_id,
                                    requested_by=actor.name, reason=why, now=now)  # fmt: skip
            else:
                ledger.void_pending(db, key=key, pending_id=message.hold_transfer_id,
                                    requested_by=actor.name, reason=why, now=now)  # fmt: skip
        except ledger.HoldNotPending:
            pass  # the hold ran out and went back by itself: nothing is taken
    contact = message.contact
    link = f"{family_url.rstrip('/')}/messages"
    if message.direction == Direction.OUT.value and message.status == M.PASSED.value:
        queue_for_contact(db, contact, "message_reply", dedupe_key=f"message:{message.id}:new",
                          now=now, inmate=message.inmate.full_name, link=link)  # fmt: skip
    elif message.direction == Direction.IN.value and message.status == M.REJECTED.value:
        queue_for_contact(db, contact, "message_rejected",
                          dedupe_key=f"message:{message.id}:rejected", now=now,
                          inmate=message.inmate.full_name, reason=message.reject_reason,
                          link=link)  # fmt: skip
