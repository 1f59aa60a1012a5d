"""A contact confirms their e-mail or phone with a code sent there, and may then write and
read on the family site (for every inmate who has them as an approved contact)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ...errors import Forbidden, InvalidInput
from ...outbox.services import queue_for_contact
from ...visits.models import Contact, ContactStatus
from ...visits.services import EMAIL, PHONE
from ..models import AddressCode

CODE_MINUTES = 15
MAX_ATTEMPTS = 5
# Codes sent to one address in an hour at most: nobody can flood a family's inbox or phone.
MAX_CODES_AN_HOUR = 5


def _hash(address: str, code: str) -> str:
    return hashlib.sha256(f"{address}:{code}".encode()).hexdigest()


def normalise(address: str) -> str:
    address = (address or "").strip()
    if "@" in address:
        address = address.lower()
        if not EMAIL.fullmatch(address):
            raise InvalidInput("Write an e-mail address or a phone number.", why="address")
        return address
    phone = "".join(ch for ch in address if ch.isdigit() or ch == "+")
    if not PHONE.fullmatch(phone):
        raise InvalidInput("Write an e-mail address or a phone number.", why="address")
    return phone


def contacts_at(db: Session, address: str) -> list[Contact]:
    return list(
        db.scalars(
            select(Contact)
            .where(
                or_(Contact.email == address, Contact.phone == address),
                Contact.status == ContactStatus.APPROVED.value,
            )
            .order_by(Contact.id)
        )
    )


def send_code(db: Session, address: str, now: datetime) -> None:
    """A code to the address, if it belongs to an approved contact. Whether it does is never
    said: the page reads the same either way."""
    address = normalise(address)
    contacts = contacts_at(db, address)
    if not contacts:
        return
    recent = db.scalar(
        select(func.count()).where(
            AddressCode.address == address, AddressCode.created_at > now - timedelta(hours=1)
        )
    )
    if (recent or 0) >= MAX_CODES_AN_HOUR:
        return
    code = f"{secrets.randbelow(1_000_000):06d}"
    row = AddressCode(address=address, code_hash=_hash(address, code), created_at=now,
                      expires_at=now + timedelta(minutes=CODE_MINUTES))  # fmt: skip
    db.add(row)
    db.flush()
    queue_for_contact(db, contacts[0], "sign_in_code", dedupe_key=f"address_code:{row.id}",
                      now=now, code=code, minutes=CODE_MINUTES)  # fmt: skip


def confirm_code(db: Session, address: str, code: str, now: datetime) -> list[int]:
    """The ids of the approved contacts at this address, once its newest code is confirmed."""
    address = normalise(address)
    row = db.scalars(
        select(AddressCode)
        .where(AddressCode.address == address, AddressCode.used_at.is_(None))
        .order_by(AddressCode.id.desc())
        .with_for_update()
    ).first()
    if row is None or now >= row.expires_at or row.attempts >= MAX_ATTEMPTS:
        raise Forbidden("This code is not valid any more: ask for a new one.", why="code_old")
    row.attempts += 1
    if not hmac.compare_digest(row.code_hash, _hash(address, (code or "").strip())):
        db.flush()
        raise Forbidden("This code is not right.", why="code_wrong")
    row.used_at = now
    db.flush()
    return [c.id for c in contacts_at(db, address)]
