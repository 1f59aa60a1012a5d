"""Video visits: who may call whom, and when. The platform books and gates the calls; the media
runs on the prison's Jitsi Meet, which admits a participant with an HS256 JWT room token that
Cellgate issues only inside the join window.

Inmate-facing functions (the kiosk and the tablet API call these; their screens live there).
`rules` is a `VisitRules` (`VisitRules.from_settings(settings)`) or the `Settings` themselves;
`now` is an aware UTC datetime, passed in so that tests fix the clock. The caller commits.
Refusals raise `backoffice.errors` errors whose message can be shown to the inmate as it is:
NotFound (404), Forbidden (403), Conflict (409), InvalidInput (422).

    contacts_of(db, inmate) -> list[Contact]
        Every contact the inmate asked for; show `contact.status_for_inmate` (a barred person
        reads "refused": the inmate is not told why).
    request_contact(db, actor, inmate, *, full_name, relation, phone="", email="", now)
        -> Contact (pending; refused on the spot when it matches a bar)
    available_slots(db, inmate, now, rules) -> list[SlotOffer]
        Sessions 2..28 days ahead (settings) in the inmate's prison, not on blocked dates,
        with places left and whether the inmate's weekly quota allows one more. It creates
        the horizon's slot rows from the session templates when missing: commit afterwards,
        so that the slot ids it returns stay valid for hold_slot.
    hold_slot(db, actor, inmate, slot_id, contact_id, now, rules, *, via=None, rebook_of=None)
        -> Booking (status "held" until `hold_expires_at`, 10 minutes by default). `via` is
        "tablet" or "booth" (None: the cell's tablet if it has one, else a free booth).
        `rebook_of` is the id of the inmate's call that failed for technical reasons: the new
        booking does not use the weekly quota.
    confirm_booking(db, actor, inmate, booking_id, now, rules) -> Confirmed
        (the booking and the contact's invitation link; the link also goes to the outbox)
    cancel_booking(db, actor, inmate, booking_id, now, rules) -> Booking
    bookings_of(db, inmate) -> list[Booking] (newest slot first)
    join_token_for_inmate(db, inmate, booking_id, now, rules, *, actor=None) -> RoomToken
        Only from `join_early_minutes` (5) before the start until the end of the slot, for a
        confirmed call with an approved contact. `RoomToken.url` opens the room.

Contacts (the public invitation page):
    invitation_for(db, token, now) -> Invitation          (valid, unexpired, not revoked)
    join_token_for_contact(db, token, now, rules, *, booking_id=None, remote_addr="")

Staff (role "visits"): pending_contacts, decide_contact, withdraw_approval, bar_person;
session_templates, add_session_template, stop_template, endpoints_of, add_endpoint;
block_date, unblock_date; calls_of_day, end_call, mark_failed, reissue_invitation (a lost
link: the old one stops working), monitor_token (refused for privileged calls);
cancel_for_departure and sweep (expire holds; cancel the calls of released or transferred
inmates and tell their contacts). The outbox: outbox, mark_sent, queue_reminders (the day
before a call).

One module per use case, each importable from here: rules (VisitRules, the clock and calendar
helpers), contacts, slots (endpoints, templates, blocked dates, slots), offers (available_slots),
booking (hold, confirm, cancel), invitations (the contact's link), calls (joining, monitoring,
the day's calls), sweep (departures, expired holds), outbox; lifecycle holds a booking's moves
along models.TRANSITIONS that the others share.
"""

from __future__ import annotations

from .booking import Confirmed, bookings_of, cancel_booking, confirm_booking, hold_slot
from .calls import (
    EndpointCalls,
    RoomToken,
    calls_of_day,
    end_call,
    join_token_for_contact,
    join_token_for_inmate,
    join_window,
    mark_failed,
    monitor_token,
)
from .contacts import (
    EMAIL,
    PHONE,
    bar_person,
    contacts_of,
    decide_contact,
    pending_contacts,
    request_contact,
    withdraw_approval,
)
from .invitations import invitation_for, reissue_invitation
from .offers import SlotOffer, available_slots
from .outbox import mark_sent, outbox, queue_reminders
from .rules import ACTIVE_BOOKING, QUOTA_STATUSES, SYSTEM, B, VisitRules
from .slots import (
    add_endpoint,
    add_session_template,
    block_date,
    blocked_dates,
    endpoints_of,
    open_slots,
    session_templates,
    stop_template,
    unblock_date,
)
from .sweep import SweepResult, cancel_for_departure, sweep

__all__ = [
    "ACTIVE_BOOKING",
    "EMAIL",
    "PHONE",
    "QUOTA_STATUSES",
    "SYSTEM",
    "B",
    "Confirmed",
    "EndpointCalls",
    "RoomToken",
    "SlotOffer",
    "SweepResult",
    "VisitRules",
    "add_endpoint",
    "add_session_template",
    "available_slots",
    "bar_person",
    "block_date",
    "blocked_dates",
    "bookings_of",
    "calls_of_day",
    "cancel_booking",
    "cancel_for_departure",
    "confirm_booking",
    "contacts_of",
    "decide_contact",
    "end_call",
    "endpoints_of",
    "hold_slot",
    "invitation_for",
    "join_token_for_contact",
    "join_token_for_inmate",
    "join_window",
    "mark_failed",
    "mark_sent",
    "monitor_token",
    "open_slots",
    "outbox",
    "pending_contacts",
    "queue_reminders",
    "reissue_invitation",
    "request_contact",
    "session_templates",
    "stop_template",
    "sweep",
    "unblock_date",
    "withdraw_approval",
]
