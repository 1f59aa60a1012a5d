"""Bans from the shop and restrictions on product tags, set by officers on an inmate."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from ...audit.services import Actor, record
from ...errors import InvalidInput
from ...people.models import Inmate
from ..models import InmateRestriction, ShopBan


def ban_from_shop(
    db: Session, actor: Actor, inmate: Inmate, *, starts_on: date, ends_on: date, reason: str
) -> ShopBan:
    if ends_on < starts_on:
        raise InvalidInput("Dates: the ban must end on or after the day it starts.")
    if not reason.strip():
        raise InvalidInput("Reason: say why (the inmate is shown it).")
    ban = ShopBan(
        inmate_id=inmate.id,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=reason.strip(),
        created_by=actor.name,
    )
    db.add(ban)
    db.flush()
    record(
        db,
        actor,
        "shop.ban",
        target_type="inmate",
        target_id=inmate.id,
        starts_on=starts_on.isoformat(),
        ends_on=ends_on.isoformat(),
        reason=reason,
    )
    return ban


def restrict(db: Session, actor: Actor, inmate: Inmate, tag: str, reason: str) -> None:
    tag = tag.strip().lower()
    if not tag:
        raise InvalidInput("Tag: which product tag is restricted?")
    if db.get(InmateRestriction, (inmate.id, tag)) is None:
        db.add(InmateRestriction(inmate_id=inmate.id, tag=tag, reason=reason))
        db.flush()
        record(
            db,
            actor,
            "shop.restrict",
            target_type="inmate",
            target_id=inmate.id,
            tag=tag,
            reason=reason,
        )
