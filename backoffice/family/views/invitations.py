"""The invitation link: the call's time, and inside the join window a button that makes the
contact's room token (only on its POST, so a mail scanner that opens links mints none)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from ...errors import NotFound, ServiceError
from ...outbox.services import language_of
from ...surface import equipment, get_db, remote_addr
from ...visits import services as visits
from ...visits.models import Booking
from .site import bp, now, page


def _refused(error: ServiceError, language: str | None = None) -> Any:
    key = "not_found" if isinstance(error, NotFound) else "link_gone"
    return page("family/message.html", error.status, language=language, message=key)


def _times(booking: Booking) -> dict[str, Any]:
    zone = ZoneInfo(booking.slot.prison.timezone)
    opens, closes = visits.join_window(booking, equipment().visit_rules)
    return {
        "zone": zone.key,
        "starts": booking.slot.starts_at.astimezone(zone),
        "ends": booking.slot.ends_at.astimezone(zone),
        "opens": opens.astimezone(zone),
        "state": "early" if now() < opens else "open" if now() < closes else "over",
    }


def _open(token: str) -> tuple[Booking, str]:
    """The booking the link stands for and its contact's language; a dead link is refused."""
    db = get_db()
    invitation = visits.invitation_for(db, token, now())
    return invitation.booking, language_of(db, invitation.booking.contact)


@bp.get("/join/<token>")
def join(token: str) -> Any:
    try:
        booking, language = _open(token)
    except ServiceError as error:
        return _refused(error)
    return page("family/join.html", language=language, booking=booking, token=token,
                **_times(booking))  # fmt: skip


@bp.post("/join/<token>")
def join_now(token: str) -> Any:
    try:
        booking, language = _open(token)
    except ServiceError as error:
        return _refused(error)
    times = _times(booking)
    if times["state"] != "open":
        return page("family/join.html", 403, language=language, booking=booking, token=token,
                    **times)  # fmt: skip
    db = get_db()
    try:
        room = visits.join_token_for_contact(
            db, token, now(), equipment().visit_rules, remote_addr=remote_addr()
        )
    except ServiceError as error:
        db.rollback()
        return page("family/message.html", error.status, language=language,
                    message="cannot_join")  # fmt: skip
    db.commit()
    closes = room.expires_at.astimezone(ZoneInfo(times["zone"]))
    # A link, not a redirect: the CSP's form-action 'self' would stop a redirect to the
    # conferencing server after a form post.
    return page("family/ready.html", language=language, room=room, closes=closes)
