"""The family surface's app factory, on what every surface shares (`backoffice.surface`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import Flask
from flask_limiter import Limiter
from flask_wtf import CSRFProtect
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ..settings import Settings
from ..surface import (
    check_shared_storage,
    health_blueprint,
    init_common,
    init_shared_storage_outage,
    remote_addr,
    set_security_headers,
    shared_storage,
)
from . import views

# No script at all: the family's pages are forms and links.
CSP = (
    "default-src 'none'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'; "
    "form-action 'self'; base-uri 'none'"
)
CLOCK = "family_clock"


def _utcnow() -> datetime:
    return datetime.now(UTC)


def create_app(
    settings: Settings | None = None, *, clock: Callable[[], datetime] = _utcnow
) -> Flask:
    """`clock` is the time the pages go by (the join window): a test passes its own."""
    app = Flask(__name__)
    settings = init_common(app, settings, "family")
    app.extensions[CLOCK] = clock
    # A link from an e-mail is a cross-site navigation: Lax lets its GET carry the session.
    app.config["WTF_CSRF_TIME_LIMIT"] = 3600
    CSRFProtect(app)
    app.register_blueprint(health_blueprint())
    app.register_blueprint(views.bp)
    app.after_request(_headers)
    _limit(app, settings)

    @app.errorhandler(CSRFError)
    def stale_form(_error: CSRFError) -> Any:
        return _error("stale_form", 400)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        code = error.code or 500
        return _error("not_found" if code == 404 else "cannot", code)

    return app


def _limit(app: Flask, settings: Settings) -> None:
    """The site is on the open internet: requests per address, and fewer for the forms that
    send a code or check one, counted where every worker and host counts them."""
    limiter = Limiter(remote_addr, **shared_storage(settings), headers_enabled=False,
                      default_limits=[settings["family.request_rate_limit"]],
                      strategy="fixed-window")  # fmt: skip
    limiter.init_app(app)
    check_shared_storage(limiter, settings)
    for endpoint in ("family.send_code", "family.confirm_code"):
        app.view_functions[endpoint] = limiter.limit(settings["family.code_rate_limit"])(
            app.view_functions[endpoint]
        )
    limiter.exempt(app.view_functions["health.health"])
    init_shared_storage_outage(app, limiter, lambda: _error("cannot", 503))
    app.register_error_handler(429, lambda _error_: _error("too_many", 429))


def _error(message: str, status: int) -> Any:
    return views.page("family/message.html", status, message=message)


def _headers(response: Any) -> Any:
    response.headers.setdefault("Cache-Control", "no-store")
    return set_security_headers(response, CSP)
