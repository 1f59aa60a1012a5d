"""What the staff pages label the codes the services store with, in a table's cell or after a
heading: an order's status "in_progress" is "In progress" in English, "Töös" in Estonian. One
table for every feature's statuses, kinds and transfer codes, since a code means the same to
staff wherever it appears; a code not named here is shown as it is (a new status shows up,
never a blank). Inside a sentence a code is a word of backoffice/words.py instead.

    said(code) -> str     the template filter `said`: {{ order.status | said }}
"""

from __future__ import annotations

from flask_babel import gettext

from ..surface.i18n import N_

LABELS: dict[str, str] = {
    # orders
    "placed": N_("Placed"),
    "picking": N_("Picking"),
    "packed": N_("Packed"),
    "delivered": N_("Delivered"),
    "cancelled": N_("Cancelled"),
    "expired": N_("Expired"),
    # requests and their history
    "submitted": N_("Submitted"),
    "in_progress": N_("In progress"),
    "approved": N_("Approved"),
    "declined": N_("Declined"),
    "rejected": N_("Rejected"),
    "appealed": N_("Appealed"),
    "closed": N_("Closed"),
    "withdrawn": N_("Withdrawn"),
    "answered": N_("Answered"),
    "attached": N_("Document attached"),
    "claimed": N_("Taken on"),
    "escalated": N_("Escalated"),
    "forwarded": N_("Forwarded"),
    "inmate_reply": N_("Inmate's reply"),
    "note": N_("Note"),
    "abusive": N_("Abusive"),
    "duplicate": N_("Duplicate"),
    "wrong_type": N_("Wrong type"),
    "open": N_("Open cases"),
    "overdue": N_("Overdue"),
    "due_soon": N_("Due soon"),
    "mine": N_("Mine"),
    # money: deposits, entries, payrolls, bank lines and payments
    "pending": N_("Pending"),
    "held": N_("Held"),
    "credited": N_("Credited"),
    "released": N_("Released"),
    "returned": N_("Returned"),
    "paid": N_("Paid"),
    "executed": N_("Executed"),
    "in_file": N_("In a payment file"),
    "waiting": N_("Waiting"),
    "explained": N_("Explained"),
    "payment": N_("Payment"),
    "refused": N_("Refused"),
    "reversal": N_("Reversal"),
    "reversed": N_("Reversed"),
    "return_to_sender": N_("Return to sender"),
    "court_fines": N_("Court fines"),
    "victim_compensation": N_("Victim compensation"),
    # the ledger's transfer codes and kinds
    "opening": N_("Opening balance"),
    "deposit": N_("Deposit"),
    "wage": N_("Wages"),
    "debt_share": N_("Share for debts"),
    "release_fund_share": N_("Share for the release fund"),
    "debt": N_("Debt"),
    "order_hold": N_("Shop order held"),
    "order_capture": N_("Shop order"),
    "refund": N_("Refund"),
    "release_payout": N_("Payout on release"),
    "creditor_payout": N_("Payout to a creditor"),
    "correction": N_("Correction"),
    "visit": N_("Video call"),
    "bank_receipt": N_("Bank receipt"),
    "bank_payment": N_("Bank payment"),
    "message": N_("Message"),
    "prison_transfer": N_("Transfer to another prison"),
    "single": N_("Posted"),
    "post": N_("Hold posted"),
    "void": N_("Hold released"),
    "expire": N_("Hold expired"),
    # the inmate accounts' parts
    "spendable": N_("Spendable"),
    "release_fund": N_("Release fund"),
    "debts": N_("Debts"),
    "debts_set_aside": N_("Set aside for debts"),
    # people and the register
    "active": N_("Active"),
    "out": N_("Out"),
    "transferred": N_("Transferred"),
    "deceased": N_("Deceased"),
    "convicted": N_("Convicted"),
    "remand": N_("On remand"),
    "admitted": N_("Admitted"),
    "moved": N_("Moved"),
    "legal_status": N_("Legal status"),
    "admission": N_("Admission"),
    "move": N_("Move"),
    "transfer": N_("Transfer"),
    "release": N_("Release from prison"),
    "return": N_("Return to prison"),
    "death": N_("Death"),
    "status_change": N_("Status change"),
    "applied": N_("Applied"),
    # cards, sign-in, devices, messages
    "blocked": N_("Blocked"),
    "replaced": N_("Replaced"),
    "card": N_("Card"),
    "face": N_("Face"),
    "pin": N_("PIN"),
    "kiosk": N_("kiosk"),
    "tablet": N_("tablet"),
    "booth": N_("booth"),
    "passed": N_("Passed"),
    "queued": N_("Queued"),
    "sending": N_("Sending"),
    "sent": N_("Sent"),
    "failed": N_("Failed"),
    "email": N_("email"),
    "sms": N_("SMS"),
    # video calls and contacts
    "confirmed": N_("Confirmed"),
    "ended": N_("Ended"),
    "barred": N_("Barred"),
    # the library
    "draft": N_("Draft"),
    "awaiting_review": N_("Awaiting review"),
    "scheduled": N_("Scheduled"),
    "published": N_("Published"),
    "unpublished": N_("Unpublished"),
    "audio": N_("Audio"),
    "video": N_("Video"),
    "document": N_("Document"),
    "page": N_("Page"),
    "course": N_("Course"),
    "lesson": N_("Lesson"),
    "series": N_("Series"),
    # audit outcomes
    "ok": N_("ok"),
}


def said(code: object) -> str:
    """A stored code in the reader's words; an unknown code as it is."""
    text = "" if code is None else str(code)
    words = LABELS.get(text)
    return gettext(words) if words is not None else text
