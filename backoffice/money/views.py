"""The accountant's money pages: debts (registered, corrected under maker-checker, with what
was paid to each), and the wage run (a payroll uploaded, previewed line by line with its
split, paid when a second accountant approves)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import Session

import ledger

from ..errors import InvalidInput, ServiceError
from ..people.models import Prison
from ..staff.models import Role
from ..surface import get_db, settings
from ..web.access import ACCESS, staff_actor
from ..web.handling import perform, translated_refusal
from ..web.pages import chosen_prison, form_cents, form_inmate
from . import services
from .amounts import euros
from .models import Creditor

bp = Blueprint("money", __name__, url_prefix="/money", template_folder="templates")

MONEY_ACCESS: dict[str, frozenset[str]] = {
    f"money.{name}": frozenset({Role.ACCOUNTANT})
    for name in (
        "debts_page",
        "debt_register",
        "correction_enter",
        "correction_approve",
        "correction_reject",
        "wages_page",
        "payroll_upload",
        "payroll_approve",
        "payroll_reject",
    )
}


def init_app(app: Flask) -> None:
    ACCESS.update(MONEY_ACCESS)
    app.register_blueprint(bp)


@bp.get("/debts")
def debts_page() -> Any:
    db = get_db()
    prison = chosen_prison(db)
    return render_template(
        "money/debts.html",
        prison=prison,
        debts=services.prison_debts(db, prison.id),
        corrections=services.pending_corrections(db, prison.id),
        creditors=[c.value for c in Creditor],
        me=current_user.user.username,
    )


@bp.post("/debts")
def debt_register() -> Any:
    db = get_db()
    prison = chosen_prison(db)

    def register(db: Session) -> str:
        inmate = form_inmate(db, prison)
        try:
            priority = int(request.form.get("priority", "1"))
        except ValueError:
            raise InvalidInput(_("priority: a number from 1 to 9")) from None
        debt = services.register_debt(
            db, staff_actor(), inmate, creditor=request.form.get("creditor", ""),
            amount_cents=form_cents("amount"), description=request.form.get("description", ""),
            decision_reference=request.form.get("decision_reference", ""), priority=priority,
            payee_name=request.form.get("payee_name", ""),
            payee_iban=request.form.get("payee_iban", ""),
        )  # fmt: skip
        return _(
            "Debt %(id)s of %(prison_number)s registered: %(euros)s.",
            id=debt.id,
            prison_number=inmate.prison_number,
            euros=euros(debt.amount_cents),
        )

    return perform(register, "", url_for("money.debts_page", prison=prison.id))


@bp.post("/debts/<int:debt_id>/correct")
def correction_enter(debt_id: int) -> Any:
    db = get_db()
    prison = chosen_prison(db)
    return perform(
        lambda db: (
            services.enter_correction(
                db,
                staff_actor(),
                debt_id,
                new_amount_cents=form_cents("amount"),
                reason=request.form.get("reason", ""),
            )
            and f"Correction of debt {debt_id} entered; another accountant must approve it."
        ),
        "",
        url_for("money.debts_page", prison=prison.id),
    )


@bp.post("/corrections/<int:correction_id>/approve")
def correction_approve(correction_id: int) -> Any:
    db = get_db()
    prison = chosen_prison(db)
    return perform(
        lambda db: (
            services.approve_correction(db, staff_actor(), correction_id)
            and f"Correction {correction_id} approved: the debt is corrected."
        ),
        "",
        url_for("money.debts_page", prison=prison.id),
    )


@bp.post("/corrections/<int:correction_id>/reject")
def correction_reject(correction_id: int) -> Any:
    db = get_db()
    prison = chosen_prison(db)
    return perform(
        lambda db: (
            services.reject_correction(
                db, staff_actor(), correction_id, request.form.get("note", "")
            )
            and None
        ),
        _(
            "Correction %(correction_id)s rejected.",
            correction_id=correction_id,
        ),
        url_for("money.debts_page", prison=prison.id),
    )


def _wages_page(db: Session, prison: Prison, **shown: Any) -> str:
    return render_template(
        "money/wages.html",
        prison=prison,
        payrolls=services.payrolls(db, prison.id),
        me=current_user.user.username,
        **shown,
    )


@bp.get("/wages")
def wages_page() -> Any:
    db = get_db()
    return _wages_page(db, chosen_prison(db))


def _payroll_text() -> str:
    upload = request.files.get("payroll")
    if upload is not None and upload.filename:
        try:
            # utf-8-sig: a spreadsheet saving "CSV UTF-8" puts a byte order mark first.
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidInput(_("the payroll is not UTF-8 text: save it as CSV (UTF-8)")) from None
    return request.form.get("csv_text", "")


@bp.post("/wages")
def payroll_upload() -> Any:
    """Preview a payroll (every line and its split), or upload it for a second person."""
    db = get_db()
    prison = chosen_prison(db)
    text, key = "", request.form.get("key", "")
    try:
        text = _payroll_text()
        if request.form.get("action") == "upload":
            payroll = services.upload_payroll(db, staff_actor(), text, key=key,
                                              prison_id=prison.id)  # fmt: skip
            db.commit()
            flash(
                _(
                    "Payroll %(key)s uploaded (%(lines)s lines, %(euros)s); another "
                    "accountant must approve it.",
                    key=payroll.key,
                    lines=payroll.lines,
                    euros=euros(payroll.total_cents),
                )
            )
            return _wages_page(db, prison)
        rules = services.income_rules(settings())
        preview = services.preview_payroll(db, text, prison_id=prison.id, rules=rules)
        db.rollback()
        return _wages_page(db, prison, preview=preview, csv_text=text, key=key)
    except (ServiceError, ledger.LedgerError) as refused:
        db.rollback()
        flash(translated_refusal(refused), "error")
        return _wages_page(db, prison, csv_text=text, key=key)


@bp.post("/wages/<int:payroll_id>/approve")
def payroll_approve(payroll_id: int) -> Any:
    db = get_db()
    prison = chosen_prison(db)

    def approve(db: Session) -> str:
        run = services.approve_payroll(db, staff_actor(), payroll_id, prison_id=prison.id,
                                       rules=services.income_rules(settings()))  # fmt: skip
        return _(
            "Paid %(lines)s inmates %(euros)s in %(transfers)s transfers.",
            lines=run.lines,
            euros=euros(run.total_cents),
            transfers=run.transfers,
        )

    return perform(approve, "", url_for("money.wages_page", prison=prison.id))


@bp.post("/wages/<int:payroll_id>/reject")
def payroll_reject(payroll_id: int) -> Any:
    db = get_db()
    prison = chosen_prison(db)
    return perform(
        lambda db: (
            services.reject_payroll(
                db, staff_actor(), payroll_id, request.form.get("note", ""), prison_id=prison.id
            )
            and None
        ),
        _("The payroll is rejected; nothing was paid."),
        url_for("money.wages_page", prison=prison.id),
    )


__all__ = ["MONEY_ACCESS", "bp", "init_app"]
