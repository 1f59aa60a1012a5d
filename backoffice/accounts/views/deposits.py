"""Family deposits from bank statements (previewed, then imported), and the deposits held by the
security checks, which a security officer releases or returns."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from flask import flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

import ledger

from ...errors import InvalidInput, ServiceError
from ...money.services import income_rules
from ...people.models import Prison
from ...staff.models import Role
from ...surface import get_db, settings
from ...web.access import staff_actor
from ...web.handling import perform
from .. import deposits
from ..models import DepositStatus
from .common import bp, my_prison, page_prison, prison_choices


def _statement_text() -> str:
    upload = request.files.get("statement")
    if upload is not None and upload.filename:
        raw = upload.read()
        for encoding in ("utf-8-sig", "cp1257"):  # cp1257: the Baltic Windows code page
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError:
                continue
        raise InvalidInput(
            _(
                "the file is not a text file (neither UTF-8 nor Windows-1257): export "
                "the bank statement as CSV and upload it again",
            )
        )
    return request.form.get("csv_text", "")


@bp.get("/deposits")
def deposits_page() -> Any:
    db = get_db()
    return _deposits_page(db, page_prison(db))


@bp.post("/deposits")
def deposits_import() -> Any:
    db = get_db()
    prison = page_prison(db)
    rules = deposits.SecurityRules.from_settings(settings())
    text = ""
    preview = result = None
    try:
        text = _statement_text()
        if request.form.get("action") == "import":
            result = deposits.import_statement(
                db, staff_actor(), prison, text, rules=rules, income=income_rules(settings())
            )
            db.commit()
            flash(
                _(
                    "Imported: %(count)s credited, %(count2)s held for security, "
                    "%(count3)s imported before, %(count4)s with errors",
                    count=result.count("credit"),
                    count2=result.count("hold"),
                    count3=result.count("duplicate"),
                    count4=result.count("error"),
                )
            )
        else:
            preview = deposits.preview_import(db, prison, text, rules=rules)
    except IntegrityError:
        db.rollback()
        flash(
            _(
                "Someone imported lines of this statement at the same moment: try again.",
            ),
            "error",
        )
    except (ServiceError, ledger.LedgerError) as refused:
        db.rollback()
        flash(_(getattr(refused, "message", str(refused))), "error")
    return _deposits_page(db, prison, preview=preview, result=result, csv_text=text)


def _deposits_page(
    db: Session,
    prison: Prison,
    *,
    preview: Any = None,
    result: Any = None,
    csv_text: str = "",
) -> str:
    """The deposits page: the recent deposits, and what a statement import previewed or did."""
    return render_template(
        "accounts/deposits.html",
        prison=prison,
        prisons=prison_choices(db),
        recent=deposits.deposits(db, prison_id=prison.id),
        preview=preview,
        result=result,
        csv_text=csv_text,
    )


@bp.get("/deposits/held")
def held() -> Any:
    db = get_db()
    return render_template(
        "accounts/held.html",
        held=deposits.deposits(db, prison_id=my_prison(), status=DepositStatus.HELD),
        decided=[
            d
            for d in deposits.deposits(db, prison_id=my_prison(), limit=100)
            if d.status in (DepositStatus.RELEASED, DepositStatus.RETURNED)
        ],
        may_decide=current_user.has_role(Role.OFFICER),
    )


def _decide(deposit_id: int, decide: Callable[..., object], done: str) -> Response:
    """A security officer's decision on a held deposit, with the reason typed on the page."""
    return perform(
        lambda db: (
            decide(
                db, staff_actor(), deposit_id, request.form.get("reason", ""), prison_id=my_prison()
            )
            and None
        ),
        done,
        url_for("accounts.held"),
    )


@bp.post("/deposits/<int:deposit_id>/release")
def deposit_release(deposit_id: int) -> Any:
    return _decide(
        deposit_id,
        partial(deposits.release_deposit, income=income_rules(settings())),
        f"Deposit {deposit_id} released and credited.",
    )


@bp.post("/deposits/<int:deposit_id>/return")
def deposit_return(deposit_id: int) -> Any:
    return _decide(
        deposit_id,
        deposits.return_deposit,
        f"Deposit {deposit_id} marked for return to the sender; nothing was credited.",
    )
