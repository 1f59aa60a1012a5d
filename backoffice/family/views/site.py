"""What every family page shares: the blueprint, the app's clock, the page's language, and the
start page."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, current_app, g, render_template, request

from .. import texts

bp = Blueprint("family", __name__, template_folder="../templates", static_folder="../static",
               static_url_path="/family-static")  # fmt: skip


def now() -> datetime:
    return current_app.extensions["family_clock"]()  # type: ignore[no-any-return]


def page(template: str, status: int = 200, *, language: str | None = None, **values: Any) -> Any:
    """Render in the page's language (the contact's own when `language` is given)."""
    g.family_language = texts.current(language)
    return render_template(template, **values), status


@bp.before_app_request
def pick_language() -> None:
    texts.choose(request.args.get("lang"))


@bp.app_context_processor
def language_links() -> dict[str, Any]:
    return {
        "t": texts.text_for,
        "language": g.get("family_language") or texts.current(),
        "language_names": [(code, texts.LANGUAGE_NAMES[code]) for code in texts.languages()],
    }


@bp.get("/")
def home() -> Any:
    return page("family/home.html")
