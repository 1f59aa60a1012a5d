"""A button's one service call, the way every surface's form runs it: one call, one commit, a
refusal rolled back and flashed with its reason, and the browser sent back. The staff pages
(`backoffice/web/handling.perform`) and the kiosk (`kiosk/views/screen.act`) each wrap it with
their own refusals and flash categories."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from ..errors import ServiceError
from .app import get_db


def refusal_message(error: Exception) -> str:
    """What a refusal says: a ServiceError's message, another error's text."""
    return getattr(error, "message", str(error))


def commit_once(
    action: Callable[[Session], str | None],
    back: str,
    *,
    done: str = "",
    refused: tuple[type[Exception], ...] = (ServiceError,),
    refusal: Callable[[Any], str] = refusal_message,
    audited: type[Exception] | None = None,
    category: str = "message",
) -> Response:
    """Run `action` with the request's session and commit once; its message (or `done`) is
    flashed in `category` and the browser goes `back`. An error of the `refused` kinds is rolled
    back and flashed as an error in the words `refusal` gives it, except one of the `audited`
    kind, which is committed: the service wrote nothing but its audit row."""
    db = get_db()
    try:
        message = action(db) or done
    except refused as error:
        if audited is not None and isinstance(error, audited):
            db.commit()
        else:
            db.rollback()
        flash(refusal(error), "error")
        return redirect(back)
    db.commit()
    flash(message, category)
    return redirect(back)
