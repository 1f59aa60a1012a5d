"""Manual payouts and corrections: entered by one accountant, approved or rejected by another
(maker-checker)."""

from __future__ import annotations

from typing import Any

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import Session

from ...errors import Forbidden, InvalidInput
from ...money.services import PRISON_ACCOUNTS
from ...surface import get_db
from ...web.access import staff_actor
from ...web.handling import perform
from .. import services
from ..models import EntryKind, EntryStatus
from .common import bp, cents_arg, date_arg, inmate_by_number, my_prison, tz


@bp.get("/entries")
def entries_page() -> Any:
    db = get_db()
    return render_template(
        "accounts/entries.html",
        pending=services.entries(db, prison_id=my_prison(), status=EntryStatus.PENDING),
        decided=[
            e
            for e in services.entries(db, prison_id=my_prison(), limit=100)
            if e.status != EntryStatus.PENDING
        ],
        kinds=[k.value for k in EntryKind],
        parts=services.INMATE_PARTS,
        counters=list(PRISON_ACCOUNTS),
        me=current_user.user,
        today=services.local_today(tz()),
    )


@bp.post("/entries")
def entry_create() -> Any:
    def create(db: Session) -> str:
        inmate = inmate_by_number(db, request.form.get("prison_number", ""))
        amount = cents_arg("amount")
        if amount is None:
            raise InvalidInput(_("amount: how much, please"))
        entry = services.create_entry(
            db,
            staff_actor(),
            inmate,
            kind=request.form.get("kind", ""),
            amount_cents=amount,
            reason=request.form.get("reason", ""),
            effective_on=date_arg("effective_on") or services.local_today(inmate.prison.timezone),
            part=request.form.get("part", ""),
            counter=request.form.get("counter", ""),
            direction=request.form.get("direction", ""),
        )
        return _(
            "Entry M%(id)s entered; another member of staff must approve it.",
            id=entry.id,
        )

    return perform(create, "", url_for("accounts.entries_page"))


@bp.post("/entries/<int:entry_id>/approve")
def entry_approve(entry_id: int) -> Any:
    return perform(
        lambda db: (
            services.approve_entry(db, staff_actor(), entry_id, prison_id=my_prison())
            and f"Entry M{entry_id} approved; the money has moved."
        ),
        "",
        url_for("accounts.entries_page"),
        audited=Forbidden,
    )


@bp.post("/entries/<int:entry_id>/reject")
def entry_reject(entry_id: int) -> Any:
    return perform(
        lambda db: (
            services.reject_entry(
                db, staff_actor(), entry_id, request.form.get("note", ""), prison_id=my_prison()
            )
            and f"Entry M{entry_id} rejected; nothing moved."
        ),
        "",
        url_for("accounts.entries_page"),
    )
