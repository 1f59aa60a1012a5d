"""The library on the kiosk: browse and search what is published to the inmate, play it (and
resume where they stopped), read documents and pages, favourites and stars, a lesson's quiz;
and the urgent notices, which come before anything else until each is acknowledged."""

from __future__ import annotations

import re
from typing import Any

from flask import abort, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.content import services as content
from backoffice.content.media_response import media_response
from backoffice.content.models import ContentCategory, Kind
from backoffice.content.services.media import SHA256
from backoffice.db import utcnow
from backoffice.errors import ServiceError
from backoffice.people.models import Inmate
from backoffice.surface import get_db, settings

from .screen import TOKEN, act, actor_for, bp, current_inmate, signed_in

# The screens that wait until the inmate has read every urgent notice.
AFTER_NOTICES = frozenset({"kiosk.home", "kiosk.library", "kiosk.library_item"})
PAGE = 12
QUESTION = re.compile(r"^q[0-9]{1,3}$")


@bp.before_app_request
def notices_first() -> Any:
    if request.endpoint not in AFTER_NOTICES or TOKEN not in session:
        return None
    inmate = current_inmate()
    if inmate is not None and content.unread(get_db(), inmate):
        return redirect(url_for("kiosk.notices"))
    return None


def kind_word(kind: str) -> str:
    return {
        Kind.VIDEO: _("Video"),
        Kind.AUDIO: _("Audio"),
        Kind.SERIES: _("Series"),
        Kind.DOCUMENT: _("Document"),
        Kind.PAGE: _("Page"),
        Kind.COURSE: _("Course"),
        Kind.LESSON: _("Lesson"),
    }[Kind(kind)]


def _number(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and len(value) < 10 else None


@bp.get("/library")
@signed_in
def library(inmate: Inmate) -> Any:
    db = get_db()
    query = request.args.get("q", "")[:100]
    kind = request.args.get("kind", "")
    entries, next_id = content.browse(
        db,
        inmate,
        utcnow(),
        query=query,
        category_id=_number("category"),
        kind=kind if kind in {k.value for k in Kind} else None,
        favourites=request.args.get("favourites") == "1",
        limit=PAGE,
        before_id=_number("before"),
    )
    return render_template(
        "kiosk/library.html",
        entries=entries,
        next_id=next_id,
        query=query,
        categories=list(db.scalars(select(ContentCategory).order_by(ContentCategory.code))),
        kind_word=kind_word,
        args=request.args,
    )


@bp.get("/library/<int:item_id>")
@signed_in
def library_item(inmate: Inmate, item_id: int) -> Any:
    try:
        shown = content.detail(get_db(), inmate, item_id, utcnow())
    except ServiceError:
        abort(404)
    return render_template("kiosk/library_item.html", shown=shown, kind_word=kind_word)


@bp.get("/library/media/<sha256>")
@signed_in
def library_media(inmate: Inmate, sha256: str) -> Any:
    if not SHA256.match(sha256):
        abort(404)
    try:
        found = content.media_for(get_db(), inmate, sha256, utcnow())
    except ServiceError:
        abort(404)
    response = media_response(content.MediaConfig.from_settings(settings()), found)
    response.vary.add("Cookie")
    return response


@bp.post("/library/<int:item_id>/position")
@signed_in
def library_position(inmate: Inmate, item_id: int) -> Any:
    """The player says where it is, every few seconds and on pause (no page, no message)."""
    raw = request.form.get("seconds", "")
    if not raw.isdigit() or len(raw) > 6:
        return "", 422
    db = get_db()
    try:
        content.save_position(db, inmate, item_id, int(raw), utcnow())
    except ServiceError as refused:
        db.rollback()
        return "", refused.status
    db.commit()
    return "", 204


def _refused(error: ServiceError) -> str:
    if error.details.get("field") == "answers":
        return _("Answer every question.")
    return _("This cannot be done.")


@bp.post("/library/<int:item_id>/<any(favourite, unfavourite, rate, quiz):action>")
@signed_in
def library_action(inmate: Inmate, item_id: int, action: str) -> Any:
    def run(db: Session) -> str:
        actor = actor_for(inmate)
        if action in ("favourite", "unfavourite"):
            on = action == "favourite"
            content.set_favourite(db, actor, inmate, item_id, on, utcnow())
            return _("Added to your favourites.") if on else _("Taken off your favourites.")
        if action == "rate":
            stars = request.form.get("stars", "")
            content.rate(db, actor, inmate, item_id, int(stars) if stars.isdigit() else 0, utcnow())
            return _("Thank you for your rating.")
        # One radio group per question, q0, q1, ...: a question left out is one answer fewer.
        chosen = {k: v for k, v in request.form.items() if QUESTION.match(k)}
        answers = [
            int(v) if v.isdigit() and len(v) < 4 else -1
            for _k, v in sorted(chosen.items(), key=lambda kv: int(kv[0][1:]))
        ]
        result = content.answer_quiz(db, actor, inmate, item_id, answers, utcnow())
        if result.course_completed:
            return _("Well done: you have finished the course. It is recorded in your file.")
        if result.passed:
            return _(
                "Passed: %(right)s of %(questions)s right.",
                right=result.right,
                questions=result.questions,
            )
        return _(
            "%(right)s of %(questions)s right. Watch the lesson again and try once more.",
            right=result.right,
            questions=result.questions,
        )

    return act(run, url_for("kiosk.library_item", item_id=item_id), refusal=_refused)


@bp.get("/notices")
@signed_in
def notices(inmate: Inmate) -> Any:
    unread = content.unread(get_db(), inmate)
    if not unread:
        return redirect(url_for("kiosk.home"))
    return render_template("kiosk/notices.html", notices=unread, language=inmate.language)


@bp.post("/notices/<int:notice_id>/acknowledge")
@signed_in
def notice_acknowledge(inmate: Inmate, notice_id: int) -> Any:
    def run(db: Session) -> str:
        content.acknowledge(db, actor_for(inmate), inmate, notice_id, utcnow())
        return _("Thank you. The notice is marked as read.")

    return act(run, url_for("kiosk.notices"), refusal=_refused)
