"""Cards: staff issue, block and replace them; a card answers a challenge in a device's
reader, then the inmate types the PIN; taking the card out ends what went on in its name."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hardware.cards import CHALLENGE_BYTES, card_response

from ...audit.services import Actor, record
from ...db import utcnow
from ...devices.models import Device
from ...devices.services import may_sign_in_at
from ...errors import Conflict, InvalidInput
from ...people.models import Inmate
from ...staff.scope import check_in_scope
from ..crypto import seal, unseal
from ..models import CardChallenge, CardStatus, InmateCard, InmateSession, SignInMethod
from .attempts import Attempt, _credentials
from .inmate_sessions import _end
from .pins import _pin_matches
from .policy import DEFAULT_POLICY, SignInPolicy, SignInRefused, _now, device_actor

CARD_KEY_BYTES = 32


@dataclass(frozen=True)
class CardPending:
    """A card that answered its challenge: the inmate must now type the PIN."""

    challenge_id: str
    inmate: Inmate
    card_number: str
    expires_at: datetime


def _new_card_number(db: Session) -> str:
    while True:
        number = f"CG{secrets.randbelow(10**10):010d}"
        if db.scalar(select(InmateCard.id).where(InmateCard.card_number == number)) is None:
            return number


def issue_card(
    db: Session,
    actor: Actor,
    inmate: Inmate,
    *,
    card_number: str | None = None,
    key: bytes | None = None,
    policy: SignInPolicy = DEFAULT_POLICY,
) -> tuple[InmateCard, bytes]:
    """A new card for the inmate. Returns the card and its secret key, to be written onto the
    card now; the server keeps the key only encrypted. `key` is for the demo seed only, so its
    emulated card stays the same between runs."""
    check_in_scope(db, actor, inmate.prison_id, "inmate")
    active = db.scalar(
        select(InmateCard).where(
            InmateCard.inmate_id == inmate.id, InmateCard.status == CardStatus.ACTIVE.value
        )
    )
    if active is not None:
        raise Conflict(
            "%(name)s has an active card (%(card)s): replace it instead.",
            name=inmate.full_name,
            card=active.card_number,
        )
    number = (card_number or _new_card_number(db)).strip().upper()
    if not number.isalnum() or len(number) > 32:
        raise InvalidInput("Card number: letters and digits, at most 32.")
    if db.scalar(select(InmateCard.id).where(InmateCard.card_number == number)) is not None:
        raise Conflict("Card number %(card)s is used already.", card=number)
    key = key or secrets.token_bytes(CARD_KEY_BYTES)
    card = InmateCard(
        inmate_id=inmate.id,
        card_number=number,
        key_encrypted=seal(policy.template_key, key, f"card:{number}"),
        status=CardStatus.ACTIVE.value,
    )
    db.add(card)
    db.flush()
    record(db, actor, "card.issue", target_type="inmate", target_id=inmate.id, card=number)
    return card, key


def block_card(db: Session, actor: Actor, card: InmateCard, reason: str) -> None:
    check_in_scope(db, actor, card.inmate.prison_id, "card")
    if card.status != CardStatus.ACTIVE.value:
        return
    card.status = CardStatus.BLOCKED.value
    card.ended_at = utcnow()
    card.end_reason = reason[:200]
    _close_card_challenges(db, card, card.ended_at)
    db.flush()
    record(
        db,
        actor,
        "card.block",
        target_type="inmate",
        target_id=card.inmate_id,
        card=card.card_number,
        reason=reason,
    )


def replace_card(
    db: Session,
    actor: Actor,
    card: InmateCard,
    reason: str,
    *,
    policy: SignInPolicy = DEFAULT_POLICY,
) -> tuple[InmateCard, bytes]:
    now = utcnow()
    if card.status == CardStatus.ACTIVE.value:
        card.status = CardStatus.REPLACED.value
        card.ended_at = now
        card.end_reason = reason[:200]
        _close_card_challenges(db, card, now)
        db.flush()
    record(
        db,
        actor,
        "card.replace",
        target_type="inmate",
        target_id=card.inmate_id,
        card=card.card_number,
        reason=reason,
    )
    return issue_card(db, actor, card.inmate, policy=policy)


def _close_card_challenges(db: Session, card: InmateCard, now: datetime) -> None:
    db.execute(
        update(CardChallenge)
        .where(CardChallenge.card_id == card.id, CardChallenge.closed_at.is_(None))
        .values(closed_at=now)
    )


def cards_of(db: Session, inmate_id: int) -> list[InmateCard]:
    return list(
        db.scalars(
            select(InmateCard)
            .where(InmateCard.inmate_id == inmate_id)
            .order_by(InmateCard.issued_at.desc(), InmateCard.id.desc())
        )
    )


def card_challenge(
    db: Session,
    device: Device,
    card_number: str,
    now: datetime | None = None,
    *,
    policy: SignInPolicy = DEFAULT_POLICY,
) -> tuple[str, bytes]:
    """A fresh challenge for the card this device's reader holds."""
    now = _now(now)
    actor = device_actor(device)
    attempt = Attempt(db, actor, device, now, SignInMethod.CARD.value, policy).begin()
    card = db.scalar(select(InmateCard).where(InmateCard.card_number == card_number.strip()))
    if card is None or card.status != CardStatus.ACTIVE.value:
        raise attempt.refuse(
            "card-not-valid",
            "This card is not valid. Ask an officer.",
            inmate_id=card.inmate_id if card else None,
            card=card_number[:32],
        )
    if not may_sign_in_at(db, device, card.inmate_id):
        raise attempt.refuse(
            "not-allowed-here",
            "You cannot sign in on this device.",
            inmate_id=card.inmate_id,
            card=card.card_number,
        )
    challenge = CardChallenge(
        id=secrets.token_hex(16),
        device_id=device.id,
        card_id=card.id,
        challenge=secrets.token_bytes(CHALLENGE_BYTES),
        created_at=now,
        expires_at=now + policy.challenge_ttl,
    )
    db.add(challenge)
    db.flush()
    record(
        db,
        actor,
        "inmate.card_challenge",
        target_type="inmate",
        target_id=card.inmate_id,
        card=card.card_number,
        device=device.name,
    )
    return challenge.id, challenge.challenge


def _open_challenge(db: Session, device: Device, challenge_id: str, now: datetime) -> CardChallenge:
    challenge = db.get(CardChallenge, challenge_id, with_for_update=True)
    if challenge is None or challenge.device_id != device.id or challenge.closed_at is not None:
        raise SignInRefused("challenge-unknown", "Take the card out and put it in again.")
    if challenge.expires_at <= now:
        challenge.closed_at = now
        db.flush()
        raise SignInRefused("challenge-expired", "That took too long. Put the card in again.")
    return challenge


def card_verify(
    db: Session,
    actor: Actor,
    device: Device,
    challenge_id: str,
    response: bytes,
    now: datetime | None = None,
    *,
    policy: SignInPolicy = DEFAULT_POLICY,
) -> CardPending:
    """Check the card's answer to the challenge. A right answer waits for the PIN."""
    now = _now(now)
    attempt = Attempt(db, actor, device, now, SignInMethod.CARD.value, policy).begin()
    challenge = _open_challenge(db, device, challenge_id, now)
    if challenge.verified_at is not None:
        raise SignInRefused("challenge-unknown", "Take the card out and put it in again.")
    card = challenge.card
    attempt.details["card"] = card.card_number
    try:
        attempt.credentials_unless_locked(card.inmate_id)
    except SignInRefused:
        challenge.closed_at = now
        raise
    key = unseal(policy.template_key, card.key_encrypted, f"card:{card.card_number}")
    if card.status != CardStatus.ACTIVE.value or not hmac.compare_digest(
        card_response(key, challenge.challenge), bytes(response)
    ):
        challenge.closed_at = now
        raise attempt.refuse(
            "card-refused", "This card could not be verified. Ask an officer.", step="challenge"
        )
    challenge.verified_at = now
    # The PIN may take longer to type than the card took to answer.
    challenge.expires_at = now + 2 * policy.challenge_ttl
    db.flush()
    record(
        db,
        actor,
        "inmate.card_verified",
        target_type="inmate",
        target_id=card.inmate_id,
        card=card.card_number,
        device=device.name,
    )
    return CardPending(challenge.id, card.inmate, card.card_number, challenge.expires_at)


def pending_card(db: Session, device: Device, now: datetime) -> CardPending | None:
    """The card in this device's reader that answered its challenge and waits for the PIN."""
    challenge = db.scalar(
        select(CardChallenge)
        .where(
            CardChallenge.device_id == device.id,
            CardChallenge.verified_at.is_not(None),
            CardChallenge.closed_at.is_(None),
            CardChallenge.expires_at > now,
        )
        .order_by(CardChallenge.verified_at.desc())
        .limit(1)
    )
    if challenge is None:
        return None
    return CardPending(
        challenge.id, challenge.card.inmate, challenge.card.card_number, challenge.expires_at
    )


def card_pin_confirm(
    db: Session,
    actor: Actor,
    device: Device,
    challenge_id: str,
    pin: str,
    now: datetime,
    *,
    policy: SignInPolicy = DEFAULT_POLICY,
) -> Inmate:
    attempt = Attempt(db, actor, device, now, SignInMethod.CARD.value, policy).begin()
    challenge = _open_challenge(db, device, challenge_id, now)
    if challenge.verified_at is None:
        raise SignInRefused("challenge-unknown", "Take the card out and put it in again.")
    card = challenge.card
    attempt.details["card"] = card.card_number
    credentials = attempt.reached(_credentials(db, card.inmate_id))
    if credentials.pin_hash is None:
        challenge.closed_at = now
        raise SignInRefused("pin-not-set", "You have no PIN yet. Ask an officer to set one.")
    if not _pin_matches(credentials, pin):
        error = attempt.refuse("wrong-pin", "Wrong PIN.", step="pin")
        if error.code == "locked":
            challenge.closed_at = now
        raise error
    challenge.closed_at = now
    db.flush()
    return attempt.succeeded(card.inmate, credentials)


def card_removed(
    db: Session, actor: Actor, device: Device, card_number: str, now: datetime
) -> None:
    """The card left the reader: nothing may go on in its name on this device."""
    card = db.scalar(select(InmateCard).where(InmateCard.card_number == card_number.strip()))
    if card is None:
        return
    db.execute(
        update(CardChallenge)
        .where(
            CardChallenge.card_id == card.id,
            CardChallenge.device_id == device.id,
            CardChallenge.closed_at.is_(None),
        )
        .values(closed_at=now)
    )
    sessions = db.scalars(
        select(InmateSession).where(
            InmateSession.inmate_id == card.inmate_id,
            InmateSession.device_id == device.id,
            InmateSession.method == SignInMethod.CARD.value,
            InmateSession.ended_at.is_(None),
        )
    )
    for session in sessions:
        _end(db, actor, session, now, "card removed")
    db.flush()
    record(
        db,
        actor,
        "inmate.card_removed",
        target_type="inmate",
        target_id=card.inmate_id,
        card=card.card_number,
        device=device.name,
    )
