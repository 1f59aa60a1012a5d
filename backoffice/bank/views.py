"""The accountant's bank pages: statements (camt.053, camt.054, a bank's CSV) previewed and
imported, what waits for a decision, the bank's balance against the ledger, and money out
(payments entered, approved by another accountant, written into pain.001 files)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import ledger

from ..accounts.deposits import SecurityRules
from ..accounts.services import local_today
from ..errors import ServiceError
from ..money.amounts import euros
from ..money.services import income_rules
from ..people.models import Prison
from ..staff.models import Role
from ..surface import get_db, settings
from ..web.access import ACCESS, staff_actor
from ..web.handling import perform, translated_refusal
from ..web.pages import chosen_prison, form_cents, form_inmate
from . import balance, services
from .models import PaymentFile, PaymentStatus
from .pain001 import Debtor

bp = Blueprint("bank", __name__, url_prefix="/bank", template_folder="templates")

ACCOUNTANTS = frozenset({Role.ACCOUNTANT})
BANK_ACCESS: dict[str, frozenset[str]] = {
    f"bank.{name}": ACCOUNTANTS
    for name in (
        "index",
        "statement_import",
        "entry_assign",
        "entry_explain",
        "entry_return",
        "difference_explain",
        "payments_page",
        "release_payout",
        "deposit_return",
        "debt_payouts",
        "payment_approve",
        "payment_reject",
        "payment_file_write",
        "payment_file",
    )
}


def init_app(app: Flask) -> None:
    ACCESS.update(BANK_ACCESS)
    app.register_blueprint(bp)


def _back(prison: Prison, page: str = "bank.index") -> str:
    return url_for(page, prison=prison.id)


def debtor() -> Debtor:
    section = settings()["bank"]
    return Debtor(section["account_name"], section["account_iban"], section["bic"])


@bp.get("/")
def index() -> Any:
    db = get_db()
    return _page(db, chosen_prison(db))


def _page(db: Session, prison: Prison, **shown: Any) -> str:
    return render_template(
        "bank/index.html",
        prison=prison,
        prisons=[] if current_user.user.prison_id else list(db.scalars(select(Prison))),
        position=balance.bank_position(db, prison.id),
        waiting=services.waiting_entries(db, prison.id),
        recent=services.recent_entries(db, prison.id, limit=50),
        **shown,
    )


@bp.post("/statements")
def statement_import() -> Any:
    """Preview a camt file or a bank's CSV statement (nothing is booked), or import it."""
    db = get_db()
    prison = chosen_prison(db)
    upload = request.files.get("statement")
    if upload is None or not upload.filename:
        flash(_("Choose the bank's statement: camt.053 or camt.054 (XML), or CSV."), "error")
        return _page(db, prison)
    data = upload.read()
    importing = request.form.get("action") == "import"
    try:
        done = services.import_bank_file(
            db, staff_actor(), prison, data, rules=SecurityRules.from_settings(settings()),
            income=income_rules(settings()), preview=not importing,
        )  # fmt: skip
    except IntegrityError:
        db.rollback()
        flash(
            _(
                "Someone imported this statement at the same moment: try again.",
            ),
            "error",
        )
        return _page(db, prison)
    except (ServiceError, ledger.LedgerError) as refused:
        db.rollback()
        flash(translated_refusal(refused), "error")
        return _page(db, prison)
    if importing:
        db.commit()
        flash(
            _(
                "Imported: %(count)s credited (%(euros)s), %(count2)s held for "
                "security, %(count3)s waiting for you, %(count4)s refused, %(count5)s "
                "imported before.",
                count=done.count("credit"),
                euros=euros(done.credited_cents),
                count2=done.count("hold"),
                count3=done.count("wait"),
                count4=done.count("refuse"),
                count5=done.count("duplicate"),
            )
        )
    else:
        db.rollback()
    return _page(db, prison, result=done, previewed=not importing)


@bp.post("/entries/<int:entry_id>/assign")
def entry_assign(entry_id: int) -> Any:
    db = get_db()
    prison = chosen_prison(db)

    def assign(db: Session) -> str:
        done = services.assign_entry(
            db, staff_actor(), prison, entry_id, request.form.get("prison_number", ""),
            request.form.get("note", ""), rules=SecurityRules.from_settings(settings()),
            income=income_rules(settings()),
        )  # fmt: skip
        held = _(" and held for the security officer") if done.action == "hold" else ""
        return _(
            "Bank entry %(entry_id)s is a deposit for %(prison_number)s%(held)s.",
            entry_id=entry_id,
            prison_number=done.prison_number,
            held=held,
        )

    return perform(assign, "", _back(prison))


@bp.post("/entries/<int:entry_id>/explain")
def entry_explain(entry_id: int) -> Any:
    db = get_db()
    prison = chosen_prison(db)
    return perform(
        lambda db: (
            services.explain_entry(
                db, staff_actor(), prison, entry_id, request.form.get("note", "")
            )
            and None
        ),
        _("Bank entry %(entry_id)s explained.", entry_id=entry_id),
        _back(prison),
    )


@bp.post("/entries/<int:entry_id>/return")
def entry_return(entry_id: int) -> Any:
    db = get_db()
    prison = chosen_prison(db)
    return perform(
        lambda db: (
            f"Payment P{services.enter_return(db, staff_actor(), prison, entry_id=entry_id).id} "
            "back to the sender entered; another accountant must approve it."
        ),
        "",
        _back(prison, "bank.payments_page"),
    )


@bp.post("/statements/<int:statement_id>/explain")
def difference_explain(statement_id: int) -> Any:
    db = get_db()
    prison = chosen_prison(db)
    return perform(
        lambda db: (
            balance.explain_difference(
                db, staff_actor(), prison.id, statement_id, request.form.get("note", "")
            )
            and None
        ),
        _("The difference is explained."),
        _back(prison),
    )


@bp.get("/payments")
def payments_page() -> Any:
    db = get_db()
    prison = chosen_prison(db)
    return render_template(
        "bank/payments.html",
        prison=prison,
        pending=services.payments(db, prison.id, status=PaymentStatus.PENDING),
        approved=services.payments(db, prison.id, status=PaymentStatus.APPROVED),
        recent=services.payments(db, prison.id, limit=100),
        files=services.payment_files(db, prison.id),
        me=current_user.user.username,
    )


@bp.post("/payments/release")
def release_payout() -> Any:
    db = get_db()
    prison = chosen_prison(db)

    def enter(db: Session) -> str:
        inmate = form_inmate(db, prison)
        payment = services.enter_release_payout(
            db, staff_actor(), inmate, amount_cents=form_cents("amount"),
            payee_name=request.form.get("payee_name", ""),
            payee_iban=request.form.get("payee_iban", ""),
        )  # fmt: skip
        return _(
            "Release payout P%(id)s entered; another accountant must approve it.",
            id=payment.id,
        )

    return perform(enter, "", _back(prison, "bank.payments_page"))


@bp.post("/payments/return-deposit")
def deposit_return() -> Any:
    db = get_db()
    prison = chosen_prison(db)
    deposit_id = request.form.get("deposit_id", type=int)
    return perform(
        lambda db: (
            f"Payment P{services.enter_return(db, staff_actor(), prison, deposit_id=deposit_id).id}"
            " back to the sender entered; another accountant must approve it."
        ),
        "",
        _back(prison, "bank.payments_page"),
    )


@bp.post("/payments/debts")
def debt_payouts() -> Any:
    db = get_db()
    prison = chosen_prison(db)

    def enter(db: Session) -> str:
        made = services.enter_debt_payouts(db, staff_actor(), prison)
        total = euros(sum(p.amount_cents for p in made))
        return _(
            "%(len)s creditor payouts entered (%(total)s); another accountant approves them.",
            len=len(made),
            total=total,
        )

    return perform(enter, "", _back(prison, "bank.payments_page"))


@bp.post("/payments/<int:payment_id>/approve")
def payment_approve(payment_id: int) -> Any:
    db = get_db()
    prison = chosen_prison(db)
    return perform(
        lambda db: (
            services.approve_payment(db, staff_actor(), payment_id, prison_id=prison.id)
            and f"Payment P{payment_id} approved; the money has moved in the ledger."
        ),
        "",
        _back(prison, "bank.payments_page"),
    )


@bp.post("/payments/<int:payment_id>/reject")
def payment_reject(payment_id: int) -> Any:
    db = get_db()
    prison = chosen_prison(db)
    return perform(
        lambda db: (
            services.reject_payment(
                db, staff_actor(), payment_id, request.form.get("note", ""), prison_id=prison.id
            )
            and None
        ),
        _(
            "Payment P%(payment_id)s rejected; nothing moved.",
            payment_id=payment_id,
        ),
        _back(prison, "bank.payments_page"),
    )


@bp.post("/payment-files")
def payment_file_write() -> Any:
    db = get_db()
    prison = chosen_prison(db)

    def write(db: Session) -> str:
        written = services.write_payment_file(
            db, staff_actor(), prison, debtor(), today=local_today(prison.timezone)
        )
        return _(
            "Payment file %(message_id)s written: %(payments)s payments, "
            "%(euros)s. Download it and send it to the bank.",
            message_id=written.message_id,
            payments=written.payments,
            euros=euros(written.total_cents),
        )

    return perform(write, "", _back(prison, "bank.payments_page"))


@bp.get("/payment-files/<int:file_id>")
def payment_file(file_id: int) -> Any:
    db = get_db()
    written = db.get(PaymentFile, file_id)
    mine = current_user.user.prison_id
    if written is None or (mine is not None and written.prison_id != mine):
        abort(404)
    return Response(
        written.xml,
        mimetype="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{written.message_id}.xml"'},
    )


__all__ = ["BANK_ACCESS", "bp", "init_app"]
