"""Urgent notices (send to a prison, a wing or a cell; who has not read one yet; withdraw) and
the courses an inmate finished, as their file shows them and as they print on release."""

from __future__ import annotations

from typing import Any

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...people.models import Inmate, Language
from ...surface import form_id, get_db
from ...web.access import staff_actor
from ...web.handling import perform
from .. import services
from ..models import Notice
from .common import bp, now, prison, visible


@bp.get("/notices")
def notices() -> Any:
    here = prison()
    return render_template(
        "content/notices.html",
        prison=here,
        notices=services.notices_of(get_db(), here.id),
        languages=[lang.value for lang in Language],
    )


@bp.post("/notices")
def send_notice() -> Any:
    here = prison()
    form = request.form
    where, _sep, place = form.get("where", "").partition(":")
    texts = {
        lang.value: {
            "title": form.get(f"title_{lang.value}", ""),
            "body": form.get(f"body_{lang.value}", ""),
        }
        for lang in Language
    }

    def action(db: Session) -> None:
        services.send_notice(
            db,
            staff_actor(),
            prison_id=here.id,
            wing_id=form_id(place) if where == "wing" else None,
            cell_id=form_id(place) if where == "cell" else None,
            texts=texts,
            now=now(),
        )

    return perform(action, _("The notice is sent."), url_for("content.notices", prison=here.id))


def _notice_or_404(notice_id: int) -> Notice:
    notice = get_db().get(Notice, notice_id)
    if notice is None or not visible(notice.prison_id):
        abort(404)
    return notice


@bp.get("/notices/<int:notice_id>")
def notice(notice_id: int) -> Any:
    _notice_or_404(notice_id)
    return render_template("content/notice.html", readers=services.readership(get_db(), notice_id))


@bp.post("/notices/<int:notice_id>/withdraw")
def withdraw_notice(notice_id: int) -> Any:
    _notice_or_404(notice_id)

    def action(db: Session) -> None:
        services.withdraw(db, staff_actor(), notice_id, now())

    return perform(
        action, _("The notice is withdrawn."), url_for("content.notice", notice_id=notice_id)
    )


@bp.get("/completions")
def completions() -> Any:
    """Find an inmate by prison number: the courses in their file, ready to print."""
    db = get_db()
    number = request.args.get("prison_number", "").strip()
    inmate = None
    if number:
        inmate = db.scalars(select(Inmate).where(Inmate.prison_number == number)).first()
        if inmate is not None and not visible(inmate.prison_id):
            inmate = None
    done = services.completions_of(db, inmate.id) if inmate else []
    return render_template(
        "content/completions.html", number=number, inmate=inmate, completions=done
    )
