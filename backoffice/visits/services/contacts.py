"""Contacts: the inmate asks to add a person, staff approve or refuse, withdraw an approval,
or bar a person (a matching contact is barred at once and its future calls cancelled)."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ...audit.services import Actor, record
from ...errors import Conflict, Forbidden, InvalidInput
from ...people.models import Inmate, InmateStatus
from ...staff.scope import check_in_scope
from ...words import word
from ..models import Bar, BarCategory, Contact, ContactStatus, Relation
from .lifecycle import _cancel_future, _future_of_contact, _locked
from .rules import SYSTEM, _check_aware

PHONE = re.compile(r"^\+?[0-9]{6,20}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _phone(raw: str) -> str:
    return re.sub(r"[\s\-().]", "", raw or "")


def _name_key(name: str) -> str:
    return " ".join(name.casefold().split())


def contacts_of(db: Session, inmate: Inmate) -> list[Contact]:
    stmt = (
        select(Contact)
        .where(Contact.inmate_id == inmate.id)
        .order_by(Contact.full_name, Contact.id)
    )
    return list(db.scalars(stmt))


def _matching_bar(
    db: Session, inmate_id: int, full_name: str, phone: str, email: str
) -> Bar | None:
    for bar in db.scalars(select(Bar).where(Bar.inmate_id == inmate_id).order_by(Bar.id)):
        if (
            (phone and bar.phone and _phone(bar.phone) == phone)
            or (email and bar.email and bar.email.casefold() == email.casefold())
            or _name_key(bar.full_name) == _name_key(full_name)
        ):
            return bar
    return None


def request_contact(
    db: Session,
    actor: Actor,
    inmate: Inmate,
    *,
    full_name: str,
    relation: str,
    phone: str = "",
    email: str = "",
    now: datetime,
) -> Contact:
    """The inmate asks to add a person. Staff decide; a barred person is refused at once."""
    _check_aware(now)
    full_name = " ".join((full_name or "").split())
    phone = _phone(phone)
    email = (email or "").strip()
    if not full_name or len(full_name) > 200:
        raise InvalidInput("Write the person's full name (at most 200 characters).")
    if relation not in {r.value for r in Relation}:
        raise InvalidInput("Choose how you know the person.", relation=relation)
    if not phone and not email:
        raise InvalidInput("Give the person's phone number or e-mail address.")
    if phone and not PHONE.match(phone):
        raise InvalidInput("The phone number should be 6 to 20 digits, optionally with +.")
    if email and (len(email) > 254 or not EMAIL.match(email)):
        raise InvalidInput("The e-mail address does not look right.")
    if inmate.status != InmateStatus.ACTIVE.value:
        raise Forbidden("Only a person in custody can add contacts.")
    for existing in contacts_of(db, inmate):
        same = (phone and _phone(existing.phone) == phone) or (
            email and existing.email.casefold() == email.casefold()
        )
        if same and existing.status in (ContactStatus.PENDING, ContactStatus.APPROVED):
            raise Conflict(
                "%(name)s is already on your list (%(status)s).",
                name=existing.full_name,
                status=word(existing.status),
                contact_id=existing.id,
            )
    contact = Contact(
        inmate_id=inmate.id,
        full_name=full_name,
        relation=relation,
        phone=phone,
        email=email,
        status=ContactStatus.PENDING.value,
        privileged=False,
        requested_at=now,
    )
    db.add(contact)
    db.flush()
    record(
        db,
        actor,
        "visits.contact_requested",
        target_type="visit_contact",
        target_id=contact.id,
        inmate_id=inmate.id,
        relation=relation,
    )
    bar = _matching_bar(db, inmate.id, full_name, phone, email)
    if bar is not None:
        contact.status = ContactStatus.BARRED.value
        contact.decided_at = now
        contact.decided_by = SYSTEM.name
        contact.decision_reason = f"matches bar #{bar.id} ({bar.category})"
        db.flush()
        record(
            db,
            SYSTEM,
            "visits.contact_barred",
            target_type="visit_contact",
            target_id=contact.id,
            bar_id=bar.id,
            category=bar.category,
        )
    return contact


def pending_contacts(db: Session, prison_id: int | None = None) -> list[Contact]:
    stmt = (
        select(Contact)
        .options(selectinload(Contact.inmate))
        .where(Contact.status == ContactStatus.PENDING.value)
        .order_by(Contact.requested_at, Contact.id)
    )
    if prison_id is not None:
        stmt = stmt.join(Inmate, Inmate.id == Contact.inmate_id).where(
            Inmate.prison_id == prison_id
        )
    return list(db.scalars(stmt))


def _contact(db: Session, contact_id: int) -> Contact:
    return _locked(db, Contact, contact_id, "No such contact.", contact_id=contact_id)


def decide_contact(
    db: Session,
    actor: Actor,
    contact_id: int,
    *,
    approve: bool,
    reason: str,
    now: datetime,
    privileged: bool | None = None,
) -> Contact:
    """Staff approve or refuse a pending contact after their checks, with the reason. A lawyer
    is privileged by default: the calls are never monitored. Only staff of the inmate's prison
    (or national staff) decide; anyone else is told there is no such contact."""
    _check_aware(now)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Write the reason for the decision (what was checked, or why not).")
    contact = _contact(db, contact_id)
    check_in_scope(db, actor, contact.inmate.prison_id, "contact")
    if contact.status != ContactStatus.PENDING.value:
        raise Conflict(
            "This contact was already decided (%(status)s).", status=word(contact.status)
        )
    if approve:
        bar = _matching_bar(db, contact.inmate_id, contact.full_name, contact.phone, contact.email)
        if bar is not None:
            raise Conflict(
                "%(name)s matches a bar (%(category)s): they cannot be approved.",
                name=contact.full_name,
                category=word(bar.category),
                bar_id=bar.id,
            )
        contact.status = ContactStatus.APPROVED.value
        contact.privileged = (
            contact.relation == Relation.LAWYER.value if privileged is None else privileged
        )
    else:
        contact.status = ContactStatus.REFUSED.value
        contact.privileged = False
    contact.decided_at = now
    contact.decided_by = actor.name
    contact.decision_reason = reason
    db.flush()
    record(
        db,
        actor,
        "visits.contact_approved" if approve else "visits.contact_refused",
        target_type="visit_contact",
        target_id=contact.id,
        inmate_id=contact.inmate_id,
        reason=reason,
        privileged=contact.privileged,
    )
    return contact


def withdraw_approval(
    db: Session, actor: Actor, contact_id: int, *, reason: str, now: datetime
) -> Contact:
    """An approved contact is refused after all; their future calls are cancelled."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Write why the approval is withdrawn.")
    contact = _contact(db, contact_id)
    if contact.status != ContactStatus.APPROVED.value:
        raise Conflict("This contact is not approved (%(status)s).", status=word(contact.status))
    contact.status = ContactStatus.REFUSED.value
    contact.decided_at = now
    contact.decided_by = actor.name
    contact.decision_reason = reason
    db.flush()
    record(
        db,
        actor,
        "visits.contact_withdrawn",
        target_type="visit_contact",
        target_id=contact.id,
        reason=reason,
    )
    _cancel_future(db, actor, _future_of_contact(db, contact.id, now), "contact not approved", now)
    return contact


def bar_person(
    db: Session,
    actor: Actor,
    inmate: Inmate,
    *,
    full_name: str,
    category: str,
    reason: str,
    now: datetime,
    phone: str = "",
    email: str = "",
) -> Bar:
    """This inmate may not call this person (a victim, a co-accused...). A matching contact is
    barred at once and its future calls cancelled."""
    check_in_scope(db, actor, inmate.prison_id, "inmate")
    full_name = " ".join((full_name or "").split())
    if not full_name:
        raise InvalidInput("Write the barred person's full name.")
    if category not in {c.value for c in BarCategory}:
        raise InvalidInput("Choose why the person is barred.", category=category)
    if not (reason or "").strip():
        raise InvalidInput("Write the reason for the bar (a court order, a case number...).")
    bar = Bar(
        inmate_id=inmate.id,
        full_name=full_name,
        phone=_phone(phone),
        email=(email or "").strip(),
        category=category,
        reason=reason.strip(),
        created_at=now,
        created_by=actor.name,
    )
    db.add(bar)
    db.flush()
    record(
        db,
        actor,
        "visits.person_barred",
        target_type="visit_bar",
        target_id=bar.id,
        inmate_id=inmate.id,
        category=category,
    )
    for contact in contacts_of(db, inmate):
        if contact.status == ContactStatus.BARRED.value:
            continue
        if _matching_bar(db, inmate.id, contact.full_name, contact.phone, contact.email) is bar:
            contact.status = ContactStatus.BARRED.value
            contact.decided_at = now
            contact.decided_by = actor.name
            contact.decision_reason = f"bar #{bar.id} ({category}): {bar.reason}"
            contact.privileged = False
            db.flush()
            record(
                db,
                actor,
                "visits.contact_barred",
                target_type="visit_contact",
                target_id=contact.id,
                bar_id=bar.id,
                category=category,
            )
            _cancel_future(db, actor, _future_of_contact(db, contact.id, now), "barred", now)
    return bar
