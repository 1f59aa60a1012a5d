"""The language of the staff pages: the member of staff's own (their profile's, saved by the
switch in the header); before signing in, the one chosen on the sign-in page, else the
browser's Accept-Language, else Estonian."""

from __future__ import annotations

from typing import Any

from flask import Flask, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..errors import ServiceError
from ..settings import LANGUAGES
from ..staff.accounts import set_language
from ..surface import get_db
from ..surface.i18n import init_i18n
from .access import ACCESS, PUBLIC, staff_actor
from .pages import bp
from .views import safe_next

SESSION_KEY = "lang"
FALLBACK = "et"


def staff_language() -> str:
    user = getattr(current_user, "user", None)
    if user is not None and user.language in LANGUAGES:
        return str(user.language)
    chosen = session.get(SESSION_KEY)
    if chosen in LANGUAGES:
        return str(chosen)
    return request.accept_languages.best_match(LANGUAGES) or FALLBACK


def role_name(role: str) -> str:
    """A role as staff call it in their language (the code itself if unknown)."""
    names = {
        "admin": _("administrator"),
        "shop": _("shop"),
        "accountant": _("accountant"),
        "officer": _("officer"),
        "requests": _("request handler"),
        "visits": _("visits"),
        "auditor": _("auditor"),
    }
    return names.get(role, role)


def init_language(app: Flask) -> None:
    init_i18n(app, list(LANGUAGES), staff_language)
    app.add_template_global(role_name, "role_name")
    app.add_template_filter(role_name, "role_name")
    # Before signing in too: the sign-in page has the switch.
    ACCESS["views.language"] = PUBLIC


@bp.post("/language")
def language() -> Any:
    chosen = request.form.get("language", "")
    if getattr(current_user, "user", None) is None:
        if chosen in LANGUAGES:
            session[SESSION_KEY] = chosen
        return redirect(url_for("views.sign_in"))
    db = get_db()
    try:
        set_language(db, staff_actor(), current_user.user.id, chosen)
    except ServiceError as refused:
        db.rollback()
        flash(_(refused.message), "error")
    else:
        db.commit()
    return redirect(safe_next(request.form.get("next")))
