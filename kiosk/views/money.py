"""The inmate's money: balances and the latest movements, said plainly."""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask_babel import gettext as _

from backoffice.bank.reference import inmate_reference
from backoffice.money import services as money_services
from backoffice.people.models import Inmate
from backoffice.surface import get_db, settings

from .screen import bp, format_moment, format_money, signed_in


@bp.get("/money")
@signed_in
def money(inmate: Inmate) -> Any:
    db = get_db()
    lines = [
        {
            "when": format_moment(line.at),
            "what": money_words(line),
            "amount_cents": -abs(line.amount_cents)
            if line.kind in ("pending", "post")
            else abs(line.amount_cents)
            if line.kind in ("void", "expire")
            else line.amount_cents,
            "held": line.kind == "pending",
        }
        for line in money_services.recent_transfers(db, inmate, limit=10)
    ]
    return render_template(
        "kiosk/money.html",
        balances=money_services.balances_for(db, inmate),
        lines=lines,
        money=format_money,
        reference=inmate_reference(inmate.id),
        bank_account=settings()["bank"]["account_iban"],
        bank_holder=settings()["bank"]["account_name"],
        debts=[
            {
                "creditor": creditor_words(line.debt.creditor),
                "decision": line.debt.decision_reference,
                "owed_cents": line.debt.amount_cents,
                "paid_cents": line.paid_cents,
                "remaining_cents": line.remaining_cents,
            }
            for line in money_services.debts_of(db, inmate)
        ],
    )


def creditor_words(creditor: str) -> str:
    return {
        "court_fines": _("Court fine"),
        "victim_compensation": _("Compensation to a victim"),
    }.get(creditor, creditor)


def money_words(line: Any) -> str:
    """A movement of money said plainly, in the language on screen."""
    ref = line.reference
    if line.kind == "pending":
        return _("Held for shop order %(ref)s", ref=ref)
    if line.kind == "post":
        return _("Paid for shop order %(ref)s", ref=ref)
    if line.kind == "void":
        return _("Hold released, the money is free again (%(ref)s)", ref=ref)
    if line.kind == "expire":
        return _("Hold ended, the money is free again (%(ref)s)", ref=ref)
    words = {
        "opening": _("Money you had when the system started"),
        "deposit": _("Money sent to you"),
        "wage": _("Your wages"),
        "debt_share": _("Set aside for your debts"),
        "release_fund_share": _("Saved in your release fund"),
        "debt": _("Debt registered"),
        "order_capture": _("Paid for shop order %(ref)s", ref=ref),
        "refund": _("Money back from the shop (%(ref)s)", ref=ref),
        "release_payout": _("Paid out at release"),
        "creditor_payout": _("Paid to a creditor"),
        "correction": _("Correction by the accounts office"),
        "visit": _("Video call"),
    }
    return words.get(line.code, line.reason)
