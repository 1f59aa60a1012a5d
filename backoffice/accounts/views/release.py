"""A released inmate's money paid out: the maker's half in one form (a pending payout of his
spendable money and one of his release fund); another accountant approves them on the entries
page, and only then does the money move."""

from __future__ import annotations

from typing import Any

from flask import request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ...money.amounts import euros
from ...web.access import staff_actor
from ...web.handling import perform
from ..services.release import enter_release_payouts
from .common import bp, inmate_by_number


@bp.post("/release-payouts")
def release_payouts() -> Any:
    def enter(db: Session) -> str:
        inmate = inmate_by_number(db, request.form.get("prison_number", ""))
        made = enter_release_payouts(db, staff_actor(), inmate)
        if not made:
            return _(
                "%(prison_number)s has nothing to pay out.",
                prison_number=inmate.prison_number,
            )
        listed = ", ".join(f"M{e.id} {euros(e.amount_cents)}" for e in made)
        return _(
            "Release payouts entered (%(listed)s); another accountant must approve them.",
            listed=listed,
        )

    return perform(enter, "", url_for("accounts.entries_page"))
