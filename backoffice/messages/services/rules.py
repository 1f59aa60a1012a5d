"""Each prison's screening rules and each contact's standing (on watch, blocked)."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...audit.services import Actor, record
from ...errors import InvalidInput, NotFound
from ...people.models import Inmate, Prison
from ...staff.scope import scope_of
from ...visits.models import Contact
from ..models import ContactStanding, ScreeningRules


def rules_for(db: Session, prison_id: int) -> ScreeningRules:
    """The prison's rules; a prison that set none reads every message (nothing passes by
    itself), five a day each way, 2,000 characters, free."""
    rules = db.scalars(select(ScreeningRules).where(ScreeningRules.prison_id == prison_id)).first()
    if rules is None:
        rules = ScreeningRules(prison_id=prison_id, auto_pass=False, held_words=[],
                               max_per_day=5, max_length=2000, price_cents=0,
                               updated_at=datetime.min)  # fmt: skip
    return rules


def set_rules(
    db: Session,
    actor: Actor,
    prison_id: int,
    *,
    auto_pass: bool,
    held_words: list[str],
    max_per_day: int,
    max_length: int,
    price_cents: int,
    now: datetime,
) -> ScreeningRules:
    if db.get(Prison, prison_id) is None:
        raise NotFound("No such prison.")
    if not 1 <= max_per_day <= 100:
        raise InvalidInput("Messages a day: from 1 to 100.")
    if not 1 <= max_length <= 20000:
        raise InvalidInput("Length: from 1 to 20,000 characters.")
    if price_cents < 0:
        raise InvalidInput("The price cannot be negative.")
    words = sorted({w.strip().casefold() for w in held_words if w.strip()})
    rules = db.scalars(select(ScreeningRules).where(ScreeningRules.prison_id == prison_id)).first()
    if rules is None:
        rules = ScreeningRules(prison_id=prison_id)
        db.add(rules)
    rules.auto_pass = auto_pass
    rules.held_words = words
    rules.max_per_day = max_per_day
    rules.max_length = max_length
    rules.price_cents = price_cents
    rules.updated_at = now
    rules.updated_by = actor.name
    db.flush()
    record(db, actor, "messages.rules_set", target_type="prison", target_id=prison_id,
           auto_pass=auto_pass, held_words=len(words), max_per_day=max_per_day,
           max_length=max_length, price_cents=price_cents)  # fmt: skip
    return rules


def held_words_in(text: str, words: list[str]) -> list[str]:
    """The prison's words found in `text`, as whole words, case-blind."""
    folded = text.casefold()
    return [w for w in words if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", folded)]


def standing_of(db: Session, contact_id: int) -> ContactStanding | None:
    return db.get(ContactStanding, contact_id)


def set_standing(
    db: Session,
    actor: Actor,
    contact_id: int,
    *,
    on_watch: bool,
    blocked: bool,
    reason: str,
    now: datetime,
) -> ContactStanding:
    """Security puts a contact on watch (their messages are always held) or blocks them (no
    message either way); each change with its reason, audited."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Write why.")
    prison_id = db.scalar(
        select(Inmate.prison_id).join(Contact, Contact.inmate_id == Inmate.id)
        .where(Contact.id == contact_id)
    )  # fmt: skip
    if prison_id is None or not scope_of(db, actor).covers(prison_id):
        raise NotFound("No such contact.")
    standing = db.get(ContactStanding, contact_id)
    if standing is None:
        standing = ContactStanding(contact_id=contact_id)
        db.add(standing)
    standing.on_watch = on_watch
    standing.blocked = blocked
    standing.reason = reason
    standing.changed_at = now
    standing.changed_by = actor.name
    db.flush()
    record(db, actor, "messages.contact_standing", target_type="visit_contact",
           target_id=contact_id, on_watch=on_watch, blocked=blocked, reason=reason)  # fmt: skip
    return standing
