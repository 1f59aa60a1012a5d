"""The contact's invitation link: issued on confirmation (only its hash is stored), reissued when
lost, and read back when the contact opens it."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ...audit.services import Actor, record
from ...errors import Conflict, Forbidden, NotFound
from ...settings import Settings
from ...signin.crypto import secret_hash
from ...staff.scope import check_in_scope
from ..models import Booking, Invitation
from .lifecycle import _booking
from .outbox import _notify, _when
from .rules import B, VisitRules, _rules


def _invite(db: Session, actor: Actor, booking: Booking, now: datetime, rules: VisitRules) -> str:
    """A new invitation link for the booking's contact, into the outbox; returns the link."""
    token = secrets.token_urlsafe(32)
    db.add(
        Invitation(
            booking_id=booking.id,
            token_hash=secret_hash(token),
            created_at=now,
            expires_at=booking.slot.ends_at,
        )
    )
    db.flush()
    url = f"{rules.invitation_base_url}{token}"
    early = int(rules.join_early.total_seconds() // 60)
    _notify(
        db,
        booking,
        "invitation",
        f"{booking.inmate.full_name} has booked a video call with you on {_when(booking)}. "
        f"Join from {early} minutes before the start: {url}",
        now,
        link=url,
        early=early,
    )
    record(
        db,
        actor,
        "visits.invitation_issued",
        target_type="visit_booking",
        target_id=booking.id,
        contact_id=booking.contact_id,
        expires_at=booking.slot.ends_at.isoformat(),
    )
    return url


def reissue_invitation(
    db: Session, actor: Actor, booking_id: int, now: datetime, rules: VisitRules | Settings
) -> str:
    """The contact lost the link: the old links stop working and a new one is sent."""
    rules = _rules(rules)
    booking = _booking(db, booking_id)
    check_in_scope(db, actor, booking.slot.prison_id, "call")
    if booking.status != B.CONFIRMED.value or booking.slot.ends_at <= now:
        raise Conflict("Only a confirmed call that has not ended has an invitation.")
    revoked = 0
    for invitation in db.scalars(
        select(Invitation).where(
            Invitation.booking_id == booking.id, Invitation.revoked_at.is_(None)
        )
    ):
        invitation.revoked_at = now
        revoked += 1
    db.flush()
    record(
        db,
        actor,
        "visits.invitation_revoked",
        target_type="visit_booking",
        target_id=booking.id,
        revoked=revoked,
    )
    return _invite(db, actor, booking, now, rules)


def invitation_for(db: Session, token: str, now: datetime) -> Invitation:
    """The invitation a contact's link stands for, if it is still good."""
    if not token or len(token) > 128:
        raise NotFound("This link is not valid.")
    invitation = db.scalars(
        select(Invitation)
        .options(selectinload(Invitation.booking))
        .where(Invitation.token_hash == secret_hash(token))
    ).first()
    if invitation is None:
        raise NotFound("This link is not valid.")
    if invitation.revoked_at is not None:
        raise Forbidden(
            "This link is no longer valid: the call was cancelled or ended, "
            "or a newer link was sent."
        )
    if now >= invitation.expires_at:
        raise Forbidden("This link has expired.")
    return invitation
